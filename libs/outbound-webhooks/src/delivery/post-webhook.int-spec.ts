import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { MAX_ANSWER_BODY_BYTES, postWebhook, WebhookAgents } from './post-webhook';

/** A full collection, forced as jest's leak detector forces one (the flag set at run time). */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
  setFlagsFromString('--no-expose-gc');
}

describe('posting a webhook', () => {
  let server: Server;
  let url: string;
  let agents: WebhookAgents;
  let handle: (request: IncomingMessage, response: ServerResponse) => void;
  const timers = new Set<NodeJS.Timeout>();
  const later = (ms: number, work: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      work();
    }, ms);
    timers.add(timer);
  };
  const post = (options: { timeoutMs?: number; shutdown?: AbortSignal; to?: string } = {}) =>
    postWebhook(
      {
        url: options.to ?? url,
        headers: { 'content-type': 'application/json' },
        body: '{"id":"d1"}',
        timeoutMs: options.timeoutMs ?? 1000,
        shutdown: options.shutdown ?? new AbortController().signal,
      },
      agents,
    );

  beforeEach(async () => {
    agents = new WebhookAgents();
    server = createServer((request, response) => {
      request.resume();
      request.on('end', () => handle(request, response));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  });
  afterEach(async () => {
    for (const timer of timers) clearTimeout(timer);
    agents.destroy();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('answers the status code, over one kept-alive connection for attempts that follow each other', async () => {
    const sockets = new Set<unknown>();
    handle = (request, response) => {
      sockets.add(request.socket);
      response.writeHead(request.headers['content-length'] === '11' ? 204 : 400).end();
    };
    expect(await post()).toEqual({ statusCode: 204 });
    expect(await post()).toEqual({ statusCode: 204 });
    expect(sockets.size).toBe(1);
  });

  it('does not follow a redirect', async () => {
    handle = (_request, response) => response.writeHead(307, { location: '/elsewhere' }).end();
    expect(await post()).toEqual({ statusCode: 307 });
  });

  it('gives up on an answer later than the timeout, even with full collections while it waits', async () => {
    handle = (_request, response) => later(600, () => response.writeHead(200).end());
    const attempts = [post({ timeoutMs: 300 }), post({ timeoutMs: 300 }), post({ timeoutMs: 300 })];
    later(100, collectGarbage);
    later(200, collectGarbage);
    // The receiver answers 200 at 600 ms: an attempt that waited for it would report that status.
    expect(await Promise.all(attempts)).toEqual(attempts.map(() => ({ error: 'No answer within 300 ms' })));
  });

  it("bounds the answer's body: the status stands, the rest is not read, within the timeout", async () => {
    handle = (_request, response) => {
      response.writeHead(200);
      response.write('x'.repeat(MAX_ANSWER_BODY_BYTES + 1));
      // The rest never comes: the connection is closed at the limit, not left to the receiver.
    };
    expect(await post()).toEqual({ statusCode: 200 });
    handle = (_request, response) => {
      response.writeHead(202);
      response.write('a first chunk, then nothing more');
    };
    const startedAt = Date.now();
    expect(await post({ timeoutMs: 300 })).toEqual({ statusCode: 202 });
    expect(Date.now() - startedAt).toBeLessThan(1000);
  });

  it('ends at once, interrupted, when the sender stops', async () => {
    const shutdown = new AbortController();
    handle = (_request, response) => later(5000, () => response.writeHead(200).end());
    const attempt = post({ shutdown: shutdown.signal, timeoutMs: 10_000 });
    later(100, () => shutdown.abort());
    expect(await attempt).toBe('interrupted');
  });

  it('names a network failure', async () => {
    server.close();
    expect(await post()).toEqual({ error: expect.stringMatching(/^ECONNREFUSED: connect ECONNREFUSED 127\.0\.0\.1:/) });
  });
});
