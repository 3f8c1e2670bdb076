/**
 * What one connection may hold, and how many there may be, against the server in a process of its own (its
 * memory read from /proc/<pid>/status): bodies are read only from a caller the route wants them from, slow
 * requests are cut off at their timeouts, and connections past the cap are refused while the server stays
 * healthy.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { get, request as httpRequest } from 'node:http';
import { connect, type Socket } from 'node:net';
import { freePort } from './support/free-port';
import { spawnServerFromSource, type ServerFromSource } from './support/server-from-source';
import { temporaryDataDir } from './support/test-app';

const ADMIN_TOKEN = 'connection-limits-admin-token-0123456789abcdef';

interface RunningServer extends ServerFromSource {
  port: number;
  stop(): Promise<void>;
}

async function startServer(env: NodeJS.ProcessEnv): Promise<RunningServer> {
  const data = temporaryDataDir();
  const port = await freePort();
  let output = '';
  const server = spawnServerFromSource(
    {
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: data.dir,
      INBOX_ADMIN_TOKEN: ADMIN_TOKEN,
      LOG_LEVEL: 'warn',
      ...env,
    },
    (chunk) => (output += chunk.toString()),
  );
  const stop = async () => {
    server.child.kill('SIGKILL');
    await server.exited;
    data.remove();
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      if ((await healthStatus(port)) === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`The server did not start:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { ...server, port, stop };
}

/** GET /health on a connection of its own, closed after (fetch would keep one open, counted in the cap). */
function healthStatus(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path: '/health', agent: false }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    }).once('error', reject);
  });
}

/** VmRSS (now) and VmHWM (the peak so far) of a process, in MB. */
function memoryOf(pid: number): { rssMb: number; peakMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kilobytes = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]);
  return { rssMb: Math.round(kilobytes('VmRSS') / 1024), peakMb: Math.round(kilobytes('VmHWM') / 1024) };
}

/** A TCP connection written to by hand: what it received, and when the server closed it. */
interface RawConnection {
  socket: Socket;
  received(): string;
  /** Milliseconds from the connection to its close. */
  closed: Promise<number>;
  isClosed(): boolean;
}

/** `from`: the local address to connect from (any of 127.0.0.0/8 is this machine), as another client would. */
function openConnection(port: number, from?: string): Promise<RawConnection> {
  return new Promise((resolve, reject) => {
    const opened = Date.now();
    const socket = connect({ port, host: '127.0.0.1', localAddress: from });
    let text = '';
    let isClosed = false;
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (text += chunk));
    socket.on('error', () => undefined); // a reset is one way of being closed
    const closed = new Promise<number>((done) =>
      socket.once('close', () => {
        isClosed = true;
        done(Date.now() - opened);
      }),
    );
    socket.once('connect', () => resolve({ socket, received: () => text, closed, isClosed: () => isClosed }));
    socket.once('error', reject);
  });
}

/** Resolves when `socket` has handed `bytes` to the system, or could not (the server closed it). */
function send(socket: Socket, bytes: string | Buffer): Promise<void> {
  return new Promise((resolve) => {
    if (socket.destroyed) resolve();
    else socket.write(bytes, () => resolve());
  });
}

const requestHead = (method: string, path: string, headers: Record<string, string | number>) =>
  `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n` +
  Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('') +
  '\r\n';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The closes that took longer than `limitMs`, or never came while the test waited. */
async function slowerThan(connections: RawConnection[], limitMs: number): Promise<number[]> {
  const times = await Promise.all(
    connections.map((connection) => Promise.race([connection.closed, sleep(limitMs + 500)])),
  );
  return times.map((time) => (typeof time === 'number' ? time : Infinity)).filter((time) => time > limitMs);
}

/** A request on a connection of its own, from `from` (a loopback address) where given. */
function post(
  port: number,
  path: string,
  headers: Record<string, string>,
  body: string,
  from?: string,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      { host: '127.0.0.1', port, method: 'POST', path, headers, agent: false, localAddress: from },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
      },
    );
    request.once('error', reject);
    request.end(body);
  });
}

const SHOP_SECRET = 'shpss_connection-limits-0123456789abcdef';

