/**
 * The customer beside the conversation (API.md 1.1, "Search, unread, customer context"), over HTTP: a store
 * event's `details` (validated at the edge, carried on its receipt and its timeline entry, filled by the
 * Shopify and WooCommerce receivers from the platforms' own payloads) and `customerConversations` on
 * `GET /conversations/:id`.
 */
import { conversationStreamId, storeEventReceiptStreamId, type ConversationSummary } from '@team-inbox/conversations';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Inbox, type Conversation } from './support/inbox';

type Accepted = { conversationId: string | null; reopened: boolean; duplicate: boolean; position: string };
type Page = Conversation & { customerConversations: ConversationSummary[] };

const fixture = (path: string): Buffer => readFileSync(join(__dirname, 'fixtures', path));
const sign = (secret: string, body: Buffer): string => createHmac('sha256', secret).update(body).digest('base64');

describe("a store event's details", () => {
  let inbox: Inbox;
  let shop: { id: string; token: string };

  beforeAll(async () => {
    inbox = await Inbox.start();
    shop = await inbox.addIntegration('Shop');
  });
  afterAll(() => inbox.stop());

  let orders = 0;
  const orderPlaced = (extra: Record<string, unknown>) => ({
    id: `order-${++orders}`,
    type: 'order.created',
    customer: { id: `customer-${orders}`, name: 'Nia' },
    requiresAction: true,
    summary: `Order ${orders} placed`,
    ...extra,
  });
  const post = (body: Record<string, unknown>) =>
    inbox.request<Accepted>('POST', '/store-events', { token: shop.token, body });
  const page = async (conversationId: string) =>
    (await inbox.request<Page>('GET', `/conversations/${conversationId}`)).body;

  it.each([
    ['not an object', 'scarf', /^details must be an object/],
    ['a total that is no amount', { total: 'lots' }, /^details\.total must be a decimal amount/],
    ['a total in float notation', { total: 1e21 }, /^details\.total must be a decimal amount/],
    ['a currency that is no ISO code', { currency: 'euro' }, /^details\.currency must be a three-letter ISO 4217/],
    ['a javascript: link', { url: 'javascript:alert(1)' }, /^details\.url must be an absolute http or https URL/],
    ['an ftp link', { url: 'ftp://shop.example.com/orders/1' }, /^details\.url must be an absolute http or https/],
    ['a link too long', { url: `https://shop.example.com/${'a'.repeat(2000)}` }, /^details\.url must be an absolute/],
    ['an order number too long', { orderNumber: '#'.repeat(101) }, /^details\.orderNumber must be 1 to 100 characters/],
    ['a status too long', { status: 'x'.repeat(101) }, /^details\.status must be 1 to 100 characters/],
    ['items that are no list', { items: 'scarf' }, /^details\.items must be an array of \{name, quantity\}/],
    [
      'more than 100 lines',
      { items: Array.from({ length: 101 }, (_, i) => ({ name: `item ${i}`, quantity: 1 })) },
      /^details\.items must hold at most 100 lines/,
    ],
    ['a line that is no object', { items: ['scarf'] }, /^details\.items must each be an object/],
    ['a line without quantity', { items: [{ name: 'Scarf' }] }, /^details\.items\.0\.quantity is required/],
    [
      'a fractional quantity',
      { items: [{ name: 'Scarf', quantity: 1.5 }] },
      /^details\.items\.0\.quantity must be a whole number/,
    ],
    ['a negative quantity', { items: [{ name: 'Scarf', quantity: -1 }] }, /^details\.items\.0\.quantity must not be/],
    [
      'a line name too long',
      { items: [{ name: 'x'.repeat(301), quantity: 1 }] },
      /^details\.items\.0\.name must be 1 to 300 characters/,
    ],
    ['an unknown field', { color: 'blue' }, /^details\.color is not a field of this request/],
  ])('are refused with 400 naming the field, appending nothing: %s', async (_case, details, message) => {
    await inbox.expectRefused(
      'POST',
      '/store-events',
      { token: shop.token, body: orderPlaced({ details }) },
      400,
      message,
    );
  });

  it('go on the receipt and the timeline as sent (a total given as a number kept as its text, the currency upper-cased)', async () => {
    const details = {
      orderNumber: ' #1001 ',
      total: 59.5,
      currency: 'eur',
      status: 'paid, unfulfilled',
      url: 'https://shop.example.com/admin/orders/1001',
      items: Array.from({ length: 100 }, (_, i) => ({ name: `Scarf ${i}`, quantity: i })),
    };
    const event = orderPlaced({ details });
    const response = await post(event);
    expect(response.status).toBe(202);
    const stored = {
      ...details,
      orderNumber: '#1001',
      total: '59.5',
      currency: 'EUR',
    };

    const entry = (await page(response.body.conversationId!)).timeline?.find((item) => item.type === 'store_event');
    expect(entry).toMatchObject({ storeEventId: event.id, details: stored });
    const [receipt] = await inbox.streamEvents(storeEventReceiptStreamId(shop.id, event.id));
    expect(receipt.data).toMatchObject({ details: stored });
    const recorded = (await inbox.streamEvents(conversationStreamId(response.body.conversationId!))).find(
      (item) => item.type === 'StoreEventRecorded',
    );
    expect(recorded?.data).toMatchObject({ details: stored });
  });

  it('are null on the timeline where none were sent, and absent from the event', async () => {
    const response = await post(orderPlaced({}));
    const entry = (await page(response.body.conversationId!)).timeline?.find((item) => item.type === 'store_event');
    expect(entry).toMatchObject({ type: 'store_event', details: null });
    const recorded = (await inbox.streamEvents(conversationStreamId(response.body.conversationId!))).find(
      (item) => item.type === 'StoreEventRecorded',
    );
    expect(recorded?.data).not.toHaveProperty('details');
  });
});

