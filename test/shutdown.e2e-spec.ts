/**
 * SIGTERM with what a running server always has open: event streams (every UI tab holds one), a client
 * sending its body slowly, commands in flight. The server ends the streams, cuts the connections on which
 * nothing was accepted, answers every command it accepted, and exits 0 within 2 s.
 */
import { SqliteEventStore, collect, sqliteEventStoreFile } from '@team-inbox/event-store';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { eventually } from './support/eventually';
import { freePort } from './support/free-port';
import { ADMIN_TOKEN } from './support/inbox';
import { spawnServerFromSource, untilHealthy } from './support/server-from-source';
import { temporaryDataDir } from './support/test-app';

const SHUTDOWN_WITHIN_MS = 2000;

interface Answer {
  status: number;
  body: string;
}

function send(baseUrl: string, method: string, path: string, token: string, body?: unknown): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    if (payload !== undefined) headers['content-type'] = 'application/json';
    const outgoing = httpRequest(new URL(path, baseUrl), { method, headers, agent: false }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
      response.on('error', reject);
    });
    outgoing.on('error', reject);
    outgoing.end(payload);
  });
}

describe('shutdown', () => {
  it('on SIGTERM with a stream, a slow body and commands in flight: answers what it accepted and exits 0 within 2 s', async () => {
    const data = temporaryDataDir();
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    let output = '';
    const server = spawnServerFromSource(
      { PORT: String(port), HOST: '127.0.0.1', DATA_DIR: data.dir, INBOX_ADMIN_TOKEN: ADMIN_TOKEN, LOG_LEVEL: 'info' },
      (chunk) => (output += chunk.toString()),
    );
    try {
      await untilHealthy(baseUrl);
      const chat = JSON.parse((await send(baseUrl, 'POST', '/integrations', ADMIN_TOKEN, { name: 'Chat' })).body) as {
        token: string;
      };

      // An event stream, open and quiet.
      let streamEnded = false;
      await new Promise<void>((resolve, reject) => {
        const outgoing = httpRequest(
          new URL('/stream', baseUrl),
          { headers: { authorization: `Bearer ${ADMIN_TOKEN}` }, agent: false },
          (response) => {
            expect(response.statusCode).toBe(200);
            response.on('data', () => undefined);
            response.on('close', () => (streamEnded = true));
            resolve();
          },
        );
        outgoing.on('error', reject);
        outgoing.end();
      });
      // A body that arrives a few bytes at a time, and then not at all.
      const slow = connect(port, '127.0.0.1');
      slow.on('error', () => undefined);
      await new Promise((resolve) => slow.once('connect', resolve));
      slow.write(
        `POST /conversations HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${chat.token}\r\n` +
          'Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"customer":',
      );
      let slowClosed = false;
      slow.on('close', () => (slowClosed = true));
      await new Promise((resolve) => setTimeout(resolve, 200));

      // Commands in flight as the signal comes.
      const commands = Array.from({ length: 20 }, (_, n) =>
        send(baseUrl, 'POST', '/conversations', chat.token, {
          customer: { id: `customer-${n}`, name: 'Ada', email: `ada${n}@example.com` },
          subject: `Order #${n}`,
          body: 'Hello',
        }).then(
          (answer) => ({ answer }),
          (error: unknown) => ({ error }),
        ),
      );
      await new Promise((resolve) => setTimeout(resolve, 5));
      const signalledAt = Date.now();
      server.child.kill('SIGTERM');
      const code = await server.exited;
      const tookMs = Date.now() - signalledAt;

      expect({ code, tookMs: tookMs < SHUTDOWN_WITHIN_MS ? 'in time' : tookMs }).toEqual({
        code: 0,
        tookMs: 'in time',
      });
      expect(output).toContain('Shut down cleanly');
      await eventually(() => streamEnded && slowClosed, 2000);

      // Every command answered 201 is in the log; none was answered otherwise than 201 or a refusal to start.
      const results = await Promise.all(commands);
      const answered = results.flatMap((result) => ('answer' in result ? [result.answer] : []));
      for (const answer of answered) expect([201, 503]).toContain(answer.status);
      const store = new SqliteEventStore({ filename: sqliteEventStoreFile(data.dir), readOnly: true });
      try {
        const events = await collect(store.readAll());
        const started = new Set(events.filter((e) => e.type === 'ConversationStarted').map((e) => e.streamId));
        for (const answer of answered.filter((a) => a.status === 201)) {
          const { id } = JSON.parse(answer.body) as { id: string };
          expect(started).toContain(`conversation-${id}`);
        }
      } finally {
        await store.close();
      }
    } finally {
      server.child.kill('SIGKILL');
      data.remove();
    }
  }, 60_000);
});