/** A new integration (its id and token), with SHOP_SECRET as its webhook secret where `withSecret`. */
async function addIntegration(port: number, name: string, withSecret: boolean): Promise<{ id: string; token: string }> {
  const admin = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' };
  const created = await post(port, '/integrations', admin, JSON.stringify({ name }));
  const integration = JSON.parse(created.text) as { id: string; token: string };
  if (withSecret) {
    const response = await fetch(`http://127.0.0.1:${port}/integrations/${integration.id}/secret`, {
      method: 'PUT',
      headers: admin,
      body: JSON.stringify({ secret: SHOP_SECRET }),
    });
    expect(response.status).toBe(200);
  }
  return integration;
}

/** An HMAC-SHA256 in the shape Shopify sends, made with another secret: read as a signature, matching nothing. */
const FORGED_SIGNATURE = createHmac('sha256', 'not-the-secret').update('').digest('base64');

describe('half-sent bodies without a token', () => {
  const SOCKETS = 500;
  const DECLARED = 1024 * 1024;
  const SENT = 1_048_000;
  let server: RunningServer;

  beforeAll(async () => (server = await startServer({})), 60_000);
  afterAll(() => server?.stop());

  it(`pin no memory: ${SOCKETS} sockets each sending ${SENT} of a ${DECLARED}-byte body are refused (401) before it is read, peak RSS under 400 MB`, async () => {
    const before = memoryOf(server.child.pid!);
    const body = Buffer.alloc(SENT, 'a');
    const head = requestHead('POST', '/conversations', {
      'Content-Type': 'application/json',
      'Content-Length': DECLARED,
    });
    const connections = await Promise.all(Array.from({ length: SOCKETS }, () => openConnection(server.port)));
    try {
      await Promise.all(connections.map(async ({ socket }) => send(socket, head).then(() => send(socket, body))));
      // As long again for the server to take in what the system holds for it.
      await sleep(3000);
      const during = memoryOf(server.child.pid!);
      expect(await healthStatus(server.port)).toBe(200);
      process.stdout.write(
        `half-sent bodies: RSS ${before.rssMb} MB before, ${during.rssMb} MB with ${SOCKETS} sockets, peak ${during.peakMb} MB\n`,
      );
      expect(during.peakMb).toBeLessThan(400);
      // Each was answered 401 at once, and closed rather than waited on for the rest of its body (a close with
      // body bytes still unread is a reset, which may reach the client before the answer does).
      expect(await slowerThan(connections, 10_000)).toEqual([]);
      const answers = connections.map((connection) => connection.received().split('\r\n', 1)[0]);
      expect(answers).toContain('HTTP/1.1 401 Unauthorized');
      expect(answers.filter((answer) => answer !== 'HTTP/1.1 401 Unauthorized' && answer !== '')).toEqual([]);
    } finally {
      for (const { socket } of connections) socket.destroy();
    }
  }, 120_000);
});

