/**
 * Bad input on every route ("[7 of 7] Reliability", item 2): property tests with fast-check against the
 * started app. The routes come from the app's own route table, so a route added without a case here fails
 * the first test. Whatever a request carries (arbitrary JSON, wrong types, huge and unusual Unicode strings,
 * `__proto__` / `constructor` keys, bad UUIDs, bad headers, bodies that are not JSON, other methods), the
 * answer is never a 5xx; a refusal is a 4xx with API.md's JSON error and a message, and appends nothing;
 * input that is invalid by construction is refused (input that may be valid may succeed, and its appends are
 * not counted); and `GET /health` answers 200 after each route's run. The routes that take no input (the web
 * UI's files, the docs, the health check) are left out.
 *
 * The seed is in the describe's name and in a failure's report: `BAD_INPUT_SEED=<seed> npx jest test/bad-input
 * -t '<route>'` replays it; `BAD_INPUT_RUNS=<n>` sets the runs of each property (100).
 */
import type { Role } from '@team-inbox/team';
import { type FastifyInstance } from 'fastify';
import fc from 'fast-check';
import { createHmac } from 'node:crypto';
import { createServer, STATUS_CODES, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  INHERITED_KEYS,
  UUID,
  codePoints,
  controlText,
  deeplyNested,
  headerValueSeen,
  latin1Text,
  nearLimit,
  notJson,
  notUuidSegment,
  pollutingValue,
  printableAscii,
  unusualText,
  withKeyFirst,
} from './support/bad-input';
import { probe, probeOverSocket, type ProbeRequest, type ProbeResponse } from './support/http-probe';
import { ADMIN_TOKEN, Inbox } from './support/inbox';
import { eventually } from './support/eventually';
import { ROUTE_ROLES } from './support/route-roles';

const SEED = Number(process.env.BAD_INPUT_SEED ?? Math.floor(Math.random() * 2 ** 31));
const RUNS = Number(process.env.BAD_INPUT_RUNS ?? 100);
const BODY_LIMIT = 1024 * 1024;
const SHOP_SECRET = 'shpss_bad-input-0123456789abcdef';

const ROLES: readonly Role[] = ['admin', 'agent', 'auditor', 'integration'];

/** What the seeding made: the tokens of each role and the ids the routes name. */
interface World {
  tokens: Record<Role, string[]>;
  conversationId: string;
  memberId: string;
  /** The integration whose secret `PUT /integrations/:id/secret` may change. */
  rotatingIntegrationId: string;
  /** The integration whose webhooks are signed with SHOP_SECRET. */
  shopId: string;
  webhookId: string;
  /** A failed delivery of `webhookId`, for redeliver. */
  deliveryId: string;
  receiverUrl: string;
}

/** A field of a JSON body, as its DTO takes it. */
interface Field {
  type: 'string' | 'boolean' | 'integer' | 'object' | 'array';
  /** Absent or null is fine (class-validator's IsOptional). */
  optional?: boolean;
  /** Any text of `min` (default 1) to `max` code points is valid, counted after trimming where `trimmed`. */
  text?: { max: number; min?: number; trimmed?: boolean };
  /** A string with rules of its own (an email, a URL, a UUID): at most this many characters. */
  maxLength?: number;
  /** An absolute URL: the unusual text goes in its host, and what no URL parser reads must be refused. */
  url?: true;
  fields?: Record<string, Field>;
}

/** A query parameter of a query DTO: values it takes, values it must refuse, and forms at the edge of both. */
interface QueryParam {
  good: fc.Arbitrary<string>;
  bad: fc.Arbitrary<string>;
  /** Whatever the server makes of them, never a 5xx. */
  odd?: fc.Arbitrary<string>;
}

interface RouteCase {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** As Fastify's route table has it. */
  path: string;
  /** Valid values of the path's parameters. */
  params?: (world: World) => Record<string, string>;
  /** A JSON body with these fields; `example` is a valid one (`nonce` keeps unique what must be). */
  body?: { fields: Record<string, Field>; example: (world: World, nonce: string) => Record<string, unknown> };
  /** Takes no body, or `{}` / `null`; any field is refused. */
  noFields?: true;
  /** The route's query DTO; a route without one ignores its query. */
  query?: Record<string, QueryParam>;
  /** Takes `If-Match` (the conversation commands). */
  ifMatch?: true;
  /** Server-sent events: a request that is accepted stays open (the probe reads its head only). */
  stream?: true;
}

/** One request a property sends, and whether it is invalid by construction. */
interface Attempt {
  input: string;
  request: ProbeRequest;
  /** Over a raw socket: for bytes fetch will not send (control characters in a header, a GET body). */
  socket?: boolean;
  mustRefuse: boolean;
}

const uuidText = (maxLength: number) => printableAscii(maxLength).filter((text) => !UUID.test(text));
const POSITION = /^(0|[1-9][0-9]{0,76})$/;

const QUERY = {
  minPosition: {
    good: fc.constantFrom('0', '1'),
    bad: fc.oneof(
      fc.constantFrom('-1', '1.5', '01', '0x10', '1e3', '', ' 1', 'abc', '9'.repeat(78)),
      printableAscii(20).filter((text) => !POSITION.test(text)),
    ),
  },
  limit: {
    good: fc.integer({ min: 1, max: 200 }).map(String),
    bad: fc.oneof(
      fc.constantFrom('0', '201', '-1', '1.5', 'abc', '', 'Infinity', 'NaN', '1e3', '9'.repeat(400)),
      fc.integer({ min: 201 }).map(String),
      fc.integer({ max: 0 }).map(String),
    ),
    odd: fc.constantFrom(' 5', '0x10', '5.0', '1e2', '+5', '0b11', '٥'),
  },
  /** The views' cursor: base64url of `["<time>","<id>"]`, at most 1000 characters. */
  cursor: {
    good: fc.constant(Buffer.from('["2026-01-01T00:00:00.000Z","x"]').toString('base64url')),
    bad: fc.oneof(
      fc.constantFrom('', '!!!', 'WyJhIl0', 'e30', 'WzEsMl0', 'bnVsbA'),
      printableAscii(1100, 1001),
      printableAscii(30, 1).filter((text) => !/^[A-Za-z0-9_-]+$/.test(text)),
    ),
    odd: fc
      .constantFrom('["",""]', '["x","y"]', '["\\u0000","\\ud800"]', '["9999-99-99","\'; --"]', '["a","b","c"]')
      .map((json) => Buffer.from(json).toString('base64url')),
  },
  view: {
    good: fc.constantFrom('mine', 'unassigned', 'assigned', 'closed', 'all'),
    bad: fc.constantFrom('Mine', 'ALL', '', 'all ', 'constructor', '__proto__', 'everything', 'mine,all', 'toString'),
  },
  assigneeId: { good: fc.uuid(), bad: uuidText(50) },
  since: {
    good: fc.constant('2020-01-01T00:00:00Z'),
    bad: fc.constantFrom(
      'yesterday',
      '2026-13-01',
      '',
      '2026-01-01T25:00:00Z',
      '1700000000',
      'null',
      '2026-01-01T00:00:00Z ',
    ),
    // ISO-8601 as the validator takes it: week and ordinal dates, a decimal comma, far years, offsets.
    odd: fc.constantFrom(
      '2026-W01',
      '2026-W01-1',
      '2026-001',
      '2026-01-01T00:00:00,5Z',
      '2026',
      '2026-12-31T23:59:59-23:59',
      '9999-12-31T23:59:59.999999999Z',
      '2024-02-29',
      '0001-01-01T00:00:00Z',
    ),
  },
  status: { good: fc.constantFrom('pending', 'delivered', 'failed'), bad: fc.constantFrom('FAILED', 'x', '', 'all') },
  /** The deliveries' cursor: base64url of a positive decimal, at most 100 characters. */
  deliveryCursor: {
    good: fc.constant(Buffer.from('1').toString('base64url')),
    bad: fc.oneof(fc.constantFrom('', 'MA', 'LTE', 'abc', 'MDE'), printableAscii(150, 101)),
  },
} satisfies Record<string, QueryParam>;

