/**
 * One row per conversation with its summary: what the inbox views list, and what the member-removal
 * process manager searches for a removed member's conversations. Each row remembers the stream revision it
 * reflects and ignores what it has seen (a redelivered event changes nothing).
 */
import { Injectable } from '@nestjs/common';
import type Database from 'better-sqlite3';
import { readEventMetadata } from '@team-inbox/core';
import type { RecordedEvent } from '@team-inbox/event-store';
import type { Projection } from '@team-inbox/projections';
import { CONVERSATION_STREAM_PREFIX, isConversationEvent, type ConversationEvent } from './domain/conversation.events';
import { previewOf, type ConversationSummary } from './domain/conversation.view';

interface SummaryRow {
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
}

@Injectable()
export class ConversationSummariesProjection implements Projection {
  readonly name = 'conversation-summaries';

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
      CREATE INDEX IF NOT EXISTS conversation_summaries_by_assignee
        ON conversation_summaries (assignee_id, status, last_activity_at DESC, id);
    `);
  }

  apply(recorded: RecordedEvent, db: Database.Database): void {
    if (!recorded.streamId.startsWith(CONVERSATION_STREAM_PREFIX) || !isConversationEvent(recorded)) return;
    const event = recorded as unknown as ConversationEvent;
    const { occurredAt } = readEventMetadata(recorded.metadata, recorded.recordedAt);
    const revision = Number(recorded.revision);
    const position = recorded.position.toString();
    const id = event.data.conversationId;

    if (event.type === 'ConversationStarted') {
      db.prepare(
        `INSERT INTO conversation_summaries
           (id, subject, customer_id, customer_name, customer_email, status, assignee_id, last_activity_at,
            last_message_preview, message_count, revision, position)
         VALUES (?, ?, ?, ?, ?, 'open', NULL, ?, NULL, 0, ?, ?)
         ON CONFLICT (id) DO NOTHING`,
      ).run(
        id,
        event.data.subject,
        event.data.customer.id,
        event.data.customer.name,
        event.data.customer.email,
        occurredAt,
        revision,
        position,
      );
      return;
    }

    const changes: Record<string, string | number | null> = {};
    switch (event.type) {
      case 'MessageSent':
        changes.last_message_preview = previewOf(event.data.body);
        break;
      case 'ConversationAssigned':
        changes.assignee_id = event.data.assigneeId;
        break;
      case 'ConversationUnassigned':
        changes.assignee_id = null;
        break;
      case 'ConversationClosed':
        changes.status = 'closed';
        break;
      case 'ConversationReopened':
        changes.status = 'open';
        break;
      case 'StoreEventRecorded':
        break;
    }
    const assignments = Object.keys(changes).map((column) => `${column} = @${column}`);
    const messageIncrement = event.type === 'MessageSent' ? 1 : 0;
    db.prepare(
      `UPDATE conversation_summaries
          SET ${[...assignments, 'message_count = message_count + @messageIncrement', 'last_activity_at = @occurredAt', 'revision = @revision', 'position = @position'].join(', ')}
        WHERE id = @id AND revision < @revision`,
    ).run({ ...changes, messageIncrement, occurredAt, revision, position, id });
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

export type { SummaryRow };