describe('slow requests, timed out (REQUEST_TIMEOUT_MS, HEADERS_TIMEOUT_MS)', () => {
  const HEADERS_TIMEOUT_MS = 2000;
  const REQUEST_TIMEOUT_MS = 3000;
  const TRICKLE_EVERY_MS = 1500;
  /** Node looks for expired requests once a second at most: a close may come that much after the timeout. */
  const SLACK_MS = 2500;
  let server: RunningServer;

  beforeAll(
    async () =>
      (server = await startServer({
        HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
        REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
        BODIES_IN_FLIGHT_MIB: '2',
      })),
    60_000,
  );
  afterAll(() => server?.stop());

  /**
   * Writes `text` a byte at a time, the first at once and then every TRICKLE_EVERY_MS, until the connection
   * closes. The first byte goes at once because Node starts a request's clocks on its first byte.
   */
  function trickle(connection: RawConnection, text: string): void {
    let next = 0;
    const writeNext = (): void => {
      if (connection.isClosed() || next >= text.length) clearInterval(timer);
      else connection.socket.write(text[next++]);
    };
    const timer = setInterval(writeNext, TRICKLE_EVERY_MS);
    writeNext();
    void connection.closed.then(() => clearInterval(timer));
  }

  it('closes sockets that send nothing, or trickle their headers or their body a byte every 1.5 s, within the timeouts', async () => {
    const shop = await addIntegration(server.port, 'Slow shop', true);
    const webhookPath = `/integrations/shopify/${shop.id}/webhooks`;
    const groups = {
      silent: await Promise.all(Array.from({ length: 10 }, () => openConnection(server.port))),
      headers: await Promise.all(Array.from({ length: 10 }, () => openConnection(server.port))),
      tokenBody: await Promise.all(Array.from({ length: 10 }, () => openConnection(server.port))),
      webhookBody: await Promise.all(Array.from({ length: 10 }, () => openConnection(server.port))),
    };
    try {
      for (const connection of groups.headers) trickle(connection, requestHead('GET', '/members', {}));
      for (const connection of groups.tokenBody) {
        connection.socket.write(
          requestHead('POST', '/members', {
            Authorization: `Bearer ${ADMIN_TOKEN}`,
            'Content-Type': 'application/json',
            'Content-Length': 100,
          }),
        );
        trickle(connection, ' '.repeat(100));
      }
      for (const connection of groups.webhookBody) {
        connection.socket.write(
          requestHead('POST', webhookPath, {
            'Content-Type': 'application/json',
            'Content-Length': 100,
            'X-Shopify-Hmac-Sha256': FORGED_SIGNATURE,
          }),
        );
        trickle(connection, ' '.repeat(100));
      }
      const [silent, headers, tokenBody, webhookBody] = await Promise.all([
        slowerThan(groups.silent, HEADERS_TIMEOUT_MS + SLACK_MS),
        slowerThan(groups.headers, HEADERS_TIMEOUT_MS + SLACK_MS),
        slowerThan(groups.tokenBody, REQUEST_TIMEOUT_MS + SLACK_MS),
        slowerThan(groups.webhookBody, REQUEST_TIMEOUT_MS + SLACK_MS),
      ]);
      expect({ silent, headers, tokenBody, webhookBody }).toEqual({
        silent: [],
        headers: [],
        tokenBody: [],
        webhookBody: [],
      });
      for (const [name, connections] of Object.entries(groups)) {
        const times = await Promise.all(connections.map((connection) => connection.closed));
        process.stdout.write(`${name}: closed after ${Math.min(...times)}-${Math.max(...times)} ms\n`);
      }
      // A request cut off mid-body is told why.
      expect(groups.tokenBody[0].received()).toMatch(/^HTTP\/1\.1 408 /);
      expect(await healthStatus(server.port)).toBe(200);
    } finally {
      for (const connection of Object.values(groups).flat()) connection.socket.destroy();
    }
  }, 30_000);

  it('does not cut a live stream (GET /stream) at the request timeout: its request has arrived', async () => {
    const stream = await openConnection(server.port);
    try {
      stream.socket.write(requestHead('GET', '/stream', { Authorization: `Bearer ${ADMIN_TOKEN}` }));
      await sleep(REQUEST_TIMEOUT_MS + SLACK_MS);
      expect(stream.isClosed()).toBe(false);
      expect(stream.received()).toMatch(/^HTTP\/1\.1 200 /);
    } finally {
      stream.socket.destroy();
    }
  }, 30_000);

  it('answers a request for no route, or without a token, before its body: 404 and 401, at once', async () => {
    for (const [path, status] of [
      ['/no-such-route', '404 Not Found'],
      ['/members', '401 Unauthorized'],
    ]) {
      const connection = await openConnection(server.port);
      connection.socket.write(
        requestHead('POST', path, { 'Content-Type': 'application/json', 'Content-Length': 500_000 }),
      );
      // Closed without waiting for the body, well before any timeout.
      expect(await Promise.race([connection.closed, sleep(HEADERS_TIMEOUT_MS)])).toEqual(expect.any(Number));
      expect(connection.received()).toMatch(new RegExp(`^HTTP/1\\.1 ${status}\r\n`));
      expect(connection.received()).toMatch(/\r\nconnection: close\r\n/i);
    }
  });

  it('reads at most BODIES_IN_FLIGHT_MIB of bodies at once: past it, 503 with Retry-After before the body', async () => {
    const head = requestHead('POST', '/members', {
      Authorization: `Bearer ${ADMIN_TOKEN}`,
      'Content-Type': 'application/json',
      'Content-Length': 1_000_000,
    });
    const reading = await Promise.all([openConnection(server.port), openConnection(server.port)]);
    const refused = await openConnection(server.port);
    try {
      for (const { socket } of reading) await send(socket, head + ' '.repeat(1000));
      await sleep(300);
      refused.socket.write(head);
      await Promise.race([refused.closed, sleep(HEADERS_TIMEOUT_MS)]);
      expect(refused.received()).toMatch(/^HTTP\/1\.1 503 Service Unavailable\r\n/);
      // The seconds until the oldest body being read has arrived or been cut off: room is sure by then.
      const retryAfter = Number(/\r\nretry-after: (\d+)\r\n/i.exec(refused.received())?.[1]);
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(REQUEST_TIMEOUT_MS / 1000);
      expect(reading.map((connection) => connection.received())).toEqual(['', '']);
      // Once those are gone, a body is read again.
      for (const { socket } of reading) socket.destroy();
      await Promise.all(reading.map((connection) => connection.closed));
      const after = await fetch(`http://127.0.0.1:${server.port}/members`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: '{}',
      });
      expect(after.status).toBe(400);
    } finally {
      for (const { socket } of [...reading, refused]) socket.destroy();
    }
  });
});

