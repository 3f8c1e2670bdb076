/**
 * Tokens and webhook secrets never reach the log. The app runs at LOG_LEVEL=trace with its log lines
 * captured (and stdout and stderr watched besides); every way a token or secret travels is exercised:
 * bearer tokens good and bad, tokens in answers, a shop's secret and its signed webhooks, an outbound
 * webhook's signing secret and its deliveries, and requests that fail with a 500. Then none of them may
 * appear anywhere in what was written.
 */
import { SqliteEventStore, sqliteEventStoreFile } from '@team-inbox/event-store';
import { issueToken } from '@team-inbox/platform';
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from '../apps/inbox-api/src/create-app';
import { loadAppConfig } from '@team-inbox/config';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { temporaryDataDir } from './support/test-app';
import { eventually } from './support/eventually';

const sign = (secret: string, body: string): string => createHmac('sha256', secret).update(body).digest('base64');

/** The embedded store, but the next append to a stream `failNextAppendTo` matches throws a plain Error: a 500. */
class StoreThatCanFail extends SqliteEventStore {
  failNextAppendTo?: (streamId: string) => boolean;

  override append(...args: Parameters<SqliteEventStore['append']>): ReturnType<SqliteEventStore['append']> {
    const [streamId] = args;
    if (this.failNextAppendTo?.(streamId)) {
      this.failNextAppendTo = undefined;
      return Promise.reject(new Error(`simulated: the disk caught fire while appending to ${streamId}`));
    }
    return super.append(...args);
  }
}

