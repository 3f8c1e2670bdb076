/** What the web UI needs of the API: its page and assets, who a token is (`GET /me`), and the tab counts. */
import { Inbox } from './support/inbox';

describe('the routes behind the web UI', () => {
  let inbox: Inbox;
  beforeEach(async () => (inbox = await Inbox.start()));
  afterEach(() => inbox.stop());

  it('serves the page at / and its assets under /app/, without a token', async () => {
    const page = await inbox.request<string>('GET', '/', { token: null });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.body).toContain('<script type="module" src="/app/main.js">');
    const script = await inbox.request<string>('GET', '/app/main.js', { token: null });
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toMatch(/javascript/);
    expect((await inbox.request('GET', '/app/missing.js', { token: null })).status).toBe(404);
  });

  it.each(['GET', 'HEAD'])("%s /app/ (the assets' folder itself) is a 404, not a server error", async (method) => {
    for (const path of ['/app/', '/app']) {
      const answer = await inbox.request(method, path, { token: null });
      expect({ path, status: answer.status }).toEqual({ path, status: 404 });
      if (method === 'GET') expect(answer.body).toMatchObject({ statusCode: 404, error: 'Not Found' });
    }
  });

  it('GET /me names the token’s owner and role', async () => {
    const alice = await inbox.addMember('Alice');
    const chat = await inbox.addIntegration('Chat widget');
    expect((await inbox.request('GET', '/me', { token: alice.token })).body).toEqual({
      id: alice.id,
      type: 'member',
      name: 'Alice',
      role: 'agent',
    });
    expect((await inbox.request('GET', '/me', { token: chat.token })).body).toMatchObject({ role: 'integration' });
    expect((await inbox.request('GET', '/me', { token: 'ti_0000000000000000_nope' })).status).toBe(401);
  });

  it('GET /inbox/counts counts every view for the caller', async () => {
    const { alice, bob, chat } = await inbox.addTeam();
    const conversations = [];
    for (let n = 0; n < 5; n++) conversations.push(await inbox.startConversation(chat.token));
    const [mine, bobs, closed] = conversations;
    await inbox.request('POST', `/conversations/${mine.id}/assign`, { token: alice.token, body: { assigneeId: 'me' } });
    await inbox.request('POST', `/conversations/${bobs.id}/assign`, { token: bob.token, body: { assigneeId: 'me' } });
    const last = await inbox.request<{ position: string }>('POST', `/conversations/${closed.id}/close`, {
      token: alice.token,
    });

    const counts = await inbox.request('GET', `/inbox/counts?minPosition=${last.body.position}`, {
      token: alice.token,
    });
    expect(counts.status).toBe(200);
    // 5 conversations: Alice's, Bob's, one closed, two unassigned.
    expect(counts.body).toEqual({ inbox: 3, mine: 1, unassigned: 2, assigned: 2, closed: 1, all: 5 });
    expect((await inbox.request('GET', '/inbox/counts', { token: chat.token })).status).toBe(403);
  });
});