describe("the shops' receivers fill the details from the order", () => {
  const SHOPIFY_SECRET = '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';
  const WOO_SECRET = 'wc-details-secret-5Rt8Yp2Q';
  let inbox: Inbox;

  beforeEach(async () => {
    inbox = await Inbox.start();
  });
  afterEach(() => inbox.stop());

  async function shopWithSecret(secret: string, shopDomain: string) {
    const shop = await inbox.addIntegration('Shop');
    const set = await inbox.request('PUT', `/integrations/${shop.id}/secret`, { body: { secret, shopDomain } });
    expect(set.status).toBe(200);
    return shop;
  }

  const storeEventEntry = async (conversationId: string) =>
    (await inbox.request<Page>('GET', `/conversations/${conversationId}`)).body.timeline?.find(
      (entry) => entry.type === 'store_event',
    );

  it("Shopify's orders/create: its name, total, currency, payment and fulfilment, line items, admin link", async () => {
    const shopDomain = 'jon-s-shop.myshopify.com';
    const shop = await shopWithSecret(SHOPIFY_SECRET, shopDomain);
    const body = fixture('shopify/orders-create.json');
    const delivered = await inbox.request<Accepted>('POST', `/integrations/shopify/${shop.id}/webhooks`, {
      token: null,
      rawBody: body.toString('utf8'),
      headers: {
        'content-type': 'application/json',
        'x-shopify-topic': 'orders/create',
        'x-shopify-hmac-sha256': sign(SHOPIFY_SECRET, body),
        'x-shopify-shop-domain': shopDomain,
        'x-shopify-webhook-id': 'b54557e4-bdd9-4b37-8a5f-bf7d70bcd043',
      },
    });
    expect(delivered.status).toBe(200);
    expect(await storeEventEntry(delivered.body.conversationId!)).toMatchObject({
      storeEventType: 'orders/create',
      details: {
        orderNumber: '#9999',
        total: '408.00',
        currency: 'USD',
        status: 'pending, unfulfilled',
        url: 'https://jon-s-shop.myshopify.com/admin/orders/820982911946154508',
        items: [
          { name: 'IPod Nano - 8GB', quantity: 1 },
          { name: 'IPod Nano - 8GB', quantity: 1 },
        ],
      },
    });
  });

  it("WooCommerce's order.created: its number, total, currency, status, line items, admin link", async () => {
    const shop = await shopWithSecret(WOO_SECRET, 'shop.example.com');
    const body = fixture('woocommerce/order-created.json');
    const delivered = await inbox.request<Accepted>('POST', `/integrations/woocommerce/${shop.id}/webhooks`, {
      token: null,
      rawBody: body.toString('utf8'),
      headers: {
        'content-type': 'application/json',
        'x-wc-webhook-source': 'https://shop.example.com/',
        'x-wc-webhook-topic': 'order.created',
        'x-wc-webhook-signature': sign(WOO_SECRET, body),
        'x-wc-webhook-delivery-id': '0c2b2a7f4f1e0bd1f7c8d2c4a6e8b0d3',
      },
    });
    expect(delivered.status).toBe(200);
    expect(await storeEventEntry(delivered.body.conversationId!)).toMatchObject({
      storeEventType: 'order.created',
      details: {
        orderNumber: '#727',
        total: '29.35',
        currency: 'USD',
        status: 'processing',
        url: 'https://example.com/wp-admin/post.php?post=727&action=edit',
        items: [
          { name: 'Woo Single #1', quantity: 2 },
          { name: 'Ship Your Idea \u2013 Color: Black, Size: M Test', quantity: 1 },
        ],
      },
    });
  });
});