describe('tokens and secrets in the log', () => {
  const adminToken = `admin-${randomBytes(24).toString('base64url')}`;
  const logLines: string[] = [];
  const written: string[] = [];
  /** Every token and secret the run handles: none may be written anywhere. */
  const secrets = new Map<string, string>([['the bootstrap admin token', adminToken]]);
  const data = temporaryDataDir();
  let app: NestFastifyApplication;
  let store: StoreThatCanFail;
  let baseUrl: string;
  let receiver: Server;
  let receiverUrl: string;
  const spies: jest.SpyInstance[] = [];

  const call = async (
    method: string,
    path: string,
    options: { authorization?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> } = {},
  ) => {
    const headers: Record<string, string> = { ...options.headers };
    if (options.authorization !== undefined) headers.authorization = options.authorization;
    let body = options.rawBody;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] = 'application/json';
    }
    const response = await fetch(`${baseUrl}${path}`, { method, headers, body });
    const text = await response.text();
    return { status: response.status, body: (text === '' ? undefined : JSON.parse(text)) as Record<string, string> };
  };
  const asAdmin = (method: string, path: string, body?: unknown) =>
    call(method, path, { authorization: `Bearer ${adminToken}`, body });

  beforeAll(async () => {
    for (const stream of [process.stdout, process.stderr]) {
      const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
      spies.push(
        jest.spyOn(stream, 'write').mockImplementation((chunk: unknown, ...rest: unknown[]) => {
          written.push(String(chunk));
          return write(chunk, ...rest);
        }),
      );
    }
    receiver = createServer((request, response) => {
      request.resume();
      request.on('end', () => response.writeHead(500).end('down for maintenance'));
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;

    store = new StoreThatCanFail({ filename: sqliteEventStoreFile(data.dir) });
    const config = loadAppConfig({
      LOG_LEVEL: 'trace',
      DATA_DIR: data.dir,
      INBOX_ADMIN_TOKEN: adminToken,
      OUTBOUND_WEBHOOK_MAX_ATTEMPTS: '1',
      AUTH_THROTTLE_MAX_FAILURES: '1000',
    });
    app = await createApp({ config, eventStore: store, logDestination: { write: (line) => logLines.push(line) } });
    await app.listen(0, '127.0.0.1');
    baseUrl = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await app.close();
    await new Promise((resolve) => receiver.close(resolve));
    for (const spy of spies) spy.mockRestore();
    data.remove();
  });

  it('writes none of them, at LOG_LEVEL=trace, whatever the request', async () => {
    // Tokens shown once, in answers.
    const agent = await asAdmin('POST', '/members', { name: 'Alice', email: 'alice@example.com' });
    const admin = await asAdmin('POST', '/members', { name: 'Ada', email: 'ada@example.com', role: 'admin' });
    const leaver = await asAdmin('POST', '/members', { name: 'Leo', email: 'leo@example.com' });
    const chat = await asAdmin('POST', '/integrations', { name: 'Chat widget' });
    const shopify = await asAdmin('POST', '/integrations', { name: 'Shopify shop' });
    const woo = await asAdmin('POST', '/integrations', { name: 'WooCommerce shop' });
    for (const [name, answer] of Object.entries({ agent, admin, leaver, chat, shopify, woo })) {
      expect(answer.status).toBe(201);
      secrets.set(`${name}'s token`, answer.body.token);
    }

    // Good tokens, of every kind.
    for (const token of [adminToken, agent.body.token, admin.body.token, chat.body.token]) {
      expect((await call('GET', '/me', { authorization: `Bearer ${token}` })).status).toBe(200);
    }
    // Bad ones: unknown, revoked, malformed (a token with a typo is still someone's secret).
    const unknown = issueToken().token;
    secrets.set('an unknown token', unknown);
    expect((await asAdmin('DELETE', `/members/${leaver.body.id}`)).status).toBe(204);
    const malformedSecret = randomBytes(18).toString('base64url');
    secrets.set('a malformed Authorization header', malformedSecret);
    for (const authorization of [
      `Bearer ${unknown}`,
      `Bearer ${leaver.body.token}`,
      `Basic ${malformedSecret}`,
      `Bearer ${malformedSecret} ${malformedSecret}`,
      // A valid token under another scheme: refused, and still a secret.
      `Token ${agent.body.token}`,
    ]) {
      expect((await call('GET', '/members', { authorization })).status).toBe(401);
    }
    // A known token on a route its role may not use.
    expect((await call('GET', '/members', { authorization: `Bearer ${chat.body.token}` })).status).toBe(403);

    // Shops' webhook secrets, set and used to sign.
    const shopifySecret = `shpss_${randomBytes(16).toString('hex')}`;
    const wooSecret = `wc-${randomBytes(16).toString('base64url')}`;
    secrets.set("the Shopify shop's secret", shopifySecret);
    secrets.set("the WooCommerce shop's secret", wooSecret);
    expect(
      (
        await asAdmin('PUT', `/integrations/${shopify.body.id}/secret`, {
          secret: shopifySecret,
          shopDomain: 'logs-test.myshopify.com',
        })
      ).status,
    ).toBe(200);
    expect((await asAdmin('PUT', `/integrations/${woo.body.id}/secret`, { secret: wooSecret })).status).toBe(200);
    // A refused secret (400) is not echoed either.
    const refusedSecret = `refused-${randomBytes(12).toString('hex')}`;
    secrets.set('a secret refused with 400', refusedSecret);
    expect(
      (await asAdmin('PUT', `/integrations/${woo.body.id}/secret`, { secret: refusedSecret, color: 'blue' })).status,
    ).toBe(400);

    const order = JSON.stringify({ id: 820982911946154500, email: 'jon@example.com', name: '#1001' });
    const shopifySignature = sign(shopifySecret, order);
    secrets.set('a Shopify signature', shopifySignature);
    for (const [signature, status] of [
      [shopifySignature, 200],
      [sign('a wrong secret', order), 401],
    ] as const) {
      const delivered = await call('POST', `/integrations/shopify/${shopify.body.id}/webhooks`, {
        rawBody: order,
        headers: {
          'content-type': 'application/json',
          'x-shopify-topic': 'orders/create',
          'x-shopify-hmac-sha256': signature,
          'x-shopify-shop-domain': 'logs-test.myshopify.com',
          'x-shopify-webhook-id': randomUUID(),
        },
      });
      expect(delivered.status).toBe(status);
    }
    // Shopify's prefix-less header names, which are read too, are redacted too.
    const otherOrder = JSON.stringify({ id: 820982911946154600, email: 'jon@example.com', name: '#1002' });
    const prefixLessSignature = sign(shopifySecret, otherOrder);
    secrets.set('a Shopify signature under its prefix-less name', prefixLessSignature);
    const prefixLess = await call('POST', `/integrations/shopify/${shopify.body.id}/webhooks`, {
      rawBody: otherOrder,
      headers: {
        'content-type': 'application/json',
        'shopify-topic': 'orders/create',
        'shopify-hmac-sha256': prefixLessSignature,
        'shopify-shop-domain': 'logs-test.myshopify.com',
        'shopify-webhook-id': randomUUID(),
      },
    });
    expect(prefixLess.status).toBe(200);
    const wooSignature = sign(wooSecret, order);
    secrets.set('a WooCommerce signature', wooSignature);
    const wooDelivered = await call('POST', `/integrations/woocommerce/${woo.body.id}/webhooks`, {
      rawBody: order,
      headers: {
        'content-type': 'application/json',
        'x-wc-webhook-topic': 'order.created',
        'x-wc-webhook-signature': wooSignature,
        'x-wc-webhook-delivery-id': randomUUID(),
      },
    });
    expect(wooDelivered.status).toBe(200);

    // An outbound webhook: its signing secret in the answer; a delivery that fails for good (logged).
    const webhook = await asAdmin('POST', '/webhooks', { url: receiverUrl, eventTypes: ['conversation.started'] });
    expect(webhook.status).toBe(201);
    secrets.set("the outbound webhook's signing secret", webhook.body.secret);
    const started = await call('POST', '/conversations', {
      authorization: `Bearer ${chat.body.token}`,
      body: { customer: { id: 'visitor-1', name: 'Jon' }, body: 'Where is my order?' },
    });
    expect(started.status).toBe(201);
    await eventually(() => logLines.some((line) => line.includes('failed for good')));

    // 500s: the command fails in the store, with the token in the header and a secret in the body.
    const failingSecret = `shpss_${randomBytes(16).toString('hex')}`;
    secrets.set('a secret whose request failed', failingSecret);
    store.failNextAppendTo = (streamId) => streamId.startsWith('integration-');
    expect((await asAdmin('PUT', `/integrations/${shopify.body.id}/secret`, { secret: failingSecret })).status).toBe(
      500,
    );
    store.failNextAppendTo = (streamId) => streamId.startsWith('conversation-');
    expect(
      (
        await call('POST', `/conversations/${started.body.id}/assign`, {
          authorization: `Bearer ${agent.body.token}`,
          body: { assigneeId: 'me' },
        })
      ).status,
    ).toBe(500);

    const log = logLines.join('');
    const everything = `${log}\n${written.join('')}`;
    const leaks = [...secrets]
      .filter(([, secret]) => secret.length >= 16)
      .flatMap(([what, secret]) => {
        // A token's secret part on its own counts too.
        const parts = [secret, /^ti_[0-9a-f]{16}_(.+)$/.exec(secret)?.[1]].filter((part) => part !== undefined);
        return parts.some((part) => everything.includes(part)) ? [what] : [];
      });
    expect(leaks).toEqual([]);

    // And the capture worked: the requests were logged, the headers redacted, the 500s' errors written.
    expect(log).toContain('"msg":"request completed"');
    expect(log).toContain('"authorization":"[redacted]"');
    expect(log).toContain('"x-shopify-hmac-sha256":"[redacted]"');
    expect(log).toContain('"shopify-hmac-sha256":"[redacted]"');
    expect(log).toContain('"x-wc-webhook-signature":"[redacted]"');
    expect(log).toContain('simulated: the disk caught fire');
    expect(logLines.length).toBeGreaterThan(40);
    expect(secrets.size).toBeGreaterThanOrEqual(16);
  });
});