const noun = (max: number, trimmed = true): Field => ({ type: 'string', text: { max, trimmed } });

/** Every route the app serves that takes input. */
const ROUTES: RouteCase[] = [
  { method: 'GET', path: '/me' },
  {
    method: 'POST',
    path: '/members',
    body: {
      fields: {
        name: noun(200),
        email: { type: 'string', maxLength: 320 },
        role: { type: 'string', optional: true, maxLength: 10 },
      },
      example: (_, nonce) => ({ name: 'Grace Hopper', email: `grace.${nonce}@example.com`, role: 'agent' }),
    },
  },
  { method: 'GET', path: '/members' },
  // Only unknown members: removing a seeded one would revoke a token the other cases use.
  {
    method: 'DELETE',
    path: '/members/:id',
    params: () => ({ id: crypto.randomUUID() }),
    noFields: true,
  },
  {
    method: 'POST',
    path: '/integrations',
    body: { fields: { name: noun(200) }, example: () => ({ name: 'Chat widget' }) },
  },
  { method: 'GET', path: '/integrations' },
  {
    method: 'PUT',
    path: '/integrations/:id/secret',
    params: (world) => ({ id: world.rotatingIntegrationId }),
    body: {
      fields: {
        secret: { type: 'string', maxLength: 512 },
        shopDomain: { type: 'string', optional: true, maxLength: 253 },
        keepPreviousSecretForHours: { type: 'integer', optional: true },
      },
      example: (_, nonce) => ({
        secret: `whsec-${nonce}`,
        shopDomain: 'my-shop.myshopify.com',
        keepPreviousSecretForHours: 1,
      }),
    },
  },
  {
    method: 'POST',
    path: '/conversations',
    body: {
      fields: {
        customer: {
          type: 'object',
          fields: {
            id: { type: 'string', text: { max: 200 } },
            name: { type: 'string', optional: true, text: { max: 200, min: 0, trimmed: true } },
            email: { type: 'string', optional: true, maxLength: 320 },
          },
        },
        subject: { type: 'string', optional: true, text: { max: 500, min: 0, trimmed: true } },
        body: { type: 'string', text: { max: 20_000 } },
      },
      example: (_, nonce) => ({
        customer: { id: `visitor-${nonce}`, name: 'Ada', email: 'ada@example.com' },
        subject: 'Order #1001',
        body: 'Where is my order?',
      }),
    },
  },
  {
    method: 'GET',
    path: '/conversations',
    query: {
      view: QUERY.view,
      assigneeId: QUERY.assigneeId,
      limit: QUERY.limit,
      cursor: QUERY.cursor,
      minPosition: QUERY.minPosition,
    },
  },
  {
    method: 'GET',
    path: '/conversations/:id',
    params: (world) => ({ id: world.conversationId }),
  },
  {
    method: 'GET',
    path: '/conversations/:id/history',
    params: (world) => ({ id: world.conversationId }),
  },
  {
    method: 'POST',
    path: '/conversations/:id/messages',
    params: (world) => ({ id: world.conversationId }),
    body: { fields: { body: { type: 'string', text: { max: 20_000 } } }, example: () => ({ body: 'Thanks!' }) },
    ifMatch: true,
  },
  {
    method: 'POST',
    path: '/conversations/:id/assign',
    params: (world) => ({ id: world.conversationId }),
    body: {
      fields: { assigneeId: { type: 'string', maxLength: 36 } },
      example: (world) => ({ assigneeId: world.memberId }),
    },
    ifMatch: true,
  },
  ...(['unassign', 'close', 'reopen'] as const).map((command): RouteCase => ({
    method: 'POST',
    path: `/conversations/:id/${command}`,
    params: (world) => ({ id: world.conversationId }),
    noFields: true,
    ifMatch: true,
  })),
  {
    method: 'POST',
    path: '/conversations/:id/read',
    params: (world) => ({ id: world.conversationId }),
    body: {
      fields: { position: { type: 'string', optional: true, maxLength: 77 } },
      example: () => ({ position: '1' }),
    },
  },
  {
    method: 'POST',
    path: '/store-events',
    body: {
      fields: {
        id: { type: 'string', text: { max: 200 } },
        type: noun(100),
        customer: {
          type: 'object',
          fields: {
            id: { type: 'string', optional: true, text: { max: 200 } },
            email: { type: 'string', optional: true, maxLength: 320 },
            name: { type: 'string', optional: true, text: { max: 200, min: 0, trimmed: true } },
          },
        },
        requiresAction: { type: 'boolean' },
        summary: noun(2000),
        conversationId: { type: 'string', optional: true, maxLength: 36 },
      },
      example: (world, nonce) => ({
        id: `order-${nonce}`,
        type: 'order.paid',
        customer: { id: 'customer-7001', email: 'ada@example.com' },
        requiresAction: false,
        summary: 'Order #1001 paid: 59.00 EUR',
        conversationId: world.conversationId,
      }),
    },
  },
  {
    method: 'GET',
    path: '/inbox',
    query: { limit: QUERY.limit, cursor: QUERY.cursor, minPosition: QUERY.minPosition },
  },
  { method: 'GET', path: '/inbox/counts', query: { minPosition: QUERY.minPosition } },
  {
    method: 'GET',
    path: '/audit/assignments',
    query: { since: QUERY.since, until: QUERY.since },
  },
  { method: 'GET', path: '/stream', stream: true },
  { method: 'GET', path: '/metrics' },
  {
    method: 'POST',
    path: '/webhooks',
    body: {
      fields: {
        url: { type: 'string', maxLength: 2000, url: true },
        eventTypes: { type: 'array' },
        description: { type: 'string', optional: true, text: { max: 500, min: 0, trimmed: true } },
      },
      example: (world) => ({ url: `${world.receiverUrl}/fuzz`, eventTypes: ['conversation.reopened'] }),
    },
  },
  { method: 'GET', path: '/webhooks' },
  { method: 'GET', path: '/webhooks/:id', params: (world) => ({ id: world.webhookId }) },
  // Only unknown webhooks: removing the seeded one would leave the deliveries routes nothing to show.
  {
    method: 'DELETE',
    path: '/webhooks/:id',
    params: () => ({ id: crypto.randomUUID() }),
    noFields: true,
  },
  {
    method: 'GET',
    path: '/webhooks/:id/deliveries',
    params: (world) => ({ id: world.webhookId }),
    query: { status: QUERY.status, limit: QUERY.limit, cursor: QUERY.deliveryCursor },
  },
  {
    method: 'POST',
    path: '/webhooks/:id/deliveries/:deliveryId/redeliver',
    params: (world) => ({ id: world.webhookId, deliveryId: world.deliveryId }),
    noFields: true,
  },
];

