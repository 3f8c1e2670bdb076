/**
 * One row per conversation with its summary (what the inbox views list), and the open-conversation count
 * per assignee (what the inbox badges show, without counting rows on every request). Each row remembers
 * the stream revision it reflects and ignores what it has seen, so a redelivered event changes nothing.
 */
import { Injectable } from '@nestjs/common';
import type Database from 'better-sqlite3';
import { readEventMetadata } from '@team-inbox/core';
import type { RecordedEvent } from '@team-inbox/event-store';
// From the file, not the library's index: the projector's worker thread loads this without Nest's modules.
import { StatementCache, type Projection, type ReplayStrategy } from '@team-inbox/projections/projection';
import { CONVERSATION_STREAM_PREFIX, isConversationEvent } from './domain/conversation.events';
import { previewOf } from './domain/conversation.view';
import { SUMMARY_COLUMN_DEFINITIONS, type SummaryColumnName } from './summary-contract';

export { SUMMARY_JSON } from './summary-contract';

/** The key of the unassigned queue in `open_conversation_counts`. */
export const UNASSIGNED = '';

/**
 * Moves a conversation's open count from its old assignee to its new one; a count that reaches 0 goes.
 * Written as SQLite keeps it in `sqlite_master` (no IF NOT EXISTS, no closing semicolon), so that a file's
 * trigger can be compared with it.
 */
const OPEN_COUNTS_ON_UPDATE = `CREATE TRIGGER open_counts_on_update AFTER UPDATE OF status, assignee_id ON conversation_summaries
    WHEN OLD.status IS NOT NEW.status OR OLD.assignee_id IS NOT NEW.assignee_id
  BEGIN
    UPDATE open_conversation_counts SET open_count = open_count - 1
      WHERE OLD.status = 'open' AND assignee_key = coalesce(OLD.assignee_id, '');
    DELETE FROM open_conversation_counts
      WHERE OLD.status = 'open' AND assignee_key = coalesce(OLD.assignee_id, '') AND open_count = 0;
    INSERT INTO open_conversation_counts (assignee_key, open_count)
      SELECT coalesce(NEW.assignee_id, ''), 1 WHERE NEW.status = 'open'
      ON CONFLICT (assignee_key) DO UPDATE SET open_count = open_count + 1;
  END`;

/** The table's columns: the summary's (`summary-contract.ts`), and the log position of the last event applied. */
type Column = SummaryColumnName | 'position';

/**
 * What a start writes to each column (every one named: the type says which there are), `?` where `apply`
 * binds a value, in this order.
 */
const ON_START: Record<Column, string> = {
  id: '?',
  subject: '?',
  customer_id: '?',
  customer_name: '?',
  customer_email: '?',
  status: "'open'",
  assignee_id: 'NULL',
  last_activity_at: '?',
  last_message_preview: 'NULL',
  message_count: '0',
  revision: '?',
  position: '?',
};

/** An assignment of `SET`, its column checked against the table's. */
const set = (column: Column, value: string): string => `${column} = ${value}`;

// Positional parameters: binding by name costs a property lookup per parameter per event, felt in a rebuild.
const STAMP = [set('last_activity_at', '?'), set('revision', '?'), set('position', '?')].join(', ');
const GUARD = 'WHERE id = ? AND revision < ?'; // a redelivered event changes nothing

function prepare(db: Database.Database) {
  const update = (...assignments: string[]) =>
    db.prepare(`UPDATE conversation_summaries SET ${[...assignments, STAMP].join(', ')} ${GUARD}`);
  return {
    ConversationStarted: db.prepare(
      `INSERT INTO conversation_summaries (${Object.keys(ON_START).join(', ')})
       VALUES (${Object.values(ON_START).join(', ')})
       ON CONFLICT (id) DO NOTHING`,
    ),
    MessageSent: update(set('last_message_preview', '?'), set('message_count', 'message_count + 1')),
    ConversationAssigned: update(set('assignee_id', '?')),
    ConversationUnassigned: update(set('assignee_id', 'NULL')),
    ConversationClosed: update(set('status', "'closed'")),
    ConversationReopened: update(set('status', "'open'")),
    StoreEventRecorded: update(),
  };
}