describe('bodies without a token (the public shop webhook routes)', () => {
  const SOCKETS = 65;
  const DECLARED = 1024 * 1024;
  /** Other clients: any address of 127.0.0.0/8 is this machine. */
  const ATTACKERS = ['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5', '127.0.0.6'];
  let server: RunningServer;
  let shop: { id: string; token: string };
  let chat: { id: string; token: string };

  beforeAll(async () => {
    server = await startServer({});
    shop = await addIntegration(server.port, 'Shop', true);
    chat = await addIntegration(server.port, 'Chat widget', false);
  }, 60_000);
  afterAll(() => server?.stop());

  /** `count` connections sending the headers of a 1 MiB webhook body, and none of it; from `from` in turn. */
  async function headersOnly(path: string, headers: Record<string, string>, count: number, from: string[]) {
    const connections = await Promise.all(
      Array.from({ length: count }, (_, n) => openConnection(server.port, from[n % from.length])),
    );
    const head = requestHead('POST', path, {
      'Content-Type': 'application/json',
      'Content-Length': DECLARED,
      ...headers,
    });
    await Promise.all(connections.map(({ socket }) => send(socket, head)));
    return connections;
  }

  const statusLine = (connection: RawConnection) => connection.received().split('\r\n', 1)[0];

  it(`${SOCKETS} sockets sending only the headers of 1 MiB webhook bodies, to an unknown integration and to a real one, leave a token holder's POST /conversations its 201`, async () => {
    const unknown = await headersOnly(
      '/integrations/shopify/00000000-0000-4000-8000-000000000000/webhooks',
      { 'X-Shopify-Hmac-Sha256': FORGED_SIGNATURE },
      SOCKETS,
      ATTACKERS,
    );
    const real = await headersOnly(
      `/integrations/shopify/${shop.id}/webhooks`,
      { 'X-Shopify-Hmac-Sha256': FORGED_SIGNATURE },
      SOCKETS,
      ATTACKERS,
    );
    try {
      await sleep(500);
      const started = Date.now();
      const conversation = await post(
        server.port,
        '/conversations',
        { authorization: `Bearer ${chat.token}`, 'content-type': 'application/json' },
        JSON.stringify({ customer: { id: 'visitor-1', name: 'Jon' }, subject: 'Hello', body: 'Still there?' }),
      );
      process.stdout.write(
        `POST /conversations beside ${2 * SOCKETS} held webhook sockets: ${Date.now() - started} ms\n`,
      );
      expect(conversation.status).toBe(201);

      // The unknown integration is 404 before the body, as after it, and the connection closed.
      expect(await slowerThan(unknown, 2000)).toEqual([]);
      expect(new Set(unknown.map(statusLine))).toEqual(new Set(['HTTP/1.1 404 Not Found']));
      // The real one's bodies are read within the public part of the budget, a quarter (16 MiB); the rest
      // are refused before their body, with the seconds until room is sure.
      const held = real.filter((connection) => connection.received() === '');
      expect(held.length).toBeLessThanOrEqual(16);
      const refused = real.filter((connection) => connection.received() !== '');
      // Past the public part 503, past one client's share of it 429.
      expect(
        refused
          .map(statusLine)
          .filter((line) => !/^HTTP\/1\.1 (503 Service Unavailable|429 Too Many Requests)$/.test(line)),
      ).toEqual([]);
      for (const connection of refused) {
        const retryAfter = Number(/\r\nretry-after: (\d+)\r\n/i.exec(connection.received())?.[1]);
        expect(retryAfter).toBeGreaterThanOrEqual(1);
        expect(retryAfter).toBeLessThanOrEqual(30);
      }
    } finally {
      for (const { socket } of [...unknown, ...real]) socket.destroy();
    }
  }, 60_000);

  it('refuses before the body what no body could make right: a malformed id (400), no secret (401), no signature (401)', async () => {
    const noSecret = await addIntegration(server.port, 'Shop without a secret', false);
    const cases: [string, Record<string, string>, string][] = [
      ['/integrations/shopify/not-a-uuid/webhooks', {}, 'HTTP/1.1 400 Bad Request'],
      ['/integrations/woocommerce/not-a-uuid/webhooks', {}, 'HTTP/1.1 400 Bad Request'],
      [
        `/integrations/shopify/${noSecret.id}/webhooks`,
        { 'X-Shopify-Hmac-Sha256': FORGED_SIGNATURE },
        'HTTP/1.1 401 Unauthorized',
      ],
      [`/integrations/shopify/${shop.id}/webhooks`, {}, 'HTTP/1.1 401 Unauthorized'],
      // Not a ping (too long for one), and unsigned.
      [`/integrations/woocommerce/${shop.id}/webhooks`, {}, 'HTTP/1.1 401 Unauthorized'],
      [
        `/integrations/woocommerce/${noSecret.id}/webhooks`,
        { 'X-WC-Webhook-Signature': FORGED_SIGNATURE },
        'HTTP/1.1 401 Unauthorized',
      ],
    ];
    for (const [path, headers, status] of cases) {
      const [connection] = await headersOnly(path, headers, 1, ['127.0.0.1']);
      try {
        expect(await Promise.race([connection.closed, sleep(5000)])).toEqual(expect.any(Number));
        expect({ path, status: statusLine(connection) }).toEqual({ path, status });
        expect(connection.received()).toMatch(/\r\nconnection: close\r\n/i);
      } finally {
        connection.socket.destroy();
      }
    }
    // WooCommerce's ping, unsigned, still reaches the route (with no secret set too).
    for (const integration of [shop, noSecret]) {
      const ping = await post(
        server.port,
        `/integrations/woocommerce/${integration.id}/webhooks`,
        { 'content-type': 'application/x-www-form-urlencoded' },
        'webhook_id=12',
      );
      expect(ping).toEqual({ status: 200, text: JSON.stringify({ received: true, ping: true }) });
    }
  });

  it(`one client holds at most its share of the public part: ${SOCKETS} of its bodies leave another client's signed webhook its 200`, async () => {
    const path = `/integrations/shopify/${shop.id}/webhooks`;
    const connections = await headersOnly(path, { 'X-Shopify-Hmac-Sha256': FORGED_SIGNATURE }, SOCKETS, ['127.0.0.7']);
    try {
      await sleep(500);
      const held = connections.filter((connection) => connection.received() === '');
      // A quarter of the public part each: 4 MiB.
      expect(held.length).toBe(4);
      const refused = connections.filter((connection) => connection.received() !== '');
      expect(new Set(refused.map(statusLine))).toEqual(new Set(['HTTP/1.1 429 Too Many Requests']));
      const body = '{"id": 1}';
      const signed = await post(
        server.port,
        path,
        {
          'content-type': 'application/json',
          'x-shopify-hmac-sha256': createHmac('sha256', SHOP_SECRET).update(body).digest('base64'),
          'x-shopify-topic': 'products/update',
          'x-shopify-webhook-id': randomUUID(),
        },
        body,
        '127.0.0.8',
      );
      expect(signed.status).toBe(200);
    } finally {
      for (const { socket } of connections) socket.destroy();
    }
  });
});

