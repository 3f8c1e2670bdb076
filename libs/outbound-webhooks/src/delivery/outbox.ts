/**
 * The outbox: `DATA_DIR/outbound-webhooks.sqlite`, the durable state of outbound deliveries. It is kept
 * apart from the read models on purpose: those are disposable and rebuilt from the log at will, and a
 * rebuild must not send every webhook again. Each delivery is a row that remembers every attempt's outcome,
 * so a restart resumes with the same attempt count, in the same order.
 */
import { useWalJournal } from '@team-inbox/event-store/sqlite/wal-journal';
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { WebhookEventType } from '../domain/webhook.events';
import type { DeliveryOutcome, AttemptResult } from './retry-schedule';

export function outboxFile(dataDir: string): string {
  return join(dataDir, 'outbound-webhooks.sqlite');
}

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';
export const DELIVERY_STATUSES: readonly DeliveryStatus[] = ['pending', 'delivered', 'failed'];

export interface Webhook {
  id: string;
  url: string;
  eventTypes: WebhookEventType[];
  description: string | null;
  sealedSecret: string;
  createdAt: string;
  removed: boolean;
}

export interface Delivery {
  /** Outbox order, which is log order: the keyset of the deliveries list. */
  seq: number;
  id: string;
  webhookId: string;
  eventId: string;
  eventType: WebhookEventType;
  conversationId: string;
  position: string;
  body: string;
  status: DeliveryStatus;
  attempts: number;
  lastAttemptAt: string | null;
  lastStatusCode: number | null;
  lastError: string | null;
  /** Epoch milliseconds; null once delivered or failed. */
  nextAttemptAt: number | null;
  deliveredAt: string | null;
  createdAt: string;
  /** Epoch milliseconds until which a sender (this process or another on the same DATA_DIR) holds it. */
  leasedUntil: number | null;
}

/** The first pending delivery of a (webhook, conversation) lane, with what sending it needs. */
export interface LaneHead extends Delivery {
  url: string;
  sealedSecret: string;
}

export type NewDelivery = Pick<
  Delivery,
  'id' | 'webhookId' | 'eventId' | 'eventType' | 'conversationId' | 'position' | 'body'
>;

type WebhookRecord = Omit<Webhook, 'eventTypes' | 'removed'> & { eventTypes: string; removed: number };

const deliveryColumns = (table = 'deliveries'): string =>
  `${table}.seq, ${table}.id, ${table}.webhook_id AS webhookId, ${table}.event_id AS eventId,
  ${table}.event_type AS eventType, ${table}.conversation_id AS conversationId, ${table}.position, ${table}.body,
  ${table}.status, ${table}.attempts, ${table}.last_attempt_at AS lastAttemptAt,
  ${table}.last_status_code AS lastStatusCode, ${table}.last_error AS lastError,
  ${table}.next_attempt_at AS nextAttemptAt, ${table}.delivered_at AS deliveredAt, ${table}.created_at AS createdAt,
  ${table}.leased_until AS leasedUntil`;

const WEBHOOK_COLUMNS = `id, url, event_types AS eventTypes, description, sealed_secret AS sealedSecret,
  created_at AS createdAt, removed_at IS NOT NULL AS removed`;

export const REMOVED_WEBHOOK_ERROR = 'The webhook was removed before this delivery got through';

export class Outbox {
  private readonly statements;

