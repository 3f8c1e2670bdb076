/**
 * The views' pages, as SQLite answers them: each a walk down one index of the conversation summaries,
 * newest activity first, paged by keyset, and answered as its JSON (SQLite writes each summary's,
 * `SUMMARY_JSON`). Runs where the connection is: the pages thread's (`view-pages.worker.ts`) or, for read
 * models that are not a file, the main thread's.
 *
 * Free of Nest: the pages thread loads it on its own.
 */
import type Database from 'better-sqlite3';
import { SearchPages, type SearchRequest, type SearchRows } from './search-pages';
import { summaryJsonFor, unreadJoinFor } from './unread-columns';

export const VIEWS = ['mine', 'unassigned', 'assigned', 'closed', 'all'] as const;
export type View = (typeof VIEWS)[number];

/** A keyset cursor, decoded (`cursor.ts`): the (lastActivityAt, id) of the last row of the previous page. */
export interface PageKey {
  lastActivityAt: string;
  id: string;
}

/** What a page is asked for by; its cursor already decoded (and so checked) by the caller. */
export type PageRequest = (
  | { kind: 'view'; view: View; assigneeId: string | undefined; limit: number; after: PageKey | undefined }
  | { kind: 'inbox'; callerId: string; limit: number; after: PageKey | undefined }
) & {
  /** The member whose `unread` each summary carries (`unread-columns.ts`); none: no `unread`. */
  readerId?: string;
};

/** Reads the pages of the views and the inbox. */
export interface PageReader {
  answer(request: PageRequest): Promise<PageRows>;
  /** A page of a search (`search-pages.ts`). */
  search(request: SearchRequest): Promise<SearchRows>;
  close(): Promise<void>;
}

/** A page's rows as SQLite wrote them, and the key of the last, where another page follows. */
export interface PageRows {
  /** The summaries' JSON, joined by commas: what goes between `[` and `]`. */
  items: string;
  next: PageKey | null;
}

const ORDER = 'ORDER BY last_activity_at DESC, id DESC LIMIT @limit';
/** A page's row: the summary's JSON, and its key for the next page's cursor. */
type SummaryRow = [json: string, lastActivityAt: string, id: string];
const pageRowColumns = (reader: boolean): string => `${summaryJsonFor(reader)}, last_activity_at, id`;
const AFTER = '(last_activity_at, id) < (@lastActivityAt, @id)';

/** WHERE clauses by view, and whether an assignee filter is added. */
export function viewFilter(view: View, byAssignee: boolean): string {
  const assignee = byAssignee ? ' AND assignee_id = @assigneeId' : '';
  switch (view) {
    case 'mine':
      return "status = 'open' AND assignee_id = @assigneeId";
    case 'unassigned':
      return "status = 'open' AND assignee_id IS NULL";
    case 'assigned':
      return byAssignee
        ? "status = 'open' AND assignee_id = @assigneeId"
        : "status = 'open' AND assignee_id IS NOT NULL";
    case 'closed':
      return `status = 'closed'${assignee}`;
    case 'all':
      return byAssignee ? 'assignee_id = @assigneeId' : '1 = 1';
  }
}

/** The pages of one connection, each statement prepared on first use. */
export class ViewPages {
  private readonly statements = new Map<string, Database.Statement<Record<string, unknown>, SummaryRow>>();

  constructor(private readonly db: Database.Database) {}

  rows(request: PageRequest): PageRows {
    const reader = request.readerId !== undefined;
    const sql = request.kind === 'inbox' ? inboxSql(request.after !== undefined, reader) : viewSql(request);
    const assigneeId = request.kind === 'inbox' ? request.callerId : request.assigneeId;
    const rows = this.statement(sql).all({
      limit: request.limit + 1, // one more than asked: whether another page follows
      assigneeId: assigneeId ?? null,
      ...(reader ? { readerId: request.readerId } : {}),
      ...request.after,
    });
    const items = rows.slice(0, request.limit);
    const last = items.at(-1);
    return {
      items: items.map(([json]) => json).join(','),
      next: rows.length > request.limit && last ? { lastActivityAt: last[1], id: last[2] } : null,
    };
  }

  private statement(sql: string): Database.Statement<Record<string, unknown>, SummaryRow> {
    let prepared = this.statements.get(sql);
    if (!prepared) {
      prepared = this.db.prepare<Record<string, unknown>, SummaryRow>(sql).raw(true);
      this.statements.set(sql, prepared);
    }
    return prepared;
  }
}

function viewSql({ view, assigneeId, after, readerId }: Extract<PageRequest, { kind: 'view' }>): string {
  const keyset = after ? ` AND ${AFTER}` : '';
  const reader = readerId !== undefined;
  const unread = unreadJoinFor(reader, 'conversation_summaries.id');
  return `SELECT ${pageRowColumns(reader)} FROM conversation_summaries${unread} WHERE ${viewFilter(view, assigneeId !== undefined)}${keyset} ${ORDER}`;
}

function inboxSql(after: boolean, reader: boolean): string {
  const keyset = after ? ` AND ${AFTER}` : '';
  // Two index walks (mine, unassigned) merged: faster than one OR that no index serves in order.
  return `
    SELECT ${pageRowColumns(reader)} FROM (
      SELECT * FROM (SELECT * FROM conversation_summaries
        WHERE status = 'open' AND assignee_id = @assigneeId${keyset} ${ORDER})
      UNION ALL
      SELECT * FROM (SELECT * FROM conversation_summaries
        WHERE status = 'open' AND assignee_id IS NULL${keyset} ${ORDER})
    ) AS inbox${unreadJoinFor(reader, 'inbox.id')} ${ORDER}`;
}

/** The pages on the caller's own connection: for read models that are not a file another thread can open. */
export class InProcessPageReader implements PageReader {
  private readonly pages: ViewPages;
  private readonly searches: SearchPages;

  constructor(db: Database.Database) {
    this.pages = new ViewPages(db);
    this.searches = new SearchPages(db);
  }

  async answer(request: PageRequest): Promise<PageRows> {
    return this.pages.rows(request);
  }

  async search(request: SearchRequest): Promise<SearchRows> {
    return this.searches.rows(request);
  }

  async close(): Promise<void> {}
}
