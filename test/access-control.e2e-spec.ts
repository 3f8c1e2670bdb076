/**
 * Who gets in: every route the app serves, against every kind of caller, checked against API.md's roles
 * table (and README's for the routes added since). A route the app serves but the table lacks fails the
 * spec, so a new route cannot slip in unguarded. Then the throttle on failed authentications.
 */
import { RequestMethod, type INestApplication } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { DiscoveryService, MetadataScanner, ModulesContainer } from '@nestjs/core';
import { type Role } from '@team-inbox/team';
import { issueToken } from '@team-inbox/platform';
import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { ADMIN_TOKEN, Inbox } from './support/inbox';
import { ROUTE_ROLES } from './support/route-roles';
import { builtWebAssets } from './support/web-assets';

type Identity =
  | 'no token'
  | 'malformed'
  | 'unknown token'
  | 'revoked token'
  | 'bootstrap admin'
  | 'admin'
  | 'agent'
  | 'auditor'
  | 'integration';

const IDENTITIES: readonly Identity[] = [
  'no token',
  'malformed',
  'unknown token',
  'revoked token',
  'bootstrap admin',
  'admin',
  'agent',
  'auditor',
  'integration',
];

/** The role each identity authenticates as. */
const ROLE_OF: Partial<Record<Identity, Role>> = {
  'bootstrap admin': 'admin',
  admin: 'admin',
  agent: 'agent',
  auditor: 'auditor',
  integration: 'integration',
};

const GUARDED = Object.entries(ROUTE_ROLES).filter((entry): entry is [string, Role[]] => entry[1] !== 'public');
const PUBLIC = Object.keys(ROUTE_ROLES).filter((route) => ROUTE_ROLES[route] === 'public');

/** The routes of the app's controllers, as `METHOD /path`: what the guard stands in front of. */
function servedRoutes(app: INestApplication): string[] {
  const discovery = new DiscoveryService(app.get(ModulesContainer));
  const scanner = new MetadataScanner();
  const routes: string[] = [];
  for (const { metatype } of discovery.getControllers()) {
    if (typeof metatype !== 'function') continue;
    const prefix = Reflect.getMetadata(PATH_METADATA, metatype) as string;
    const prototype = metatype.prototype as Record<string, unknown>;
    for (const name of scanner.getAllMethodNames(prototype)) {
      const handler = prototype[name] as object;
      const path = Reflect.getMetadata(PATH_METADATA, handler) as string | undefined;
      if (path === undefined) continue;
      const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod];
      const segments = [prefix, path].flatMap((part) => part.split('/')).filter((segment) => segment !== '');
      routes.push(`${method} /${segments.join('/')}`);
    }
  }
  return routes.sort();
}

interface Answer {
  status: number;
  body: unknown;
  headers: Record<string, string | string[] | undefined>;
}

/**
 * One request over node:http, so that it may come from another loopback address (`localAddress`), as
 * another client would. An event stream is cut once its head has arrived.
 */
function send(
  baseUrl: string,
  method: string,
  path: string,
  options: { authorization?: string; body?: unknown; headers?: Record<string, string>; localAddress?: string } = {},
): Promise<Answer> {
  const url = new URL(path, baseUrl);
  const headers: Record<string, string> = { ...options.headers };
  if (options.authorization !== undefined) headers.authorization = options.authorization;
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  if (payload !== undefined) headers['content-type'] = 'application/json';
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      url,
      { method, headers, localAddress: options.localAddress, agent: false },
      (response) => {
        const answer = { status: response.statusCode ?? 0, headers: response.headers };
        if (String(response.headers['content-type']).startsWith('text/event-stream')) {
          response.destroy();
          resolve({ ...answer, body: undefined });
          return;
        }
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('error', reject);
        response.on('end', () => {
          let body: unknown = text;
          try {
            body = text === '' ? undefined : JSON.parse(text);
          } catch {
            // not JSON: the text is the body
          }
          resolve({ ...answer, body });
        });
      },
    );
    outgoing.on('error', reject);
    outgoing.end(payload);
  });
}

/** `/conversations/:id` with a fresh id in each parameter: nothing there, so nothing changes. */
function concretePath(route: string): string {
  return route.slice(route.indexOf(' ') + 1).replace(/:[A-Za-z]+/g, () => randomUUID());
}

const errorBody = (status: number) => ({
  statusCode: status,
  error: status === 401 ? 'Unauthorized' : 'Forbidden',
  message: expect.any(String),
});

