/**
 * The pages of a search (`GET /conversations?q=`): the conversations of a view whose words match every
 * word of the text, best match first, paged by keyset on (score, lastActivityAt, id). Read where the
 * views' pages are (the pages thread), and answered as JSON in the same way.
 *
 * Free of Nest: the pages thread loads it on its own.
 */
import type Database from 'better-sqlite3';
// From the files, not the libraries' indexes: the pages thread loads only what it needs (its heap is small).
import {
  CONVERSATION_SEARCH_INDEX,
  CONVERSATION_SEARCH_TEXT,
} from '@team-inbox/conversations/conversation-search.projection';
import { summaryJsonFor, unreadJoinFor } from './unread-columns';
import { viewFilter, type View } from './view-pages';

/** A search cursor, decoded (`search-cursor.ts`): the last row's score and its views' key. */
export interface SearchKey {
  score: number;
  lastActivityAt: string;
  id: string;
}

export interface SearchRequest {
  view: View;
  /** The caller, for `mine`, or the `assigneeId` asked for. */
  assigneeId: string | undefined;
  /** What the caller typed, checked by the caller (`isSearchable`). */
  text: string;
  limit: number;
  after: SearchKey | undefined;
  /** The member whose `unread` each summary carries (`unread-columns.ts`); none: no `unread`. */
  readerId?: string;
}

export interface SearchRows {
  /** The summaries' JSON, joined by commas: what goes between `[` and `]`. */
  items: string;
  next: SearchKey | null;
}

/**
 * The words of a text as the index's tokenizer cuts them: runs of letters (with their accents) and digits.
 * `#1002` is `1002`; `ada@example.com` is `ada`, `example`, `com`.
 */
const WORD_PART = /[\p{L}\p{M}\p{N}]+/gu;

/** Whether a text holds anything to search for: a letter or a digit. */
export function isSearchable(text: string): boolean {
  return /[\p{L}\p{N}]/u.test(text);
}

/**
 * The FTS5 query for a text: every word must match (AND), each part of a word as a prefix, the parts of one
 * word side by side (`ada@exa` is the phrase `ada`* `exa`*). Each word is also asked for exactly, as an
 * alternative: a conversation that holds the whole word (`#1002`) scores above one that holds a longer
 * word it begins (`#10021`), since bm25 adds up the phrases each conversation matches.
 */
export function matchExpression(text: string): string {
  const words = text
    .normalize('NFC')
    .split(/\s+/)
    .map((word) => (word.match(WORD_PART) ?? []).filter(isSearchable))
    .filter((parts) => parts.length > 0);
  if (words.length === 0) throw new Error('Nothing to search for: the caller checks isSearchable first');
  // A part holds letters, marks and digits only: nothing in it needs escaping within the quotes.
  const quoted = (part: string) => `"${part}"`;
  return words
    .map((parts) => {
      const exact = parts.map(quoted).join(' + ');
      const prefix = parts.map((part) => `${quoted(part)}*`).join(' + ');
      return `(${exact} OR ${prefix})`;
    })
    .join(' AND ');
}

/**
 * bm25's weight for each of the index's columns (`SEARCH_COLUMNS`' order): a word in the subject or the
 * customer's name or email says most about the conversation, one in a store event (an order number) next,
 * one among the messages least.
 */
const COLUMN_WEIGHTS = '4.0, 4.0, 1.0, 2.0';

/** bm25 scores better matches lower: the best first, then the views' order. */
const ORDER = 'ORDER BY score, last_activity_at DESC, id DESC LIMIT @limit';
const AFTER = '(score > @score OR (score = @score AND (last_activity_at, id) < (@lastActivityAt, @id)))';

/** A page's row: the summary's JSON, and its key for the next page's cursor. */
type SearchRow = [json: string, score: number, lastActivityAt: string, id: string];

/**
 * How many of the matches a search ranks: the most recently started conversations of the view that match.
 * Ranking costs a little for each match, and a word most conversations hold (`order`) would be ranked across
 * all of them for one page; past this many, the older matches are left out, as search engines cap theirs.
 */
export const SEARCH_RANKED_MATCHES = 1000;

/**
 * The matches are walked newest first (the index's own order, descending), in the view, up to
 * `SEARCH_RANKED_MATCHES`; those are ranked, the page's rows chosen on their keys alone (score, activity,
 * id), and only those rows written as JSON.
 */
function searchSql({ view, assigneeId, after, readerId }: SearchRequest): string {
  const reader = readerId !== undefined;
  return `
    SELECT ${summaryJsonFor(reader)}, page_score, page_at, page_id FROM (
      SELECT score AS page_score, last_activity_at AS page_at, id AS page_id FROM (
        SELECT bm25(${CONVERSATION_SEARCH_INDEX}, ${COLUMN_WEIGHTS}) AS score,
          conversation_summaries.last_activity_at AS last_activity_at, conversation_summaries.id AS id
        FROM ${CONVERSATION_SEARCH_INDEX}
        JOIN ${CONVERSATION_SEARCH_TEXT} AS searched ON searched.doc = ${CONVERSATION_SEARCH_INDEX}.rowid
        JOIN conversation_summaries ON conversation_summaries.id = searched.conversation_id
        WHERE ${CONVERSATION_SEARCH_INDEX} MATCH @match AND ${viewFilter(view, assigneeId !== undefined)}
        ORDER BY ${CONVERSATION_SEARCH_INDEX}.rowid DESC LIMIT ${SEARCH_RANKED_MATCHES}
      ) AS ranked
      ${after ? `WHERE ${AFTER}` : ''}
      ${ORDER}
    ) AS page
    JOIN conversation_summaries ON conversation_summaries.id = page.page_id${unreadJoinFor(reader, 'conversation_summaries.id')}
    ORDER BY page_score, page_at DESC, page_id DESC`;
}

/** The search pages of one connection, each statement prepared on first use. */
export class SearchPages {
  private readonly statements = new Map<string, Database.Statement<Record<string, unknown>, SearchRow>>();

  constructor(private readonly db: Database.Database) {}

  rows(request: SearchRequest): SearchRows {
    const rows = this.statement(searchSql(request)).all({
      match: matchExpression(request.text),
      limit: request.limit + 1, // one more than asked: whether another page follows
      assigneeId: request.assigneeId ?? null,
      ...(request.readerId === undefined ? {} : { readerId: request.readerId }),
      ...request.after,
    });
    const items = rows.slice(0, request.limit);
    const last = items.at(-1);
    return {
      items: items.map(([json]) => json).join(','),
      next: rows.length > request.limit && last ? { score: last[1], lastActivityAt: last[2], id: last[3] } : null,
    };
  }

  private statement(sql: string): Database.Statement<Record<string, unknown>, SearchRow> {
    let prepared = this.statements.get(sql);
    if (!prepared) {
      prepared = this.db.prepare<Record<string, unknown>, SearchRow>(sql).raw(true);
      this.statements.set(sql, prepared);
    }
    return prepared;
  }
}
