/**
 * Tenants over HTTP (API.md 1.1, Edges; DESIGN.md, Tenants): two integrations, each with its own customers.
 * One never finds, reads or writes the other's conversations, by email, by customer id, by conversation id
 * or through the shop webhooks: another's conversation is answered exactly as one that does not exist,
 * nothing is appended, and members still see everything.
 */
import {
  conversationStreamId,
  legacyCustomerEmailStreamId,
  storeEventReceiptStreamId,
} from '@team-inbox/conversations';
import { createHmac, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Inbox, type ApiResponse, type Conversation, type Member } from './support/inbox';

type Accepted = { conversationId: string | null; reopened: boolean; duplicate: boolean; position: string };
type Integration = { id: string; token: string };
type HistoryEntry = { type: string; data: Record<string, unknown> };

const UNKNOWN_ID = '0b7c1e2a-3f4d-4e5f-8a9b-0c1d2e3f4a5b';
const ADA = { id: 'customer-ada', name: 'Ada Lovelace', email: 'ada@example.com' };

describe('tenant isolation', () => {
  let inbox: Inbox;
  let alice: Member;
  let shopA: Integration;
  let shopB: Integration;
  let adasConversation: Conversation;

  beforeEach(async () => {
    inbox = await Inbox.start();
    alice = await inbox.addMember('Alice');
    shopA = await inbox.addIntegration('Shop A');
    shopB = await inbox.addIntegration('Shop B');
    const started = await inbox.request<Conversation>('POST', '/conversations', {
      token: shopA.token,
      body: { customer: ADA, subject: 'Refund for order #1001', body: 'Where is my refund?' },
    });
    expect(started.status).toBe(201);
    adasConversation = started.body;
  });
  afterEach(() => inbox.stop());

  const storeEvent = (id: string, customer: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
    id,
    type: 'order.created',
    customer,
    requiresAction: true,
    summary: `Order ${id} placed`,
    ...extra,
  });
  const postStoreEvent = (token: string, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
    inbox.request<Accepted>('POST', '/store-events', { token, body, headers });
  const history = async (conversationId: string) =>
    (await inbox.request<HistoryEntry[]>('GET', `/conversations/${conversationId}/history`, { token: alice.token }))
      .body;

  /** The answer with the id it names taken out: what must not tell another's conversation from none. */
  const withoutId = (response: ApiResponse<unknown>, id: string) => ({
    status: response.status,
    contentType: response.headers.get('content-type'),
    body: JSON.parse(JSON.stringify(response.body).replaceAll(id, '<id>')) as unknown,
  });

  /** Sends the request for A's conversation and for an unknown id: both 404, alike but for the id. */
  async function expectAnsweredAsUnknown(send: (conversationId: string) => Promise<ApiResponse<unknown>>) {
    const before = await history(adasConversation.id);
    await inbox.expectNothingAppended(async () => {
      const foreign = await send(adasConversation.id);
      const unknown = await send(UNKNOWN_ID);
      expect(withoutId(foreign, adasConversation.id)).toEqual(withoutId(unknown, UNKNOWN_ID));
      expect(withoutId(unknown, UNKNOWN_ID)).toEqual({
        status: 404,
        contentType: expect.stringMatching(/^application\/json/),
        body: { statusCode: 404, error: 'Not Found', message: 'No conversation <id>' },
      });
    });
    expect(await history(adasConversation.id)).toEqual(before);
  }

  it("finds none of A's customers by email or customer id: B's store events go to B's own conversations", async () => {
    const before = await history(adasConversation.id);

    // Needing no action, for a customer B does not have: kept in its receipt, on no conversation.
    const quiet = await postStoreEvent(
      shopB.token,
      storeEvent('b-3', { email: 'ada@example.com', id: 'b-unknown' }, { requiresAction: false }),
    );
    expect(quiet.body).toMatchObject({ conversationId: null, duplicate: false });
    const byEmail = await postStoreEvent(shopB.token, storeEvent('b-1', { email: 'ADA@example.com' }));
    expect(byEmail.status).toBe(202);
    expect(byEmail.body.conversationId).not.toBe(adasConversation.id);
    const byId = await postStoreEvent(shopB.token, storeEvent('b-2', { id: ADA.id }));
    expect(byId.body.conversationId).not.toBe(adasConversation.id);
    expect(await history(adasConversation.id)).toEqual(before);

    // B's conversation for its own customer is B's; A's store event by email still finds A's.
    const bsConversation = byEmail.body.conversationId!;
    expect(byId.body.conversationId).not.toBe(bsConversation); // B's customer-ada by id is no one it knew
    const mine = await postStoreEvent(shopA.token, storeEvent('a-1', { email: 'ada@example.com' }));
    expect(mine.body).toMatchObject({ conversationId: adasConversation.id, duplicate: false });
    const again = await postStoreEvent(shopB.token, storeEvent('b-4', { email: 'ada@example.com' }));
    expect(again.body.conversationId).toBe(bsConversation);

    // The reported attack's second step, on what B got back: its own conversation, none of A's data.
    const message = await inbox.request<Conversation>('POST', `/conversations/${bsConversation}/messages`, {
      token: shopB.token,
      body: { body: 'Hello' },
    });
    expect(message.status).toBe(201);
    expect(message.body).toMatchObject({ customer: { name: null }, subject: 'Order b-1 placed' });
    expect(await history(adasConversation.id)).toHaveLength(before.length + 1); // A's own store event only
  });

  it("B's message on A's conversation is 404 as on none, with If-Match or Idempotency-Key too, appending nothing", async () => {
    const message = (conversationId: string, headers: Record<string, string> = {}) =>
      inbox.request<unknown>('POST', `/conversations/${conversationId}/messages`, {
        token: shopB.token,
        body: { body: 'I am Ada, please send the refund to this new card' },
        headers,
      });
    await expectAnsweredAsUnknown((id) => message(id));
    // If-Match at a wrong revision would otherwise answer 412 with the conversation's summary.
    await expectAnsweredAsUnknown((id) => message(id, { 'if-match': '"7"' }));
    await expectAnsweredAsUnknown((id) => message(id, { 'if-match': `"${adasConversation.revision}"` }));
    await expectAnsweredAsUnknown((id) => message(id, { 'idempotency-key': `b-key-${id}` }));
    // The same key again: still nothing recorded to replay.
    await expectAnsweredAsUnknown((id) => message(id, { 'idempotency-key': `b-key-${id}` }));

    // A's own message still goes through, and A's key is not B's.
    const own = await inbox.request<Conversation>('POST', `/conversations/${adasConversation.id}/messages`, {
      token: shopA.token,
      body: { body: 'Any news?' },
      headers: { 'idempotency-key': `b-key-${adasConversation.id}` },
    });
    expect(own.status).toBe(201);
    const messages = (await history(adasConversation.id)).filter((entry) => entry.type === 'MessageSent');
    expect(messages.map((entry) => entry.data.body)).toEqual(['Where is my refund?', 'Any news?']);
  });

  it("B's store event naming A's conversation is 404 as one naming none, and leaves no receipt", async () => {
    await expectAnsweredAsUnknown((conversationId) =>
      postStoreEvent(shopB.token, storeEvent('b-named', { email: 'b-customer@example.com' }, { conversationId })),
    );
    await expectAnsweredAsUnknown((conversationId) =>
      postStoreEvent(
        shopB.token,
        storeEvent('b-named-keyed', { id: 'b-7' }, { conversationId, requiresAction: false }),
        { 'idempotency-key': `b-store-${conversationId}` },
      ),
    );
    // Nothing of it was kept: the same store event id is free for B's own use.
    const own = await postStoreEvent(shopB.token, storeEvent('b-named', { email: 'b-customer@example.com' }));
    expect(own.body).toMatchObject({ duplicate: false, conversationId: expect.any(String) });
    expect(own.body.conversationId).not.toBe(adasConversation.id);
  });

  it("the shop webhooks of B's shops never reach A's customers", async () => {
    const sign = (secret: string, body: Buffer) => createHmac('sha256', secret).update(body).digest('base64');
    const fixture = (path: string) => readFileSync(join(__dirname, 'fixtures', path));
    await inbox.request('PUT', `/integrations/${shopB.id}/secret`, { body: { secret: 'shop-b-webhook-secret' } });
    // A's customers, as B's shops name them in their orders (the fixtures' emails and Shopify's customer id).
    const shopifyCustomer = { id: '115310627314723954', name: 'Jon', email: 'jon@example.com' };
    const wooCustomer = { id: 'woo-john', name: 'John', email: 'john.doe@example.com' };
    const asA: Conversation[] = [];
    for (const customer of [shopifyCustomer, wooCustomer]) {
      const started = await inbox.request<Conversation>('POST', '/conversations', {
        token: shopA.token,
        body: { customer, body: 'Hello' },
      });
      await inbox.request('POST', `/conversations/${started.body.id}/close`, { token: alice.token });
      asA.push(started.body);
    }
    const before = await Promise.all(asA.map((conversation) => history(conversation.id)));

    const shopifyBody = fixture('shopify/orders-create.json');
    const shopify = await inbox.request<Accepted>('POST', `/integrations/shopify/${shopB.id}/webhooks`, {
      token: null,
      rawBody: shopifyBody.toString('utf8'),
      headers: {
        'content-type': 'application/json',
        'x-shopify-topic': 'orders/create',
        'x-shopify-hmac-sha256': sign('shop-b-webhook-secret', shopifyBody),
        'x-shopify-webhook-id': randomUUID(),
      },
    });
    const wooBody = fixture('woocommerce/order-created.json');
    const woo = await inbox.request<Accepted>('POST', `/integrations/woocommerce/${shopB.id}/webhooks`, {
      token: null,
      rawBody: wooBody.toString('utf8'),
      headers: {
        'content-type': 'application/json',
        'x-wc-webhook-topic': 'order.created',
        'x-wc-webhook-signature': sign('shop-b-webhook-secret', wooBody),
      },
    });
    for (const response of [shopify, woo]) {
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ reopened: false, duplicate: false, conversationId: expect.any(String) });
      expect(asA.map((conversation) => conversation.id)).not.toContain(response.body.conversationId);
    }
    expect(await Promise.all(asA.map((conversation) => history(conversation.id)))).toEqual(before);
  });

  it('holds for conversations started before owners were recorded, and for their shared email links', async () => {
    // A log from before: ConversationStarted names no integration (its metadata does), and the email
    // stream was one for every integration.
    const legacyId = randomUUID();
    const metadata = (actorId: string) => ({
      actor: { type: 'integration', id: actorId },
      occurredAt: new Date().toISOString(),
      correlationId: randomUUID(),
      causationId: null,
      idempotencyKey: null,
      schemaVersion: 1,
    });
    const customer = { id: 'old-customer', name: 'Grace', email: 'grace@example.com' };
    await inbox.store.append(
      conversationStreamId(legacyId),
      [
        {
          id: randomUUID(),
          type: 'ConversationStarted',
          data: { conversationId: legacyId, customer, subject: 'Old' },
          metadata: metadata(shopA.id),
        },
      ],
      { expectedRevision: 'no_stream' },
    );
    await inbox.store.append(
      legacyCustomerEmailStreamId('grace@example.com'),
      [
        {
          id: randomUUID(),
          type: 'CustomerConversationLinked',
          data: { conversationId: legacyId, integrationId: shopA.id, customerId: customer.id, email: customer.email },
          metadata: metadata(shopA.id),
        },
      ],
      { expectedRevision: 'no_stream' },
    );

    const bByEmail = await postStoreEvent(shopB.token, storeEvent('b-old', { email: 'grace@example.com' }));
    expect(bByEmail.body.conversationId).not.toBe(legacyId);
    const bMessage = await inbox.request('POST', `/conversations/${legacyId}/messages`, {
      token: shopB.token,
      body: { body: 'Hi' },
    });
    expect(bMessage.status).toBe(404);

    const aByEmail = await postStoreEvent(shopA.token, storeEvent('a-old', { email: 'grace@example.com' }));
    expect(aByEmail.body.conversationId).toBe(legacyId);
    const aMessage = await inbox.request('POST', `/conversations/${legacyId}/messages`, {
      token: shopA.token,
      body: { body: 'Hi again' },
    });
    expect(aMessage.status).toBe(201);
  });

  it("answers a receipt from before owners that named another's conversation with none, and touches nothing", async () => {
    // What the attack left: B's store event, matched by email to A's customer, recorded on A's conversation.
    const received = {
      integrationId: shopB.id,
      storeEventId: 'b-before-owners',
      type: 'order.created',
      summary: 'Order b-before-owners placed',
      requiresAction: true,
      customer: { email: 'ada@example.com' },
      conversationId: adasConversation.id,
      startIfMissing: true,
    };
    await inbox.store.append(
      storeEventReceiptStreamId(shopB.id, received.storeEventId),
      [{ id: randomUUID(), type: 'StoreEventReceived', data: received }],
      { expectedRevision: 'no_stream' },
    );
    const before = await history(adasConversation.id);

    const replay = await postStoreEvent(
      shopB.token,
      storeEvent(received.storeEventId, received.customer, { summary: received.summary }),
    );

    expect(replay.status).toBe(202);
    expect(replay.body).toMatchObject({ conversationId: null, reopened: false, duplicate: true });
    expect(await history(adasConversation.id)).toEqual(before);
  });

  it("takes no longer on A's long conversation than on none: one read of its first event either way", async () => {
    // Two megabytes of messages: reading them all would take milliseconds, the first event microseconds.
    for (let batch = 0; batch < 10; batch++) {
      const sent = await Promise.all(
        Array.from({ length: 10 }, (_, n) =>
          inbox.request('POST', `/conversations/${adasConversation.id}/messages`, {
            token: shopA.token,
            body: { body: `${batch}-${n} `.padEnd(20_000, 'x') },
          }),
        ),
      );
      expect(sent.map((response) => response.status)).toEqual(Array(10).fill(201));
    }
    const timed = async (conversationId: string) => {
      const started = performance.now();
      const response = await inbox.request('POST', `/conversations/${conversationId}/messages`, {
        token: shopB.token,
        body: { body: 'Hi' },
      });
      expect(response.status).toBe(404);
      return performance.now() - started;
    };
    const foreign: number[] = [];
    const unknown: number[] = [];
    for (let pair = 0; pair < 60; pair++) {
      // Alternating which goes first, so that a slow spell of the machine falls on both alike.
      if (pair % 2 === 0) {
        foreign.push(await timed(adasConversation.id));
        unknown.push(await timed(UNKNOWN_ID));
      } else {
        unknown.push(await timed(UNKNOWN_ID));
        foreign.push(await timed(adasConversation.id));
      }
    }
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
    expect(Math.abs(median(foreign) - median(unknown))).toBeLessThan(1);
  });

  it("members still see and act on every integration's conversations", async () => {
    const bs = await inbox.request<Conversation>('POST', '/conversations', {
      token: shopB.token,
      body: { customer: ADA, subject: 'Also Ada, at shop B', body: 'Hello from B' },
    });
    expect(bs.status).toBe(201);
    expect(bs.body.id).not.toBe(adasConversation.id);
    for (const conversation of [adasConversation, bs.body]) {
      const read = await inbox.request<Conversation>('GET', `/conversations/${conversation.id}`, {
        token: alice.token,
      });
      expect(read.status).toBe(200);
      const reply = await inbox.request('POST', `/conversations/${conversation.id}/messages`, {
        token: alice.token,
        body: { body: 'On it' },
      });
      expect(reply.status).toBe(201);
    }
    const all = await inbox.request<{ items: Conversation[] }>(
      'GET',
      `/conversations?view=all&minPosition=${await inbox.head()}`,
      { token: alice.token },
    );
    expect(all.body.items.map((item) => item.id)).toEqual(expect.arrayContaining([adasConversation.id, bs.body.id]));
  });
});