/** The shop webhook receivers: public, authenticated by the HMAC of the raw body. */
const SHOPS = [
  {
    platform: 'shopify',
    path: '/integrations/shopify/:integrationId/webhooks',
    signatureHeader: 'x-shopify-hmac-sha256',
    headers: { 'x-shopify-topic': 'orders/create', 'x-shopify-webhook-id': 'b54557e4-bdd9-4b37-8a5f-bf7d70bcd043' },
    topicHeader: 'x-shopify-topic',
  },
  {
    platform: 'woocommerce',
    path: '/integrations/woocommerce/:integrationId/webhooks',
    signatureHeader: 'x-wc-webhook-signature',
    headers: { 'x-wc-webhook-topic': 'order.created', 'x-wc-webhook-source': 'https://shop.example.com/' },
    topicHeader: 'x-wc-webhook-topic',
  },
] as const;
type ShopCase = (typeof SHOPS)[number];

/** Routes that take no input: the web UI's files, the API docs and the health check (probed after each run). */
const WITHOUT_INPUT = /^GET \/(\*|health|livez|readyz|docs.*|app\/.*)?$/;

/** API.md's routes and the ones README adds. */
const DOCUMENTED = [
  'POST /members',
  'GET /members',
  'DELETE /members/:id',
  'POST /integrations',
  'POST /conversations',
  'POST /conversations/:id/messages',
  'POST /conversations/:id/assign',
  'POST /conversations/:id/unassign',
  'POST /conversations/:id/close',
  'POST /conversations/:id/reopen',
  'POST /conversations/:id/read',
  'POST /store-events',
  'GET /conversations/:id',
  'GET /inbox',
  'GET /conversations',
  'GET /conversations/:id/history',
  'GET /audit/assignments',
  'GET /stream',
  'GET /me',
  'GET /inbox/counts',
  'GET /metrics',
  'GET /integrations',
  'PUT /integrations/:id/secret',
  'POST /integrations/shopify/:integrationId/webhooks',
  'POST /integrations/woocommerce/:integrationId/webhooks',
  'POST /webhooks',
  'GET /webhooks',
  'GET /webhooks/:id',
  'DELETE /webhooks/:id',
  'GET /webhooks/:id/deliveries',
  'POST /webhooks/:id/deliveries/:deliveryId/redeliver',
];

const routeKey = (route: { method: string; path: string }) => `${route.method} ${route.path}`;

/** Who may call the route, from access-control's table: bad input is sent with their tokens. */
function rolesOf(route: RouteCase): readonly Role[] {
  const roles = ROUTE_ROLES[routeKey(route)];
  if (roles === undefined || roles === 'public') throw new Error(`${routeKey(route)}: no roles in ROUTE_ROLES`);
  return roles;
}

