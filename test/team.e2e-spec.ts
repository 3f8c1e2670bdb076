/** Members, integrations and tokens over HTTP: API.md's "Team" routes and its roles table. */
import { randomUUID } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Inbox, type Member } from './support/inbox';
import { startApp, temporaryDataDir } from './support/test-app';

describe('the team over HTTP', () => {
  let inbox: Inbox;
  beforeAll(async () => {
    inbox = await Inbox.start();
  });
  afterAll(async () => {
    await inbox.stop();
  });

  const refused = (...args: Parameters<Inbox['expectRefused']>) => inbox.expectRefused(...args);

  describe('POST /members', () => {
    it('adds an agent by default and shows its token once; the token works at once', async () => {
      const response = await inbox.request<Member>('POST', '/members', {
        body: { name: 'Grace Hopper', email: 'grace@example.com' },
      });
      expect(response.status).toBe(201);
      expect(response.body).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        name: 'Grace Hopper',
        email: 'grace@example.com',
        role: 'agent',
        token: expect.stringMatching(/^ti_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/),
      });
      expect((await inbox.request('GET', '/members', { token: response.body.token })).status).toBe(200);
    });

    it('keeps only a hash of the token: not in the log, not in any file of DATA_DIR', async () => {
      const member = await inbox.addMember('Hashed');
      const secret = member.token.slice('ti_'.length + 17);
      const events = await inbox.streamEvents(`member-${member.id}`);
      expect(events[0].data).toMatchObject({ tokenHash: expect.stringMatching(/^[0-9a-f]{64}$/) });
      for await (const event of inbox.store.readAll()) {
        expect(JSON.stringify([event.data, event.metadata])).not.toContain(secret);
      }
      for (const file of readdirSync(inbox.dataDir)) {
        expect(readFileSync(join(inbox.dataDir, file)).includes(secret)).toBe(false);
      }
    });

    it('keeps no token in the record of an Idempotency-Key, and says so on a replay (409)', async () => {
      const add = () =>
        inbox.request<Member>('POST', '/members', {
          body: { name: 'Keyed', email: 'keyed@example.com' },
          headers: { 'idempotency-key': 'add-keyed' },
        });
      const first = await add();
      expect(first.status).toBe(201);
      const secret = first.body.token.slice('ti_'.length + 17);
      for await (const event of inbox.store.readAll()) expect(JSON.stringify(event.data)).not.toContain(secret);
      const replay = await inbox.expectRefused(
        'POST',
        '/members',
        {
          body: { name: 'Keyed', email: 'keyed@example.com' },
          headers: { 'idempotency-key': 'add-keyed' },
        },
        409,
        /token was shown only in that first response/,
      );
      expect(replay.body.message).toContain(first.body.id);
    });

    it('refuses a second active member with the same email, whatever its case (409)', async () => {
      await inbox.request('POST', '/members', { body: { name: 'Linus', email: 'linus@example.com' } });
      await refused(
        'POST',
        '/members',
        { body: { name: 'Linus 2', email: ' LINUS@Example.com ' } },
        409,
        /already has the email/,
      );
    });

    it('lets exactly one of two concurrent sign-ups with one email through', async () => {
      const responses = await Promise.all(
        ['Twin A', 'Twin B', 'Twin C'].map((name) =>
          inbox.request('POST', '/members', { body: { name, email: 'twin@example.com' } }),
        ),
      );
      expect(responses.map((r) => r.status).sort()).toEqual([201, 409, 409]);
    });

    it('frees the email when its member is removed', async () => {
      const first = await inbox.request<Member>('POST', '/members', {
        body: { name: 'Once', email: 'again@example.com' },
      });
      expect((await inbox.request('DELETE', `/members/${first.body.id}`)).status).toBe(204);
      expect(
        (await inbox.request('POST', '/members', { body: { name: 'Twice', email: 'again@example.com' } })).status,
      ).toBe(201);
    });

    it.each([
      [{ email: 'x@example.com' }, /name is required/],
      [{ name: '', email: 'x@example.com' }, /name must be 1 to 200 characters/],
      [{ name: 'X', email: 'nope' }, /email must be an email address/],
      [{ name: 'X', email: 'x@example.com', role: 'owner' }, /role must be one of: agent, admin, auditor/],
      [{ name: 'X', email: 'x@example.com', team: 'red' }, /team is not a field of this request/],
    ])('refuses %j with 400', async (body, message) => {
      await refused('POST', '/members', { body }, 400, message);
    });

    it('is for admins only', async () => {
      const agent = await inbox.addMember('Agent');
      const admin = await inbox.addMember('Admin', 'admin');
      await refused(
        'POST',
        '/members',
        { token: agent.token, body: { name: 'X', email: 'x@example.com' } },
        403,
        /agent role may not/,
      );
      await refused(
        'POST',
        '/members',
        { token: null, body: { name: 'X', email: 'x@example.com' } },
        401,
        /Missing Authorization/,
      );
      expect(
        (
          await inbox.request('POST', '/members', {
            token: admin.token,
            body: { name: 'By admin', email: 'byadmin@example.com' },
          })
        ).status,
      ).toBe(201);
    });
  });

  describe('GET /members', () => {
    it('lists active members by name, to admins, agents and auditors, and to no integration', async () => {
      const [zed, amy] = [await inbox.addMember('Zed'), await inbox.addMember('amy')];
      const auditor = await inbox.addMember('Auditor', 'auditor');
      const response = await inbox.request<{ id: string; name: string }[]>('GET', '/members', { token: auditor.token });
      expect(response.status).toBe(200);
      const names = response.body.map((m) => m.name);
      expect(names.indexOf('amy')).toBeLessThan(names.indexOf('Zed'));
      expect(response.body.find((m) => m.id === zed.id)).toEqual({
        id: zed.id,
        name: 'Zed',
        email: zed.email,
        role: 'agent',
      });
      expect(JSON.stringify(response.body)).not.toContain('token');
      expect((await inbox.request('GET', '/members', { token: amy.token })).status).toBe(200);
      const integration = await inbox.addIntegration();
      expect((await inbox.request('GET', '/members', { token: integration.token })).status).toBe(403);
    });
  });

  describe('DELETE /members/:id', () => {
    it('removes the member: its token stops working at once and it leaves the list', async () => {
      const member = await inbox.addMember('Leaving');
      const response = await inbox.request('DELETE', `/members/${member.id}`);
      expect(response.status).toBe(204);
      expect(response.body).toBeUndefined();
      const afterwards = await inbox.request('GET', '/members', { token: member.token });
      expect(afterwards.status).toBe(401);
      expect(afterwards.body).toMatchObject({ message: expect.stringMatching(/revoked/) });
      const list = await inbox.request<{ id: string }[]>('GET', '/members');
      expect(list.body.map((m) => m.id)).not.toContain(member.id);
    });

    it('removes once when two removals race: 204 and 404, never a 500', async () => {
      const member = await inbox.addMember('Raced');
      const responses = await Promise.all([0, 1].map(() => inbox.request('DELETE', `/members/${member.id}`)));
      expect(responses.map((r) => r.status).sort()).toEqual([204, 404]);
    });

    it('refuses an unknown member (404), one removed already (404), a malformed id (400), and non-admins (403)', async () => {
      const member = await inbox.addMember('Gone');
      await inbox.request('DELETE', `/members/${member.id}`);
      await refused('DELETE', `/members/${randomUUID()}`, {}, 404, /No active member/);
      await refused('DELETE', `/members/${member.id}`, {}, 404, /No active member/);
      await refused('DELETE', '/members/42', {}, 400, /uuid/i);
      const agent = await inbox.addMember('Agent');
      await refused('DELETE', `/members/${agent.id}`, { token: agent.token }, 403, /agent role may not/);
    });
  });

  describe('POST /integrations', () => {
    it('registers an integration whose token can start conversations', async () => {
      const response = await inbox.request<{ id: string; name: string; token: string }>('POST', '/integrations', {
        body: { name: 'Shop' },
      });
      expect(response.status).toBe(201);
      expect(response.body).toEqual({ id: expect.any(String), name: 'Shop', token: expect.stringMatching(/^ti_/) });
      expect((await inbox.startConversation(response.body.token)).status).toBe('open');
    });

    it('refuses bad input (400) and non-admins (403)', async () => {
      await refused('POST', '/integrations', { body: {} }, 400, /name is required/);
      await refused('POST', '/integrations', { body: { name: 'x', secret: 's' } }, 400, /secret is not a field/);
      const agent = await inbox.addMember('Agent');
      await refused('POST', '/integrations', { token: agent.token, body: { name: 'x' } }, 403, /agent role may not/);
    });
  });

  describe('tokens', () => {
    it.each([
      ['no header', {}, /Missing Authorization/],
      [
        'another scheme',
        { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` },
        /must be "Bearer <token>"/,
      ],
      ['a malformed token', { authorization: 'Bearer x y' }, /must be "Bearer <token>"/],
      [
        'an unknown token',
        { authorization: `Bearer ti_${'0'.repeat(16)}_${'A'.repeat(43)}` },
        /unknown or has been revoked/,
      ],
    ])('answers 401 to %s, with a Bearer challenge', async (_, headers, message) => {
      const response = await inbox.request('GET', '/members', { token: null, headers });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Bearer');
      expect(response.body).toMatchObject({
        statusCode: 401,
        error: 'Unauthorized',
        message: expect.stringMatching(message),
      });
    });

    it('answers 401 to a real token id with a wrong secret', async () => {
      const member = await inbox.addMember('Target');
      const forged = `${member.token.slice(0, 'ti_'.length + 17)}${'B'.repeat(43)}`;
      expect((await inbox.request('GET', '/members', { token: forged })).status).toBe(401);
    });
  });
});

describe('the bootstrap admin token', () => {
  it('is generated on the first start where INBOX_ADMIN_TOKEN is unset, into an owner-only file, and kept', async () => {
    const data = temporaryDataDir();
    try {
      const first = await startApp({ dataDir: data.dir });
      const file = join(data.dir, 'admin-token');
      const token = readFileSync(file, 'utf8').trim();
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const members = await fetch(`${first.baseUrl}/members`, { headers: { authorization: `Bearer ${token}` } });
      expect(members.status).toBe(200);
      await first.stop();

      const second = await startApp({ dataDir: data.dir });
      expect(readFileSync(file, 'utf8').trim()).toBe(token);
      expect((await fetch(`${second.baseUrl}/members`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(
        200,
      );
      await second.stop();
    } finally {
      data.remove();
    }
  });
});