describe("the customer's other conversations", () => {
  let inbox: Inbox;
  let shop: { id: string; token: string };
  let chat: { id: string; token: string };

  beforeEach(async () => {
    inbox = await Inbox.start();
    shop = await inbox.addIntegration('Shop');
    chat = await inbox.addIntegration('Chat widget');
  });
  afterEach(() => inbox.stop());

  const start = async (token: string, customerId: string, subject: string) => {
    // A millisecond apart at least: the order under test is by time of activity (ties go by id).
    await new Promise((resolve) => setTimeout(resolve, 2));
    const response = await inbox.request<Conversation>('POST', '/conversations', {
      token,
      body: { customer: { id: customerId, name: 'Ada' }, subject, body: `About ${subject}` },
    });
    expect(response.status).toBe(201);
    return response.body;
  };
  const page = async (conversationId: string, minPosition: string) => {
    const response = await inbox.request<Page>('GET', `/conversations/${conversationId}?minPosition=${minPosition}`);
    expect(response.status).toBe(200);
    return response.body;
  };

  it("are the same integration's customer's others, newest activity first: not itself, not another's customer", async () => {
    const first = await start(shop.token, 'ada-7', 'Sizes');
    const second = await start(shop.token, 'ada-7', 'Delivery');
    const third = await start(shop.token, 'ada-7', 'Refund');
    await start(chat.token, 'ada-7', 'Chat with another integration’s ada-7');
    await start(shop.token, 'grace-8', 'Another customer');
    // The oldest becomes the most recent.
    await new Promise((resolve) => setTimeout(resolve, 2));
    const replied = await inbox.request<Conversation>('POST', `/conversations/${first.id}/messages`, {
      token: shop.token,
      body: { body: 'One more thing' },
    });
    expect(replied.status).toBe(201);

    const ofSecond = await page(second.id, replied.body.position);
    expect(ofSecond.customerConversations.map((summary) => summary.id)).toEqual([first.id, third.id]);
    expect(ofSecond.customerConversations[0]).toMatchObject({
      id: first.id,
      subject: 'Sizes',
      customer: { id: 'ada-7', name: 'Ada' },
      status: 'open',
      messageCount: 2,
    });
    expect((await page(first.id, replied.body.position)).customerConversations.map((summary) => summary.id)).toEqual([
      third.id,
      second.id,
    ]);
  });

  it('are at most 20, the newest', async () => {
    const started: Conversation[] = [];
    for (let i = 0; i < 23; i++) started.push(await start(shop.token, 'busy-1', `Question ${i}`));
    const last = started.at(-1)!;
    const others = (await page(started[0].id, last.position)).customerConversations;
    expect(others.map((summary) => summary.id)).toEqual(
      started
        .slice(1)
        .reverse()
        .slice(0, 20)
        .map((conversation) => conversation.id),
    );
  });

  it('carry unread for a member who reads, as every summary answered to one does; none for the bootstrap admin', async () => {
    const alice = await inbox.addMember('Alice');
    const first = await start(shop.token, 'ada-9', 'Sizes');
    const second = await start(shop.token, 'ada-9', 'Delivery');
    const asAlice = async (minPosition: string) => {
      const response = await inbox.request<Page>('GET', `/conversations/${first.id}?minPosition=${minPosition}`, {
        token: alice.token,
      });
      expect(response.status).toBe(200);
      return response.body.customerConversations;
    };
    expect(await asAlice(second.position)).toEqual([expect.objectContaining({ id: second.id, unread: true })]);

    const read = await inbox.request<Conversation>('POST', `/conversations/${second.id}/read`, { token: alice.token });
    expect(read.status).toBe(200);
    expect(await asAlice(read.body.position)).toEqual([expect.objectContaining({ id: second.id, unread: false })]);
    expect((await page(first.id, read.body.position)).customerConversations[0]).not.toHaveProperty('unread');
  });

  it('are none for a customer with no other conversation', async () => {
    const only = await start(shop.token, 'solo-1', 'Just once');
    expect((await page(only.id, only.position)).customerConversations).toEqual([]);
  });
});
