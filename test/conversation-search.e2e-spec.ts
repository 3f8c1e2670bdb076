/**
 * `GET /conversations?q=` over HTTP (API.md 1.1): words of the subject, the customer's name and email, the
 * messages and the store events are found, case and accents aside, as prefixes, every word required; an
 * order number finds its conversation first; best match first; paged by cursor; within any view; a bad
 * `q` is a 400; and a rebuild of the read models finds the same.
 */
import { ProjectionProgress, readModelFile, rebuildReadModels } from '@team-inbox/projections';
import { READ_MODEL_PROJECTIONS } from '../apps/inbox-api/src/read-model-projections';
import { Inbox, type Conversation, type Member } from './support/inbox';

interface Page {
  /** `unread` where the caller is a member (API.md 1.1). */
  items: (Conversation & { unread?: boolean })[];
  nextCursor: string | null;
}

describe('searching conversations', () => {
  let inbox: Inbox;
  let alice: Member;
  let auditor: Member;
  let chat: { token: string };
  let shop: { token: string };
  let position = '0';
  const ids: Record<string, string> = {};

  /** A conversation started through the chat widget, with the messages after the first. */
  async function start(
    name: string,
    customer: { name: string; email: string },
    subject: string,
    body: string,
    ...more: string[]
  ): Promise<void> {
    const response = await inbox.request<Conversation>('POST', '/conversations', {
      token: chat.token,
      body: { customer: { id: `visitor-${name}`, ...customer }, subject, body },
    });
    expect(response.status).toBe(201);
    ids[name] = response.body.id;
    position = response.body.position;
    for (const text of more) {
      const reply = await inbox.request<Conversation>('POST', `/conversations/${ids[name]}/messages`, {
        token: chat.token,
        body: { body: text },
      });
      expect(reply.status).toBe(201);
      position = reply.body.position;
    }
  }

  /** A store's event on a conversation the shop's customer started. */
  async function storeConversation(
    name: string,
    subject: string,
    summary: string,
    details?: Record<string, unknown>,
  ): Promise<void> {
    const customer = { id: `shopper-${name}`, name: `Shopper ${name}`, email: `${name}@shop.example` };
    const started = await inbox.request<Conversation>('POST', '/conversations', {
      token: shop.token,
      body: { customer, subject, body: 'Hello' },
    });
    expect(started.status).toBe(201);
    ids[name] = started.body.id;
    const event = await inbox.request<{ position: string }>('POST', '/store-events', {
      token: shop.token,
      body: {
        id: `event-${name}`,
        type: 'order.paid',
        customer: { id: customer.id },
        requiresAction: false,
        summary,
        ...(details ? { details } : {}),
      },
    });
    expect(event.status).toBe(202);
    position = event.body.position;
  }

  const get = (path: string, member: Member = alice) =>
    inbox.request<Page>('GET', `${path}&minPosition=${position}`, { token: member.token });

  /** The names of the conversations a search finds, in the order answered. */
  async function found(q: string, more = ''): Promise<string[]> {
    const response = await get(`/conversations?q=${encodeURIComponent(q)}&limit=200${more}`);
    expect(response.status).toBe(200);
    expect(response.body.nextCursor).toBeNull();
    return response.body.items.map((item) => nameOf(item.id));
  }
  const nameOf = (id: string) => Object.keys(ids).find((name) => ids[name] === id) ?? id;

  beforeAll(async () => {
    inbox = await Inbox.start();
    alice = await inbox.addMember('Alice');
    auditor = await inbox.addMember('Audrey', 'auditor');
    chat = await inbox.addIntegration('Chat widget');
    shop = await inbox.addIntegration('Shop');

    await start('zoe', { name: 'Zoë Ångström', email: 'zoe.angstrom@example.com' }, 'Broken zipper', 'Hi there');
    await start('bob', { name: 'Bob Builder', email: 'bob@builder.test' }, 'Invoice question', 'Hi', 'Is VAT in it?');
    await start('carla', { name: 'Carla Díaz', email: 'carla@example.com' }, 'Shoes', 'Are they pünktlich?');
    await storeConversation('dora', 'Delivery', 'Order #1002 paid: 2 items');
    await storeConversation('emil', 'Delivery', 'Order #10021 paid: 1 item');
    await storeConversation('hugo', 'Delivery', 'Order paid', {
      orderNumber: '#2040',
      total: '59.90',
      currency: 'EUR',
      status: 'paid, unfulfilled',
      url: 'https://shop.example/orders/2040',
      items: [{ name: 'Merino scarf', quantity: 1 }],
    });
    await start('fay', { name: 'Fay', email: 'fay@example.com' }, 'Refund please', 'Hi');
    await start(
      'gus',
      { name: 'Gus', email: 'gus@example.com' },
      'Shipping',
      'Could I get a refund or an exchange for the shoes I bought from your shop last week, or else store credit?',
    );
  });
  afterAll(async () => {
    await inbox.stop();
  });

  it('finds words of the subject, the customer’s name and email, the messages and the store events', async () => {
    expect(await found('zipper')).toEqual(['zoe']);
    expect(await found('Builder')).toEqual(['bob']);
    expect(await found('bob@builder.test')).toEqual(['bob']);
    expect(await found('VAT')).toEqual(['bob']); // a later message, not the first
    expect(await found('items')).toEqual(['dora']); // a store event's summary
    expect(await found('nothingmatchesthis')).toEqual([]);
  });

  it('ignores case and accents, in what is searched and in what is typed', async () => {
    expect(await found('ANGSTROM')).toEqual(['zoe']);
    expect(await found('zoe')).toEqual(['zoe']);
    expect(await found('ZOË')).toEqual(['zoe']);
    expect(await found('punktlich')).toEqual(['carla']);
    expect(await found('díaz')).toEqual(['carla']);
  });

  it('matches a word by its beginning', async () => {
    expect(await found('zipp')).toEqual(['zoe']);
    expect(await found('Ång')).toEqual(['zoe']);
    expect(await found('bob@build')).toEqual(['bob']);
  });

  it('needs every word, each found anywhere in the conversation', async () => {
    expect(await found('bob vat')).toEqual(['bob']); // the customer's name and a message
    expect(await found('zoe vat')).toEqual([]);
    expect(await found('zipper refund')).toEqual([]);
  });

  it('finds an order by its number, the order itself first', async () => {
    expect(await found('#1002')).toEqual(['dora', 'emil']); // #10021 begins with 1002, and comes second
    expect(await found('#10021')).toEqual(['emil']);
    // Where the store sent the order's details: its number, status and items are searched, its URL not.
    expect(await found('#2040')).toEqual(['hugo']);
    expect(await found('merino unfulfilled')).toEqual(['hugo']);
    expect(await found('orders')).toEqual([]); // only in its URL
  });

  it('answers the best match first: a word of the subject before the same word among the messages', async () => {
    expect(await found('refund')).toEqual(['fay', 'gus']);
    expect(await found('shoes')).toEqual(['carla', 'gus']);
  });

  it('searches within the view asked for, any of them, for any role that reads the views', async () => {
    const closed = await inbox.request<Conversation>('POST', `/conversations/${ids.gus}/close`, {
      token: alice.token,
    });
    expect(closed.status).toBe(200);
    position = closed.body.position;
    expect(await found('refund', '&view=closed')).toEqual(['gus']);
    expect(await found('refund', '&view=unassigned')).toEqual(['fay']);
    expect(await found('refund', '&view=mine')).toEqual([]);
    const asAuditor = await get('/conversations?q=refund&view=all', auditor);
    expect(asAuditor.status).toBe(200);
    expect(asAuditor.body.items.map((item) => nameOf(item.id))).toEqual(['fay', 'gus']);

    // Each summary as the views answer it: with `unread` for a member (never read: unread), none for an auditor.
    const asMember = await get('/conversations?q=refund&view=all');
    expect(asMember.body.items.map((item) => [nameOf(item.id), item.unread])).toEqual([
      ['fay', true],
      ['gus', true],
    ]);
    expect(asAuditor.body.items.every((item) => !('unread' in item))).toBe(true);
  });

  it('pages through the matches by cursor, each once, in the order of one long page', async () => {
    for (let i = 0; i < 7; i++) {
      await start(`paging-${i}`, { name: `Pat ${i}`, email: `pat${i}@example.com` }, `Paging test ${i}`, 'Hi');
    }
    const whole = await found('paging');
    expect(whole).toHaveLength(7);
    const paged: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const after: string = cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`;
      const response = await get(`/conversations?q=paging&limit=3${after}`);
      expect(response.status).toBe(200);
      expect(response.body.items.length).toBeLessThanOrEqual(3);
      paged.push(...response.body.items.map((item) => nameOf(item.id)));
      cursor = response.body.nextCursor;
      pages++;
    } while (cursor !== null);
    expect(pages).toBe(3);
    expect(paged).toEqual(whole);
  });

  it('treats an empty q as no search, and refuses a q it cannot search with a 400 naming the problem', async () => {
    const all = await get('/conversations?view=all&limit=200');
    const empty = await get('/conversations?view=all&limit=200&q=');
    const blank = await get('/conversations?view=all&limit=200&q=%20%20');
    expect(empty.body).toEqual(all.body);
    expect(blank.body).toEqual(all.body);

    const refused = (query: string, message: RegExp) =>
      inbox.expectRefused('GET', `/conversations?${query}`, { token: alice.token }, 400, message);
    await refused(`q=${'a'.repeat(201)}`, /q must be at most 200 characters/);
    await refused('q=%23%23%20--', /q must hold a letter or a digit/);
    await refused(`q=${Array.from({ length: 17 }, (_, i) => `w${i}`).join('%20')}`, /q must be at most 16 words/);
    await refused('q=a&q=b', /q must be given once/);

    // A view's cursor is not a search's, nor the other way round.
    const view = await get('/conversations?view=all&limit=1');
    await refused(`q=paging&cursor=${view.body.nextCursor}`, /cursor is not one this server gave out for a search/);
    const searched = await get('/conversations?q=paging&limit=1');
    await refused(`view=all&cursor=${searched.body.nextCursor}`, /cursor is not one this server gave out/);
  });

  it('finds the same, in the same order, after the read models are rebuilt from the log', async () => {
    const queries = ['zoe', '#1002', 'refund', 'shoes', 'paging', 'bob vat', 'hi'];
    const before = await Promise.all(queries.map((q) => found(q)));
    const result = await rebuildReadModels({
      eventStore: inbox.store,
      projections: READ_MODEL_PROJECTIONS.map((projection) => new projection()),
      readModelFile: readModelFile(inbox.dataDir),
    });
    expect(await inbox.running.app.get(ProjectionProgress).waitFor(result.position, 10_000)).toBe(true);
    expect(await Promise.all(queries.map((q) => found(q)))).toEqual(before);
    expect(before.flat().length).toBeGreaterThan(queries.length);
  });
});
