/**
 * The inbox views (API.md): each a walk down one index of the conversation summaries, newest activity
 * first, paged by keyset. Sent through the QueryBus.
 *
 * A page is answered as its JSON (in `Page`'s shape): SQLite writes each summary's (`SUMMARY_JSON`), and
 * the controller sends the text as it is.
 */
import { Inject } from '@nestjs/common';
import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import type Database from 'better-sqlite3';
import { SUMMARY_JSON, UNASSIGNED, type ConversationSummary } from '@team-inbox/conversations';
import { READ_MODEL_DB, StatementCache } from '@team-inbox/projections';
import { decodeCursor, encodeCursor, type PageKey } from './cursor';

export const VIEWS = ['mine', 'unassigned', 'assigned', 'closed', 'all'] as const;
export type View = (typeof VIEWS)[number];

export interface Page {
  items: ConversationSummary[];
  nextCursor: string | null;
}

export interface InboxPage extends Page {
  counts: { mine: number; unassigned: number };
}

/** Answered with the page's JSON, a `Page`. */
export class ListConversationsQuery extends Query<string> {
  constructor(
    readonly view: View,
    /** The caller, for `mine`. */
    readonly callerId: string,
    readonly assigneeId: string | undefined,
    readonly limit: number,
    readonly cursor: string | undefined,
  ) {
    super();
  }
}

/** Answered with the page's JSON, an `InboxPage`. */
export class GetInboxQuery extends Query<string> {
  constructor(
    readonly callerId: string,
    readonly limit: number,
    readonly cursor: string | undefined,
  ) {
    super();
  }
}

/** How many conversations each view holds, for the caller: the UI's tab counts. */
export interface ViewCounts {
  inbox: number;
  mine: number;
  unassigned: number;
  assigned: number;
  closed: number;
  all: number;
}

export class GetViewCountsQuery extends Query<ViewCounts> {
  constructor(readonly callerId: string) {
    super();
  }
}

const ORDER = 'ORDER BY last_activity_at DESC, id DESC LIMIT @limit';
/** A page's row: the summary's JSON, and its key for the next page's cursor. */
type SummaryRow = [json: string, lastActivityAt: string, id: string];
const PAGE_ROW_COLUMNS = `${SUMMARY_JSON}, last_activity_at, id`;
const AFTER = '(last_activity_at, id) < (@lastActivityAt, @id)';