describe('who gets in: every route against every kind of caller', () => {
  let inbox: Inbox;
  const authorization = {} as Record<Identity, string | undefined>;

  beforeAll(async () => {
    // Dozens of bad tokens from one client by design: not this spec's throttle.
    inbox = await Inbox.start({ env: { AUTH_THROTTLE_MAX_FAILURES: '1000000' } });
    const bearer = (token: string) => `Bearer ${token}`;
    const revoked = await inbox.addMember('Leaver');
    expect((await inbox.request('DELETE', `/members/${revoked.id}`)).status).toBe(204);
    Object.assign(authorization, {
      'no token': undefined,
      malformed: 'Basic dGVhbTppbmJveA==',
      'unknown token': bearer(issueToken().token),
      'revoked token': bearer(revoked.token),
      'bootstrap admin': bearer(ADMIN_TOKEN),
      admin: bearer((await inbox.addMember('Ada Admin', 'admin')).token),
      agent: bearer((await inbox.addMember('Alice')).token),
      auditor: bearer((await inbox.addMember('Audrey', 'auditor')).token),
      integration: bearer((await inbox.addIntegration()).token),
    });
  });
  afterAll(() => inbox.stop());

  it('has every route the app serves in the table, and serves every route in it', () => {
    expect(servedRoutes(inbox.running.app)).toEqual(Object.keys(ROUTE_ROLES).sort());
  });

  it('has every route of the OpenAPI document in the table', async () => {
    const document = (
      await inbox.request<{ paths: Record<string, Record<string, unknown>> }>('GET', '/docs/openapi.json', {
        token: null,
      })
    ).body;
    const documented = Object.entries(document.paths).flatMap(([path, operations]) =>
      Object.keys(operations).map((method) => `${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`),
    );
    expect(documented.length).toBeGreaterThan(20);
    expect(documented.filter((route) => !(route in ROUTE_ROLES))).toEqual([]);
  });

  it.each(GUARDED)('%s: 401 without a valid token, 403 for other roles, in for %j', async (route, allowed) => {
    const method = route.slice(0, route.indexOf(' '));
    const body = method === 'POST' || method === 'PUT' ? {} : undefined;
    const expected = {} as Record<Identity, number | 'in'>;
    for (const identity of IDENTITIES) {
      const role = ROLE_OF[identity];
      expected[identity] = role === undefined ? 401 : allowed.includes(role) ? 'in' : 403;
    }
    const refused = IDENTITIES.filter((identity) => expected[identity] !== 'in');
    const admitted = IDENTITIES.filter((identity) => expected[identity] === 'in');

    const seen = {} as Record<Identity, number | 'in'>;
    const headBefore = await inbox.head();
    for (const identity of refused) {
      const answer = await send(inbox.running.baseUrl, method, concretePath(route), {
        authorization: authorization[identity],
        body,
      });
      seen[identity] = answer.status;
      expect({ identity, body: answer.body }).toEqual({ identity, body: errorBody(expected[identity] as number) });
      if (answer.status === 401) expect(answer.headers['www-authenticate']).toBe('Bearer');
    }
    // A refused request appends nothing.
    expect(await inbox.head()).toBe(headBefore);
    for (const identity of admitted) {
      const answer = await send(inbox.running.baseUrl, method, concretePath(route), {
        authorization: authorization[identity],
        body,
      });
      // In: past the guard, to the route's own answer (200, or 400/404 for the empty body and unknown ids).
      seen[identity] = answer.status === 401 || answer.status === 403 || answer.status >= 500 ? answer.status : 'in';
    }
    expect(seen).toEqual(expected);
  });

  it.each(PUBLIC)('%s: public, the same answer whatever the token', async (route) => {
    const method = route.slice(0, route.indexOf(' '));
    const path = concretePath(route);
    const body = method === 'POST' ? {} : undefined;
    const answers = await Promise.all(
      IDENTITIES.map((identity) =>
        send(inbox.running.baseUrl, method, path, { authorization: authorization[identity], body }),
      ),
    );
    const statuses = answers.map((answer) => answer.status);
    expect(statuses).toEqual(IDENTITIES.map(() => statuses[0]));
    expect(statuses[0]).not.toBe(403);
    for (const answer of answers) expect(JSON.stringify(answer.body)).not.toMatch(/Authorization|bearer token/i);
  });

  it.each(['/', 'the web UI script', '/docs', '/docs/openapi.json'])('GET %s: public, no token asked', async (path) => {
    const requested = path === 'the web UI script' ? builtWebAssets().script : path;
    expect((await send(inbox.running.baseUrl, 'GET', requested)).status).toBe(200);
  });
});

