/**
 * Shops' own webhooks over HTTP, with payloads shaped as Shopify and WooCommerce document them
 * (test/fixtures), sent byte for byte and signed as the platforms sign them.
 */
import { storeEventReceiptStreamId } from '@team-inbox/conversations';
import { collect } from '@team-inbox/event-store';
import Database from 'better-sqlite3';
import { SecretBox } from '@team-inbox/platform';
import { createHmac, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Inbox, type Conversation, type Member } from './support/inbox';

const SHOPIFY_SECRET = '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';
const WOO_SECRET = 'wc-webhook-secret-7Hq2Lr9Xv';
const SHOP = 'jon-s-shop.myshopify.com';

const fixture = (path: string): Buffer => readFileSync(join(__dirname, 'fixtures', path));
const sign = (secret: string, body: Buffer): string => createHmac('sha256', secret).update(body).digest('base64');

describe('shop webhooks', () => {
  let inbox: Inbox;
  let alice: Member;
  let shop: { id: string; token: string };

  beforeEach(async () => {
    inbox = await Inbox.start();
    alice = await inbox.addMember('Alice');
    shop = await inbox.addIntegration('Shop');
  });
  afterEach(() => inbox.stop());

  const setSecret = (body: Record<string, unknown>, integrationId = shop.id) =>
    inbox.request('PUT', `/integrations/${integrationId}/secret`, { body });

  /** A conversation the shop's customer started (the shop's own customers only), taken by Alice and closed. */
  async function closedConversationOf(email: string): Promise<Conversation> {
    const started = await inbox.request<Conversation>('POST', '/conversations', {
      token: shop.token,
      body: {
        customer: { id: `visitor-${email}`, name: 'Jon', email },
        subject: 'Gift wrap?',
        body: 'Can you wrap it?',
      },
    });
    await inbox.request('POST', `/conversations/${started.body.id}/assign`, {
      token: alice.token,
      body: { assigneeId: 'me' },
    });
    await inbox.request('POST', `/conversations/${started.body.id}/close`, { token: alice.token });
    return started.body;
  }

  const details = async (id: string) => (await inbox.request<Conversation>('GET', `/conversations/${id}`)).body;

  async function metric(name: string, labels: string): Promise<number> {
    const text = (await inbox.request<string>('GET', '/metrics')).body;
    const line = text.split('\n').find((candidate) => candidate.startsWith(`${name}{${labels}}`));
    return line ? Number(line.split(' ').at(-1)) : 0;
  }

  describe('Shopify', () => {
    const deliver = (
      body: Buffer,
      headers: Record<string, string> = {},
      { secret = SHOPIFY_SECRET, integrationId = shop.id } = {},
    ) =>
      inbox.request<Record<string, unknown>>('POST', `/integrations/shopify/${integrationId}/webhooks`, {
        token: null,
        rawBody: body.toString('utf8'),
        headers: {
          'content-type': 'application/json',
          'x-shopify-topic': 'orders/create',
          'x-shopify-hmac-sha256': sign(secret, body),
          'x-shopify-shop-domain': SHOP,
          'x-shopify-api-version': '2024-07',
          'x-shopify-webhook-id': 'b54557e4-bdd9-4b37-8a5f-bf7d70bcd043',
          'x-shopify-triggered-at': '2024-05-14T15:05:09.000Z',
          ...headers,
        },
      });

    beforeEach(async () => {
      expect((await setSecret({ secret: SHOPIFY_SECRET, shopDomain: SHOP })).status).toBe(200);
    });

    it("orders/create reopens the customer's closed conversation, reason store_event, in the assignee's inbox", async () => {
      const conversation = await closedConversationOf('jon@example.com');
      const response = await deliver(fixture('shopify/orders-create.json'));

      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ conversationId: conversation.id, reopened: true, duplicate: false });
      const after = await details(conversation.id);
      expect(after).toMatchObject({ status: 'open', assigneeId: alice.id });
      expect(after.timeline?.slice(-2)).toEqual([
        expect.objectContaining({
          type: 'store_event',
          storeEventType: 'orders/create',
          storeEventId: 'orders/create/820982911946154508',
          summary: 'Order #9999 placed by John Smith: 2 items, 408.00 USD. Confirm and ship it.',
          requiresAction: true,
        }),
        expect.objectContaining({ type: 'reopened', reason: 'store_event' }),
      ]);
      const aliceInbox = await inbox.request<{ items: Conversation[] }>(
        'GET',
        `/inbox?minPosition=${await inbox.head()}`,
        {
          token: alice.token,
        },
      );
      expect(aliceInbox.body.items.map((item) => item.id)).toContain(conversation.id);
    });

    it('the same delivery again changes nothing', async () => {
      const conversation = await closedConversationOf('jon@example.com');
      await deliver(fixture('shopify/orders-create.json'));
      await inbox.request('POST', `/conversations/${conversation.id}/close`, { token: alice.token });

      await inbox.expectNothingAppended(async () => {
        const again = await deliver(fixture('shopify/orders-create.json'));
        expect(again.status).toBe(200);
        expect(again.body).toMatchObject({ conversationId: conversation.id, reopened: false, duplicate: true });
      });
      expect((await details(conversation.id)).status).toBe('closed');
      expect(await metric('team_inbox_inbound_webhooks_total', 'platform="shopify",outcome="duplicate"')).toBe(1);
    });

    it('the same signed orders/create under a new event id is the same order: duplicate, stays closed', async () => {
      const conversation = await closedConversationOf('jon@example.com');
      const first = await deliver(fixture('shopify/orders-create.json'), { 'x-shopify-event-id': randomUUID() });
      expect(first.body).toMatchObject({ conversationId: conversation.id, reopened: true, duplicate: false });
      await inbox.request('POST', `/conversations/${conversation.id}/close`, { token: alice.token });

      // The event and webhook ids are headers, outside the signature: anyone holding the body can change them.
      await inbox.expectNothingAppended(async () => {
        const newIds: Record<string, string>[] = [
          { 'x-shopify-event-id': randomUUID() },
          { 'x-shopify-event-id': randomUUID(), 'x-shopify-webhook-id': randomUUID() },
          { 'x-shopify-webhook-id': randomUUID() },
        ];
        for (const ids of newIds) {
          const again = await deliver(fixture('shopify/orders-create.json'), ids);
          expect(again.status).toBe(200);
          expect(again.body).toMatchObject({ conversationId: conversation.id, reopened: false, duplicate: true });
        }
      });
      expect((await details(conversation.id)).status).toBe('closed');
      expect(await metric('team_inbox_inbound_webhooks_total', 'platform="shopify",outcome="duplicate"')).toBe(3);
    });

    it('the same signed orders/paid under new event ids is the same change: one timeline entry', async () => {
      const conversation = await closedConversationOf('jon@example.com');
      const paid = (eventId: string) =>
        deliver(fixture('shopify/orders-paid.json'), {
          'x-shopify-topic': 'orders/paid',
          'x-shopify-event-id': eventId,
        });
      const first = await paid(randomUUID());
      expect(first.body).toMatchObject({ conversationId: conversation.id, duplicate: false });

      await inbox.expectNothingAppended(async () => {
        for (let i = 0; i < 3; i++) expect((await paid(randomUUID())).body).toMatchObject({ duplicate: true });
      });
      const paidEntries = (await details(conversation.id)).timeline?.filter(
        (entry) => entry.type === 'store_event' && entry.storeEventType === 'orders/paid',
      );
      expect(paidEntries).toHaveLength(1);
    });

    it('accepts the prefix-less headers, as Shopify sends them and @shopify/shopify-api reads them', async () => {
      const conversation = await closedConversationOf('jon@example.com');
      const body = fixture('shopify/orders-create.json');
      const response = await inbox.request<Record<string, unknown>>(
        'POST',
        `/integrations/shopify/${shop.id}/webhooks`,
        {
          token: null,
          rawBody: body.toString('utf8'),
          headers: {
            'content-type': 'application/json',
            'shopify-topic': 'orders/create',
            'shopify-hmac-sha256': sign(SHOPIFY_SECRET, body),
            'shopify-shop-domain': SHOP,
            'shopify-api-version': '2025-07',
            'shopify-event-id': randomUUID(),
            'shopify-triggered-at': '2025-07-14T15:05:09.000Z',
          },
        },
      );
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ conversationId: conversation.id, reopened: true, duplicate: false });

      // Each is read as its X- form is: a wrong prefix-less signature or shop is refused as theirs are. The
      // order carries no updated_at, so the webhook id is what it is known by.
      // (Edited as text: its ids exceed 2^53.)
      const paid = Buffer.from(
        fixture('shopify/orders-paid.json')
          .toString('utf8')
          .replace(/"updated_at": *"[^"]*",?/, ''),
      );
      const prefixLess = (headers: Record<string, string>) =>
        inbox.request('POST', `/integrations/shopify/${shop.id}/webhooks`, {
          token: null,
          rawBody: paid.toString('utf8'),
          headers: {
            'content-type': 'application/json',
            'shopify-topic': 'orders/paid',
            'shopify-hmac-sha256': sign(SHOPIFY_SECRET, paid),
            'shopify-shop-domain': SHOP,
            'shopify-webhook-id': 'paid-delivery-1',
            ...headers,
          },
        });
      await inbox.expectNothingAppended(async () => {
        expect((await prefixLess({ 'shopify-hmac-sha256': sign('not-the-secret', paid) })).status).toBe(401);
        expect((await prefixLess({ 'shopify-shop-domain': 'someone-else.myshopify.com' })).status).toBe(403);
      });
      const recorded = await prefixLess({});
      expect(recorded.status).toBe(200);
      expect(recorded.body).toMatchObject({ conversationId: conversation.id, duplicate: false });
      const [receipt] = await inbox.streamEvents(storeEventReceiptStreamId(shop.id, 'paid-delivery-1'));
      expect(receipt.data).toMatchObject({ type: 'orders/paid' });
    });

    it('keeps order and customer ids beyond 2^53 exact, and starts a conversation for a new customer', async () => {
      const response = await deliver(fixture('shopify/orders-create.json'));
      expect(response.body).toMatchObject({ reopened: false, duplicate: false });
      const started = await details(response.body.conversationId as string);
      expect(started.customer).toEqual({ id: '115310627314723954', name: 'John Smith', email: 'jon@example.com' });
      const [receipt] = await inbox.streamEvents(
        storeEventReceiptStreamId(shop.id, 'orders/create/820982911946154508'),
      );
      expect(receipt.data).toMatchObject({ customer: { id: '115310627314723954' } });
    });

    it('puts payment, fulfilment and cancellation on the timeline without reopening', async () => {
      const conversation = await closedConversationOf('jon@example.com');
      for (const [topic, file] of [
        ['orders/paid', 'orders-paid.json'],
        ['orders/fulfilled', 'orders-fulfilled.json'],
        ['orders/cancelled', 'orders-cancelled.json'],
      ]) {
        const response = await deliver(fixture(`shopify/${file}`), {
          'x-shopify-topic': topic,
          'x-shopify-webhook-id': `delivery-${topic}`,
        });
        expect(response.body).toMatchObject({ conversationId: conversation.id, reopened: false });
      }
      const after = await details(conversation.id);
      expect(after.status).toBe('closed');
      expect(after.timeline?.filter((entry) => entry.type === 'store_event').map((entry) => entry.summary)).toEqual([
        expect.stringMatching(/^Order #9999 paid/),
        'Order #9999 fulfilled',
        'Order #9999 cancelled (reason: customer)',
      ]);
    });

    it('a wrong signature is 401, appends nothing, and is counted', async () => {
      await closedConversationOf('jon@example.com');
      const body = fixture('shopify/orders-create.json');
      await inbox.expectNothingAppended(async () => {
        const forged = await deliver(body, { 'x-shopify-hmac-sha256': sign('not-the-secret', body) });
        expect(forged.status).toBe(401);
        expect(forged.body).toMatchObject({
          statusCode: 401,
          message: expect.stringMatching(/signature does not match/),
        });
        const tampered = Buffer.from(body.toString('utf8').replace('408.00', '1.00'));
        expect((await deliver(tampered, { 'x-shopify-hmac-sha256': sign(SHOPIFY_SECRET, body) })).status).toBe(401);
        const unsigned = await deliver(body, { 'x-shopify-hmac-sha256': '' });
        expect(unsigned.status).toBe(401);
      });
      expect(await metric('team_inbox_inbound_webhooks_total', 'platform="shopify",outcome="bad_signature"')).toBe(3);
    });

    it('keeps the shop when a secret is set without one; null removes it', async () => {
      await setSecret({ secret: 'shpss_rotated-secret-000000000000' });
      const elsewhere = { 'x-shopify-shop-domain': 'someone-else.myshopify.com' };
      const options = { secret: 'shpss_rotated-secret-000000000000' };
      expect((await deliver(fixture('shopify/orders-create.json'), elsewhere, options)).status).toBe(403);
      expect((await setSecret({ secret: 'shpss_rotated-secret-000000000000', shopDomain: null })).body).toMatchObject({
        shopDomain: null,
      });
      expect((await deliver(fixture('shopify/orders-create.json'), elsewhere, options)).status).toBe(200);
    });

    it('a secret sealed with another server key is 503 naming INBOX_SECRETS_KEY, not 500', async () => {
      const foreign = new SecretBox(Buffer.alloc(32, 3)).seal(SHOPIFY_SECRET);
      const [registered] = await inbox.streamEvents(`integration-${shop.id}`);
      const { position } = await inbox.store.append(
        `integration-${shop.id}`,
        [
          {
            id: randomUUID(),
            type: 'IntegrationWebhookSecretSet',
            data: {
              integrationId: shop.id,
              sealedSecret: foreign,
              previousSealedSecret: null,
              previousSecretAcceptedUntil: null,
              shopDomain: null,
            },
            metadata: registered.metadata,
          },
        ],
        { expectedRevision: 'any' },
      );
      await inbox.request('GET', `/conversations?view=all&minPosition=${position}`, { token: alice.token });
      const response = await deliver(fixture('shopify/orders-create.json'));
      expect(response.status).toBe(503);
      expect(response.body.message).toMatch(/INBOX_SECRETS_KEY/);
    });

    it('a correctly signed webhook from another shop is 403', async () => {
      await inbox.expectNothingAppended(async () => {
        const response = await deliver(fixture('shopify/orders-create.json'), {
          'x-shopify-shop-domain': 'someone-else.myshopify.com',
        });
        expect(response.status).toBe(403);
        expect(response.body.message).toMatch(/someone-else\.myshopify\.com.*jon-s-shop\.myshopify\.com/);
      });
    });

    it('accepts the previous secret during a rotation, and not once it is retired', async () => {
      const body = fixture('shopify/orders-create.json');
      expect((await setSecret({ secret: 'shpss_rotated-secret-000000000000', shopDomain: SHOP })).body).toMatchObject({
        hasWebhookSecret: true,
        previousSecretAcceptedUntil: expect.any(String),
      });
      expect((await deliver(body, { 'x-shopify-webhook-id': 'old-secret' })).status).toBe(200);
      expect(
        (await deliver(body, { 'x-shopify-webhook-id': 'new-secret' }, { secret: 'shpss_rotated-secret-000000000000' }))
          .status,
      ).toBe(200);

      // The same PUT again (a retry) is no new rotation: the first secret is still accepted.
      await setSecret({ secret: 'shpss_rotated-secret-000000000000', shopDomain: SHOP });
      expect((await deliver(body, { 'x-shopify-webhook-id': 'old-secret-after-retry' })).status).toBe(200);

      await setSecret({ secret: 'shpss_third-secret-0000000000000', shopDomain: SHOP, keepPreviousSecretForHours: 0 });
      expect((await deliver(body, { 'x-shopify-webhook-id': 'retired' })).status).toBe(401);
      expect(
        (await deliver(body, { 'x-shopify-webhook-id': 'retired' }, { secret: 'shpss_rotated-secret-000000000000' }))
          .status,
      ).toBe(401);
    });

    it('keeps an order with neither customer nor email, on no conversation', async () => {
      const response = await deliver(Buffer.from('{"id":820982911946154509,"name":"#10000","line_items":[]}'), {
        'x-shopify-webhook-id': 'pos-guest-order',
      });
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ conversationId: null, duplicate: false });
      const [receipt] = await inbox.streamEvents(
        storeEventReceiptStreamId(shop.id, 'orders/create/820982911946154509'),
      );
      expect(receipt.data).toMatchObject({ type: 'orders/create', conversationId: null });
    });

    it('acknowledges a topic it does not act on, recording nothing', async () => {
      await inbox.expectNothingAppended(async () => {
        const response = await deliver(Buffer.from('{"id":1}'), { 'x-shopify-topic': 'products/update' });
        expect(response.status).toBe(200);
        expect(response.body.ignored).toMatch(/products\/update/);
      });
    });

    it('an integration without a secret is 401 saying how to set one; an unknown one is 404', async () => {
      const other = await inbox.addIntegration('Second shop');
      const response = await deliver(fixture('shopify/orders-create.json'), {}, { integrationId: other.id });
      expect(response.status).toBe(401);
      expect(response.body.message).toMatch(new RegExp(`PUT /integrations/${other.id}/secret`));
      const unknown = await deliver(
        fixture('shopify/orders-create.json'),
        {},
        {
          integrationId: '7d1a0b64-9c55-4f0e-9a43-0e8e1d4b2c11',
        },
      );
      expect(unknown.status).toBe(404);
    });
  });

  describe('WooCommerce', () => {
    const deliver = (body: Buffer, headers: Record<string, string> = {}, secret = WOO_SECRET) =>
      inbox.request<Record<string, unknown>>('POST', `/integrations/woocommerce/${shop.id}/webhooks`, {
        token: null,
        rawBody: body.toString('utf8'),
        headers: {
          'content-type': 'application/json',
          'user-agent': 'WooCommerce/8.9.1 Hookshot (WordPress/6.5.3)',
          'x-wc-webhook-source': 'https://shop.example.com/',
          'x-wc-webhook-topic': 'order.created',
          'x-wc-webhook-resource': 'order',
          'x-wc-webhook-event': 'created',
          'x-wc-webhook-signature': sign(secret, body),
          'x-wc-webhook-id': '12',
          'x-wc-webhook-delivery-id': '0c2b2a7f4f1e0bd1f7c8d2c4a6e8b0d3',
          ...headers,
        },
      });

    beforeEach(async () => {
      expect((await setSecret({ secret: WOO_SECRET, shopDomain: 'shop.example.com' })).status).toBe(200);
    });

    it('answers the ping sent when a shop saves the webhook with exactly 200, recording nothing', async () => {
      await inbox.expectNothingAppended(async () => {
        const ping = await inbox.request('POST', `/integrations/woocommerce/${shop.id}/webhooks`, {
          token: null,
          rawBody: 'webhook_id=12',
          headers: { 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8' },
        });
        expect(ping.status).toBe(200);
      });
    });

    it("order.created reopens the customer's closed conversation, reason store_event, in the assignee's inbox", async () => {
      const conversation = await closedConversationOf('john.doe@example.com');
      const response = await deliver(fixture('woocommerce/order-created.json'));
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ conversationId: conversation.id, reopened: true, duplicate: false });
      const after = await details(conversation.id);
      expect(after).toMatchObject({ status: 'open', assigneeId: alice.id });
      expect(after.timeline?.at(-1)).toMatchObject({ type: 'reopened', reason: 'store_event' });
      const aliceInbox = await inbox.request<{ items: Conversation[] }>(
        'GET',
        `/inbox?minPosition=${await inbox.head()}`,
        {
          token: alice.token,
        },
      );
      expect(aliceInbox.body.items.map((item) => item.id)).toContain(conversation.id);
    });

    it('the same order modification again is a duplicate, even under another delivery id', async () => {
      const conversation = await closedConversationOf('john.doe@example.com');
      await deliver(fixture('woocommerce/order-created.json'));
      await inbox.expectNothingAppended(async () => {
        const again = await deliver(fixture('woocommerce/order-created.json'), {
          'x-wc-webhook-delivery-id': 'ffffffffffffffffffffffffffffffff',
        });
        expect(again.body).toMatchObject({ conversationId: conversation.id, duplicate: true });
      });
    });

    it('order.updated goes on the timeline with its status', async () => {
      const conversation = await closedConversationOf('john.doe@example.com');
      const response = await deliver(fixture('woocommerce/order-updated.json'), {
        'x-wc-webhook-topic': 'order.updated',
      });
      expect(response.body).toMatchObject({ conversationId: conversation.id, reopened: false });
      const after = await details(conversation.id);
      expect(after.status).toBe('closed');
      expect(after.timeline?.at(-1)).toMatchObject({ type: 'store_event', summary: 'Order #727 is now completed' });
    });

    it('a wrong signature is 401 and a signed delivery from another site is 403, both appending nothing', async () => {
      const body = fixture('woocommerce/order-created.json');
      await inbox.expectNothingAppended(async () => {
        expect((await deliver(body, {}, 'wrong-secret')).status).toBe(401);
        expect((await deliver(body, { 'x-wc-webhook-source': 'https://elsewhere.example.org/' })).status).toBe(403);
      });
      expect(await metric('team_inbox_inbound_webhooks_total', 'platform="woocommerce",outcome="bad_signature"')).toBe(
        1,
      );
    });
  });

  describe('secrets', () => {
    it('are set by an admin only, never returned, and kept sealed in the log and the read models', async () => {
      await inbox.expectRefused(
        'PUT',
        `/integrations/${shop.id}/secret`,
        { token: alice.token, body: { secret: SHOPIFY_SECRET } },
        403,
        /.+/,
      );
      await inbox.expectRefused(
        'PUT',
        `/integrations/${shop.id}/secret`,
        { body: { secret: 'short' } },
        400,
        /secret must be 8 to 512/,
      );
      await inbox.expectRefused(
        'PUT',
        `/integrations/${shop.id}/secret`,
        { body: { secret: SHOPIFY_SECRET, shopDomain: 'https://x.example.com/path' } },
        400,
        /shopDomain must be a host name/,
      );
      await inbox.expectRefused(
        'PUT',
        '/integrations/7d1a0b64-9c55-4f0e-9a43-0e8e1d4b2c11/secret',
        { body: { secret: SHOPIFY_SECRET } },
        404,
        /No integration/,
      );

      const set = await setSecret({ secret: SHOPIFY_SECRET, shopDomain: 'Jon-S-Shop.myshopify.com' });
      expect(set.body).toEqual({
        id: shop.id,
        name: 'Shop',
        shopDomain: SHOP,
        hasWebhookSecret: true,
        previousSecretAcceptedUntil: null,
      });
      const listed = await inbox.request<unknown[]>('GET', '/integrations');
      expect(listed.body).toContainEqual(expect.objectContaining({ id: shop.id, hasWebhookSecret: true }));
      expect(JSON.stringify(listed.body)).not.toContain(SHOPIFY_SECRET);

      const everything = await collect(inbox.store.readAll({ fromPosition: 0n }));
      expect(
        JSON.stringify(everything, (_, value: unknown) => (typeof value === 'bigint' ? String(value) : value)),
      ).not.toContain(SHOPIFY_SECRET);
      const readModels = new Database(join(inbox.dataDir, 'read-models.sqlite'), { readonly: true });
      try {
        const row = readModels.prepare('SELECT * FROM team_integration_webhook_secrets').get();
        expect(JSON.stringify(row)).not.toContain(SHOPIFY_SECRET);
      } finally {
        readModels.close();
      }
    });

    it('still verify after a restart (the key that seals them is kept)', async () => {
      await setSecret({ secret: SHOPIFY_SECRET });
      const dataDir = inbox.dataDir;
      await inbox.stop({ keepData: true });
      inbox = await Inbox.start({ dataDir });
      const body = fixture('shopify/orders-create.json');
      const response = await inbox.request('POST', `/integrations/shopify/${shop.id}/webhooks`, {
        token: null,
        rawBody: body.toString('utf8'),
        headers: {
          'content-type': 'application/json',
          'x-shopify-topic': 'orders/create',
          'x-shopify-hmac-sha256': sign(SHOPIFY_SECRET, body),
          'x-shopify-webhook-id': 'after-restart',
        },
      });
      expect(response.status).toBe(200);
    });
  });

  it('other routes still take JSON only: a form body is 415', async () => {
    await inbox.expectRefused(
      'POST',
      '/members',
      { rawBody: 'name=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } },
      415,
      /send JSON/,
    );
  });
});
