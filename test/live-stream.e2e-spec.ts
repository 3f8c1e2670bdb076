/**
 * `GET /stream` as clients meet it (API.md 1.1, Edges): a real EventSource client resuming across a dropped
 * connection, heartbeats as comments, a removed member's stream ended, two servers on one DATA_DIR each
 * streaming every change, the bounds on open streams, and a reconnect storm that must not stall `/health`.
 */
import { SqliteEventStore, collect, sqliteEventStoreFile } from '@team-inbox/event-store';
import { EventSource } from 'eventsource';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { Worker } from 'node:worker_threads';
import { eventually } from './support/eventually';
import { freePort } from './support/free-port';
import { ADMIN_TOKEN, Inbox, type Conversation } from './support/inbox';
import { spawnServerFromSource, untilHealthy, type ServerFromSource } from './support/server-from-source';
import { temporaryDataDir } from './support/test-app';

interface SseMessage {
  id: string | undefined;
  event: string | undefined;
  data: string;
}

/** A stream read over plain HTTP: its raw text, its messages as parsed, and whether it has ended. */
interface RawStream {
  status: number;
  headers: IncomingMessage['headers'];
  text(): string;
  messages(): SseMessage[];
  ended(): boolean;
  endedAt(): number | undefined;
  close(): void;
}

function openRawStream(baseUrl: string, token: string, lastEventId?: string): Promise<RawStream> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { authorization: `Bearer ${token}`, accept: 'text/event-stream' };
    if (lastEventId !== undefined) headers['last-event-id'] = lastEventId;
    const outgoing = httpRequest(new URL('/stream', baseUrl), { headers, agent: false }, (response) => {
      let text = '';
      let endedAt: number | undefined;
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      const end = () => (endedAt ??= Date.now());
      response.on('end', end);
      response.on('close', end);
      response.on('error', end);
      resolve({
        status: response.statusCode ?? 0,
        headers: response.headers,
        text: () => text,
        messages: () => parseMessages(text),
        ended: () => endedAt !== undefined,
        endedAt: () => endedAt,
        close: () => response.destroy(),
      });
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}

/** SSE messages as a client's parser sees them; comments (heartbeats) are not messages. */
function parseMessages(text: string): SseMessage[] {
  const blocks = text.split('\n\n').slice(0, -1);
  const messages: SseMessage[] = [];
  for (const block of blocks) {
    const fields = block.split('\n').filter((line) => !line.startsWith(':'));
    const field = (name: string) =>
      fields.filter((line) => line.startsWith(`${name}:`)).map((line) => line.slice(name.length + 1).trimStart());
    const data = field('data');
    if (data.length === 0) continue;
    messages.push({ id: field('id')[0], event: field('event')[0], data: data.join('\n') });
  }
  return messages;
}

/** A TCP relay between a client and the server, whose connections the test can cut, as a network would. */
async function startRelay(targetPort: number): Promise<{ port: number; cut(): void; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
    }
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    port,
    cut: () => sockets.forEach((socket) => socket.destroy()),
    close: () =>
      new Promise<void>((resolve) => {
        sockets.forEach((socket) => socket.destroy());
        server.close(() => resolve());
      }),
  };
}

const positionsOf = (messages: SseMessage[]) => messages.filter((m) => m.event === undefined).map((m) => m.id);

/** Positions of the conversation events in the log after `after`, in log order: what a stream must carry. */
async function conversationPositions(store: SqliteEventStore, after: bigint): Promise<string[]> {
  const events = await collect(store.readAll({ fromPosition: after }));
  return events.filter((e) => e.streamId.startsWith('conversation-')).map((e) => e.position.toString());
}