describe(`bad input on every route (fast-check seed ${SEED}, ${RUNS} runs a property)`, () => {
  let inbox: Inbox;
  let world: World;
  let receiver: Server;

  beforeAll(async () => {
    receiver = createServer((_request, response) => response.writeHead(500).end());
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    inbox = await Inbox.start({
      env: {
        // Bad tokens by the thousand: not to be throttled (a 429 would be a refusal all the same).
        AUTH_THROTTLE_MAX_FAILURES: '1000000',
        // One attempt: a delivery to the receiver, which answers 500, fails at once, for redeliver.
        OUTBOUND_WEBHOOK_MAX_ATTEMPTS: '1',
      },
    });
    world = await seed(inbox, `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`);
  }, 30_000);

  afterAll(async () => {
    await inbox?.stop();
    await new Promise((resolve) => receiver?.close(resolve));
  });

  afterEach(async () => {
    const health = await probe(inbox.running.baseUrl, { method: 'GET', path: '/health' });
    expect({ status: health.status, body: health.json }).toMatchObject({ status: 200, body: { status: 'ok' } });
  });

  it('has a case for every route the app serves, API.md’s and README’s among them', async () => {
    const served = servedRoutes(inbox.running.app.getHttpAdapter().getInstance());
    const withInput = served.filter((route) => !WITHOUT_INPUT.test(route)).sort();
    const cases = [...ROUTES.map(routeKey), ...SHOPS.map((shop) => `POST ${shop.path}`)].sort();
    expect(withInput).toEqual(cases);
    expect(cases).toEqual(expect.arrayContaining(DOCUMENTED));

    // The OpenAPI description lists no route the table lacks.
    const openApi = await probe(inbox.running.baseUrl, { method: 'GET', path: '/docs/openapi.json' });
    const paths = (openApi.json as { paths: Record<string, Record<string, unknown>> }).paths;
    const described = Object.entries(paths).flatMap(([path, operations]) =>
      Object.keys(operations).map((method) => `${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`),
    );
    expect(served).toEqual(expect.arrayContaining(described));
  });

  describe.each(ROUTES.map((route) => [routeKey(route), route] as const))('%s', (_, route) => {
    it('answers every bad input with a 4xx and API.md’s error, appends nothing, refuses what is invalid', async () => {
      for (const [input, attempts] of inputClasses(route, world)) {
        await assertProperty(`${routeKey(route)}, ${input}`, attempts);
      }
    }, 180_000);
  });

  describe.each(SHOPS.map((shop) => [`POST ${shop.path}`, shop] as const))('%s', (_, shop) => {
    it('answers every bad or badly signed webhook with a 4xx, and appends nothing when it refuses', async () => {
      for (const [input, attempts] of shopInputClasses(shop, world)) {
        await assertProperty(`POST ${shop.path}, ${input}`, attempts);
      }
    }, 180_000);
  });

  describe('what these properties found', () => {
    const agent = () => world.tokens.agent[0];
    const messages = () => `/conversations/${world.conversationId}/messages`;

    it('refuses an empty cursor as any other it did not give out (it was a 500)', async () => {
      for (const path of ['/conversations?cursor=', '/inbox?cursor=']) {
        await inbox.expectRefused('GET', path, { token: agent() }, 400, /^cursor is not one this server gave out/);
      }
    });

    it('refuses constructor, prototype and other inherited keys, top and nested, in a body or a query (they were dropped)', async () => {
      await inbox.expectRefused(
        'POST',
        messages(),
        {
          token: agent(),
          rawBody: '{"body":"Hi","constructor":{"a":1}}',
          headers: { 'content-type': 'application/json' },
        },
        400,
        /^constructor is not a field of this request$/,
      );
      await inbox.expectRefused(
        'POST',
        '/members',
        { body: { name: 'Grace', email: 'grace.proto@example.com', prototype: {} } },
        400,
        /^prototype is not a field of this request$/,
      );
      await inbox.expectRefused(
        'POST',
        '/conversations',
        { token: world.tokens.integration[0], body: { customer: { id: 'c1', hasOwnProperty: 1 }, body: 'Hi' } },
        400,
        /^customer\.hasOwnProperty is not a field of this request$/,
      );
      await inbox.expectRefused(
        'GET',
        '/conversations?constructor=1',
        { token: agent() },
        400,
        /^constructor is not a field of this request$/,
      );
    });

    it('refuses a body nested thousands deep, with an Idempotency-Key or not (it was a 500)', async () => {
      const deep = `{"body":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
      for (const headers of [{}, { 'idempotency-key': 'deep-1' }] as Record<string, string>[]) {
        await inbox.expectRefused(
          'POST',
          messages(),
          { token: agent(), rawBody: deep, headers: { 'content-type': 'application/json', ...headers } },
          400,
          /^The body nests objects or arrays more than 32 levels deep/,
        );
      }
    });

    it('says what is wrong with a Content-Type that is no media type (it said "Unsupported Media Type")', async () => {
      await inbox.expectRefused(
        'POST',
        messages(),
        { token: agent(), rawBody: '{"body":"Hi"}', headers: { 'content-type': 'json' } },
        415,
        /^Content-Type is not a media type/,
      );
    });

    it('refuses an ISO-8601 week date or decimal comma it cannot read as a time (it was a 500)', async () => {
      for (const since of ['2026-W01', '2026-01-01T00:00:00,5Z']) {
        await inbox.expectRefused(
          'GET',
          `/audit/assignments?since=${since}`,
          {},
          400,
          /^since must be an ISO-8601 date and time/,
        );
      }
    });

    it('refuses an email with a lone surrogate (it was a 500: isEmail threw)', async () => {
      await inbox.expectRefused(
        'POST',
        '/members',
        { body: { name: 'Grace', email: 'grace\udfff@example.com' } },
        400,
        /^email must be an email address$/,
      );
      await inbox.expectRefused(
        'POST',
        '/conversations',
        { token: world.tokens.integration[0], body: { customer: { id: 'c1', email: '\ud800' }, body: 'Hi' } },
        400,
        /^customer\.email must be an email address$/,
      );
    });

    it('refuses a webhook URL that no URL parser reads (it was registered, never to be delivered)', async () => {
      for (const url of ['http://\ud800', 'http://\u202e.com']) {
        await inbox.expectRefused(
          'POST',
          '/webhooks',
          { body: { url, eventTypes: ['conversation.closed'] } },
          400,
          /^url must be an absolute http or https URL$/,
        );
      }
    });

    it('answers what HTTP itself refuses in words and JSON (it said "Client Error")', async () => {
      const before = await inbox.head();
      const control = await probeOverSocket(inbox.running.baseUrl, {
        method: 'POST',
        path: messages(),
        headers: { authorization: `Bearer ${agent()}\u0001`, 'content-type': 'application/json' },
        body: '{"body":"Hi"}',
      });
      expect(control).toMatchObject({
        status: 400,
        json: {
          statusCode: 400,
          error: 'Bad Request',
          message: expect.stringMatching(/^A header name or value holds/),
        },
      });
      const huge = await probe(inbox.running.baseUrl, { method: 'GET', path: `/me?${'q'.repeat(20_000)}` });
      expect(huge).toMatchObject({
        status: 431,
        json: { statusCode: 431, message: expect.stringMatching(/^The request line and headers are over 16 KiB/) },
      });
      expect(await inbox.head()).toBe(before);
    });
  });

  /** Runs the property; a failure names the route and input class, the seed and the request. */
  async function assertProperty(name: string, attempts: fc.Arbitrary<Attempt>): Promise<void> {
    await fc.assert(
      fc.asyncProperty(attempts, (attempt) => check(attempt)),
      { seed: SEED, numRuns: RUNS, endOnFailure: true, reporter: (details) => reportFailure(name, details) },
    );
  }

  async function check(attempt: Attempt): Promise<void> {
    const before = await inbox.head();
    const response = attempt.socket
      ? await probeOverSocket(inbox.running.baseUrl, attempt.request)
      : await probe(inbox.running.baseUrl, attempt.request);
    const appended = (await inbox.head()) - before;
    const problems = verdict(attempt, response, appended);
    if (problems.length > 0) {
      throw new Error(
        `${problems.join('; ')}\n  input: ${attempt.input}\n  sent: ${describeRequest(attempt)}\n  answer: ${response.status} ${response.text.slice(0, 400)}`,
      );
    }
  }
});

/** What is wrong with the answer, if anything. */
function verdict(attempt: Attempt, response: ProbeResponse, appended: bigint): string[] {
  const { status } = response;
  if (status >= 500 || status < 200) return [`answered ${status}`];
  if (status < 400) {
    return attempt.mustRefuse ? [`accepted (${status}) what it must refuse`] : [];
  }
  const problems: string[] = [];
  if (appended !== 0n) problems.push(`refused with ${status} but appended ${appended} events`);
  const body = response.json as { statusCode?: unknown; error?: unknown; message?: unknown } | undefined;
  if (typeof body !== 'object' || body === null) return [...problems, 'the error is not JSON'];
  if (body.statusCode !== status) problems.push(`statusCode ${String(body.statusCode)} is not the status ${status}`);
  if (typeof body.error !== 'string' || body.error === '') problems.push('no error name');
  if (!helpful(body.message)) problems.push(`the message does not say what is wrong: ${JSON.stringify(body.message)}`);
  return problems;
}

/** A message in words: not empty, not a status phrase, not Fastify's "Client Error". */
function helpful(message: unknown): boolean {
  if (typeof message !== 'string' || message.trim().length < 12) return false;
  return !Object.values(STATUS_CODES).includes(message) && message !== 'Client Error';
}

function reportFailure(name: string, details: fc.RunDetails<[Attempt]>): void {
  if (!details.failed) return;
  throw new Error(
    `${name}: ${details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance)}\n` +
      `  replay: BAD_INPUT_SEED=${details.seed} (path ${details.counterexamplePath ?? '?'}) npx jest test/bad-input`,
  );
}

function describeRequest({ request, socket }: Attempt): string {
  const headers = Object.entries(request.headers ?? {})
    .map(([name, value]) => `${name}: ${JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value)}`)
    .join(', ');
  const body = request.body === undefined ? '' : Buffer.from(request.body).toString('utf8');
  const shownPath = request.path.length > 200 ? `${request.path.slice(0, 200)}…` : request.path;
  return `${socket ? '(socket) ' : ''}${request.method} ${shownPath} {${headers}} ${JSON.stringify(body.length > 300 ? `${body.slice(0, 300)}… (${body.length} chars)` : body)}`;
}

// ---------------------------------------------------------------------------------------------------------
// The input classes of a route: each an arbitrary of attempts, each attempt invalid by construction or not.

function inputClasses(route: RouteCase, world: World): [string, fc.Arbitrary<Attempt>][] {
  const classes: [string, fc.Arbitrary<Attempt> | undefined][] = [
    ['arbitrary JSON', arbitraryJson(route, world)],
    ['wrong types', wrongTypes(route, world)],
    ['huge and unusual strings', hugeAndUnusual(route, world)],
    ['__proto__ / constructor / prototype keys', inheritedKeys(route, world)],
    ['bad path parameters', badParams(route, world)],
    ['bad headers', badHeaders(route, world)],
    ['bodies that are not JSON', notJsonBodies(route, world)],
    ['other methods', otherMethods(route.path, (from) => attempt(route, from, '', true), base(route, world))],
  ];
  return classes.filter((entry): entry is [string, fc.Arbitrary<Attempt>] => entry[1] !== undefined);
}

/** A valid request for the route, with a token of an allowed role, which each class then spoils. */
interface Base {
  token: string;
  params: Record<string, string>;
  /** The valid body, where the route takes one. */
  example: Record<string, unknown> | undefined;
}

function base(route: RouteCase, world: World): fc.Arbitrary<Base> {
  return fc
    .record({ token: fc.constantFrom(...rolesOf(route).flatMap((role) => world.tokens[role])), nonce: fc.uuid() })
    .map(({ token, nonce }) => ({
      token,
      params: route.params?.(world) ?? {},
      example: route.body?.example(world, nonce.slice(0, 8)),
    }));
}

function attempt(
  route: RouteCase,
  from: Base,
  input: string,
  mustRefuse: boolean,
  change: {
    params?: Record<string, string>;
    query?: string;
    headers?: Record<string, string | undefined>;
    body?: string | Buffer | null;
    socket?: boolean;
  } = {},
): Attempt {
  const params = { ...from.params, ...change.params };
  const path = route.path.replace(/:(\w+)/g, (_, name: string) => params[name]) + (change.query ?? '');
  const body =
    change.body === null
      ? undefined
      : (change.body ?? (from.example === undefined ? undefined : JSON.stringify(from.example)));
  const headers: Record<string, string | undefined> = {
    authorization: `Bearer ${from.token}`,
    ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    ...change.headers,
  };
  return {
    input,
    mustRefuse,
    socket: change.socket,
    request: {
      method: route.method,
      path,
      headers: Object.fromEntries(
        Object.entries(headers).filter((entry): entry is [string, string] => entry[1] !== undefined),
      ),
      body,
    },
  };
}

const takesBody = (route: RouteCase) => route.method !== 'GET';

/** (a) Any JSON value as the body; for a GET, any query. */
function arbitraryJson(route: RouteCase, world: World): fc.Arbitrary<Attempt> {
  if (!takesBody(route)) {
    const known = Object.keys(route.query ?? {});
    const keys = known.length > 0 ? fc.oneof(fc.constantFrom(...known), fc.string({ minLength: 1 })) : fc.string();
    const anyQuery = fc
      .tuple(base(route, world), fc.dictionary(keys, fc.string({ unit: 'binary' }), { maxKeys: 4 }))
      .map(([from, query]) => {
        const unknown = Object.keys(query).filter((key) => !known.includes(key));
        return attempt(route, from, `query ${JSON.stringify(query)}`, route.query !== undefined && unknown.length > 0, {
          query: queryString(query),
        });
      });
    // Queries no client library would write: stray and malformed percent signs, empty names, brackets.
    const rawQuery = fc
      .tuple(
        base(route, world),
        fc.constantFrom('%', 'a=%zz', '=', '&&&', '=x', '%ED%A0%80=1', 'x[]=1', 'x[0][__proto__]=1', '%00=%00', ';'),
        fc.constantFrom(...known, 'x'),
      )
      .map(([from, raw, name]) => {
        const query = `?${raw.replace(/^x/, name)}`;
        return attempt(route, from, `query ${query}`, false, { query });
      });
    return fc.oneof(anyQuery, rawQuery);
  }
  const anyValue = fc.tuple(base(route, world), fc.jsonValue()).map(([from, value]) =>
    attempt(route, from, `body ${JSON.stringify(value).slice(0, 200)}`, !couldBeValidBody(route, value), {
      body: JSON.stringify(value),
    }),
  );
  // Nested far deeper than any request, in a field or a field of its own, with an Idempotency-Key or not.
  const deep = fc
    .tuple(base(route, world), deeplyNested, fc.boolean(), fc.uuid())
    .map(([from, [label, nested], withKey, key]) => {
      const example = from.example ?? {};
      const field = Object.keys(example).find((name) => typeof example[name] === 'string') ?? 'x';
      const body = withKeyFirst(JSON.stringify({ ...example, [field]: undefined }), field, nested);
      const headers = withKey && route.method === 'POST' ? { 'idempotency-key': key } : {};
      return attempt(route, from, `${field} = ${label}`, route.body !== undefined || route.noFields === true, {
        body,
        headers,
      });
    });
  return fc.oneof(anyValue, deep);
}

/** (b) The valid body with one field of another type; a query parameter with a value it does not take. */
function wrongTypes(route: RouteCase, world: World): fc.Arbitrary<Attempt> | undefined {
  if (route.body) {
    const paths = fieldPaths(route.body.fields);
    return fc.tuple(base(route, world), fc.constantFrom(...paths)).chain(([from, [path, field]]) =>
      wrongValueFor(field).map((value) => {
        const body = withValueAt(from.example!, path, value);
        return attempt(route, from, `${path.join('.')} = ${JSON.stringify(value)}`, true, {
          body: JSON.stringify(body),
        });
      }),
    );
  }
  if (route.query) {
    const query = route.query;
    return fc.tuple(base(route, world), fc.constantFrom(...Object.keys(query))).chain(([from, name]) =>
      fc
        .oneof(
          query[name].bad.map((value) => queryString({ [name]: value })),
          // Twice: an array where a string is expected.
          query[name].good.map(
            (value) => `${queryString({ [name]: value })}&${encodeURIComponent(name)}=${encodeURIComponent(value)}`,
          ),
        )
        .map((text) => attempt(route, from, `query ${text}`, true, { query: text })),
    );
  }
  return undefined;
}

/** (c) Strings near and over their limits, over 1 MiB in all, and unusual Unicode, in each string field. */
function hugeAndUnusual(route: RouteCase, world: World): fc.Arbitrary<Attempt> {
  const overBodyLimit = fc.tuple(base(route, world), fc.integer({ min: 1, max: 4096 })).map(([from, extra]) => {
    const field = route.body
      ? (fieldPaths(route.body.fields).find(([, f]) => f.type === 'string')?.[0] ?? ['x'])
      : ['x'];
    const body = withValueAt(from.example ?? {}, field, 'x'.repeat(BODY_LIMIT + extra));
    return attempt(route, from, `a body ${extra} bytes over 1 MiB`, true, { body: JSON.stringify(body) });
  });
  const longUrl = fc
    .tuple(base(route, world), fc.integer({ min: 17_000, max: 40_000 }))
    .map(([from, length]) =>
      attempt(route, from, `a ${length}-character query`, true, { query: `?${'q'.repeat(length)}=1`, body: null }),
    );
  const options: fc.Arbitrary<Attempt>[] = [longUrl];
  if (takesBody(route)) options.push(overBodyLimit);
  if (route.body) {
    const strings = fieldPaths(route.body.fields).filter(([, field]) => field.type === 'string');
    options.push(
      fc.tuple(base(route, world), fc.constantFrom(...strings)).chain(([from, [path, field]]) => {
        const max = field.text?.max ?? field.maxLength ?? 100;
        return fc.oneof(nearLimit(max), unusualText()).map((unusual) => {
          const text = field.url ? `http://${unusual}` : unusual;
          const counted = field.text?.trimmed ? text.trim() : text;
          const tooLong = codePoints(counted) > max || (field.url === true && !URL.canParse(text.trim()));
          const label = `${path.join('.')} = ${codePoints(text)} code points of ${JSON.stringify([...text].slice(0, 3).join(''))}…`;
          return attempt(route, from, label, tooLong, { body: JSON.stringify(withValueAt(from.example!, path, text)) });
        });
      }),
    );
  }
  if (route.query) {
    const names = Object.keys(route.query);
    options.push(
      fc
        .tuple(base(route, world), fc.constantFrom(...names))
        .chain(([from, name]) =>
          fc
            .oneof(nearLimit(1000), unusualText(), route.query![name].odd ?? route.query![name].good)
            .map((text) => [from, name, text] as const),
        )
        .map(([from, name, text]) => {
          const query = queryString({ [name]: text });
          return attempt(route, from, `query ${name} = ${codePoints(text)} code points`, false, { query });
        }),
    );
  }
  return fc.oneof(...options);
}

