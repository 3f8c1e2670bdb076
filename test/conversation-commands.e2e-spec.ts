/**
 * Every conversation command over HTTP: the happy path, each error status API.md's table gives the route,
 * and for each refusal, a look at the log to see that nothing was appended.
 */
import { randomUUID } from 'node:crypto';
import { Inbox, type Conversation, type Member } from './support/inbox';

describe('conversation commands over HTTP', () => {
  let inbox: Inbox;
  let alice: Member;
  let bob: Member;
  let auditor: Member;
  let chat: { id: string; token: string };

  beforeAll(async () => {
    inbox = await Inbox.start();
    ({ alice, bob, auditor, chat } = await inbox.addTeam({ bobRole: 'admin' }));
  });
  afterAll(async () => {
    await inbox.stop();
  });

  const refused = (...args: Parameters<Inbox['expectRefused']>) => inbox.expectRefused(...args);

  describe('POST /conversations', () => {
    it("starts an open, unassigned conversation from a customer's first message", async () => {
      const response = await inbox.request<Conversation>('POST', '/conversations', {
        token: chat.token,
        body: {
          customer: { id: 'cust-1', name: 'Ada', email: 'ada@example.com' },
          subject: 'Order #1001',
          body: 'Hi!',
        },
      });
      expect(response.status).toBe(201);
      expect(response.body).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        subject: 'Order #1001',
        customer: { id: 'cust-1', name: 'Ada', email: 'ada@example.com' },
        status: 'open',
        assigneeId: null,
        lastActivityAt: expect.any(String),
        lastMessagePreview: 'Hi!',
        messageCount: 1,
        revision: 1,
        position: expect.stringMatching(/^\d+$/),
        messageId: expect.any(String),
      });
      expect(response.headers.get('etag')).toBe('"1"');
      expect(response.headers.get('location')).toBe(`/conversations/${response.body.id}`);
      const events = await inbox.streamEvents(`conversation-${response.body.id}`);
      expect(events.map((e) => e.type)).toEqual(['ConversationStarted', 'MessageSent']);
      expect(events[0].metadata).toEqual({
        actor: { type: 'integration', id: chat.id },
        occurredAt: expect.any(String),
        correlationId: expect.any(String),
        causationId: null,
        idempotencyKey: null,
        schemaVersion: 1,
      });
    });

    it.each([
      [{ subject: 'x', body: 'hi' }, /customer is required/],
      [{ customer: {}, body: 'hi' }, /customer\.id is required/],
      [{ customer: 'c-1', body: 'hi' }, /customer must be an object/],
      [{ customer: { id: 'c' } }, /body is required/],
      [{ customer: { id: 'c' }, body: '' }, /body must not be empty/],
      [{ customer: { id: 'c' }, body: 42 }, /body must be a string/],
      [{ customer: { id: 'c', email: 'not-an-email' }, body: 'hi' }, /customer\.email must be an email address/],
      [{ customer: { id: 5 }, body: 'hi' }, /customer\.id must be a string/],
      [{ customer: { id: 'c' }, body: 'hi', priority: 'high' }, /priority is not a field of this request/],
      [{ customer: { id: 'c', vip: true }, body: 'hi' }, /customer\.vip is not a field of this request/],
    ])('refuses %j with 400 naming the field', async (body, message) => {
      await refused('POST', '/conversations', { token: chat.token, body }, 400, message);
    });

    it('refuses malformed JSON with 400', async () => {
      await refused(
        'POST',
        '/conversations',
        { token: chat.token, rawBody: '{"customer": {', headers: { 'content-type': 'application/json' } },
        400,
        /JSON/,
      );
    });

    it('refuses a message body over 20,000 characters with 413', async () => {
      await refused(
        'POST',
        '/conversations',
        { token: chat.token, body: { customer: { id: 'c' }, body: 'x'.repeat(20_001) } },
        413,
        /20,000/,
      );
    });

    it('refuses a request body over 1 MiB with 413', async () => {
      await refused(
        'POST',
        '/conversations',
        { token: chat.token, body: { customer: { id: 'c' }, body: 'x', padding: 'y'.repeat(1024 * 1024) } },
        413,
        /1 MiB/,
      );
    });

    it('needs a token (401) of the integration role (403)', async () => {
      const body = { customer: { id: 'c' }, body: 'hi' };
      await refused('POST', '/conversations', { token: null, body }, 401, /Missing Authorization/);
      await refused(
        'POST',
        '/conversations',
        { token: 'ti_0000000000000000_' + 'a'.repeat(43), body },
        401,
        /unknown or has been revoked/,
      );
      await refused('POST', '/conversations', { token: alice.token, body }, 403, /agent role may not/);
    });
  });

  describe('POST /conversations/:id/messages', () => {
    let conversation: Conversation;
    beforeEach(async () => {
      conversation = await inbox.startConversation(chat.token);
    });

    it("from an integration is the customer's message", async () => {
      const response = await inbox.request<Conversation>('POST', `/conversations/${conversation.id}/messages`, {
        token: chat.token,
        body: { body: 'Any news?' },
      });
      expect(response.status).toBe(201);
      expect(response.body).toMatchObject({
        messageCount: 2,
        lastMessagePreview: 'Any news?',
        status: 'open',
        revision: 2,
      });
      const last = (await inbox.streamEvents(`conversation-${conversation.id}`)).at(-1)!;
      expect(last.data).toMatchObject({
        messageId: response.body.messageId,
        author: { type: 'customer', id: conversation.customer.id },
      });
    });

    it('from a member is a reply, and takes an unassigned conversation', async () => {
      const response = await inbox.request<Conversation>('POST', `/conversations/${conversation.id}/messages`, {
        token: alice.token,
        body: { body: 'It ships today.' },
      });
      expect(response.status).toBe(201);
      expect(response.body).toMatchObject({ assigneeId: alice.id, messageCount: 2, revision: 3 });
    });

    it('refuses an unknown conversation (404), a malformed id (400) and a stale If-Match (412)', async () => {
      await refused(
        'POST',
        `/conversations/${randomUUID()}/messages`,
        { token: alice.token, body: { body: 'hi' } },
        404,
        /No conversation/,
      );
      await refused(
        'POST',
        '/conversations/not-a-uuid/messages',
        { token: alice.token, body: { body: 'hi' } },
        400,
        /uuid/i,
      );
      await inbox.expectNothingAppended(async () => {
        const response = await inbox.request('POST', `/conversations/${conversation.id}/messages`, {
          token: alice.token,
          body: { body: 'hi' },
          headers: { 'if-match': '"0"' },
        });
        expect(response.status).toBe(412);
        expect(response.body).toMatchObject({ statusCode: 412, id: conversation.id, revision: 1, assigneeId: null });
        expect(response.headers.get('etag')).toBe('"1"');
      });
    });

    it('refuses an auditor (403), a missing body (400) and an oversized message (413)', async () => {
      const path = `/conversations/${conversation.id}/messages`;
      await refused('POST', path, { token: auditor.token, body: { body: 'hi' } }, 403, /auditor role may not/);
      await refused('POST', path, { token: alice.token, body: {} }, 400, /body is required/);
      await refused(
        'POST',
        path,
        { token: alice.token, body: { body: '😀'.repeat(20_001) } },
        413,
        /20,001 characters; a message is at most 20,000/,
      );
    });

    it('refuses a reply from the bootstrap admin, who is no member (422)', async () => {
      await refused(
        'POST',
        `/conversations/${conversation.id}/messages`,
        { body: { body: 'hi' } },
        422,
        /not a team member/,
      );
    });
  });

  describe('POST /conversations/:id/assign', () => {
    let conversation: Conversation;
    beforeEach(async () => {
      conversation = await inbox.startConversation(chat.token);
    });
    const assign = (assigneeId: unknown, token: string, headers?: Record<string, string>) =>
      inbox.request<Conversation>('POST', `/conversations/${conversation.id}/assign`, {
        token,
        body: { assigneeId },
        headers,
      });

    it('assigns to "me", then reassigns to another member, recording who had it', async () => {
      const mine = await assign('me', alice.token);
      expect(mine.status).toBe(200);
      expect(mine.body).toMatchObject({ assigneeId: alice.id, revision: 2 });

      const reassigned = await assign(bob.id, alice.token);
      expect(reassigned.status).toBe(200);
      expect(reassigned.body.assigneeId).toBe(bob.id);
      const last = (await inbox.streamEvents(`conversation-${conversation.id}`)).at(-1)!;
      expect(last).toMatchObject({
        type: 'ConversationAssigned',
        data: { assigneeId: bob.id, previousAssigneeId: alice.id, reason: 'manual' },
        metadata: { actor: { type: 'member', id: alice.id } },
      });
    });

    it('appends nothing when assigning to the present assignee, and answers with the current position', async () => {
      const first = await assign('me', alice.token);
      await inbox.expectNothingAppended(async () => {
        const again = await assign(alice.id, bob.token);
        expect(again.status).toBe(200);
        expect(again.body).toMatchObject({
          assigneeId: alice.id,
          revision: first.body.revision,
          position: first.body.position,
        });
      });
    });

    it('refuses an assignee who cannot take it (422)', async () => {
      const path = `/conversations/${conversation.id}/assign`;
      await refused(
        'POST',
        path,
        { token: alice.token, body: { assigneeId: randomUUID() } },
        422,
        /not an active team member/,
      );
      await refused('POST', path, { token: alice.token, body: { assigneeId: auditor.id } }, 422, /is an auditor/);
      await refused(
        'POST',
        path,
        { token: alice.token, body: { assigneeId: chat.id } },
        422,
        /not an active team member/,
      );
      await refused('POST', path, { body: { assigneeId: 'me' } }, 422, /bootstrap admin/);
    });

    it('refuses a removed member as assignee (422)', async () => {
      const carol = await inbox.addMember('Carol');
      expect((await inbox.request('DELETE', `/members/${carol.id}`)).status).toBe(204);
      await refused(
        'POST',
        `/conversations/${conversation.id}/assign`,
        { token: alice.token, body: { assigneeId: carol.id } },
        422,
        /not an active team member/,
      );
    });

    it('refuses bad input (400), unknown conversations (404), stale revisions (412) and other roles (403)', async () => {
      const path = `/conversations/${conversation.id}/assign`;
      await refused('POST', path, { token: alice.token, body: {} }, 400, /assigneeId is required/);
      await refused(
        'POST',
        path,
        { token: alice.token, body: { assigneeId: 'someone' } },
        400,
        /a member id \(a UUID\) or "me"/,
      );
      await refused(
        'POST',
        path,
        { token: alice.token, body: { assigneeId: 'me' }, headers: { 'if-match': 'three' } },
        400,
        /If-Match/,
      );
      await refused(
        'POST',
        `/conversations/${randomUUID()}/assign`,
        { token: alice.token, body: { assigneeId: 'me' } },
        404,
        /No conversation/,
      );
      await refused(
        'POST',
        path,
        { token: alice.token, body: { assigneeId: 'me' }, headers: { 'if-match': '"7"' } },
        412,
        /revision 7/,
      );
      await refused('POST', path, { token: chat.token, body: { assigneeId: 'me' } }, 403, /integration role may not/);
      await refused('POST', path, { token: auditor.token, body: { assigneeId: 'me' } }, 403, /auditor role may not/);
      await refused('POST', path, { token: null, body: { assigneeId: 'me' } }, 401, /Missing Authorization/);
    });

    it('carries the command out at the If-Match revision', async () => {
      const read = await inbox.request('GET', `/conversations/${conversation.id}`, { token: alice.token });
      const response = await assign('me', alice.token, { 'if-match': read.headers.get('etag')! });
      expect(response.status).toBe(200);
      expect(response.headers.get('etag')).toBe('"2"');
    });
  });

  describe('unassign, close, reopen', () => {
    let conversation: Conversation;
    beforeEach(async () => {
      conversation = await inbox.startConversation(chat.token);
    });
    const command = (name: string, options: Parameters<Inbox['request']>[2] = {}) =>
      inbox.request<Conversation>('POST', `/conversations/${conversation.id}/${name}`, {
        token: alice.token,
        ...options,
      });

    it('unassign returns it to the unassigned queue; again, it appends nothing', async () => {
      await command('assign', { body: { assigneeId: 'me' } });
      const response = await command('unassign');
      expect(response.status).toBe(200);
      expect(response.body.assigneeId).toBeNull();
      await inbox.expectNothingAppended(async () => expect((await command('unassign')).status).toBe(200));
    });

    it('close closes; again, it appends nothing; reopen reopens; again, nothing', async () => {
      const closed = await command('close');
      expect(closed.status).toBe(200);
      expect(closed.body.status).toBe('closed');
      await inbox.expectNothingAppended(async () => expect((await command('close')).body.status).toBe('closed'));

      const reopened = await command('reopen', { body: {} });
      expect(reopened.status).toBe(200);
      expect(reopened.body.status).toBe('open');
      await inbox.expectNothingAppended(async () => expect((await command('reopen')).body.status).toBe('open'));
      const last = (await inbox.streamEvents(`conversation-${conversation.id}`)).at(-1)!;
      expect(last.data).toMatchObject({ reason: 'manual' });
    });

    it.each(['unassign', 'close', 'reopen'])(
      '%s refuses fields (400), unknown conversations (404), stale revisions (412) and other roles (403)',
      async (name) => {
        const path = `/conversations/${conversation.id}/${name}`;
        await refused('POST', path, { token: alice.token, body: { reason: 'spam' } }, 400, /reason is not a field/);
        await refused('POST', `/conversations/${randomUUID()}/${name}`, { token: alice.token }, 404, /No conversation/);
        await refused('POST', path, { token: alice.token, headers: { 'if-match': '"9"' } }, 412, /revision 9/);
        await refused('POST', path, { token: chat.token }, 403, /integration role may not/);
        await refused('POST', path, { token: 'Bearer-less' }, 401, /not valid/);
      },
    );
  });

  describe('GET /conversations/:id', () => {
    it('returns the summary, messages and timeline with an ETag; 404 for none; 403 for an integration', async () => {
      const conversation = await inbox.startConversation(chat.token, 'First message');
      await inbox.request('POST', `/conversations/${conversation.id}/messages`, {
        token: alice.token,
        body: { body: 'A reply' },
      });
      await inbox.request('POST', `/conversations/${conversation.id}/close`, { token: alice.token });

      const response = await inbox.request<Conversation>('GET', `/conversations/${conversation.id}`, {
        token: auditor.token,
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('etag')).toBe('"4"');
      expect(response.body.messages!.map((m) => [m.author.type, m.body])).toEqual([
        ['customer', 'First message'],
        ['member', 'A reply'],
      ]);
      expect(response.body.timeline!.map((t) => [t.type, t.actor.id, t.reason])).toEqual([
        ['assigned', alice.id, 'replied'],
        ['closed', alice.id, undefined],
      ]);
      expect((await inbox.request('GET', `/conversations/${randomUUID()}`, { token: alice.token })).status).toBe(404);
      expect((await inbox.request('GET', `/conversations/${conversation.id}`, { token: chat.token })).status).toBe(403);
    });
  });
});
