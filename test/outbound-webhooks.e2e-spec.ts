/**
 * Outbound webhooks over HTTP: an admin registers a receiver, and a local HTTP server stands in for it,
 * checking every signature and the order in which the conversation's changes arrive.
 */
import { verifyWebhookSignature } from '@team-inbox/outbound-webhooks';
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Inbox, type Conversation, type Member } from './support/inbox';
import { temporaryDataDir } from './support/test-app';
import { eventually } from './support/eventually';

/** Quick retries, so that a failing receiver is retried within the test's time. */
const ENV = { OUTBOUND_WEBHOOK_FIRST_RETRY_MS: '50', OUTBOUND_WEBHOOK_MAX_RETRY_MS: '200' };
const ASSIGNMENT_TYPES = [
  'conversation.assigned',
  'conversation.unassigned',
  'conversation.closed',
  'conversation.reopened',
];

interface Payload {
  id: string;
  type: string;
  occurredAt: string;
  position: string;
  conversationId: string;
  actor: { type: string; id: string };
  data: Record<string, unknown>;
}

interface Receipt {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  payload: Payload;
  /** When the whole request had arrived (epoch ms). */
  receivedAt: number;
  /** What the receiver answered. */
  status: number;
}

/**
 * A receiver on 127.0.0.1 that records every request once answered, and answers what `respond` says (200 by
 * default), at once or when its promise settles.
 */
class Receiver {
  readonly receipts: Receipt[] = [];
  /** Every request's payload as it arrived, answered or not. */
  readonly arrivals: Payload[] = [];
  respond: (receipt: Omit<Receipt, 'status'>) => number | Promise<number> = () => 200;
  private readonly answerTimers = new Set<NodeJS.Timeout>();
  private constructor(
    private readonly server: Server,
    readonly baseUrl: string,
  ) {}

  static async start(): Promise<Receiver> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const receiver = new Receiver(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    server.on('request', (request: IncomingMessage, response: ServerResponse) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const received = {
          path: request.url ?? '',
          headers: request.headers,
          body,
          payload: JSON.parse(body) as Payload,
          receivedAt: Date.now(),
        };
        const answer = (status: number) => {
          receiver.receipts.push({ ...received, status });
          response.writeHead(status).end();
        };
        receiver.arrivals.push(received.payload);
        const status = receiver.respond(received);
        if (typeof status === 'number') answer(status);
        else void status.then(answer);
      });
    });
    return receiver;
  }

  /** Receipts answered 2xx, each delivery once (an at-least-once re-send of a webhook-id is dropped). */
  delivered(path = '/hook'): Payload[] {
    const seen = new Set<string>();
    return this.receipts
      .filter((receipt) => receipt.path === path && receipt.status < 300)
      .filter((receipt) => !seen.has(receipt.payload.id) && seen.add(receipt.payload.id))
      .map((receipt) => receipt.payload);
  }

  /** Requests received and not answered yet. */
  get holding(): number {
    return this.arrivals.length - this.receipts.length;
  }

  attemptsOf(deliveryId: string): Receipt[] {
    return this.receipts.filter((receipt) => receipt.payload.id === deliveryId);
  }

  /** `status` after `ms`: a receiver that takes its time. A stopped receiver never answers. */
  answerAfter(ms: number, status = 200): Promise<number> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.answerTimers.delete(timer);
        resolve(status);
      }, ms);
      this.answerTimers.add(timer);
    });
  }

  stop(): Promise<void> {
    for (const timer of this.answerTimers) clearTimeout(timer);
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

interface Registered {
  id: string;
  secret: string;
}

async function registerWebhook(inbox: Inbox, url: string, eventTypes = ASSIGNMENT_TYPES): Promise<Registered> {
  const response = await inbox.request<Registered>('POST', '/webhooks', {
    body: { url, eventTypes, description: 'CRM sync' },
  });
  expect(response.status).toBe(201);
  return response.body;
}

/** Each receipt's signature is valid for the webhook's secret, over exactly the bytes received. */
function expectSigned(receipts: Receipt[], secret: string): void {
  expect(receipts.length).toBeGreaterThan(0);
  for (const receipt of receipts) {
    expect(verifyWebhookSignature(secret, receipt.headers, receipt.body, 300)).toBe(true);
    expect(receipt.headers['webhook-id']).toBe(receipt.payload.id);
    expect(receipt.headers['content-type']).toBe('application/json');
    expect(receipt.headers['user-agent']).toBe('team-inbox-webhooks/1');
  }
}

/** The conversation's events that the webhook subscribes to, from the log: what must arrive, in order. */
async function expectedDeliveries(inbox: Inbox, conversationId: string) {
  const typeOf: Record<string, string> = {
    ConversationAssigned: 'conversation.assigned',
    ConversationUnassigned: 'conversation.unassigned',
    ConversationClosed: 'conversation.closed',
    ConversationReopened: 'conversation.reopened',
  };
  return (await inbox.streamEvents(`conversation-${conversationId}`))
    .filter((event) => typeOf[event.type])
    .map((event) => ({ type: typeOf[event.type], position: event.position.toString(), data: event.data }));
}

/**
 * A full collection of this process's heap (the app runs in it), forced as jest's leak detector forces one:
 * the flag is set at run time, so jest needs no `--expose-gc`.
 */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
  setFlagsFromString('--no-expose-gc');
}

