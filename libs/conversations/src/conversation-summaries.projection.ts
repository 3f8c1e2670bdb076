/**
 * One row per conversation with its summary (what the inbox views list), and the open-conversation count
 * per assignee (what the inbox badges show, without counting rows on every request). Each row remembers
 * the stream revision it reflects and ignores what it has seen, so a redelivered event changes nothing.
 */
import { Injectable } from '@nestjs/common';
import type Database from 'better-sqlite3';
import { readEventMetadata } from '@team-inbox/core';
import type { RecordedEvent } from '@team-inbox/event-store';
import { StatementCache, type Projection } from '@team-inbox/projections';
import { CONVERSATION_STREAM_PREFIX, isConversationEvent, type ConversationEvent } from './domain/conversation.events';
import { previewOf, type ConversationSummary } from './domain/conversation.view';

export interface SummaryRow {
  id: string;
  subject: string | null;
  customer_id: string;
  customer_name: string | null;
  customer_email: string | null;
  status: 'open' | 'closed';
  assignee_id: string | null;
  last_activity_at: string;
  last_message_preview: string | null;
  message_count: number;
  revision: number;
  position: string;
}

/** The key of the unassigned queue in `open_conversation_counts`. */
export const UNASSIGNED = '';

type Change = Pick<SummaryRow, 'status' | 'assignee_id' | 'last_message_preview' | 'message_count'>;

function prepare(db: Database.Database) {
  return {
    insert: db.prepare(
      `INSERT INTO conversation_summaries
         (id, subject, customer_id, customer_name, customer_email, status, assignee_id, last_activity_at,
          last_message_preview, message_count, revision, position)
       VALUES (@id, @subject, @customer_id, @customer_name, @customer_email, 'open', NULL, @last_activity_at,
          NULL, 0, @revision, @position)
       ON CONFLICT (id) DO NOTHING`,
    ),
    current: db.prepare<[string], SummaryRow>('SELECT * FROM conversation_summaries WHERE id = ?'),
    update: db.prepare(
      `UPDATE conversation_summaries
          SET status = @status, assignee_id = @assignee_id, last_message_preview = @last_message_preview,
              message_count = @message_count, last_activity_at = @last_activity_at, revision = @revision,
              position = @position
        WHERE id = @id`,
    ),
    count: db.prepare(
      `INSERT INTO open_conversation_counts (assignee_key, open_count) VALUES (?, ?)
       ON CONFLICT (assignee_key) DO UPDATE SET open_count = open_count + excluded.open_count`,
    ),
  };
}

@Injectable()
export class ConversationSummariesProjection implements Projection {
  readonly name = 'conversation-summaries';
  readonly tables = ['conversation_summaries', 'open_conversation_counts'] as const;
  private readonly statements = new StatementCache(prepare);

  setUp(db: Database.Database): void {
    db.exec(`
      CREATE TABLE IF NOT EXISTS conversation_summaries (
        id                   TEXT PRIMARY KEY,
        subject              TEXT,
        customer_id          TEXT NOT NULL,
        customer_name        TEXT,
        customer_email       TEXT,
        status               TEXT NOT NULL,
        assignee_id          TEXT,
        last_activity_at     TEXT NOT NULL,
        last_message_preview TEXT,
        message_count        INTEGER NOT NULL,
        revision             INTEGER NOT NULL,
        position             TEXT NOT NULL
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
      CREATE TABLE IF NOT EXISTS open_conversation_counts (
        assignee_key TEXT PRIMARY KEY,
        open_count   INTEGER NOT NULL
      );
    `);
  }

  apply(recorded: RecordedEvent, db: Database.Database): void {
    if (!recorded.streamId.startsWith(CONVERSATION_STREAM_PREFIX) || !isConversationEvent(recorded)) return;
    const event = recorded as unknown as ConversationEvent;
    const statements = this.statements.for(db);
    const { occurredAt } = readEventMetadata(recorded.metadata, recorded.recordedAt);
    const revision = Number(recorded.revision);
    const position = recorded.position.toString();
    const id = event.data.conversationId;

    if (event.type === 'ConversationStarted') {
      const { changes } = statements.insert.run({
        id,
        subject: event.data.subject,
        customer_id: event.data.customer.id,
        customer_name: event.data.customer.name,
        customer_email: event.data.customer.email,
        last_activity_at: occurredAt,
        revision,
        position,
      });
      if (changes > 0) statements.count.run(UNASSIGNED, 1);
      return;
    }

    const row = statements.current.get(id);
    if (!row || row.revision >= revision) return; // seen already
    const next: Change = {
      status: row.status,
      assignee_id: row.assignee_id,
      last_message_preview: row.last_message_preview,
      message_count: row.message_count,
    };
    switch (event.type) {
      case 'MessageSent':
        next.last_message_preview = previewOf(event.data.body);
        next.message_count += 1;
        break;
      case 'ConversationAssigned':
        next.assignee_id = event.data.assigneeId;
        break;
      case 'ConversationUnassigned':
        next.assignee_id = null;
        break;
      case 'ConversationClosed':
        next.status = 'closed';
        break;
      case 'ConversationReopened':
        next.status = 'open';
        break;
      case 'StoreEventRecorded':
        break;
    }
    statements.update.run({ ...next, id, last_activity_at: occurredAt, revision, position });
    if (row.status === 'open') statements.count.run(row.assignee_id ?? UNASSIGNED, -1);
    if (next.status === 'open') statements.count.run(next.assignee_id ?? UNASSIGNED, 1);
  }
}

export function toSummary(row: SummaryRow): ConversationSummary {
  return {
    id: row.id,
    subject: row.subject,
    customer: { id: row.customer_id, name: row.customer_name, email: row.customer_email },
    status: row.status,
    assigneeId: row.assignee_id,
    lastActivityAt: row.last_activity_at,
    lastMessagePreview: row.last_message_preview,
    messageCount: row.message_count,
    revision: row.revision,
  };
}
