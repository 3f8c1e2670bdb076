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
import { StatementCache, type Projection, type ReplayStrategy } from '@team-inbox/projections/projection';
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

/** A conversation's row as a replay holds it before it is written. */
interface PendingRow {
  doc: number;
  revision: number;
  subject: string;
  customer: string;
  messages: string;
  storeEvents: string;
}

/** Characters of text a replay holds before it writes the rows it has held longest. */
const REPLAY_HELD_CHARACTERS = 16 * 1024 * 1024;

/**
 * The text table as a replay builds it. Event by event, each message rewrites its conversation's row (the
 * text so far and a piece more). Replayed, a conversation's row is held in memory from its start and
 * written once: when the rows held come to `REPLAY_HELD_CHARACTERS`, those held longest are written (to half
 * of it, together and in key order), and the pieces of their conversations that come after are appended to the written rows, as the projection does.
 * Rows take the ids the projection gives them, one a conversation in the order they start.
 */
export class ConversationSearchReplay implements ReplayStrategy {
  private held = new Map<string, PendingRow>();
  private heldCharacters = 0;
  private nextDoc = 1;
  private readonly projection: ConversationSearchProjection;
  private readonly insert = new StatementCache((db) =>
    db.prepare<[number, string, number, string, string, string, string]>(
      `INSERT INTO ${CONVERSATION_SEARCH_TEXT} (doc, conversation_id, applied_revision, ${columns})
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    ),
  );

  constructor(
    projection: ConversationSearchProjection,
    /** Characters of text held before the rows held longest are written. */
    private readonly heldCharactersAtMost = REPLAY_HELD_CHARACTERS,
  ) {
    this.projection = projection;
  }

  setUp(db: Database.Database): void {
    this.held = new Map();
    this.heldCharacters = 0;
    this.nextDoc =
      (db.prepare<[], { last: number | null }>(`SELECT max(doc) AS last FROM ${CONVERSATION_SEARCH_TEXT}`).get()
        ?.last ?? 0) + 1;
  }

  apply(recorded: RecordedEvent, db: Database.Database): void {
    if (!recorded.streamId.startsWith(CONVERSATION_STREAM_PREFIX) || !isConversationEvent(recorded)) return;
    const event = recorded;
    const id = event.data.conversationId;
    const revision = Number(recorded.revision);
    if (event.type === 'ConversationStarted') {
      const { customer, subject } = event.data;
      const row: PendingRow = {
        doc: this.nextDoc++,
        revision,
        subject: subject ?? '',
        customer: customerTextOf(customer),
        messages: '',
        storeEvents: '',
      };
      this.held.set(id, row);
      this.heldCharacters += row.subject.length + row.customer.length;
      this.writeHeldLongest(db);
      return;
    }
    const row = this.held.get(id);
    if (!row) {
      this.projection.apply(recorded, db); // written already, or never started: as the projection does
      return;
    }
    if (event.type === 'MessageSent') {
      const before = row.messages.length;
      row.messages = appendSearched(row.messages, messagePiece(event.data.body));
      this.heldCharacters += row.messages.length - before;
    } else if (event.type === 'StoreEventRecorded') {
      const before = row.storeEvents.length;
      row.storeEvents = appendSearched(row.storeEvents, storeEventPiece(event.data.summary, event.data.details));
      this.heldCharacters += row.storeEvents.length - before;
    } else {
      return;
    }
    row.revision = revision;
    this.writeHeldLongest(db);
  }

  finish(db: Database.Database): void {
    // In key order: each row lands beside the one before it in the table's index of ids.
    for (const id of [...this.held.keys()].sort()) this.write(id, db);
  }

  /** Past the bound, the rows held longest, until half of it is held: together, in key order. */
  private writeHeldLongest(db: Database.Database): void {
    if (this.heldCharacters <= this.heldCharactersAtMost) return;
    const longest: string[] = [];
    let characters = this.heldCharacters;
    for (const [id, row] of this.held) {
      if (characters <= this.heldCharactersAtMost / 2) break;
      longest.push(id);
      characters -= heldCharactersOf(row);
    }
    for (const id of longest.sort()) this.write(id, db);
  }

  private write(id: string, db: Database.Database): void {
    const row = this.held.get(id)!;
    this.held.delete(id);
    this.heldCharacters -= heldCharactersOf(row);
    this.insert.for(db).run(row.doc, id, row.revision, row.subject, row.customer, row.messages, row.storeEvents);
  }
}

const heldCharactersOf = (row: PendingRow): number =>
  row.subject.length + row.customer.length + row.messages.length + row.storeEvents.length;

/** Each piece of text is bound with a line break before it: the words of two messages never run together. */
const messagePiece = (body: string): string => `\n${body}`;
// `details` came with API.md 1.1: events recorded before it have none.
const storeEventPiece = (summary: string, details: unknown): string => `\n${summary} ${storeEventDetailsText(details)}`;
const customerTextOf = (customer: { name: string | null; email: string | null }): string =>
  [customer.name, customer.email].filter((part) => part !== null).join(' ');

/**
 * `text` and `piece` joined, cut to the first `SEARCHED_CHARACTERS` characters, as the projection's
 * statements do in SQL, whose characters are code points: a pair of UTF-16 surrogates is one.
 */
function appendSearched(text: string, piece: string): string {
  const joined = text + piece;
  if (joined.length <= SEARCHED_CHARACTERS) return joined;
  let end = 0;
  for (let characters = 0; characters < SEARCHED_CHARACTERS && end < joined.length; characters++) {
    const code = joined.charCodeAt(end);
    end += code >= 0xd800 && code <= 0xdbff && end + 1 < joined.length ? 2 : 1;
  }
  return joined.slice(0, end);
}

@Injectable()
export class ConversationSearchProjection implements Projection {
  readonly name = 'conversation-search';
  /** The index is not a table of its own here: it is rebuilt from the text (`fillTriggerTables`). */
  readonly tables = [CONVERSATION_SEARCH_TEXT] as const;
  readonly replay: ReplayStrategy = new ConversationSearchReplay(this);
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
      case 'ConversationStarted':
        statements.start.run(id, revision, event.data.subject ?? '', customerTextOf(event.data.customer));
        return;
      case 'MessageSent':
        statements.message(messagePiece(event.data.body), id, revision);
        return;
      case 'StoreEventRecorded':
        statements.storeEvent(storeEventPiece(event.data.summary, event.data.details), id, revision);
        return;
      default:
        return;
    }
  }
}
