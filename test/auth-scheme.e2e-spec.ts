/**
 * The authentication scheme is case-insensitive (RFC 9110, 11.1): `bearer`, `Bearer` and `BEARER` are the
 * same scheme, and a valid token sent with any of them is in, never counted as a failed guess. One or more
 * spaces separate the scheme from the token (RFC 6750's `1*SP`).
 */
import { randomUUID } from 'node:crypto';
import { Inbox } from './support/inbox';

describe('the Authorization scheme', () => {
  let inbox: Inbox;
  let agentToken: string;

  beforeAll(async () => {
    inbox = await Inbox.start();
    agentToken = (await inbox.addMember('Alice')).token;
  });
  afterAll(() => inbox.stop());

  const me = (authorization: string) =>
    inbox.request('GET', '/me', { token: null, headers: { authorization } }).then((answer) => answer.status);

  it.each(['Bearer', 'bearer', 'BEARER', 'bEaReR'])(
    'takes a valid token with the scheme written %s',
    async (scheme) => {
      expect(await me(`${scheme} ${agentToken}`)).toBe(200);
      const command = await inbox.request('POST', `/conversations/${randomUUID()}/close`, {
        token: null,
        headers: { authorization: `${scheme} ${agentToken}` },
        body: {},
      });
      // Past authentication, to the route's own answer: no such conversation.
      expect(command.status).toBe(404);
    },
  );

  it('never counts a valid token with a lower-case scheme as a failed guess (no lock-out after many)', async () => {
    // More than the throttle's 20 failures, from one client.
    for (let i = 0; i < 25; i++) expect(await me(`bearer ${agentToken}`)).toBe(200);
    expect(await me(`Bearer ${agentToken}`)).toBe(200);
  });

  it('takes more than one space between the scheme and the token (1*SP), and no other whitespace', async () => {
    expect(await me(`Bearer  ${agentToken}`)).toBe(200);
    expect(await me(`bearer   ${agentToken}`)).toBe(200);
    expect(await me(`Bearer\t${agentToken}`)).toBe(401);
  });

  it('still refuses another scheme, and a scheme without a token', async () => {
    expect(await me(`Basic ${agentToken}`)).toBe(401);
    expect(await me('bearer')).toBe(401);
  });
});
