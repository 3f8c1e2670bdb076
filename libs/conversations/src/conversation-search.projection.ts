/**
 * What `GET /conversations?q=` searches: each conversation's words (subject, customer name and email,
 * messages, store events' summaries and details) in a full-text index (SQLite FTS5, accents and case
 * folded by its `unicode61` tokenizer).
 *
 * The text is kept in a plain table, one row a conversation, that the index reads as its external content;
 * triggers on that table keep the index in step. A replay appends the text alone, with the triggers left
 * out, and indexes each conversation once at the end (`fillTriggerTables`): indexing at each event would
 * index a conversation's text again with each message. Each row remembers the stream revision it reflects
 * and ignores what it has seen, so a redelivered event changes nothing.
 */
import { Injectable } from '@nestjs/common';
import type Database from 'better-sqlite3';
import type { RecordedEvent } from '@team-inbox/event-store';
// From the file, not the library's index: the projector's worker thread loads this without Nest's modules.
import { StatementCache, type Projection } from '@team-inbox/projections/projection';
import { CONVERSATION_STREAM_PREFIX, isConversationEvent } from './domain/conversation.events';

/** The full-text index, and the table of text it indexes. */
export const CONVERSATION_SEARCH_INDEX = 'conversation_search';
export const CONVERSATION_SEARCH_TEXT = 'conversation_search_text';

/**
 * The indexed columns, in the index's order: what `bm25()`'s weights follow. Named apart from the
 * summaries' columns, since a search page joins the two.
 */
export const SEARCH_COLUMNS = ['subject_text', 'customer_text', 'message_text', 'store_event_text'] as const;

const columns = SEARCH_COLUMNS.join(', ');
const values = (row: 'new' | 'old') => SEARCH_COLUMNS.map((column) => `${row}.${column}`).join(', ');

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS ${CONVERSATION_SEARCH_TEXT} (
    doc              INTEGER PRIMARY KEY,
    conversation_id  TEXT NOT NULL UNIQUE,
    applied_revision INTEGER NOT NULL,
    ${SEARCH_COLUMNS.map((column) => `${column} TEXT NOT NULL`).join(',\n    ')}
  );
  -- Diacritics removed from every letter (remove_diacritics 2 covers letters with several), case folded.
  CREATE VIRTUAL TABLE IF NOT EXISTS ${CONVERSATION_SEARCH_INDEX} USING fts5(
    ${columns},
    content = '${CONVERSATION_SEARCH_TEXT}', content_rowid = 'doc',
    tokenize = 'unicode61 remove_diacritics 2'
  );
  CREATE TRIGGER IF NOT EXISTS conversation_search_on_insert AFTER INSERT ON ${CONVERSATION_SEARCH_TEXT}
  BEGIN
    INSERT INTO ${CONVERSATION_SEARCH_INDEX} (rowid, ${columns}) VALUES (new.doc, ${values('new')});
  END;
  CREATE TRIGGER IF NOT EXISTS conversation_search_on_update
    AFTER UPDATE OF ${columns} ON ${CONVERSATION_SEARCH_TEXT}
  BEGIN
    INSERT INTO ${CONVERSATION_SEARCH_INDEX} (${CONVERSATION_SEARCH_INDEX}, rowid, ${columns})
      VALUES ('delete', old.doc, ${values('old')});
    INSERT INTO ${CONVERSATION_SEARCH_INDEX} (rowid, ${columns}) VALUES (new.doc, ${values('new')});
  END;
  CREATE TRIGGER IF NOT EXISTS conversation_search_on_delete AFTER DELETE ON ${CONVERSATION_SEARCH_TEXT}
  BEGIN
    INSERT INTO ${CONVERSATION_SEARCH_INDEX} (${CONVERSATION_SEARCH_INDEX}, rowid, ${columns})
      VALUES ('delete', old.doc, ${values('old')});
  END;