/** (d) `__proto__`, `constructor`, `prototype` and other inherited names as keys, at the top and nested. */
function inheritedKeys(route: RouteCase, world: World): fc.Arbitrary<Attempt> {
  if (!takesBody(route)) {
    return fc
      .tuple(base(route, world), fc.constantFrom(...INHERITED_KEYS), fc.constantFrom('1', 'x', 'prototype', '[x]=1'))
      .map(([from, key, value]) => {
        const query = `?${encodeURIComponent(key)}=${encodeURIComponent(value)}`;
        return attempt(route, from, `query ${query}`, route.query !== undefined, { query });
      });
  }
  return fc
    .tuple(base(route, world), fc.constantFrom(...INHERITED_KEYS), pollutingValue, fc.boolean())
    .map(([from, key, value, nested]) => {
      const example = from.example ?? {};
      const objectField = nested
        ? Object.keys(example).find((name) => typeof example[name] === 'object' && !Array.isArray(example[name]))
        : undefined;
      let body: string;
      if (objectField) {
        const inner = withKeyFirst(JSON.stringify(example[objectField]), key, value);
        body = withKeyFirst(JSON.stringify({ ...example, [objectField]: undefined }), objectField, inner);
      } else {
        body = withKeyFirst(JSON.stringify(example), key, value);
      }
      const mustRefuse = route.body !== undefined || route.noFields === true || key === '__proto__';
      return attempt(route, from, `${objectField ? `${objectField}.` : ''}${key} = ${value}`, mustRefuse, { body });
    });
}