/** WHERE clauses by view, and whether an assignee filter is added. */
function viewFilter(view: View, byAssignee: boolean): string {
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

function prepare(db: Database.Database) {
  const statements = new Map<string, Database.Statement<Record<string, unknown>, SummaryRow>>();
  const statement = (sql: string) => {
    let prepared = statements.get(sql);
    if (!prepared) {
      prepared = db.prepare<Record<string, unknown>, SummaryRow>(sql).raw(true);
      statements.set(sql, prepared);
    }
    return prepared;
  };
  return {
    page: (view: View, byAssignee: boolean, after: boolean) =>
      statement(
        `SELECT ${PAGE_ROW_COLUMNS} FROM conversation_summaries WHERE ${viewFilter(view, byAssignee)}${after ? ` AND ${AFTER}` : ''} ${ORDER}`,
      ),
    inbox: (after: boolean) => {
      const keyset = after ? ` AND ${AFTER}` : '';
      // Two index walks (mine, unassigned) merged: faster than one OR that no index serves in order.
      return statement(`
        SELECT ${PAGE_ROW_COLUMNS} FROM (
          SELECT * FROM (SELECT * FROM conversation_summaries
            WHERE status = 'open' AND assignee_id = @assigneeId${keyset} ${ORDER})
          UNION ALL
          SELECT * FROM (SELECT * FROM conversation_summaries
            WHERE status = 'open' AND assignee_id IS NULL${keyset} ${ORDER})
        ) ${ORDER}`);
    },
    counts: db.prepare<[string, string], { assignee_key: string; open_count: number }>(
      'SELECT assignee_key, open_count FROM open_conversation_counts WHERE assignee_key IN (?, ?)',
    ),
    // The open counts are kept by triggers (a handful of rows); closed ones are counted on the status index.
    openTotal: db.prepare<[], { total: number | null }>(
      'SELECT sum(open_count) AS total FROM open_conversation_counts',
    ),
    closedTotal: db.prepare<[], { total: number }>(
      "SELECT count(*) AS total FROM conversation_summaries WHERE status = 'closed'",
    ),
  };
}

abstract class PagedQueryHandler {
  protected readonly statements = new StatementCache(prepare);

  constructor(@Inject(READ_MODEL_DB) protected readonly db: Database.Database) {}

  /** `Page`'s fields as JSON; one row more than asked was read, to know whether another page follows. */
  protected pageFields(rows: SummaryRow[], limit: number): string {
    const items = rows.slice(0, limit);
    const last = items.at(-1);
    const key: PageKey | undefined = rows.length > limit && last ? { lastActivityAt: last[1], id: last[2] } : undefined;
    return `"items":[${items.map(([json]) => json).join(',')}],"nextCursor":${JSON.stringify(key ? encodeCursor(key) : null)}`;
  }

  protected parameters(limit: number, cursor: string | undefined, assigneeId: string | undefined) {
    return { limit: limit + 1, assigneeId: assigneeId ?? null, ...(cursor !== undefined ? decodeCursor(cursor) : {}) };
  }
}

@QueryHandler(ListConversationsQuery)
export class ListConversationsHandler extends PagedQueryHandler implements IQueryHandler<ListConversationsQuery> {
  async execute({ view, callerId, assigneeId, limit, cursor }: ListConversationsQuery): Promise<string> {
    const filterBy = view === 'mine' ? callerId : assigneeId;
    const statement = this.statements.for(this.db).page(view, filterBy !== undefined, cursor !== undefined);
    return `{${this.pageFields(statement.all(this.parameters(limit, cursor, filterBy)), limit)}}`;
  }
}

@QueryHandler(GetInboxQuery)
export class GetInboxHandler extends PagedQueryHandler implements IQueryHandler<GetInboxQuery> {
  async execute({ callerId, limit, cursor }: GetInboxQuery): Promise<string> {
    const statements = this.statements.for(this.db);
    const rows = statements.inbox(cursor !== undefined).all(this.parameters(limit, cursor, callerId));
    const counts = new Map(
      statements.counts.all(callerId, UNASSIGNED).map((row) => [row.assignee_key, row.open_count]),
    );
    const inboxCounts: InboxPage['counts'] = {
      mine: counts.get(callerId) ?? 0,
      unassigned: counts.get(UNASSIGNED) ?? 0,
    };
    return `{${this.pageFields(rows, limit)},"counts":${JSON.stringify(inboxCounts)}}`;
  }
}

@QueryHandler(GetViewCountsQuery)
export class GetViewCountsHandler implements IQueryHandler<GetViewCountsQuery> {
  private readonly statements = new StatementCache(prepare);

  constructor(@Inject(READ_MODEL_DB) private readonly db: Database.Database) {}

  async execute({ callerId }: GetViewCountsQuery): Promise<ViewCounts> {
    const statements = this.statements.for(this.db);
    const open = new Map(statements.counts.all(callerId, UNASSIGNED).map((row) => [row.assignee_key, row.open_count]));
    const mine = open.get(callerId) ?? 0;
    const unassigned = open.get(UNASSIGNED) ?? 0;
    const openTotal = statements.openTotal.get()?.total ?? 0;
    const closed = statements.closedTotal.get()?.total ?? 0;
    return {
      inbox: mine + unassigned,
      mine,
      unassigned,
      assigned: openTotal - unassigned,
      closed,
      all: openTotal + closed,
    };
  }
}