describe('connections past MAX_CONNECTIONS', () => {
  const MAX_CONNECTIONS = 20;
  let server: RunningServer;

  beforeAll(async () => (server = await startServer({ MAX_CONNECTIONS: String(MAX_CONNECTIONS) })), 60_000);
  afterAll(() => server?.stop());

  it('are refused while the server holds as many, and the server stays healthy', async () => {
    // Kept-alive connections, each after a request answered.
    const held = await Promise.all(Array.from({ length: MAX_CONNECTIONS }, () => openConnection(server.port)));
    try {
      for (const connection of held) connection.socket.write(requestHead('GET', '/livez', {}));
      await Promise.all(
        held.map(async (connection) => {
          while (!connection.received().includes('\r\n\r\n') && !connection.isClosed()) await sleep(20);
        }),
      );
      expect(held.every((connection) => connection.received().startsWith('HTTP/1.1 200 '))).toBe(true);

      const beyond = await Promise.all(
        Array.from({ length: 50 }, async () => {
          const connection = await openConnection(server.port);
          connection.socket.write(requestHead('GET', '/health', {}));
          await Promise.race([connection.closed, sleep(5000)]);
          connection.socket.destroy();
          return connection.received();
        }),
      );
      // Closed unanswered: the server took no request past its cap.
      expect(beyond.filter((received) => received !== '')).toEqual([]);
      expect(held.some((connection) => connection.isClosed())).toBe(false);
    } finally {
      for (const { socket } of held) socket.destroy();
    }
    await Promise.all(held.map((connection) => connection.closed));
    await sleep(200);
    expect(await healthStatus(server.port)).toBe(200);
  }, 30_000);
});