/** (e) Path parameters that are not UUIDs, or UUIDs of nothing. */
function badParams(route: RouteCase, world: World): fc.Arbitrary<Attempt> | undefined {
  const names = [...route.path.matchAll(/:(\w+)/g)].map((match) => match[1]);
  if (names.length === 0) return undefined;
  return fc
    .tuple(
      base(route, world),
      fc.constantFrom(...names),
      fc.oneof(
        notUuidSegment,
        fc.uuid(),
        fc.uuid().map((id) => id.toUpperCase()),
      ),
    )
    .map(([from, name, segment]) =>
      attempt(route, from, `${name} = ${segment}`, true, { params: { [name]: segment } }),
    );
}

/** (f) Malformed Authorization, a role the route does not allow, bad Idempotency-Key, If-Match, Content-Type, … */
function badHeaders(route: RouteCase, world: World): fc.Arbitrary<Attempt> {
  const valid = new Set(
    rolesOf(route)
      .flatMap((role) => world.tokens[role])
      .map((token) => `Bearer ${token}`),
  );
  const others = ROLES.filter((role) => !rolesOf(route).includes(role)).flatMap((role) => world.tokens[role]);
  const from = base(route, world);
  const anyToken = world.tokens.admin[0];
  const options: fc.Arbitrary<Attempt>[] = [
    fc
      .tuple(
        from,
        fc.oneof(
          printableAscii(60),
          latin1Text(20),
          fc.constantFrom(
            'Bearer',
            'Bearer ',
            `bearer ${anyToken}`,
            `Basic ${Buffer.from(`admin:${anyToken}`).toString('base64')}`,
            `Bearer  ${anyToken}`,
            `Bearer ${anyToken} extra`,
            anyToken,
            `Bearer ${anyToken.slice(0, -1)}`,
            `Bearer ${anyToken}x`,
            `Bearer ${'a'.repeat(1025)}`,
            `Bearer ${'a'.repeat(20_000)}`,
            'Bearer ti_0000000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
          ),
        ),
      )
      // Valid credentials are not what is tested here: the scheme is case-insensitive and may be followed by
      // more than one space (RFC 9110's and RFC 6750's 1*SP).
      .filter(([, value]) => !valid.has(headerValueSeen(value).replace(/^bearer +/i, 'Bearer ')))
      .map(([base, value]) =>
        attempt(route, base, `Authorization: ${value.slice(0, 60)}`, true, { headers: { authorization: value } }),
      ),
    from.map((base) => attempt(route, base, 'no Authorization', true, { headers: { authorization: undefined } })),
    fc.tuple(from, controlText).map(([base, value]) =>
      attempt(route, base, `Authorization with a control character`, true, {
        headers: { authorization: `Bearer ${value}` },
        socket: true,
      }),
    ),
    fc
      .tuple(
        from,
        fc.constantFrom(
          'Content-Length: abc',
          'Content-Length: -1',
          'Bad Header: 1',
          'Transfer-Encoding: chunked\r\nContent-Length: 2',
        ),
      )
      .map(([base, line]) => {
        const [name, value] = line.split(/: (.*)/s);
        return attempt(route, base, `malformed HTTP: ${line}`, true, {
          headers: { [name]: value },
          body: null,
          socket: true,
        });
      }),
  ];
  if (others.length > 0) {
    options.push(
      fc.tuple(from, fc.constantFrom(...others)).map(([base, token]) =>
        attempt(route, base, 'a role the route does not allow', true, {
          headers: { authorization: `Bearer ${token}` },
        }),
      ),
    );
  }
  if (route.method === 'POST') {
    options.push(
      fc
        .tuple(
          from,
          fc.oneof(
            fc.constant(''),
            printableAscii(400, 201),
            latin1Text(10),
            printableAscii(5, 1).map((text) => `${text}\t${text}`),
          ),
        )
        // HTTP drops the spaces around a value: " key" is the key "key".
        .filter(([, key]) => !/^[\x20-\x7e]{1,200}$/.test(headerValueSeen(key)))
        .map(([base, key]) =>
          attempt(route, base, `Idempotency-Key: ${JSON.stringify(key.slice(0, 40))}`, true, {
            headers: { 'idempotency-key': key },
          }),
        ),
      fc.tuple(from, controlText).map(([base, key]) =>
        attempt(route, base, `Idempotency-Key with a control character`, true, {
          headers: { 'idempotency-key': key },
          socket: true,
        }),
      ),
    );
  }
  if (route.ifMatch) {
    const IF_MATCH = /^(?:W\/)?"(0|[1-9][0-9]{0,17})"$/;
    options.push(
      fc
        .tuple(
          from,
          fc.oneof(
            printableAscii(30).filter((value) => !IF_MATCH.test(headerValueSeen(value))),
            fc.constantFrom('*', '3', "'3'", '"03"', '"-1"', '"1.0"', 'W/3', `"${'9'.repeat(19)}"`, '"3", "4"'),
            // Well formed, but a revision the conversation is far from: 412.
            fc.integer({ min: 1_000_000, max: 2 ** 40 }).map((revision) => `"${revision}"`),
          ),
        )
        .map(([base, value]) => attempt(route, base, `If-Match: ${value}`, true, { headers: { 'if-match': value } })),
    );
  }
  if (route.body || route.noFields) {
    options.push(
      fc
        .tuple(
          from,
          fc.constantFrom(
            undefined,
            'text/plain',
            'application/x-www-form-urlencoded',
            'multipart/form-data; boundary=x',
            'application/xml',
            'application/jsonx',
            'json',
            'application/',
            'application/json-patch+json',
            'application/vnd.api+json',
            'text/json',
            '*/*',
          ),
        )
        .map(([base, type]) =>
          attempt(route, base, `Content-Type: ${type ?? '(none)'}`, true, {
            headers: { 'content-type': type },
            body: JSON.stringify(base.example ?? {}),
          }),
        ),
    );
  }
  if (route.stream) {
    options.push(
      fc
        .tuple(
          from,
          printableAscii(30).filter((value) => !POSITION.test(value.trim())),
        )
        .map(([base, value]) =>
          attempt(route, base, `Last-Event-ID: ${value}`, true, { headers: { 'last-event-id': value } }),
        ),
    );
  }
  return fc.oneof(...options);
}