  constructor(readonly db: Database.Database) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS checkpoints (name TEXT PRIMARY KEY, position TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS webhooks (
        id TEXT PRIMARY KEY,
        url TEXT NOT NULL,
        event_types TEXT NOT NULL,
        description TEXT,
        sealed_secret TEXT NOT NULL,
        created_at TEXT NOT NULL,
        removed_at TEXT
      );
      CREATE TABLE IF NOT EXISTS deliveries (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        webhook_id TEXT NOT NULL,
        event_id TEXT NOT NULL,
        event_type TEXT NOT NULL,
        conversation_id TEXT NOT NULL,
        position TEXT NOT NULL,
        body TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
        attempts INTEGER NOT NULL DEFAULT 0,
        last_attempt_at TEXT,
        last_status_code INTEGER,
        last_error TEXT,
        next_attempt_at INTEGER,
        delivered_at TEXT,
        created_at TEXT NOT NULL,
        leased_until INTEGER
      );
      CREATE INDEX IF NOT EXISTS deliveries_pending_lane ON deliveries (webhook_id, conversation_id, seq)
        WHERE status = 'pending';
      CREATE INDEX IF NOT EXISTS deliveries_pending_due ON deliveries (next_attempt_at, seq) WHERE status = 'pending';
      CREATE INDEX IF NOT EXISTS deliveries_pending_due_by_webhook ON deliveries (webhook_id, next_attempt_at, seq)
        WHERE status = 'pending';
      CREATE INDEX IF NOT EXISTS deliveries_by_webhook ON deliveries (webhook_id, seq);
      CREATE INDEX IF NOT EXISTS deliveries_by_webhook_status ON deliveries (webhook_id, status, seq);
    `);
    this.statements = {
      checkpoint: db.prepare<[string], { position: string }>('SELECT position FROM checkpoints WHERE name = ?'),
      saveCheckpoint: db.prepare<[string, string]>(
        `INSERT INTO checkpoints (name, position) VALUES (?, ?)
         ON CONFLICT (name) DO UPDATE SET position = excluded.position`,
      ),
      addWebhook: db.prepare<[string, string, string, string | null, string, string]>(
        `INSERT INTO webhooks (id, url, event_types, description, sealed_secret, created_at)
         VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
      ),
      removeWebhook: db.prepare<[string, string]>(
        'UPDATE webhooks SET removed_at = ? WHERE id = ? AND removed_at IS NULL',
      ),
      abandonPending: db.prepare<[string, string]>(
        `UPDATE deliveries SET status = 'failed', last_error = ?, next_attempt_at = NULL, leased_until = NULL
         WHERE webhook_id = ? AND status = 'pending'`,
      ),
      webhook: db.prepare<[string], WebhookRecord>(`SELECT ${WEBHOOK_COLUMNS} FROM webhooks WHERE id = ?`),
      activeWebhooks: db.prepare<[], WebhookRecord>(
        `SELECT ${WEBHOOK_COLUMNS} FROM webhooks WHERE removed_at IS NULL ORDER BY created_at, id`,
      ),
      queue: db.prepare<[string, string, string, string, string, string, string, number, string]>(
        `INSERT INTO deliveries
           (id, webhook_id, event_id, event_type, conversation_id, position, body, status, next_attempt_at, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?) ON CONFLICT (id) DO NOTHING`,
      ),
      webhooksWithPending: db.prepare<[], { id: string }>(
        `SELECT id FROM webhooks w
         WHERE EXISTS (SELECT 1 FROM deliveries d WHERE d.webhook_id = w.id AND d.status = 'pending')
         ORDER BY id`,
      ),
      // A delivery is sent only once every earlier pending one of its lane is settled: log order per
      // conversation. A failed one no longer holds its lane.
      laneHeads: db.prepare<[string, number], LaneHead>(
        `SELECT ${deliveryColumns('d')}, w.url AS url, w.sealed_secret AS sealedSecret
         FROM deliveries d JOIN webhooks w ON w.id = d.webhook_id
         WHERE d.webhook_id = ? AND d.status = 'pending' AND NOT EXISTS (
           SELECT 1 FROM deliveries e
           WHERE e.status = 'pending' AND e.webhook_id = d.webhook_id AND e.conversation_id = d.conversation_id
             AND e.seq < d.seq)
         ORDER BY d.next_attempt_at, d.seq
         LIMIT ?`,
      ),
      claim: db.prepare<[number, string, number, number]>(
        `UPDATE deliveries SET leased_until = ?
         WHERE id = ? AND status = 'pending' AND attempts = ? AND (leased_until IS NULL OR leased_until <= ?)`,
      ),
      release: db.prepare<[string]>('UPDATE deliveries SET leased_until = NULL WHERE id = ?'),
      recordAttempt: db.prepare<
        [string, number, string, number | null, string | null, number | null, string | null, string]
      >(
        `UPDATE deliveries SET status = ?, attempts = ?, last_attempt_at = ?, last_status_code = ?, last_error = ?,
           next_attempt_at = ?, delivered_at = ?, leased_until = NULL
         WHERE id = ?`,
      ),
      delivery: db.prepare<[string, string], Delivery>(
        `SELECT ${deliveryColumns()} FROM deliveries WHERE id = ? AND webhook_id = ?`,
      ),
      redeliver: db.prepare<[number, string, string]>(
        `UPDATE deliveries SET status = 'pending', attempts = 0, next_attempt_at = ?, leased_until = NULL
         WHERE id = ? AND webhook_id = ? AND status = 'failed'`,
      ),
    };
  }

  static open(filename: string): Outbox {
    mkdirSync(dirname(filename), { recursive: true });
    const db = new Database(filename);
    useWalJournal(db);
    // NORMAL: a crash may lose the last commits, but the checkpoint is in the same transactions as the
    // rows, so the dispatcher queues those events again; a lost attempt record means one more send.
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
    return new Outbox(db);
  }

  close(): void {
    this.db.close();
  }

  /** Runs `work` in one transaction. */
  transaction<T>(work: () => T): T {
    return this.db.transaction(work)();
  }

  checkpoint(name: string): bigint {
    const row = this.statements.checkpoint.get(name);
    return row ? BigInt(row.position) : 0n;
  }

  saveCheckpoint(name: string, position: bigint): void {
    this.statements.saveCheckpoint.run(name, position.toString());
  }

  addWebhook(webhook: Omit<Webhook, 'removed'>): void {
    this.statements.addWebhook.run(
      webhook.id,
      webhook.url,
      JSON.stringify(webhook.eventTypes),
      webhook.description,
      webhook.sealedSecret,
      webhook.createdAt,
    );
  }

  /** Its pending deliveries will not be sent: they are marked failed, saying why. */
  removeWebhook(webhookId: string, removedAt: string): void {
    this.statements.removeWebhook.run(removedAt, webhookId);
    this.statements.abandonPending.run(REMOVED_WEBHOOK_ERROR, webhookId);
  }

  /** A removed webhook too: the caller decides what it may see. */
  webhook(webhookId: string): Webhook | undefined {
    const record = this.statements.webhook.get(webhookId);
    return record && toWebhook(record);
  }

  activeWebhooks(): Webhook[] {
    return this.statements.activeWebhooks.all().map(toWebhook);
  }

  /** Queues a delivery, due now; one already queued (the event handled again) is left as it is. */
  queue(delivery: NewDelivery, now: Date): boolean {
    const { id, webhookId, eventId, eventType, conversationId, position, body } = delivery;
    return (
      this.statements.queue.run(
        id,
        webhookId,
        eventId,
        eventType,
        conversationId,
        position,
        body,
        now.getTime(),
        now.toISOString(),
      ).changes === 1
    );
  }

  /** The webhooks that have deliveries to send (or to retry). */
  webhooksWithPending(): string[] {
    return this.statements.webhooksWithPending.all().map((row) => row.id);
  }

  /** The first pending delivery of each of the webhook's lanes, soonest due first. */
  laneHeads(webhookId: string, limit: number): LaneHead[] {
    return this.statements.laneHeads.all(webhookId, limit);
  }

  /**
   * Takes a delivery for one attempt until `leasedUntil`; false where another sender holds it, or it moved
   * on (an attempt recorded) since it was read.
   */
  claim(deliveryId: string, attempts: number, leasedUntil: number, now: number): boolean {
    return this.statements.claim.run(leasedUntil, deliveryId, attempts, now).changes === 1;
  }

  release(deliveryId: string): void {
    this.statements.release.run(deliveryId);
  }

  recordAttempt(deliveryId: string, attempts: number, at: Date, result: AttemptResult, outcome: DeliveryOutcome): void {
    this.statements.recordAttempt.run(
      outcome.status,
      attempts,
      at.toISOString(),
      'statusCode' in result ? result.statusCode : null,
      'error' in result ? result.error : null,
      outcome.status === 'pending' ? outcome.nextAttemptAt : null,
      outcome.status === 'delivered' ? new Date().toISOString() : null,
      deliveryId,
    );
  }

  delivery(webhookId: string, deliveryId: string): Delivery | undefined {
    return this.statements.delivery.get(deliveryId, webhookId);
  }

  /** Newest first, after the `beforeSeq` of the previous page. */
  deliveries(webhookId: string, options: { status?: DeliveryStatus; limit: number; beforeSeq?: number }): Delivery[] {
    const conditions = ['webhook_id = @webhookId'];
    const parameters: Record<string, string | number> = { webhookId, limit: options.limit };
    if (options.status) {
      conditions.push('status = @status');
      parameters.status = options.status;
    }
    if (options.beforeSeq !== undefined) {
      conditions.push('seq < @beforeSeq');
      parameters.beforeSeq = options.beforeSeq;
    }
    return this.db
      .prepare<Record<string, string | number>, Delivery>(
        `SELECT ${deliveryColumns()} FROM deliveries WHERE ${conditions.join(' AND ')} ORDER BY seq DESC LIMIT @limit`,
      )
      .all(parameters);
  }

  /** A failed delivery back to pending, due now, with a fresh round of attempts; false where it was not failed. */
  redeliver(webhookId: string, deliveryId: string, now: Date): boolean {
    return this.statements.redeliver.run(now.getTime(), deliveryId, webhookId).changes === 1;
  }
}

function toWebhook(record: WebhookRecord): Webhook {
  return { ...record, eventTypes: JSON.parse(record.eventTypes) as WebhookEventType[], removed: record.removed === 1 };
}
