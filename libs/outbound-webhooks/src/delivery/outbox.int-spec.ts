import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Outbox, REMOVED_WEBHOOK_ERROR, outboxFile, type NewDelivery } from './outbox';

describe('the outbox', () => {
  let dir: string;
  let outbox: Outbox;
  const now = new Date('2030-01-01T00:00:00Z');
  const t = now.getTime();

  const delivery = (id: string, conversationId: string, webhookId = 'w1'): NewDelivery => ({
    id,
    webhookId,
    eventId: `event-${id}`,
    eventType: 'conversation.assigned',
    conversationId,
    position: String(t),
    body: `{"id":"${id}"}`,
  });
  const heads = () =>
    outbox.webhooksWithPending().flatMap((webhookId) => outbox.laneHeads(webhookId, 100).map((head) => head.id));

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'outbox-'));
    outbox = Outbox.open(outboxFile(dir));
    for (const id of ['w1', 'w2']) {
      outbox.addWebhook({
        id,
        url: `http://127.0.0.1/${id}`,
        eventTypes: ['conversation.assigned'],
        description: null,
        sealedSecret: 'sealed',
        createdAt: now.toISOString(),
      });
    }
  });
  afterEach(() => {
    outbox.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('queues a delivery once, however often its event is handled', () => {
    expect(outbox.queue(delivery('a', 'c1'), now)).toBe(true);
    expect(outbox.queue(delivery('a', 'c1'), now)).toBe(false);
    expect(outbox.deliveries('w1', { limit: 10 })).toHaveLength(1);
  });

  it('hands out only the first pending delivery of each (webhook, conversation)', () => {
    for (const [id, conversation, webhook] of [
      ['a', 'c1', 'w1'],
      ['b', 'c1', 'w1'],
      ['c', 'c2', 'w1'],
      ['d', 'c1', 'w2'],
    ]) {
      outbox.queue(delivery(id, conversation, webhook), now);
    }
    expect(heads()).toEqual(['a', 'c', 'd']);
  });

  it("hands out each webhook's heads on their own: another webhook's backlog, due sooner, hides none", () => {
    for (let index = 0; index < 20; index++) outbox.queue(delivery(`a${index}`, `c${index}`), now);
    outbox.queue(delivery('b', 'c1', 'w2'), new Date(t + 1000));
    expect(outbox.webhooksWithPending()).toEqual(['w1', 'w2']);
    expect(outbox.laneHeads('w2', 1).map((head) => head.id)).toEqual(['b']);
    expect(outbox.laneHeads('w1', 3).map((head) => head.id)).toEqual(['a0', 'a1', 'a2']);
  });

  it('moves a lane on once its head is delivered, or has failed for good, and not while it is retried', () => {
    outbox.queue(delivery('a', 'c1'), now);
    outbox.queue(delivery('b', 'c1'), now);
    outbox.queue(delivery('c', 'c1'), now);
    outbox.recordAttempt('a', 1, now, { statusCode: 500 }, { status: 'pending', nextAttemptAt: t + 1000 });
    expect(heads()).toEqual(['a']);
    expect(outbox.laneHeads('w1', 1)[0]).toMatchObject({ attempts: 1, lastStatusCode: 500, nextAttemptAt: t + 1000 });
    outbox.recordAttempt('a', 2, now, { statusCode: 200 }, { status: 'delivered' });
    expect(heads()).toEqual(['b']);
    outbox.recordAttempt('b', 5, now, { error: 'ECONNREFUSED' }, { status: 'failed' });
    expect(heads()).toEqual(['c']);
  });

  it('lets one sender claim an attempt, until its lease ends', () => {
    outbox.queue(delivery('a', 'c1'), now);
    expect(outbox.claim('a', 0, t + 1000, t)).toBe(true);
    expect(outbox.claim('a', 0, t + 1000, t + 500)).toBe(false);
    expect(outbox.claim('a', 0, t + 3000, t + 1000)).toBe(true);
    outbox.recordAttempt('a', 1, now, { statusCode: 500 }, { status: 'pending', nextAttemptAt: t });
    // Read before that attempt was recorded: stale, refused.
    expect(outbox.claim('a', 0, t + 5000, t + 1000)).toBe(false);
    expect(outbox.claim('a', 1, t + 5000, t + 1000)).toBe(true);
  });

  it('gives up the pending deliveries of a removed webhook, saying why', () => {
    outbox.queue(delivery('a', 'c1'), now);
    outbox.queue(delivery('b', 'c1', 'w2'), now);
    outbox.removeWebhook('w1', now.toISOString());
    expect(heads()).toEqual(['b']);
    expect(outbox.delivery('w1', 'a')).toMatchObject({ status: 'failed', lastError: REMOVED_WEBHOOK_ERROR });
    expect(outbox.webhook('w1')?.removed).toBe(true);
    expect(outbox.activeWebhooks().map((webhook) => webhook.id)).toEqual(['w2']);
  });

  it('puts only a failed delivery back, due now, with a fresh round of attempts', () => {
    outbox.queue(delivery('a', 'c1'), now);
    expect(outbox.redeliver('w1', 'a', now)).toBe(false);
    outbox.recordAttempt('a', 3, now, { statusCode: 500 }, { status: 'failed' });
    expect(outbox.redeliver('w2', 'a', now)).toBe(false);
    expect(outbox.redeliver('w1', 'a', now)).toBe(true);
    expect(outbox.delivery('w1', 'a')).toMatchObject({ status: 'pending', attempts: 0, nextAttemptAt: t });
  });

  it('lists newest first, by status, a page at a time', () => {
    for (const id of ['a', 'b', 'c']) outbox.queue(delivery(id, id), now);
    outbox.recordAttempt('b', 1, now, { statusCode: 200 }, { status: 'delivered' });
    const first = outbox.deliveries('w1', { limit: 2 });
    expect(first.map((row) => row.id)).toEqual(['c', 'b']);
    expect(outbox.deliveries('w1', { limit: 2, beforeSeq: first[1].seq }).map((row) => row.id)).toEqual(['a']);
    expect(outbox.deliveries('w1', { limit: 10, status: 'pending' }).map((row) => row.id)).toEqual(['c', 'a']);
  });

  it('keeps its checkpoint across a reopen', () => {
    outbox.saveCheckpoint('outbound-webhooks', 12345678901234567890n);
    outbox.close();
    outbox = Outbox.open(outboxFile(dir));
    expect(outbox.checkpoint('outbound-webhooks')).toBe(12345678901234567890n);
    expect(outbox.checkpoint('other')).toBe(0n);
  });
});