describe('GET /stream, exact and complete', () => {
  describe('on one server', () => {
    let inbox: Inbox;
    let chat: { token: string };

    beforeAll(async () => {
      inbox = await Inbox.start({ env: { STREAM_HEARTBEAT_MS: '100', STREAMS_PER_IDENTITY: '2', STREAMS_TOTAL: '3' } });
      ({ chat } = await inbox.addTeam());
    });
    afterAll(async () => {
      await inbox.stop();
    });

    const conversationPositionsAfter = (after: bigint) => conversationPositions(inbox.store, after);

    it('heartbeats are comments and every id is a log position, so EventSource resumes exactly where it was', async () => {
      const alice = await inbox.addMember('Alice');
      const relay = await startRelay(Number(new URL(inbox.running.baseUrl).port));
      const startedAfter = await inbox.head();
      const received: SseMessage[] = [];
      const resumedFrom: (string | null)[] = [];
      const source = new EventSource(`http://127.0.0.1:${relay.port}/stream`, {
        fetch: (input, init) => {
          const headers = new Headers(init?.headers);
          resumedFrom.push(headers.get('last-event-id'));
          headers.set('authorization', `Bearer ${alice.token}`);
          return fetch(input, { ...init, headers });
        },
      });
      source.onmessage = (event) => {
        // The DOM's MessageEvent, which this project's types do not include.
        const { lastEventId, data } = event as unknown as { lastEventId: string; data: string };
        received.push({ id: lastEventId, event: undefined, data });
      };
      const raw = await openRawStream(inbox.running.baseUrl, alice.token);
      try {
        await eventually(() => source.readyState === EventSource.OPEN);
        const before = await inbox.startConversation(chat.token);
        await eventually(() => received.some((message) => message.id === before.position));
        // A heartbeat has gone by on the open connection before it drops.
        await eventually(() => /^: ?heartbeat$/m.test(raw.text()) || /^event: ?heartbeat$/m.test(raw.text()), 20_000);
        relay.cut();
        const missed: Conversation[] = [];
        for (let i = 0; i < 3; i++) missed.push(await inbox.startConversation(chat.token));
        const after = await inbox.startConversation(chat.token);
        await eventually(() => received.some((message) => message.id === after.position), 10_000);

        // The reconnect said the last position it had, and got what it missed after it, once each.
        expect(resumedFrom.length).toBeGreaterThanOrEqual(2);
        expect(resumedFrom[1]).toBe(before.position);
        expect(received.map((message) => message.id)).toEqual(await conversationPositionsAfter(startedAfter));
        for (const message of received) expect(JSON.parse(message.data)).toMatchObject({ position: message.id });

        // On the wire: heartbeats are comments, and the only ids are the messages' positions.
        expect(raw.text()).toMatch(/^: heartbeat$/m);
        const idLines = raw.text().match(/^id:.*$/gm) ?? [];
        expect(idLines).toEqual(positionsOf(raw.messages()).map((id) => `id: ${id}`));
        for (const message of raw.messages()) expect(JSON.parse(message.data)).toMatchObject({ position: message.id });
      } finally {
        source.close();
        raw.close();
        await relay.close();
      }
    }, 40_000);

    it('resumes with Last-Event-ID exactly after that position', async () => {
      const alice = await inbox.addMember('Alice');
      const first = await inbox.startConversation(chat.token);
      let last = first;
      for (let i = 0; i < 3; i++) last = await inbox.startConversation(chat.token);
      const stream = await openRawStream(inbox.running.baseUrl, alice.token, first.position);
      try {
        await eventually(() => positionsOf(stream.messages()).includes(last.position));
        expect(positionsOf(stream.messages())).toEqual(await conversationPositionsAfter(BigInt(first.position)));
      } finally {
        stream.close();
      }
    });

    it("ends a member's open stream within 1 s of their removal, and takes no new one", async () => {
      const bob = await inbox.addMember('Bob');
      const stream = await openRawStream(inbox.running.baseUrl, bob.token);
      expect(stream.status).toBe(200);
      await eventually(() => stream.text().length > 0);
      const removed = await inbox.request('DELETE', `/members/${bob.id}`);
      expect(removed.status).toBe(204);
      const answeredAt = Date.now();
      await eventually(() => stream.ended(), 3000).catch(() => undefined);
      try {
        expect(stream.ended()).toBe(true);
        expect(stream.endedAt()! - answeredAt).toBeLessThan(1000);
        expect((await openRawStream(inbox.running.baseUrl, bob.token)).status).toBe(401);
      } finally {
        stream.close();
      }
    });

    it('bounds open streams per caller (429) and in total (503), with Retry-After', async () => {
      const carol = await inbox.addMember('Carol');
      const dave = await inbox.addMember('Dave');
      const streams: RawStream[] = [];
      try {
        for (let i = 0; i < 2; i++) streams.push(await openRawStream(inbox.running.baseUrl, carol.token));
        expect(streams.map((stream) => stream.status)).toEqual([200, 200]);
        const third = await openRawStream(inbox.running.baseUrl, carol.token);
        expect(third.status).toBe(429);
        expect(Number(third.headers['retry-after'])).toBeGreaterThan(0);
        await eventually(() => third.ended());
        expect(JSON.parse(third.text())).toMatchObject({ statusCode: 429, error: 'Too Many Requests' });

        streams.push(await openRawStream(inbox.running.baseUrl, dave.token));
        expect(streams[2].status).toBe(200);
        const overTotal = await openRawStream(inbox.running.baseUrl, ADMIN_TOKEN);
        expect(overTotal.status).toBe(503);
        expect(Number(overTotal.headers['retry-after'])).toBeGreaterThan(0);

        // A stream closed frees its place.
        streams[0].close();
        await eventually(async () => {
          const again = await openRawStream(inbox.running.baseUrl, carol.token);
          if (again.status === 200) streams.push(again);
          else again.close();
          return again.status === 200;
        }, 3000);
      } finally {
        streams.forEach((stream) => stream.close());
      }
    });
  });

  describe('on servers in processes of their own', () => {
    const servers: ServerFromSource[] = [];
    let data: ReturnType<typeof temporaryDataDir>;

    beforeEach(() => {
      data = temporaryDataDir();
    });
    afterEach(async () => {
      for (const server of servers.splice(0)) {
        server.child.kill('SIGKILL');
        await server.exited;
      }
      data.remove();
    });

    async function startServer(env: NodeJS.ProcessEnv = {}): Promise<string> {
      const port = await freePort();
      let output = '';
      const server = spawnServerFromSource(
        { PORT: String(port), HOST: '127.0.0.1', DATA_DIR: data.dir, INBOX_ADMIN_TOKEN: ADMIN_TOKEN, ...env },
        (chunk) => (output += chunk.toString()),
      );
      servers.push(server);
      const baseUrl = `http://127.0.0.1:${port}`;
      await untilHealthy(baseUrl).catch(() => {
        throw new Error(`The server did not start:\n${output}`);
      });
      return baseUrl;
    }

    async function post<T>(baseUrl: string, path: string, token: string, body: unknown): Promise<T> {
      const response = await fetch(`${baseUrl}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      if (response.status !== 201) throw new Error(`${path} answered ${response.status}: ${await response.text()}`);
      return (await response.json()) as T;
    }

    const startOn = (baseUrl: string, token: string, n: number) =>
      post<Conversation>(baseUrl, '/conversations', token, {
        customer: { id: `customer-${n}-${Math.random().toString(36).slice(2)}`, name: 'Ada', email: 'ada@example.com' },
        subject: `Order #${n}`,
        body: 'Hello',
      });

    it('two servers on one DATA_DIR: the streams on each carry every change, whichever process projected it', async () => {
      const [first, second] = await Promise.all([startServer(), startServer()]);
      const chat = await post<{ token: string }>(first, '/integrations', ADMIN_TOKEN, { name: 'Chat' });
      const store = new SqliteEventStore({ filename: sqliteEventStoreFile(data.dir), readOnly: true });
      try {
        const startedAfter = (await store.headPosition()) ?? 0n;
        const streams = [await openRawStream(first, ADMIN_TOKEN), await openRawStream(second, ADMIN_TOKEN)];
        for (let round = 0; round < 20; round++) {
          await Promise.all([startOn(first, chat.token, round), startOn(second, chat.token, round)]);
        }
        const expected = await conversationPositions(store, startedAfter);
        expect(expected.length).toBe(80);
        await eventually(() => streams.every((stream) => positionsOf(stream.messages()).includes(expected[79])));
        for (const stream of streams) {
          expect(positionsOf(stream.messages())).toEqual(expected);
          stream.close();
        }
      } finally {
        await store.close();
      }
    }, 90_000);

    it('1,000 reconnects with Last-Event-ID 860 events back: /health answers within 100 ms throughout', async () => {
      // Every client of the storm is 127.0.0.1, and holds the admin's token.
      const baseUrl = await startServer({
        STREAMS_PER_IDENTITY: '1000',
        STREAMS_TOTAL: '1000',
        MAX_CONNECTIONS_PER_CLIENT: '2000',
      });
      const chat = await post<{ token: string }>(baseUrl, '/integrations', ADMIN_TOKEN, { name: 'Chat' });
      const started: Conversation[] = [];
      for (let batch = 0; batch < 22; batch++) {
        started.push(...(await Promise.all(Array.from({ length: 20 }, (_, i) => startOn(baseUrl, chat.token, i)))));
      }
      const store = new SqliteEventStore({ filename: sqliteEventStoreFile(data.dir), readOnly: true });
      const head = (await store.headPosition()) ?? 0n;
      const resumeFrom = head - 860n;
      const lastId = `id: ${(await conversationPositions(store, resumeFrom)).pop()}\n`;
      await store.close();

      // /health, timed from a thread of its own: this one is busy reading the streams.
      const timer = new Worker(
        `const { parentPort, workerData } = require('node:worker_threads');
         const timings = []; let measuring = false; let stop = false;
         parentPort.on('message', (message) => { if (message === 'start') measuring = true; else stop = true; });
         (async () => {
           while (!stop) {
             const started = performance.now();
             const response = await fetch(workerData + '/health');
             await response.text();
             if (measuring) timings.push(performance.now() - started);
             else parentPort.postMessage('ready');
             await new Promise((resolve) => setTimeout(resolve, 10));
           }
           parentPort.postMessage(timings);
         })();`,
        { eval: true, workerData: baseUrl },
      );
      // Warmed up (its first requests pay for loading fetch) before the clock runs.
      await new Promise((resolve) => timer.once('message', resolve));
      timer.postMessage('start');
      const sockets: Socket[] = [];
      const caughtUp = new Set<number>();
      try {
        const port = Number(new URL(baseUrl).port);
        // A reconnect storm: every client of a server that went away comes back within a second.
        for (let i = 0; i < 1000; i++) {
          if (i % 100 === 0 && i > 0) await new Promise((resolve) => setTimeout(resolve, 100));
          const socket = connect(port, '127.0.0.1');
          sockets.push(socket);
          let tail = '';
          socket.setEncoding('utf8');
          socket.on('data', (chunk: string) => {
            tail = (tail + chunk).slice(-200);
            if (tail.includes(lastId)) caughtUp.add(i);
          });
          socket.on('error', () => undefined);
          socket.write(
            `GET /stream HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${ADMIN_TOKEN}\r\nLast-Event-ID: ${resumeFrom.toString()}\r\n\r\n`,
          );
        }
        await eventually(() => caughtUp.size === 1000, 60_000);
      } catch (error) {
        // The timing thread would outlive the test, and hold Jest open.
        await timer.terminate();
        throw error;
      } finally {
        sockets.forEach((socket) => socket.destroy());
      }
      timer.postMessage('stop');
      const timings = await new Promise<number[]>((resolve) =>
        timer.on('message', (message: unknown) => Array.isArray(message) && resolve(message as number[])),
      );
      await timer.terminate();
      expect(timings.length).toBeGreaterThan(5);
      // The 95th percentile, and the slowest within a second: where the machine is shared (a CI runner,
      // other test files' servers), one probe now and then waits for a core, whatever the server does; a
      // replay on the event loop held /health for seconds.
      const sorted = [...timings].sort((a, b) => a - b);
      const nearlyAll = sorted[Math.ceil(sorted.length * 0.95) - 1];
      process.stdout.write(
        `1,000 reconnects: /health ${nearlyAll.toFixed(1)} ms at the 95th percentile, slowest ${sorted.at(-1)!.toFixed(1)} ms, of ${sorted.length}\n`,
      );
      expect(nearlyAll).toBeLessThan(100);
      expect(sorted.at(-1)).toBeLessThan(1000);
    }, 120_000);
  });
});