/**
 * (h) The route's path with a method no route of that path takes (a wrong one, OPTIONS, TRACE, or one that is
 * no HTTP method at all, over a socket).
 */
function otherMethods<T>(path: string, valid: (from: T) => Attempt, from: fc.Arbitrary<T>): fc.Arbitrary<Attempt> {
  const taken = [...ROUTES.map(routeKey), ...SHOPS.map((shop) => `POST ${shop.path}`)]
    .filter((key) => key.endsWith(` ${path}`))
    .map((key) => key.split(' ')[0]);
  const methods = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE', 'FOO', 'get'].filter(
    (method) => !taken.includes(method),
  );
  return fc.tuple(from, fc.constantFrom(...methods)).map(([base, method]) => {
    const request = valid(base).request;
    const body = method === 'GET' || method === 'TRACE' ? undefined : request.body;
    return {
      input: `method ${method}`,
      mustRefuse: true,
      // fetch sends only methods it knows, in upper case, and no GET body.
      socket: !/^(POST|PUT|PATCH|DELETE|OPTIONS|GET)$/.test(method),
      request: { ...request, method, body },
    };
  });
}

/** (g) Bodies that are not JSON, said to be JSON. A GET's body is sent over a socket and ignored. */
function notJsonBodies(route: RouteCase, world: World): fc.Arbitrary<Attempt> | undefined {
  if (route.stream) return undefined; // a stream that opens is only closed by the client
  const validJson = (from: Base) => JSON.stringify(from.example ?? {});
  return base(route, world).chain((from) =>
    notJson(validJson(from)).map((body) => {
      const mustRefuse = takesBody(route) && (route.body !== undefined || body.length > 0);
      return attempt(route, from, `body ${JSON.stringify(body.toString('utf8').slice(0, 100))}`, mustRefuse, {
        body,
        socket: !takesBody(route),
      });
    }),
  );
}

// ---------------------------------------------------------------------------------------------------------
// The shop webhook receivers.

function shopInputClasses(shop: ShopCase, world: World): [string, fc.Arbitrary<Attempt>][] {
  const sign = (body: Buffer, secret = SHOP_SECRET) => createHmac('sha256', secret).update(body).digest('base64');
  const deliver = (
    input: string,
    mustRefuse: boolean,
    body: Buffer,
    headers: Record<string, string | undefined> = {},
    integrationId = world.shopId,
  ): Attempt => {
    const all: Record<string, string | undefined> = {
      'content-type': 'application/json',
      ...shop.headers,
      [shop.signatureHeader]: sign(body),
      ...headers,
    };
    return {
      input,
      mustRefuse,
      request: {
        method: 'POST',
        path: shop.path.replace(':integrationId', integrationId),
        headers: Object.fromEntries(
          Object.entries(all).filter((entry): entry is [string, string] => entry[1] !== undefined),
        ),
        body,
      },
    };
  };
  const order = fc.record({
    id: fc.oneof(fc.bigInt({ min: 1n, max: 2n ** 63n }).map(Number), fc.nat()),
    email: fc.constant('jon@example.com'),
    customer: fc.record({ id: fc.nat(), first_name: fc.constant('Jon') }),
  });
  const orderJson = order.map((value) => JSON.stringify(value));
  const pingLike = /^webhook_id=\d{1,20}$/;
  return [
    [
      'unsigned bodies',
      fc
        .oneof(
          fc.jsonValue().map((value) => Buffer.from(JSON.stringify(value))),
          orderJson.chain((json) => notJson(json)),
          fc.nat().map((id) => Buffer.from(`webhook_id=${id}`)),
        )
        .map((body) => {
          const ping = shop.platform === 'woocommerce' && pingLike.test(body.toString('latin1').trim());
          return deliver(`unsigned ${JSON.stringify(body.toString('utf8').slice(0, 80))}`, !ping, body, {
            [shop.signatureHeader]: undefined,
          });
        }),
    ],
    [
      'bad signatures',
      fc
        .tuple(
          orderJson,
          fc.oneof(
            printableAscii(60),
            fc.uint8Array({ minLength: 32, maxLength: 32 }).map((bytes) => Buffer.from(bytes).toString('base64')),
            fc.uint8Array({ minLength: 1, maxLength: 64 }).map((bytes) => Buffer.from(bytes).toString('base64')),
            fc.constant('other-secret-0123456789'),
          ),
        )
        .map(([json, signature]) => {
          const body = Buffer.from(json);
          const value = signature === 'other-secret-0123456789' ? sign(body, signature) : signature;
          return deliver(`signature ${value}`, true, body, { [shop.signatureHeader]: value });
        }),
    ],
    [
      'signed arbitrary JSON',
      fc
        .jsonValue()
        .map((value) =>
          deliver(
            `signed ${JSON.stringify(value).slice(0, 120)}`,
            !couldBeOrder(value),
            Buffer.from(JSON.stringify(value)),
          ),
        ),
    ],
    [
      'signed bodies that are not JSON',
      orderJson
        .chain((json) => notJson(json))
        .map((body) => deliver(`signed ${JSON.stringify(body.toString('utf8').slice(0, 80))}`, true, body)),
    ],
    [
      'signed orders with odd values in the fields read',
      fc
        .tuple(
          order,
          fc.dictionary(
            fc.constantFrom(...ORDER_FIELDS),
            fc.oneof(fc.jsonValue({ maxDepth: 2 }), unusualText(), nearLimit(300), fc.constant('820982911946154508')),
            { minKeys: 1, maxKeys: 4 },
          ),
        )
        .map(([value, odd]) => {
          const json = JSON.stringify({ ...value, ...odd });
          return deliver(`order with ${json.slice(0, 120)}`, !couldBeOrder({ ...value, ...odd }), Buffer.from(json));
        }),
    ],
    [
      'signed orders with huge, unusual and inherited fields',
      fc
        .tuple(
          order,
          fc.oneof(
            fc.tuple(fc.constantFrom('email', 'name', 'note'), fc.oneof(nearLimit(20_000), unusualText())),
            fc.tuple(fc.constantFrom(...INHERITED_KEYS), pollutingValue),
            fc.tuple(
              fc.constant('note_attributes'),
              deeplyNested.map(([, nested]) => nested),
            ),
          ),
          fc.integer({ min: 0, max: 4096 }),
          fc.boolean(),
        )
        .map(([value, [key, text], extra, overLimit]) => {
          const json =
            INHERITED_KEYS.includes(key) || key === 'note_attributes'
              ? withKeyFirst(JSON.stringify(value), key, text)
              : JSON.stringify({ ...value, [key]: overLimit ? 'x'.repeat(BODY_LIMIT + extra) : text });
          return deliver(`order with ${key} (${json.length} bytes)`, json.length > BODY_LIMIT, Buffer.from(json));
        }),
    ],
    ['other methods', otherMethods(shop.path, (json: string) => deliver('', true, Buffer.from(json)), orderJson)],
    [
      'bad integration ids',
      fc
        .tuple(orderJson, fc.oneof(notUuidSegment, fc.uuid()))
        .map(([json, id]) => deliver(`integration ${id}`, true, Buffer.from(json), {}, id)),
    ],
    [
      'bad headers',
      fc.tuple(orderJson, fc.integer({ min: 0, max: 4 }), printableAscii(40)).map(([json, which, text]) => {
        const body = Buffer.from(json);
        switch (which) {
          case 0:
            return deliver('no topic', true, body, { [shop.topicHeader]: undefined });
          case 1:
            // A topic it does not act on is acknowledged (200), so the shop neither retries nor gives up.
            return deliver(`topic ${text}`, false, body, { [shop.topicHeader]: text });
          case 2:
            return deliver(`Idempotency-Key ${text.length > 0 ? 'x'.repeat(201) : '(empty)'}`, true, body, {
              'idempotency-key': text.length > 0 ? 'x'.repeat(201) : '',
            });
          case 3:
            // Signed over the raw bytes: any content type is read as they are.
            return deliver(`Content-Type ${text}`, false, body, { 'content-type': text || undefined });
          default:
            return shop.platform === 'shopify'
              ? deliver('no webhook id', true, body, { 'x-shopify-webhook-id': undefined })
              : deliver(`source ${text}`, false, body, { 'x-wc-webhook-source': text });
        }
      }),
    ],
  ];
}