describe('connections past MAX_CONNECTIONS_PER_CLIENT', () => {
  const MAX_CONNECTIONS = 60;
  const PER_CLIENT = 20;
  const ATTACKER = '127.0.0.2';
  const PROXY = '127.0.0.3';
  let server: RunningServer;

  beforeAll(
    async () =>
      (server = await startServer({
        MAX_CONNECTIONS: String(MAX_CONNECTIONS),
        MAX_CONNECTIONS_PER_CLIENT: String(PER_CLIENT),
        TRUST_PROXY: PROXY,
      })),
    60_000,
  );
  afterAll(() => server?.stop());

  it('one client sending partial headers on more connections than the server takes in all keeps no other client out', async () => {
    const attacker = await Promise.all(
      Array.from({ length: MAX_CONNECTIONS + 20 }, () => openConnection(server.port, ATTACKER)),
    );
    try {
      for (const { socket } of attacker) socket.write('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n');
      await sleep(500);
      // Another client, the probes included, gets in.
      expect(await healthStatus(server.port)).toBe(200);
      const probe = await openConnection(server.port);
      probe.socket.write(requestHead('GET', '/livez', { Connection: 'close' }));
      await probe.closed;
      expect(probe.received()).toMatch(/^HTTP\/1\.1 200 /);
      // The attacker's connections past its share were closed at once, far sooner than HEADERS_TIMEOUT_MS (10 s).
      const closes = await Promise.all(attacker.map((connection) => Promise.race([connection.closed, sleep(1000)])));
      expect(closes.filter((time) => typeof time === 'number')).toHaveLength(MAX_CONNECTIONS + 20 - PER_CLIENT);
      expect(attacker.filter((connection) => !connection.isClosed())).toHaveLength(PER_CLIENT);
    } finally {
      for (const { socket } of attacker) socket.destroy();
    }
  }, 30_000);

  it('a trusted proxy (TRUST_PROXY), which carries many clients, is not capped', async () => {
    const proxy = await Promise.all(Array.from({ length: PER_CLIENT + 10 }, () => openConnection(server.port, PROXY)));
    try {
      for (const { socket } of proxy) socket.write('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n');
      await sleep(1000);
      expect(proxy.filter((connection) => connection.isClosed())).toEqual([]);
    } finally {
      for (const { socket } of proxy) socket.destroy();
    }
  });
});