describe('failed authentications, throttled per client', () => {
  const WINDOW_SECONDS = 4; // room for the 20 failures on a busy machine; the spec waits it out once
  let inbox: Inbox;
  let agentToken: string;
  const get = (path: string, options: Parameters<typeof send>[3] = {}) =>
    send(inbox.running.baseUrl, 'GET', path, options);
  const badGuess = () => `Bearer ${issueToken().token}`;

  beforeAll(async () => {
    inbox = await Inbox.start({ env: { AUTH_THROTTLE_WINDOW_SECONDS: String(WINDOW_SECONDS) } });
    agentToken = (await inbox.addMember('Alice')).token;
  });
  afterAll(() => inbox.stop());

  it('answers 429 with Retry-After to a client after 20 failures, even with a good token, until the window passes', async () => {
    // 19 failures (unknown and malformed tokens), and successes, which do not count.
    for (let i = 0; i < 19; i++) {
      const authorization = i % 2 === 0 ? badGuess() : `Bearer not a token ${i}`;
      expect((await get('/me', { authorization })).status).toBe(401);
      if (i % 5 === 0) expect((await get('/me', { authorization: `Bearer ${agentToken}` })).status).toBe(200);
    }
    // No token at all is not a guess: not counted.
    expect((await get('/me')).status).toBe(401);
    expect((await get('/me', { authorization: badGuess() })).status).toBe(401); // the 20th

    const blocked = await get('/me', { authorization: badGuess() });
    expect(blocked.status).toBe(429);
    expect(blocked.body).toEqual({
      statusCode: 429,
      error: 'Too Many Requests',
      message: expect.stringMatching(/^Too many failed authentications from this client: try again in \d+ s$/),
    });
    const retryAfter = Number(blocked.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(WINDOW_SECONDS);

    // A good token from the blocked client is refused alike: a guesser cannot tell a right guess.
    const withGoodToken = await get('/me', { authorization: `Bearer ${agentToken}` });
    expect(withGoodToken.status).toBe(429);
    expect(withGoodToken.headers['retry-after']).toBeDefined();
    expect((await get('/members', { authorization: `Bearer ${ADMIN_TOKEN}` })).status).toBe(429);
    expect((await get('/me')).status).toBe(429);
    // X-Forwarded-For is not believed without TRUST_PROXY: no way out by naming another client.
    const spoofed = await get('/me', {
      authorization: `Bearer ${agentToken}`,
      headers: { 'x-forwarded-for': '198.51.100.23' },
    });
    expect(spoofed.status).toBe(429);
    // Routes that need no token are not throttled.
    expect((await get('/health')).status).toBe(200);

    // Another client (another loopback address) is not affected.
    const elsewhere = { localAddress: '127.0.0.2' };
    expect((await get('/me', { ...elsewhere, authorization: `Bearer ${agentToken}` })).status).toBe(200);
    expect((await get('/me', { ...elsewhere, authorization: badGuess() })).status).toBe(401);

    // Once the window has passed: in again, and a bad token is a plain 401.
    await new Promise((resolve) => setTimeout(resolve, retryAfter * 1000 + 100));
    expect((await get('/me', { authorization: `Bearer ${agentToken}` })).status).toBe(200);
    expect((await get('/me', { authorization: badGuess() })).status).toBe(401);
  });

  it('lets no more than 20 concurrent guesses through: the rest are 429', async () => {
    const burst = { localAddress: '127.0.0.3' };
    const answers = await Promise.all(
      Array.from({ length: 60 }, () => get('/me', { ...burst, authorization: badGuess() })),
    );
    const statuses = answers.map((answer) => answer.status);
    expect(statuses.filter((status) => status === 401)).toHaveLength(20);
    expect(statuses.filter((status) => status === 429)).toHaveLength(40);
    expect((await get('/me', { ...burst, authorization: `Bearer ${agentToken}` })).status).toBe(429);
  });

  it('counts by the forwarded client address behind a trusted proxy (TRUST_PROXY)', async () => {
    const behindProxy = await Inbox.start({ env: { TRUST_PROXY: 'loopback', AUTH_THROTTLE_MAX_FAILURES: '3' } });
    try {
      const from = (client: string, authorization: string) =>
        send(behindProxy.running.baseUrl, 'GET', '/me', { authorization, headers: { 'x-forwarded-for': client } });
      for (let i = 0; i < 3; i++) expect((await from('203.0.113.7', badGuess())).status).toBe(401);
      expect((await from('203.0.113.7', `Bearer ${ADMIN_TOKEN}`)).status).toBe(429);
      expect((await from('203.0.113.8', `Bearer ${ADMIN_TOKEN}`)).status).toBe(200);
    } finally {
      await behindProxy.stop();
    }
  });
});