`;

const GUARD = 'WHERE conversation_id = ? AND applied_revision < ?'; // a redelivered event changes nothing

/**
 * How much of a conversation's messages, and of its store events, is searched: the first this many
 * characters of each. Every change to a row indexes its whole text again, so without a bound a long
 * conversation would cost more to index with each message; once a column is full, later text moves only
 * the row's revision, and the index is not touched.
 */
export const SEARCHED_CHARACTERS = 32 * 1024;

function prepare(db: Database.Database) {
  // Each piece of text is bound with a line break before it: the words of two messages never run together.
  const append = (column: (typeof SEARCH_COLUMNS)[number]) => {
    const room = `${SEARCHED_CHARACTERS} - length(${column})`;
    const grow = db.prepare<[string, number, string, number]>(
      `UPDATE ${CONVERSATION_SEARCH_TEXT} SET ${column} = ${column} || substr(?, 1, ${room}), applied_revision = ?
       ${GUARD} AND length(${column}) < ${SEARCHED_CHARACTERS}`,
    );
    const full = db.prepare<[number, string, number]>(
      `UPDATE ${CONVERSATION_SEARCH_TEXT} SET applied_revision = ? ${GUARD} AND length(${column}) >= ${SEARCHED_CHARACTERS}`,
    );
    return (text: string, id: string, revision: number): void => {
      if (grow.run(text, revision, id, revision).changes === 0) full.run(revision, id, revision);
    };
  };
  return {
    start: db.prepare<[string, number, string, string]>(
      `INSERT INTO ${CONVERSATION_SEARCH_TEXT} (conversation_id, applied_revision, ${columns})
       VALUES (?, ?, ?, ?, '', '')
       ON CONFLICT (conversation_id) DO NOTHING`,
    ),
    message: append('message_text'),
    storeEvent: append('store_event_text'),
  };
}

/** A store event's `details` (API.md 1.1), as far as they are words someone would search for. */
export function storeEventDetailsText(details: unknown): string {
  if (typeof details !== 'object' || details === null) return '';
  const { orderNumber, status, total, currency, items } = details as Record<string, unknown>;
  const words: unknown[] = [orderNumber, status, total, currency];
  if (Array.isArray(items)) {
    for (const item of items)
      if (typeof item === 'object' && item !== null) words.push((item as { name?: unknown }).name);
  }
  return words
    .filter((word): word is string | number => typeof word === 'string' || typeof word === 'number')
    .join(' ');
}

@Injectable()
export class ConversationSearchProjection implements Projection {
  readonly name = 'conversation-search';
  /** The index is not a table of its own here: it is rebuilt from the text (`fillTriggerTables`). */
  readonly tables = [CONVERSATION_SEARCH_TEXT] as const;
  private readonly statements = new StatementCache(prepare);

  setUp(db: Database.Database): void {
    db.exec(SCHEMA);
  }

  /** The index from the text at once, as the triggers would have left it. */
  fillTriggerTables(db: Database.Database): void {
    db.exec(`INSERT INTO ${CONVERSATION_SEARCH_INDEX} (${CONVERSATION_SEARCH_INDEX}) VALUES ('rebuild')`);
  }

  apply(recorded: RecordedEvent, db: Database.Database): void {
    if (!recorded.streamId.startsWith(CONVERSATION_STREAM_PREFIX) || !isConversationEvent(recorded)) return;
    const event = recorded;
    const id = event.data.conversationId;
    const revision = Number(recorded.revision);
    const statements = this.statements.for(db);
    switch (event.type) {
      case 'ConversationStarted': {
        const { customer, subject } = event.data;
        const customerText = [customer.name, customer.email].filter((part) => part !== null).join(' ');
        statements.start.run(id, revision, subject ?? '', customerText);
        return;
      }
      case 'MessageSent':
        statements.message(`\n${event.data.body}`, id, revision);
        return;
      case 'StoreEventRecorded': {
        // `details` came with API.md 1.1: events recorded before it have none.
        const details = storeEventDetailsText(event.data.details);
        statements.storeEvent(`\n${event.data.summary} ${details}`, id, revision);
        return;
      }
      default:
        return;
    }
  }
}