/** The fields of an order the receivers read (Shopify's and WooCommerce's). */
const ORDER_FIELDS = [
  'id',
  'customer',
  'email',
  'contact_email',
  'name',
  'order_number',
  'total_price',
  'currency',
  'line_items',
  'cancel_reason',
  'billing',
  'status',
  'number',
  'total',
  'customer_id',
  'date_modified_gmt',
];

/** What the receivers take as an order: an object with an id, a string or a whole number. */
function couldBeOrder(value: unknown): boolean {
  if (!isPlainObject(value)) return false;
  const id = value.id;
  return (typeof id === 'string' && id.trim() !== '') || (typeof id === 'number' && Number.isInteger(id));
}

// ---------------------------------------------------------------------------------------------------------
// Bodies and fields.

/** False where `value` cannot be a valid body for the route, whatever the content of its strings. */
function couldBeValidBody(route: RouteCase, value: unknown): boolean {
  if (route.body) return fits(value, { type: 'object', fields: route.body.fields });
  if (route.noFields) return value === null || (isPlainObject(value) && Object.keys(value).length === 0);
  return true; // the body is not read
}

function fits(value: unknown, field: Field): boolean {
  if (value === null || value === undefined) return field.optional === true;
  switch (field.type) {
    case 'string':
      return typeof value === 'string';
    case 'boolean':
      return typeof value === 'boolean';
    case 'integer':
      return Number.isInteger(value);
    case 'array':
      return Array.isArray(value);
    case 'object': {
      if (!isPlainObject(value)) return false;
      const fields = field.fields ?? {};
      if (Object.keys(value).some((key) => !Object.hasOwn(fields, key))) return false;
      return Object.entries(fields).every(([name, inner]) => fits(value[name], inner));
    }
  }
}

/** A value of another type than the field takes (null only where the field is required). */
function wrongValueFor(field: Field): fc.Arbitrary<unknown> {
  return fc
    .oneof(
      fc.integer(),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.boolean(),
      fc.constant(null),
      fc.string({ maxLength: 20 }),
      fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 3 }),
      fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 }),
    )
    .filter((value) => !fits(value, field));
}

/** Every field, nested ones included, by its path. */
function fieldPaths(fields: Record<string, Field>, parent: string[] = []): [string[], Field][] {
  return Object.entries(fields).flatMap(([name, field]): [string[], Field][] => [
    [[...parent, name], field],
    ...(field.fields ? fieldPaths(field.fields, [...parent, name]) : []),
  ]);
}

function withValueAt(object: Record<string, unknown>, path: string[], value: unknown): Record<string, unknown> {
  const [name, ...rest] = path;
  const inner = object[name];
  return {
    ...object,
    [name]: rest.length === 0 ? value : withValueAt(isPlainObject(inner) ? inner : {}, rest, value),
  };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `?a=1&b=2`, each name and value percent-encoded as UTF-8 (a lone surrogate as U+FFFD). */
function queryString(query: Record<string, string>): string {
  const encode = (text: string) => encodeURIComponent(Buffer.from(text, 'utf8').toString('utf8'));
  const pairs = Object.entries(query).map(([name, value]) => `${encode(name)}=${encode(value)}`);
  return pairs.length === 0 ? '' : `?${pairs.join('&')}`;
}

// ---------------------------------------------------------------------------------------------------------
// The route table, and the world the routes act on.

/** `METHOD /path` for each route in Fastify's table (HEAD, which Fastify adds to each GET, left out). */
function servedRoutes(fastify: FastifyInstance): string[] {
  const routes: string[] = [];
  const ancestors: string[] = [];
  for (const line of fastify.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = /^((?:[│ ] {3})*)[├└]── (.+?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!match) continue;
    ancestors.length = match[1].length / 4;
    const path = ancestors.join('') + match[2];
    ancestors.push(match[2]);
    for (const method of match[3]?.split(', ') ?? []) if (method !== 'HEAD') routes.push(`${method} ${path}`);
  }
  return routes;
}

async function seed(inbox: Inbox, receiverUrl: string): Promise<World> {
  const { alice, bob, auditor, chat } = await inbox.addTeam();
  const ada = await inbox.addMember('Ada', 'admin');
  const shop = await inbox.addIntegration('Shop');
  const rotating = await inbox.addIntegration('Rotating shop');
  const secret = await inbox.request('PUT', `/integrations/${shop.id}/secret`, { body: { secret: SHOP_SECRET } });
  expect(secret.status).toBe(200);
  const conversation = await inbox.startConversation(chat.token);

  const webhook = await inbox.request<{ id: string }>('POST', '/webhooks', {
    body: { url: `${receiverUrl}/hooks`, eventTypes: ['conversation.started'] },
  });
  expect(webhook.status).toBe(201);
  await inbox.startConversation(chat.token); // delivered to the receiver, which fails it
  const deliveryId = await eventually(async () => {
    const page = await inbox.request<{ items: { id: string }[] }>(
      'GET',
      `/webhooks/${webhook.body.id}/deliveries?status=failed`,
    );
    return page.body.items[0]?.id;
  });

  return {
    tokens: {
      admin: [ADMIN_TOKEN, ada.token],
      agent: [alice.token, bob.token],
      auditor: [auditor.token],
      integration: [chat.token],
    },
    conversationId: conversation.id,
    memberId: bob.id,
    rotatingIntegrationId: rotating.id,
    shopId: shop.id,
    webhookId: webhook.body.id,
    deliveryId,
    receiverUrl,
  };
}
