/**
 * `X-Request-Id` (API 1.1, Edges): echoed when sent (1..200 printable characters), made when not; the id of
 * the request's log line; the correlation id of the events it appends unless `X-Correlation-Id` is sent.
 */
import { loadAppConfig } from '@team-inbox/config';
import { randomUUID } from 'node:crypto';
import { createApp } from '../apps/inbox-api/src/create-app';
import { Inbox } from './support/inbox';
import { temporaryDataDir } from './support/test-app';

describe('X-Request-Id', () => {
  let inbox: Inbox;
  let chatToken: string;
  beforeAll(async () => {
    inbox = await Inbox.start();
    chatToken = (await inbox.addIntegration()).token;
  });
  afterAll(() => inbox.stop());

  const startConversation = (headers: Record<string, string>) =>
    inbox.request<{ id: string }>('POST', '/conversations', {
      token: chatToken,
      headers,
      body: { customer: { id: `customer-${randomUUID()}` }, body: 'Hello' },
    });
  const correlationIds = async (conversationId: string) =>
    (await inbox.streamEvents(`conversation-${conversationId}`)).map((event) => event.metadata.correlationId);

  it('is made where none is sent, and answered on every response, errors included', async () => {
    const health = await inbox.request('GET', '/health', { token: null });
    expect(health.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const refused = await inbox.request('GET', '/members', { token: null });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(refused.headers.get('x-request-id')).not.toBe(health.headers.get('x-request-id'));
  });

  it("is echoed where sent, and is the correlation id of the request's events", async () => {
    const started = await startConversation({ 'x-request-id': 'checkout-7f3a' });
    expect(started.status).toBe(201);
    expect(started.headers.get('x-request-id')).toBe('checkout-7f3a');
    expect(await correlationIds(started.body.id)).toEqual(['checkout-7f3a', 'checkout-7f3a']);
  });

  it('gives way to X-Correlation-Id for the events, and is still echoed', async () => {
    const started = await startConversation({ 'x-request-id': 'req-1', 'x-correlation-id': 'saga-9' });
    expect(started.headers.get('x-request-id')).toBe('req-1');
    expect(await correlationIds(started.body.id)).toEqual(['saga-9', 'saga-9']);
  });

  it('without either, ties the events to the id the response carries', async () => {
    const started = await startConversation({});
    const made = started.headers.get('x-request-id');
    expect(made).toMatch(/^[0-9a-f-]{36}$/);
    expect(await correlationIds(started.body.id)).toEqual([made, made]);
  });

  it.each([
    ['201 characters', 'a'.repeat(201)],
    ['a space', 'two words'],
  ])('refuses one with %s, naming it, and appends nothing', async (_, requestId) => {
    await inbox.expectRefused(
      'POST',
      '/conversations',
      {
        token: chatToken,
        headers: { 'x-request-id': requestId },
        body: { customer: { id: 'customer-refused' }, body: 'Hello' },
      },
      400,
      /^X-Request-Id must be 1 to 200 printable ASCII characters/,
    );
  });
});

describe("X-Request-Id on the request's log line", () => {
  it('is the id of the line', async () => {
    const data = temporaryDataDir();
    const lines: string[] = [];
    const app = await createApp({
      config: loadAppConfig({ LOG_LEVEL: 'info', DATA_DIR: data.dir, HOST: '127.0.0.1' }),
      logDestination: { write: (line) => lines.push(line) },
    });
    try {
      await app.listen(0, '127.0.0.1');
      const { port } = app.getHttpServer().address() as { port: number };
      await fetch(`http://127.0.0.1:${port}/health`, { headers: { 'x-request-id': 'probe-42' } });
      const requestLine = lines
        .map((line) => JSON.parse(line) as { msg: string; req?: { id: string; url: string } })
        .find((line) => line.msg === 'request completed' && line.req?.url === '/health');
      expect(requestLine?.req?.id).toBe('probe-42');
    } finally {
      await app.close();
      data.remove();
    }
  });
});
