/**
 * The inbox views (API.md), sent through the QueryBus. A page is read by the `PageReader` (the pages
 * thread, `pages/`) and answered as its JSON, in `Page`'s shape: the controller sends the text as it is.
 */
import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import type Database from 'better-sqlite3';
import { UNASSIGNED, type ConversationSummary } from '@team-inbox/conversations';
import { READ_MODEL_DB, StatementCache } from '@team-inbox/projections';
import { decodeCursor, encodeCursor } from './cursor';
import { decodeSearchCursor, encodeSearchCursor } from './search-cursor';
import type { PageReader, PageRows, View } from './pages/view-pages';
import { caughtUpCounts } from './unread-counts';

export { VIEWS, type View } from './pages/view-pages';

/** Nest injection token for the `PageReader`. */
export const PAGE_READER = Symbol('PAGE_READER');

export interface Page {
  items: ConversationSummary[];
  nextCursor: string | null;
}

export interface InboxPage extends Page {
  /** `unread`: the inbox's conversations unread to the caller, where the caller reads (`readerOf`). */
  counts: { mine: number; unassigned: number; unread?: number };
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
    /** `q`: the view's conversations that match it, best match first; a search's cursor. */
    readonly search?: string,
    /** The member whose `unread` each summary carries; none: no `unread`. */
    readonly readerId?: string,
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
    /** The member whose `unread` each summary carries and the counts count; none: no `unread`. */
    readonly readerId?: string,
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
  /** How many of each view's conversations are unread to the caller, where the caller reads (`readerOf`). */
  unread?: Omit<ViewCounts, 'unread'>;
}

export class GetViewCountsQuery extends Query<ViewCounts> {
  constructor(
    readonly callerId: string,
    readonly readerId?: string,
  ) {
    super();
  }
}

function prepare(db: Database.Database) {
  return {
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

/** `Page`'s fields as JSON. */
function pageFields({ items, next }: PageRows): string {
  return `"items":[${items}],"nextCursor":${JSON.stringify(next ? encodeCursor(next) : null)}`;
}

@QueryHandler(ListConversationsQuery)
export class ListConversationsHandler implements IQueryHandler<ListConversationsQuery> {
  constructor(@Inject(PAGE_READER) private readonly pages: PageReader) {}

  async execute({
    view,
    callerId,
    assigneeId,
    limit,
    cursor,
    search,
    readerId,
  }: ListConversationsQuery): Promise<string> {
    const filterBy = view === 'mine' ? callerId : assigneeId;
    if (search !== undefined) {
      const from = cursor === undefined ? undefined : decodeSearchCursor(cursor);
      const found = await this.pages.search({ view, assigneeId: filterBy, text: search, limit, after: from, readerId });
      return `{"items":[${found.items}],"nextCursor":${JSON.stringify(found.next ? encodeSearchCursor(found.next) : null)}}`;
    }
    const after = cursor === undefined ? undefined : decodeCursor(cursor);
    const rows = await this.pages.answer({ kind: 'view', view, assigneeId: filterBy, limit, after, readerId });
    return `{${pageFields(rows)}}`;
  }
}

@QueryHandler(GetInboxQuery)
export class GetInboxHandler implements IQueryHandler<GetInboxQuery> {
  private readonly statements = new StatementCache(prepare);

  constructor(
    @Inject(PAGE_READER) private readonly pages: PageReader,
    @Inject(READ_MODEL_DB) private readonly db: Database.Database,
  ) {}

  async execute({ callerId, limit, cursor, readerId }: GetInboxQuery): Promise<string> {
    const after = cursor === undefined ? undefined : decodeCursor(cursor);
    const rows = await this.pages.answer({ kind: 'inbox', callerId, limit, after, readerId });
    // Read after the page: counts at least as recent as the rows they go with.
    const statements = this.statements.for(this.db);
    const counts = new Map(
      statements.counts.all(callerId, UNASSIGNED).map((row) => [row.assignee_key, row.open_count]),
    );
    const inboxCounts: InboxPage['counts'] = {
      mine: counts.get(callerId) ?? 0,
      unassigned: counts.get(UNASSIGNED) ?? 0,
    };
    if (readerId !== undefined) {
      const caughtUp = caughtUpCounts(this.db, readerId);
      inboxCounts.unread =
        inboxCounts.mine - caughtUp.openOf(readerId) + inboxCounts.unassigned - caughtUp.openOf(UNASSIGNED);
    }
    return `{${pageFields(rows)},"counts":${JSON.stringify(inboxCounts)}}`;
  }
}

@QueryHandler(GetViewCountsQuery)
export class GetViewCountsHandler implements IQueryHandler<GetViewCountsQuery> {
  private readonly statements = new StatementCache(prepare);

  constructor(@Inject(READ_MODEL_DB) private readonly db: Database.Database) {}

  async execute({ callerId, readerId }: GetViewCountsQuery): Promise<ViewCounts> {
    const statements = this.statements.for(this.db);
    const open = new Map(statements.counts.all(callerId, UNASSIGNED).map((row) => [row.assignee_key, row.open_count]));
    const mine = open.get(callerId) ?? 0;
    const unassigned = open.get(UNASSIGNED) ?? 0;
    const openTotal = statements.openTotal.get()?.total ?? 0;
    const closed = statements.closedTotal.get()?.total ?? 0;
    const counts: ViewCounts = {
      inbox: mine + unassigned,
      mine,
      unassigned,
      assigned: openTotal - unassigned,
      closed,
      all: openTotal + closed,
    };
    if (readerId === undefined) return counts;
    const caughtUp = caughtUpCounts(this.db, readerId);
    const unreadMine = mine - caughtUp.openOf(readerId);
    const unreadUnassigned = unassigned - caughtUp.openOf(UNASSIGNED);
    return {
      ...counts,
      unread: {
        inbox: unreadMine + unreadUnassigned,
        mine: unreadMine,
        unassigned: unreadUnassigned,
        assigned: counts.assigned - (caughtUp.openTotal - caughtUp.openOf(UNASSIGNED)),
        closed: closed - caughtUp.closed,
        all: counts.all - caughtUp.all,
      },
    };
  }
}

/** Stops the pages thread once the HTTP server has stopped taking requests. */
@Injectable()
export class PageReaderLifecycle implements OnApplicationShutdown {
  constructor(@Inject(PAGE_READER) private readonly pages: PageReader) {}

  async onApplicationShutdown(): Promise<void> {
    await this.pages.close();
  }
}