/** A conversation's row as a replay holds it before it is written: `ON_START`'s columns, in its order. */
interface HeldSummary {
  subject: string | null;
  customerId: string;
  customerName: string | null;
  customerEmail: string | null;
  status: 'open' | 'closed';
  assigneeId: string | null;
  lastActivityAt: string;
  lastMessagePreview: string | null;
  messageCount: number;
  revision: number;
  position: string;
}

/** Rows a replay holds before it writes those it has held longest. */
const REPLAY_HELD_ROWS = 50_000;

/**
 * The summaries as a replay builds them. Event by event, each event updates its conversation's row, at a
 * random place in the table. Replayed, a row is held in memory from its conversation's start and written
 * once: when more than `REPLAY_HELD_ROWS` are held, the half held longest are written (together, in key
 * order), and their conversations' later
 * events update the written row as the projection does. Without triggers in a replay, the open counts are
 * filled at its end (`fillTriggerTables`).
 */
export class ConversationSummariesReplay implements ReplayStrategy {
  private held = new Map<string, HeldSummary>();
  private readonly insert = new StatementCache((db) =>
    db.prepare(
      `INSERT INTO conversation_summaries (${Object.keys(ON_START).join(', ')})
       VALUES (${Object.keys(ON_START)
         .map(() => '?')
         .join(', ')})`,
    ),
  );

  constructor(
    private readonly projection: ConversationSummariesProjection,
    private readonly heldRowsAtMost = REPLAY_HELD_ROWS,
  ) {}

  setUp(): void {
    this.held = new Map();
  }

  apply(recorded: RecordedEvent, db: Database.Database): void {
    if (!recorded.streamId.startsWith(CONVERSATION_STREAM_PREFIX) || !isConversationEvent(recorded)) return;
    const event = recorded;
    const id = event.data.conversationId;
    const at = readEventMetadata(recorded.metadata, recorded.recordedAt).occurredAt;
    const stamp = { lastActivityAt: at, revision: Number(recorded.revision), position: recorded.position.toString() };
    if (event.type === 'ConversationStarted') {
      const { customer, subject } = event.data;
      this.held.set(id, {
        subject,
        customerId: customer.id,
        customerName: customer.name,
        customerEmail: customer.email,
        status: 'open',
        assigneeId: null,
        lastMessagePreview: null,
        messageCount: 0,
        ...stamp,
      });
      if (this.held.size > this.heldRowsAtMost) this.writeHeldLongest(db);
      return;
    }
    const row = this.held.get(id);
    if (!row) {
      this.projection.apply(recorded, db); // written already, or never started: as the projection does
      return;
    }
    switch (event.type) {
      case 'MessageSent':
        row.lastMessagePreview = previewOf(event.data.body);
        row.messageCount++;
        break;
      case 'ConversationAssigned':
        row.assigneeId = event.data.assigneeId;
        break;
      case 'ConversationUnassigned':
        row.assigneeId = null;
        break;
      case 'ConversationClosed':
        row.status = 'closed';
        break;
      case 'ConversationReopened':
        row.status = 'open';
        break;
      case 'StoreEventRecorded':
        break;
    }
    Object.assign(row, stamp);
  }

  finish(db: Database.Database): void {
    // In key order: each row lands beside the one before it in the table's index of ids.
    for (const id of [...this.held.keys()].sort()) this.write(id, db);
  }

  /** The rows held longest, half of those held: together, in key order. */
  private writeHeldLongest(db: Database.Database): void {
    const longest: string[] = [];
    for (const id of this.held.keys()) {
      if (longest.length >= Math.ceil(this.held.size / 2)) break;
      longest.push(id);
    }
    for (const id of longest.sort()) this.write(id, db);
  }

  private write(id: string, db: Database.Database): void {
    const row = this.held.get(id)!;
    this.held.delete(id);
    const values: Record<Column, string | number | null> = {
      id,
      subject: row.subject,
      customer_id: row.customerId,
      customer_name: row.customerName,
      customer_email: row.customerEmail,
      status: row.status,
      assignee_id: row.assigneeId,
      last_activity_at: row.lastActivityAt,
      last_message_preview: row.lastMessagePreview,
      message_count: row.messageCount,
      revision: row.revision,
      position: row.position,
    };
    this.insert.for(db).run(...Object.keys(ON_START).map((column) => values[column as Column]));
  }
}

@Injectable()
export class ConversationSummariesProjection implements Projection {
  readonly name = 'conversation-summaries';
  readonly tables = ['conversation_summaries', 'open_conversation_counts'] as const;
  readonly replay: ReplayStrategy = new ConversationSummariesReplay(this);
  private readonly statements = new StatementCache(prepare);

