/**
 * `Idempotency-Key` (API.md): the same key from the same identity within 24 hours returns the first
 * response's status and body and appends nothing more: across retries, restarts, processes, and a crash
 * between a command's append and the recording of its response.
 */
import { EventStoreUnavailableError } from '@team-inbox/event-store';
import type { Role } from '@team-inbox/team';
import { ADMIN_TOKEN, Inbox, type Conversation, type Member } from './support/inbox';
import { ROUTE_ROLES } from './support/route-roles';

describe('Idempotency-Key', () => {
  let inbox: Inbox;
  let alice: Member;
  let chat: { token: string };
  beforeEach(async () => {
    inbox = await Inbox.start();
    alice = await inbox.addMember('Alice');
    chat = await inbox.addIntegration();
  });
  afterEach(async () => {
    await inbox.stop();
  });

  const startWithKey = (target: Inbox, key: string, body = 'Where is my order?') =>
    target.request<Conversation>('POST', '/conversations', {
      token: chat.token,
      body: { customer: { id: 'cust-9', email: 'nine@example.com' }, body },
      headers: { 'idempotency-key': key },
    });

  it('answers a retry with the first status and body, marked as replayed, and appends nothing more', async () => {
    const first = await startWithKey(inbox, 'start-1');
    const head = await inbox.head();
    const again = await startWithKey(inbox, 'start-1');

    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('etag')).toBe(first.headers.get('etag'));
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    expect(await inbox.head()).toBe(head);
  });

  it('replays a command that changed nothing as it was answered, even after the state moved on', async () => {
    const conversation = await inbox.startConversation(chat.token);
    await inbox.request('POST', `/conversations/${conversation.id}/assign`, {
      token: alice.token,
      body: { assigneeId: 'me' },
    });
    const assign = () =>
      inbox.request<Conversation>('POST', `/conversations/${conversation.id}/assign`, {
        token: alice.token,
        body: { assigneeId: 'me' },
        headers: { 'idempotency-key': 'noop' },
      });
    const first = await assign();
    await inbox.request('POST', `/conversations/${conversation.id}/unassign`, { token: alice.token });
    const head = await inbox.head();
    const retry = await assign();
    expect(retry.body).toEqual(first.body);
    expect(await inbox.head()).toBe(head);
  });

  it('refuses the same key for a different request with 422, appending nothing', async () => {
    await startWithKey(inbox, 'reused');
    await inbox.expectNothingAppended(async () => {
      const other = await startWithKey(inbox, 'reused', 'A different message');
      expect(other.status).toBe(422);
      expect(other.body).toMatchObject({ message: expect.stringMatching(/already used for a different request/) });
    });
  });

  it('scopes a key to its identity: another caller with the same key gets its own result', async () => {
    const otherChat = await inbox.addIntegration('Email');
    const mine = await startWithKey(inbox, 'shared-key');
    const theirs = await inbox.request<Conversation>('POST', '/conversations', {
      token: otherChat.token,
      body: { customer: { id: 'cust-9', email: 'nine@example.com' }, body: 'Where is my order?' },
      headers: { 'idempotency-key': 'shared-key' },
    });
    expect(theirs.status).toBe(201);
    expect(theirs.body.id).not.toBe(mine.body.id);
  });

  it('refuses a malformed key with 400', async () => {
    await inbox.expectNothingAppended(async () => {
      const response = await startWithKey(inbox, 'x'.repeat(201));
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ message: 'Idempotency-Key must be 1 to 200 printable ASCII characters' });
    });
  });

  // The key is checked on every POST route (declared with @IdempotentPost), before the route's own input.
  const tokenFor = (roles: readonly Role[]): string => {
    if (roles.includes('admin')) return ADMIN_TOKEN;
    return roles.includes('agent') ? alice.token : chat.token;
  };
  const POST_ROUTES = Object.entries(ROUTE_ROLES).filter(([route]) => route.startsWith('POST '));
  it.each(POST_ROUTES)(
    'checks the key on %s, refusing a malformed one before the route reads its input',
    async (route, roles) => {
      const token = roles === 'public' ? null : tokenFor(roles);
      const path = route.slice('POST '.length).replace(/:\w+/g, '00000000-0000-4000-8000-000000000000');
      const response = await inbox.request('POST', path, {
        token,
        body: {},
        headers: { 'idempotency-key': 'x'.repeat(201) },
      });
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ message: 'Idempotency-Key must be 1 to 200 printable ASCII characters' });
    },
  );

  it('records no refusal: a corrected retry with the same key runs', async () => {
    const conversation = await inbox.startConversation(chat.token);
    const path = `/conversations/${conversation.id}/messages`;
    const refused = await inbox.request('POST', path, {
      token: alice.token,
      body: {},
      headers: { 'idempotency-key': 'k' },
    });
    expect(refused.status).toBe(400);
    // A different body is a different request; a refused one left no record to clash with.
    const accepted = await inbox.request('POST', path, {
      token: alice.token,
      body: { body: 'Hi' },
      headers: { 'idempotency-key': 'k' },
    });
    expect(accepted.status).toBe(201);
  });

  it('holds across a restart between a request and its retry', async () => {
    const first = await startWithKey(inbox, 'before-restart');
    const dataDir = inbox.dataDir;
    await inbox.stop({ keepData: true });
    inbox = await Inbox.start({ dataDir });

    const head = await inbox.head();
    const retry = await startWithKey(inbox, 'before-restart');
    expect(retry.status).toBe(201);
    expect(retry.body).toEqual(first.body);
    expect(await inbox.head()).toBe(head);
    const conversations = [];
    for await (const event of inbox.store.readAll())
      if (event.type === 'ConversationStarted') conversations.push(event);
    expect(conversations).toHaveLength(1);
  });

  it('holds across two server processes sharing one store', async () => {
    const sibling = await Inbox.start({ dataDir: inbox.dataDir });
    try {
      const first = await startWithKey(inbox, 'two-processes');
      const head = await inbox.head();
      const retry = await startWithKey(sibling, 'two-processes');
      expect(retry.status).toBe(201);
      expect(retry.body).toEqual(first.body);
      expect(await inbox.head()).toBe(head);
    } finally {
      await sibling.stop({ keepData: true });
    }
  });

  it('appends once when the record of the first response could not be written (as after a crash between them)', async () => {
    const conversation = await inbox.startConversation(chat.token);
    const path = `/conversations/${conversation.id}/messages`;
    const append = inbox.store.append.bind(inbox.store);
    const recordFails = jest.spyOn(inbox.store, 'append').mockImplementation((streamId, events, options) => {
      if (streamId.startsWith('idempotency-')) {
        return Promise.reject(new EventStoreUnavailableError('disk went away'));
      }
      return append(streamId, events, options);
    });
    const first = await inbox.request<Conversation>('POST', path, {
      token: alice.token,
      body: { body: 'Shipped!' },
      headers: { 'idempotency-key': 'crash' },
    });
    expect(first.status).toBe(201); // the command succeeded: its answer stands
    expect(recordFails).toHaveBeenCalledWith(
      expect.stringMatching(/^idempotency-/),
      expect.anything(),
      expect.anything(),
    );
    recordFails.mockRestore();

    const retry = await inbox.request<Conversation>('POST', path, {
      token: alice.token,
      body: { body: 'Shipped!' },
      headers: { 'idempotency-key': 'crash' },
    });
    expect(retry.status).toBe(201);
    expect(retry.body).toEqual(first.body);
    const messages = (await inbox.streamEvents(`conversation-${conversation.id}`)).filter(
      (e) => e.type === 'MessageSent',
    );
    expect(messages.map((e) => (e.data as { body: string }).body)).toEqual(['Hello, where is my order?', 'Shipped!']);
    expect(retry.body.messageCount).toBe(2);
  });

  it('appends once when two copies of one request arrive together', async () => {
    const conversation = await inbox.startConversation(chat.token);
    const send = () =>
      inbox.request<Conversation>('POST', `/conversations/${conversation.id}/messages`, {
        token: alice.token,
        body: { body: 'Sent twice by a nervous client' },
        headers: { 'idempotency-key': 'twice' },
      });
    const [a, b] = await Promise.all([send(), send()]);
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(a.body.messageId).toBe(b.body.messageId);
    const events = await inbox.streamEvents(`conversation-${conversation.id}`);
    expect(events.filter((e) => e.type === 'MessageSent')).toHaveLength(2); // the customer's and one reply
    expect(events.filter((e) => e.type === 'ConversationAssigned')).toHaveLength(1);
  });
});
