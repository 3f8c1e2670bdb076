/**
 * `POST /store-events` over HTTP (API.md): the timeline entry, the reopen where the event needs action, a
 * new conversation for a customer with none, the customer matched by id, else by email (among the
 * integration's own customers: test/tenant-isolation.e2e-spec.ts), and duplicates recognised through the
 * log itself, across restarts and processes.
 */
import { customerStreamId, storeEventReceiptStreamId } from '@team-inbox/conversations';
import { Inbox, type Conversation, type Member } from './support/inbox';

type Accepted = { conversationId: string | null; reopened: boolean; duplicate: boolean; position: string };

describe('store events', () => {
  let inbox: Inbox;
  let alice: Member;
  let chat: { id: string; token: string };
  let shop: { id: string; token: string };

  beforeEach(async () => {
    inbox = await Inbox.start();
    alice = await inbox.addMember('Alice');
    chat = await inbox.addIntegration('Chat widget');
    shop = await inbox.addIntegration('Shop');
  });
  afterEach(() => inbox.stop());

  const post = (body: Record<string, unknown>, token = shop.token) =>
    inbox.request<Accepted>('POST', '/store-events', { token, body });

  const orderPlaced = (id: string, customer: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
    id,
    type: 'order.created',
    customer,
    requiresAction: true,
    summary: `Order ${id} placed: confirm and ship it`,
    ...extra,
  });

  /** A conversation the shop's customer started (with the shop's token: its customers are its own). */
  async function startConversation(customer: { id: string; email?: string }): Promise<Conversation> {
    const response = await inbox.request<Conversation>('POST', '/conversations', {
      token: shop.token,
      body: { customer: { name: 'Ada', ...customer }, subject: 'Sizes', body: 'Do you have it in blue?' },
    });
    expect(response.status).toBe(201);
    return response.body;
  }

  const details = async (id: string) => (await inbox.request<Conversation>('GET', `/conversations/${id}`)).body;

  it("goes on the timeline of the customer's conversation, found by email, case-insensitive", async () => {
    const conversation = await startConversation({ id: 'chat-visitor-1', email: 'Ada@Example.com' });
    const response = await post(orderPlaced('1001', { id: '7001', email: 'ada@example.COM' }));

    expect(response.status).toBe(202);
    expect(response.body).toEqual({
      conversationId: conversation.id,
      reopened: false,
      duplicate: false,
      position: expect.stringMatching(/^\d+$/),
    });
    const after = await details(conversation.id);
    expect(after.status).toBe('open');
    expect(after.timeline).toEqual([
      expect.objectContaining({
        type: 'store_event',
        integrationId: shop.id,
        storeEventId: '1001',
        storeEventType: 'order.created',
        summary: 'Order 1001 placed: confirm and ship it',
        requiresAction: true,
        actor: { type: 'integration', id: shop.id },
      }),
    ]);
  });

  it('that needs action reopens a closed conversation, reason store_event, back in the assignee’s inbox', async () => {
    const conversation = await startConversation({ id: 'visitor-2', email: 'grace@example.com' });
    await inbox.request('POST', `/conversations/${conversation.id}/assign`, {
      token: alice.token,
      body: { assigneeId: 'me' },
    });
    await inbox.request('POST', `/conversations/${conversation.id}/close`, { token: alice.token });

    const response = await post(orderPlaced('1002', { email: 'grace@example.com' }));
    expect(response.body).toMatchObject({ conversationId: conversation.id, reopened: true, duplicate: false });

    const after = await details(conversation.id);
    expect(after).toMatchObject({ status: 'open', assigneeId: alice.id });
    expect(after.timeline?.at(-1)).toMatchObject({ type: 'reopened', reason: 'store_event', storeEventId: '1002' });
    const inboxView = await inbox.request<{ items: Conversation[] }>(
      'GET',
      `/inbox?minPosition=${response.body.position}`,
      { token: alice.token },
    );
    expect(inboxView.body.items.map((item) => item.id)).toContain(conversation.id);
  });

  it('that needs no action leaves a closed conversation closed', async () => {
    const conversation = await startConversation({ id: 'visitor-3', email: 'linus@example.com' });
    await inbox.request('POST', `/conversations/${conversation.id}/close`, { token: alice.token });
    const response = await post({ ...orderPlaced('1003', { email: 'linus@example.com' }), requiresAction: false });
    expect(response.body).toMatchObject({ conversationId: conversation.id, reopened: false });
    expect((await details(conversation.id)).status).toBe('closed');
  });

  it('matches the customer id within the integration that sent it, before the email', async () => {
    const byEmail = await startConversation({ id: 'visitor-4', email: 'barbara@example.com' });
    const first = await post(orderPlaced('2001', { id: '42' })); // shop customer 42: new, gets a conversation
    expect(first.body.conversationId).not.toBe(byEmail.id);
    // Now customer 42 is known by id: its conversation, not the email's.
    const second = await post(orderPlaced('2002', { id: '42', email: 'barbara@example.com' }));
    expect(second.body.conversationId).toBe(first.body.conversationId);
    // The chat widget's customer "42" is someone else.
    const other = await post(orderPlaced('2003', { id: '42' }), chat.token);
    expect(other.body.conversationId).not.toBe(first.body.conversationId);
  });

  it('starts a conversation for a customer with none, where it needs action', async () => {
    const response = await post(orderPlaced('3001', { id: '9001', email: 'new@example.com', name: 'Nia' }));
    expect(response.status).toBe(202);
    const conversationId = response.body.conversationId!;
    const started = await details(conversationId);
    expect(started).toMatchObject({
      status: 'open',
      assigneeId: null,
      subject: 'Order 3001 placed: confirm and ship it',
      customer: { id: '9001', name: 'Nia', email: 'new@example.com' },
      messageCount: 0,
    });
    const unassigned = await inbox.request<{ items: Conversation[] }>(
      'GET',
      `/conversations?view=unassigned&minPosition=${response.body.position}`,
      { token: alice.token },
    );
    expect(unassigned.body.items.map((item) => item.id)).toContain(conversationId);
  });

  it('starts a linked conversation that never started (its starter stopped between link and start)', async () => {
    const orphanId = '5d2b8f0e-6a1c-4e3b-9f7d-2c4a6e8b0d13';
    await inbox.store.append(
      customerStreamId(shop.id, 'c-orphan'),
      [
        {
          id: '1e9c2b7a-4d3f-4a5b-8c6d-7e8f9a0b1c2d',
          type: 'CustomerConversationLinked',
          data: { conversationId: orphanId, integrationId: shop.id, customerId: 'c-orphan', email: null },
        },
      ],
      { expectedRevision: 'no_stream' },
    );
    const response = await post({ ...orderPlaced('8001', { id: 'c-orphan' }), requiresAction: false });
    expect(response.status).toBe(202);
    expect(response.body).toMatchObject({ conversationId: orphanId, duplicate: false });
    expect((await details(orphanId)).timeline).toEqual([expect.objectContaining({ storeEventId: '8001' })]);
    expect((await post(orderPlaced('8002', { id: 'c-orphan' }))).body).toMatchObject({ conversationId: orphanId });
  });

  it('keeps an event that needs no action for a customer with none in the log, on no conversation', async () => {
    const response = await post({ ...orderPlaced('3002', { email: 'nobody@example.com' }), requiresAction: false });
    expect(response.status).toBe(202);
    expect(response.body).toMatchObject({ conversationId: null, reopened: false, duplicate: false });
    const [receipt] = await inbox.streamEvents(storeEventReceiptStreamId(shop.id, '3002'));
    expect(receipt).toMatchObject({ type: 'StoreEventReceived', data: { storeEventId: '3002', conversationId: null } });
    expect(
      (await post({ ...orderPlaced('3002', { email: 'nobody@example.com' }), requiresAction: false })).body,
    ).toMatchObject({ conversationId: null, duplicate: true });
  });

  it('puts the event on the conversation named; an unknown one is 404 and appends nothing', async () => {
    const conversation = await startConversation({ id: 'visitor-5' });
    const named = await post(orderPlaced('4001', { email: 'x@example.com' }, { conversationId: conversation.id }));
    expect(named.body.conversationId).toBe(conversation.id);
    await inbox.expectRefused(
      'POST',
      '/store-events',
      {
        token: shop.token,
        body: orderPlaced(
          '4002',
          { email: 'x@example.com' },
          { conversationId: '0b7c1e2a-3f4d-4e5f-8a9b-0c1d2e3f4a5b' },
        ),
      },
      404,
      /No conversation 0b7c1e2a-3f4d-4e5f-8a9b-0c1d2e3f4a5b/,
    );
  });

  it('recognises the same id again: 202, duplicate, nothing appended, the same conversation', async () => {
    const conversation = await startConversation({ id: 'visitor-6', email: 'dup@example.com' });
    await inbox.request('POST', `/conversations/${conversation.id}/close`, { token: alice.token });
    const first = await post(orderPlaced('5001', { email: 'dup@example.com' }));
    expect(first.body).toMatchObject({ reopened: true, duplicate: false });
    await inbox.request('POST', `/conversations/${conversation.id}/close`, { token: alice.token });

    await inbox.expectNothingAppended(async () => {
      const again = await post(orderPlaced('5001', { email: 'dup@example.com' }));
      expect(again.status).toBe(202);
      expect(again.body).toMatchObject({ conversationId: conversation.id, reopened: false, duplicate: true });
    });
    expect((await details(conversation.id)).status).toBe('closed');
  });

  it('fifty concurrent events for one new customer start one conversation holding all fifty', async () => {
    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, n) => post(orderPlaced(`burst-${n}`, { id: 'c-50', email: 'burst@example.com' }))),
    );
    expect(responses.map((response) => response.status)).toEqual(Array(50).fill(202));
    const conversationIds = new Set(responses.map((response) => response.body.conversationId));
    expect(conversationIds.size).toBe(1);
    const [conversationId] = [...conversationIds];
    const conversation = await details(conversationId!);
    expect(conversation.timeline?.filter((entry) => entry.type === 'store_event')).toHaveLength(50);
    expect(new Set(conversation.timeline?.map((entry) => entry.storeEventId)).size).toBe(50);

    const all = await inbox.request<{ items: Conversation[] }>(
      'GET',
      `/conversations?view=all&limit=200&minPosition=${responses.map((r) => BigInt(r.body.position)).reduce((a, b) => (a > b ? a : b))}`,
      { token: alice.token },
    );
    expect(all.body.items.filter((item) => item.customer.email === 'burst@example.com')).toHaveLength(1);
  });

  it('recognises a duplicate after a restart, and between two processes on one log', async () => {
    const first = await post(orderPlaced('6001', { id: 'c-6', email: 'restart@example.com' }));
    const dataDir = inbox.dataDir;
    await inbox.stop({ keepData: true });
    inbox = await Inbox.start({ dataDir });
    expect((await post(orderPlaced('6001', { id: 'c-6' }))).body).toMatchObject({
      conversationId: first.body.conversationId,
      duplicate: true,
    });

    const sibling = await Inbox.start({ dataDir });
    try {
      const racing = await Promise.all(
        Array.from({ length: 10 }, (_, n) =>
          (n % 2 === 0 ? inbox : sibling).request<Accepted>('POST', '/store-events', {
            token: shop.token,
            body: orderPlaced('6002', { id: 'c-6' }),
          }),
        ),
      );
      expect(racing.map((response) => response.status)).toEqual(Array(10).fill(202));
      expect(racing.filter((response) => !response.body.duplicate)).toHaveLength(1);
      const timeline = (await details(first.body.conversationId!)).timeline ?? [];
      expect(timeline.filter((entry) => entry.storeEventId === '6002')).toHaveLength(1);
    } finally {
      await sibling.stop();
    }
  });

  describe('refuses, appending nothing', () => {
    it.each([
      [{ ...orderPlaced('7001', {}) }, /customer needs an id or an email/],
      [{ ...orderPlaced('7002', { id: 7002 }) }, /customer\.id must be a string/],
      [{ ...orderPlaced('7003', { email: 'not-an-email' }) }, /customer\.email must be an email address/],
      [{ ...orderPlaced('7004', { id: 'a' }), requiresAction: 'yes' }, /requiresAction must be true or false/],
      [{ ...orderPlaced('', { id: 'a' }) }, /id must be 1 to 200 characters/],
      [{ ...orderPlaced('7005', { id: 'a' }), summary: undefined }, /summary is required/],
      [{ ...orderPlaced('7006', { id: 'a' }), conversationId: 'abc' }, /conversationId must be a conversation id/],
      [{ ...orderPlaced('7007', { id: 'a' }), extra: 1 }, /extra is not a field of this request/],
    ])('%j → 400', async (body, message) => {
      await inbox.expectRefused('POST', '/store-events', { token: shop.token, body }, 400, message);
    });

    it('from a member: 403', async () => {
      await inbox.expectRefused(
        'POST',
        '/store-events',
        { token: alice.token, body: orderPlaced('7100', { id: 'a' }) },
        403,
        /.+/,
      );
    });
  });
});