describe('outbound webhooks', () => {
  let receiver: Receiver;
  beforeEach(async () => {
    receiver = await Receiver.start();
  });
  afterEach(async () => {
    await receiver.stop();
  });

  describe('on one server', () => {
    let inbox: Inbox;
    let alice: Member;
    let bob: Member;
    let chat: { token: string };

    beforeEach(async () => {
      inbox = await Inbox.start({ env: ENV });
      alice = await inbox.addMember('Alice');
      bob = await inbox.addMember('Bob');
      chat = await inbox.addIntegration();
    });
    afterEach(async () => {
      await inbox.stop();
    });

    const command = async (path: string, token: string, body?: unknown) => {
      const response = await inbox.request('POST', path, { token, body });
      expect(response.status).toBeLessThan(300);
    };

    /** Start, assign to Alice, reassign to Bob, unassign, Alice's reply (assigns her), close, the customer writes (reopens), close. */
    async function playStory(): Promise<Conversation> {
      const conversation = await inbox.startConversation(chat.token);
      const path = `/conversations/${conversation.id}`;
      await command(`${path}/assign`, alice.token, { assigneeId: alice.id });
      await command(`${path}/assign`, alice.token, { assigneeId: bob.id });
      await command(`${path}/unassign`, bob.token);
      await command(`${path}/messages`, alice.token, { body: 'On it.' });
      await command(`${path}/close`, alice.token);
      await command(`${path}/messages`, chat.token, { body: 'It still has not arrived.' });
      await command(`${path}/close`, alice.token);
      return conversation;
    }

    it('sends every assignment change, close and reopen of a story, in log order, signed', async () => {
      const webhook = await registerWebhook(inbox, `${receiver.baseUrl}/hook`);
      const conversation = await playStory();

      const expected = await expectedDeliveries(inbox, conversation.id);
      expect(expected.map((delivery) => delivery.type)).toEqual([
        'conversation.assigned',
        'conversation.assigned',
        'conversation.unassigned',
        'conversation.assigned',
        'conversation.closed',
        'conversation.reopened',
        'conversation.closed',
      ]);
      const delivered = await eventually(() => receiver.delivered().length >= expected.length && receiver.delivered());
      expect(delivered.map(({ type, position, data }) => ({ type, position, data }))).toEqual(expected);
      expect(delivered.map((payload) => payload.data.assigneeId ?? null)).toEqual([
        alice.id,
        bob.id,
        null,
        alice.id,
        null,
        null,
        null,
      ]);
      const positions = delivered.map((payload) => BigInt(payload.position));
      expect(positions).toEqual([...positions].sort((a, b) => (a < b ? -1 : 1)));
      expect(delivered[0]).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        type: 'conversation.assigned',
        occurredAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        position: expected[0].position,
        conversationId: conversation.id,
        actor: { type: 'member', id: alice.id },
        data: { conversationId: conversation.id, assigneeId: alice.id, previousAssigneeId: null, reason: 'manual' },
      });
      expectSigned(receiver.receipts, webhook.secret);
      // Not subscribed: the start and the messages.
      expect(receiver.receipts.map((receipt) => receipt.payload.type)).not.toContain('conversation.started');
      expect(receiver.receipts.map((receipt) => receipt.payload.type)).not.toContain('message.sent');

      const page = await inbox.request<{ items: { status: string; attempts: number }[]; nextCursor: null }>(
        'GET',
        `/webhooks/${webhook.id}/deliveries`,
      );
      expect(page.status).toBe(200);
      expect(page.body.items).toHaveLength(expected.length);
      expect(page.body.items.map((item) => item.status)).toEqual(expected.map(() => 'delivered'));
      expect(page.body.nextCursor).toBeNull();
    });

    it('retries a delivery the receiver answers 500 three times: it arrives on the fourth attempt, still in order', async () => {
      const webhook = await registerWebhook(inbox, `${receiver.baseUrl}/hook`);
      receiver.respond = ({ payload }) =>
        payload.type === 'conversation.assigned' && receiver.attemptsOf(payload.id).length < 3 ? 500 : 200;
      const conversation = await inbox.startConversation(chat.token);
      await command(`/conversations/${conversation.id}/assign`, alice.token, { assigneeId: 'me' });
      await command(`/conversations/${conversation.id}/close`, alice.token);

      const delivered = await eventually(() => receiver.delivered().length >= 2 && receiver.delivered());
      expect(delivered.map((payload) => payload.type)).toEqual(['conversation.assigned', 'conversation.closed']);
      const assigned = receiver.attemptsOf(delivered[0].id);
      expect(assigned.map((receipt) => receipt.status)).toEqual([500, 500, 500, 200]);
      // The close waited for the assignment: it was first sent after the assignment's 200.
      const firstClose = receiver.receipts.findIndex((receipt) => receipt.payload.id === delivered[1].id);
      expect(firstClose).toBeGreaterThan(receiver.receipts.indexOf(assigned[3]));
      // The same delivery id on every attempt, each attempt signed at its own time.
      expectSigned(assigned, webhook.secret);

      const page = await inbox.request<{ items: Record<string, unknown>[] }>(
        'GET',
        `/webhooks/${webhook.id}/deliveries`,
      );
      expect(page.body.items[1]).toEqual({
        id: delivered[0].id,
        eventId: expect.any(String),
        eventType: 'conversation.assigned',
        conversationId: conversation.id,
        position: delivered[0].position,
        status: 'delivered',
        attempts: 4,
        lastAttemptAt: expect.any(String),
        lastStatusCode: 200,
        lastError: null,
        nextAttemptAt: null,
        deliveredAt: expect.any(String),
        createdAt: expect.any(String),
      });
      const metrics = (await inbox.request<string>('GET', '/metrics')).body;
      expect(metrics).toMatch(/team_inbox_webhook_delivery_attempts_total\{outcome="pending"\} 3\n/);
      expect(metrics).toMatch(/team_inbox_webhook_delivery_attempts_total\{outcome="delivered"\} [2-9]\n/);
    });

    it('marks a delivery failed after the last attempt, and redelivers it on request', async () => {
      await inbox.stop();
      inbox = await Inbox.start({ env: { ...ENV, OUTBOUND_WEBHOOK_MAX_ATTEMPTS: '2' } });
      const chatAgain = await inbox.addIntegration();
      const webhook = await registerWebhook(inbox, `${receiver.baseUrl}/hook`, ['conversation.started']);
      let failing = true;
      receiver.respond = () => (failing ? 503 : 204);
      await inbox.startConversation(chatAgain.token);

      const deliveries = `/webhooks/${webhook.id}/deliveries`;
      type Page = { items: { id: string; status: string; attempts: number; lastStatusCode: number }[] };
      const failedItem = await eventually(async () => {
        const page = await inbox.request<Page>('GET', `${deliveries}?status=failed`);
        return page.body.items[0];
      });
      expect(failedItem).toMatchObject({ status: 'failed', attempts: 2, lastStatusCode: 503 });

      failing = false;
      const redeliver = await inbox.request('POST', `${deliveries}/${failedItem.id}/redeliver`);
      expect(redeliver.status).toBe(202);
      await eventually(() => receiver.delivered().length === 1);
      expect(receiver.attemptsOf(failedItem.id).map((receipt) => receipt.status)).toEqual([503, 503, 204]);
      // Only a failed delivery goes back: a delivered one is 409.
      await eventually(async () => (await inbox.request<Page>('GET', `${deliveries}?status=delivered`)).body.items[0]);
      const again = await inbox.request('POST', `${deliveries}/${failedItem.id}/redeliver`);
      expect(again.status).toBe(409);
    });

    it('sends a removed webhook nothing more', async () => {
      const removed = await registerWebhook(inbox, `${receiver.baseUrl}/removed`);
      await registerWebhook(inbox, `${receiver.baseUrl}/hook`);
      const conversation = await inbox.startConversation(chat.token);
      await command(`/conversations/${conversation.id}/assign`, alice.token, { assigneeId: 'me' });
      await eventually(() => receiver.delivered('/removed').length === 1 && receiver.delivered('/hook').length === 1);

      expect((await inbox.request('DELETE', `/webhooks/${removed.id}`)).status).toBe(204);
      await command(`/conversations/${conversation.id}/close`, alice.token);
      await eventually(() => receiver.delivered('/hook').length === 2);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(receiver.receipts.filter((receipt) => receipt.path === '/removed')).toHaveLength(1);

      expect((await inbox.request('GET', `/webhooks/${removed.id}`)).status).toBe(404);
      expect((await inbox.request('GET', `/webhooks/${removed.id}/deliveries`)).status).toBe(404);
      expect((await inbox.request('DELETE', `/webhooks/${removed.id}`)).status).toBe(404);
      const list = await inbox.request<{ id: string }[]>('GET', '/webhooks');
      expect(list.body.map((webhook) => webhook.id)).not.toContain(removed.id);
    });

    it('shows the secret once: never in GET answers, nor in plain text in the log or an idempotency record', async () => {
      const response = await inbox.request<Registered & Record<string, unknown>>('POST', '/webhooks', {
        body: { url: `${receiver.baseUrl}/hook`, eventTypes: ['message.sent'] },
        headers: { 'idempotency-key': 'register-crm-hook' },
      });
      expect(response.status).toBe(201);
      expect(response.body).toEqual({
        id: expect.any(String),
        url: `${receiver.baseUrl}/hook`,
        eventTypes: ['message.sent'],
        description: null,
        secret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]{43}=$/),
      });
      const { id, secret } = response.body;

      const one = await inbox.request('GET', `/webhooks/${id}`);
      expect(one.body).toEqual({
        id,
        url: `${receiver.baseUrl}/hook`,
        eventTypes: ['message.sent'],
        description: null,
        createdAt: expect.any(String),
      });
      const list = await inbox.request('GET', '/webhooks');
      expect(list.body).toEqual([one.body]);
      const deliveries = await inbox.request('GET', `/webhooks/${id}/deliveries`);
      for (const body of [one.body, list.body, deliveries.body]) {
        expect(JSON.stringify(body)).not.toContain(secret);
        expect(JSON.stringify(body)).not.toMatch(/secret/i);
      }

      // A replay cannot show the secret again; it registers nothing more.
      await inbox.expectRefused(
        'POST',
        '/webhooks',
        {
          body: { url: `${receiver.baseUrl}/hook`, eventTypes: ['message.sent'] },
          headers: { 'idempotency-key': 'register-crm-hook' },
        },
        409,
        /secret was shown only in that first response/,
      );
      const log = [];
      for await (const event of inbox.store.readAll()) log.push(event);
      expect(JSON.stringify(log.map((event) => event.data))).not.toContain(secret);
      expect(log.filter((event) => event.type === 'WebhookRegistered')).toHaveLength(1);
    });

    it('refuses bad registrations with 400 naming the field, other roles with 403, unknown webhooks with 404', async () => {
      const valid = { url: `${receiver.baseUrl}/hook`, eventTypes: ['conversation.closed'] };
      const refusals: [unknown, RegExp][] = [
        [{ ...valid, url: 'not a url' }, /^url must be an absolute http or https URL$/],
        [{ ...valid, url: 'ftp://example.com/hook' }, /^url must be an absolute http or https URL$/],
        [{ ...valid, url: '/relative/hook' }, /^url must be an absolute http or https URL$/],
        [{ ...valid, url: 'https://user:secret@example.com/hook' }, /^url must not carry a user name or password/],
        [{ ...valid, url: 'https://user@example.com/hook' }, /^url must not carry a user name or password/],
        [{ ...valid, url: `https://example.com/${'a'.repeat(2000)}` }, /^url must be at most 2000 characters$/],
        [{ eventTypes: valid.eventTypes }, /^url is required$/],
        [{ ...valid, eventTypes: ['conversation.deleted'] }, /^eventTypes must each be one of: conversation\.started/],
        [{ ...valid, eventTypes: [] }, /^eventTypes must name at least one event type$/],
        [{ ...valid, eventTypes: ['conversation.closed', 'conversation.closed'] }, /^eventTypes must not name/],
        [{ ...valid, eventTypes: 'conversation.closed' }, /^eventTypes must be an array/],
        [{ url: valid.url }, /^eventTypes is required$/],
        [{ ...valid, secret: 'whsec_mine' }, /^secret is not a field of this request$/],
      ];
      for (const [body, message] of refusals) await inbox.expectRefused('POST', '/webhooks', { body }, 400, message);

      await inbox.expectRefused('POST', '/webhooks', { body: valid, token: alice.token }, 403, /./);
      for (const [method, path] of [
        ['GET', '/webhooks'],
        ['GET', `/webhooks/${crypto.randomUUID()}`],
        ['DELETE', `/webhooks/${crypto.randomUUID()}`],
      ]) {
        expect((await inbox.request(method, path, { token: alice.token })).status).toBe(403);
      }
      expect((await inbox.request('GET', '/webhooks', { token: null })).status).toBe(401);

      const unknown = crypto.randomUUID();
      for (const [method, path] of [
        ['GET', `/webhooks/${unknown}`],
        ['DELETE', `/webhooks/${unknown}`],
        ['GET', `/webhooks/${unknown}/deliveries`],
        ['POST', `/webhooks/${unknown}/deliveries/${crypto.randomUUID()}/redeliver`],
      ]) {
        const response = await inbox.request(method, path);
        expect({ path, status: response.status, body: response.body }).toEqual({
          path,
          status: 404,
          body: { statusCode: 404, error: 'Not Found', message: `No webhook ${unknown}` },
        });
      }
      expect((await inbox.request('GET', '/webhooks/not-a-uuid')).status).toBe(400);

      const webhook = await registerWebhook(inbox, valid.url);
      const deliveries = `/webhooks/${webhook.id}/deliveries`;
      expect((await inbox.request('GET', `${deliveries}?status=lost`)).body).toMatchObject({
        statusCode: 400,
        message: 'status must be one of: pending, delivered, failed',
      });
      expect((await inbox.request('GET', `${deliveries}?limit=0`)).status).toBe(400);
      expect((await inbox.request('GET', `${deliveries}?cursor=bm9wZQ`)).status).toBe(400);
      expect((await inbox.request('POST', `${deliveries}/${crypto.randomUUID()}/redeliver`)).status).toBe(404);
    });

    it('pages deliveries newest first', async () => {
      const webhook = await registerWebhook(inbox, `${receiver.baseUrl}/hook`);
      const conversation = await playStory();
      await eventually(() => receiver.delivered().length === 7);
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const query: string = cursor ? `&cursor=${cursor}` : '';
        const page = await inbox.request<{ items: { position: string }[]; nextCursor: string | null }>(
          'GET',
          `/webhooks/${webhook.id}/deliveries?limit=3${query}`,
        );
        expect(page.status).toBe(200);
        seen.push(...page.body.items.map((item) => item.position));
        cursor = page.body.nextCursor;
      } while (cursor);
      const expected = await expectedDeliveries(inbox, conversation.id);
      expect(seen).toEqual(expected.map((delivery) => delivery.position).reverse());
    });
  });

  it('neither loses nor reorders deliveries across a restart while one is failing', async () => {
    const data = temporaryDataDir();
    try {
      let inbox = await Inbox.start({ dataDir: data.dir, env: ENV });
      const alice = await inbox.addMember('Alice');
      const chat = await inbox.addIntegration();
      const webhook = await registerWebhook(inbox, `${receiver.baseUrl}/hook`);
      let failing = true;
      receiver.respond = () => (failing ? 500 : 200);

      const conversation = await inbox.startConversation(chat.token);
      const path = `/conversations/${conversation.id}`;
      const send = async (route: string, token: string, body?: unknown) =>
        expect((await inbox.request('POST', `${path}/${route}`, { token, body })).status).toBeLessThan(300);
      await send('assign', alice.token, { assigneeId: 'me' });
      await send('close', alice.token);
      await send('reopen', alice.token);
      // The assignment fails again and again; the close and the reopen wait behind it.
      await eventually(() => receiver.receipts.length >= 3);
      expect(new Set(receiver.receipts.map((receipt) => receipt.payload.type))).toEqual(
        new Set(['conversation.assigned']),
      );
      const deliveries = `/webhooks/${webhook.id}/deliveries`;
      type Page = { items: { id: string; status: string; attempts: number; lastStatusCode: number | null }[] };
      const before = (await inbox.request<Page>('GET', deliveries)).body.items;
      const failingOne = before[before.length - 1];
      expect(failingOne).toMatchObject({ status: 'pending', lastStatusCode: 500 });
      expect(failingOne.attempts).toBeGreaterThanOrEqual(2);

      await inbox.stop({ keepData: true });
      failing = false;
      inbox = await Inbox.start({ dataDir: data.dir, env: ENV });
      await send('unassign', alice.token);
      await send('close', alice.token);

      const expected = await expectedDeliveries(inbox, conversation.id);
      expect(expected.map((delivery) => delivery.type)).toEqual([
        'conversation.assigned',
        'conversation.closed',
        'conversation.reopened',
        'conversation.unassigned',
        'conversation.closed',
      ]);
      const delivered = await eventually(() => receiver.delivered().length >= expected.length && receiver.delivered());
      expect(delivered.map(({ type, position }) => ({ type, position }))).toEqual(
        expected.map(({ type, position }) => ({ type, position })),
      );
      // At least once: a delivery may arrive more than once (an attempt in flight at the stop is sent again),
      // always under its own webhook-id; and no delivery was sent before every earlier one had its 2xx.
      const order = expected.map((_, index) => delivered[index].id);
      receiver.receipts.forEach((receipt, index) => {
        const rank = order.indexOf(receipt.payload.id);
        expect(rank).toBeGreaterThanOrEqual(0);
        for (const earlier of order.slice(0, rank)) {
          const accepted = receiver.receipts.findIndex((r) => r.payload.id === earlier && r.status < 300);
          expect(accepted).toBeGreaterThanOrEqual(0);
          expect(accepted).toBeLessThan(index);
        }
      });
      expectSigned(receiver.receipts, webhook.secret);

      // The attempt count went on from where it was, not from zero.
      const after = (await inbox.request<Page>('GET', deliveries)).body.items;
      const resumed = after.find((item) => item.id === failingOne.id)!;
      expect(resumed).toMatchObject({ status: 'delivered', lastStatusCode: 200 });
      expect(resumed.attempts).toBeGreaterThan(failingOne.attempts);
      expect(receiver.attemptsOf(failingOne.id).length).toBeGreaterThanOrEqual(resumed.attempts);
      await inbox.stop();
    } finally {
      data.remove();
    }
  });

  describe('receivers that take their time', () => {
    type Page = { items: { id: string; status: string; attempts: number; lastError: string | null }[] };

    it('never records an answer that came after the timeout as delivered, collections or not: it is retried', async () => {
      const inbox = await Inbox.start({ env: { ...ENV, OUTBOUND_WEBHOOK_TIMEOUT_MS: '2000' } });
      try {
        const chat = await inbox.addIntegration();
        const webhook = await registerWebhook(inbox, `${receiver.baseUrl}/hook`, ['conversation.started']);
        receiver.respond = () => receiver.answerAfter(4000);
        for (let conversation = 0; conversation < 4; conversation++) await inbox.startConversation(chat.token);

        // Full collections while the attempts wait: one once let an answer after the timeout count.
        const deliveries = `/webhooks/${webhook.id}/deliveries`;
        const items = await eventually(async () => {
          collectGarbage();
          const page = (await inbox.request<Page>('GET', deliveries)).body.items;
          const settled = page.length === 4 && page.every((item) => item.attempts >= 2 || item.status !== 'pending');
          return settled && page;
        }, 15_000);
        expect(items.map(({ status, lastError }) => ({ status, lastError }))).toEqual(
          items.map(() => ({ status: 'pending', lastError: 'No answer within 2000 ms' })),
        );
        // Each was sent again, under its own webhook-id.
        for (const item of items) {
          expect(receiver.arrivals.filter((payload) => payload.id === item.id).length).toBeGreaterThanOrEqual(2);
        }
        const metrics = (await inbox.request<string>('GET', '/metrics')).body;
        expect(metrics).not.toMatch(/team_inbox_webhook_delivery_attempts_total\{outcome="delivered"\} [1-9]/);
        expect(metrics).toMatch(/team_inbox_webhook_delivery_attempts_total\{outcome="pending"\} ([89]|\d\d+)\n/);
      } finally {
        await inbox.stop();
      }
    });

    it('delivers to a healthy receiver within 1 s while another holds every request it gets', async () => {
      const slow = await Receiver.start();
      const inbox = await Inbox.start({ env: { ...ENV, OUTBOUND_WEBHOOK_TIMEOUT_MS: '30000' } });
      try {
        const alice = await inbox.addMember('Alice');
        const chat = await inbox.addIntegration();
        const types = ['conversation.started', 'conversation.assigned'];
        await registerWebhook(inbox, `${slow.baseUrl}/hook`, types);
        await registerWebhook(inbox, `${receiver.baseUrl}/hook`, types);
        slow.respond = () => slow.answerAfter(30_000);

        // More conversations than there were attempts in flight for all receivers together.
        const conversations: Conversation[] = [];
        for (let index = 0; index < 10; index++) {
          const conversation = await inbox.startConversation(chat.token);
          conversations.push(conversation);
          const assigned = await inbox.request('POST', `/conversations/${conversation.id}/assign`, {
            token: alice.token,
            body: { assigneeId: 'me' },
          });
          expect(assigned.status).toBeLessThan(300);
        }
        await eventually(() => receiver.delivered().length >= 20, 5000).catch(() => undefined);
        expect(slow.holding).toBeGreaterThanOrEqual(8);

        // occurredAt is when the command was taken, on this machine's clock.
        const late = receiver.receipts
          .map((receipt) => ({
            type: receipt.payload.type,
            ms: receipt.receivedAt - Date.parse(receipt.payload.occurredAt),
          }))
          .filter((delivery) => delivery.ms > 1000);
        expect({ delivered: receiver.delivered().length, late }).toEqual({ delivered: 20, late: [] });
        // Still in log order within each conversation.
        for (const conversation of conversations) {
          const ofConversation = receiver.delivered().filter((payload) => payload.conversationId === conversation.id);
          expect(ofConversation.map((payload) => payload.type)).toEqual([
            'conversation.started',
            'conversation.assigned',
          ]);
        }
      } finally {
        await inbox.stop();
        await slow.stop();
      }
    });
  });

  it('a server with sending off sends nothing, and says so rather than list no deliveries', async () => {
    const inbox = await Inbox.start({ env: { ...ENV, OUTBOUND_WEBHOOKS: 'off' } });
    try {
      const chat = await inbox.addIntegration();
      const webhook = await registerWebhook(inbox, `${receiver.baseUrl}/hook`, ['conversation.started']);
      await inbox.startConversation(chat.token);
      await inbox.expectRefused('GET', `/webhooks/${webhook.id}/deliveries`, {}, 409, /OUTBOUND_WEBHOOKS=off/);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(receiver.receipts).toEqual([]);
    } finally {
      await inbox.stop();
    }
  });
});