  setUp(db: Database.Database): void {
    db.exec(`
      CREATE TABLE IF NOT EXISTS conversation_summaries (
        ${[...SUMMARY_COLUMN_DEFINITIONS, 'position             TEXT NOT NULL'].join(',\n        ')}
      );
      -- The views page by (last_activity_at, id), newest first: each view walks one of these in order.
      CREATE INDEX IF NOT EXISTS conversation_summaries_by_queue
        ON conversation_summaries (status, assignee_id, last_activity_at DESC, id DESC);
      CREATE INDEX IF NOT EXISTS conversation_summaries_by_status
        ON conversation_summaries (status, last_activity_at DESC, id DESC);
      CREATE INDEX IF NOT EXISTS conversation_summaries_by_activity
        ON conversation_summaries (last_activity_at DESC, id DESC);
      CREATE INDEX IF NOT EXISTS conversation_summaries_by_assignee
        ON conversation_summaries (assignee_id, last_activity_at DESC, id DESC);
      -- A customer's conversations (the panel beside one): by the customer id alone, so that no update of a
      -- row's activity has to move it; a customer's few rows are sorted as they are read.
      CREATE INDEX IF NOT EXISTS conversation_summaries_by_customer ON conversation_summaries (customer_id);

      -- Open conversations per assignee ('' for the unassigned queue), kept by triggers: the badge counts
      -- without counting rows on every request, and without a read before each write.
      CREATE TABLE IF NOT EXISTS open_conversation_counts (
        assignee_key TEXT PRIMARY KEY,
        open_count   INTEGER NOT NULL
      );
      CREATE TRIGGER IF NOT EXISTS open_counts_on_insert AFTER INSERT ON conversation_summaries
        WHEN NEW.status = 'open'
      BEGIN
        INSERT INTO open_conversation_counts (assignee_key, open_count) VALUES (coalesce(NEW.assignee_id, ''), 1)
          ON CONFLICT (assignee_key) DO UPDATE SET open_count = open_count + 1;
      END;
    `);
    // A file made before the update trigger dropped the counts that reach 0 has the older one: replaced,
    // and the zero counts it left dropped.
    const existing = db
      .prepare<[string], { sql: string }>("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?")
      .get('open_counts_on_update')?.sql;
    if (existing !== OPEN_COUNTS_ON_UPDATE) {
      if (existing !== undefined) {
        db.exec('DROP TRIGGER open_counts_on_update; DELETE FROM open_conversation_counts WHERE open_count = 0;');
      }
      db.exec(OPEN_COUNTS_ON_UPDATE);
    }
  }

  /**
   * The open counts at once, from the summaries: what a replay does instead of firing the triggers event by
   * event, a share of a rebuild's time a profile names. The same rows the triggers leave, since they drop a
   * count that reaches 0.
   */
  fillTriggerTables(db: Database.Database): void {
    db.exec(`
      DELETE FROM open_conversation_counts;
      INSERT INTO open_conversation_counts (assignee_key, open_count)
        SELECT coalesce(assignee_id, ''), count(*) FROM conversation_summaries WHERE status = 'open' GROUP BY 1;
    `);
  }

  apply(recorded: RecordedEvent, db: Database.Database): void {
    if (!recorded.streamId.startsWith(CONVERSATION_STREAM_PREFIX) || !isConversationEvent(recorded)) return;
    const event = recorded;
    const id = event.data.conversationId;
    const at = readEventMetadata(recorded.metadata, recorded.recordedAt).occurredAt;
    const revision = Number(recorded.revision);
    const position = recorded.position.toString();
    const statements = this.statements.for(db);
    switch (event.type) {
      case 'ConversationStarted': {
        const { customer, subject } = event.data;
        statements.ConversationStarted.run(
          id,
          subject,
          customer.id,
          customer.name,
          customer.email,
          at,
          revision,
          position,
        );
        return;
      }
      case 'MessageSent':
        statements.MessageSent.run(previewOf(event.data.body), at, revision, position, id, revision);
        return;
      case 'ConversationAssigned':
        statements.ConversationAssigned.run(event.data.assigneeId, at, revision, position, id, revision);
        return;
      default:
        statements[event.type].run(at, revision, position, id, revision);
    }
  }
}
