/**
 * How many of a view's conversations are unread to a member: the view's size less the conversations in it
 * the member is caught up on, which the unread projection counts per queue (open by assignee, '' the
 * unassigned one; closed), a handful of rows per member however many conversations there are.
 */
import type Database from 'better-sqlite3';
import { StatementCache } from '@team-inbox/projections';

/** Per queue, how many conversations a member is caught up on. */
export class CaughtUpCounts {
  constructor(
    private readonly open: ReadonlyMap<string, number>,
    /** Every open queue's together. */
    readonly openTotal: number,
    readonly closed: number,
  ) {}

  /** In the open queue of this assignee ('' the unassigned one). */
  openOf(assigneeKey: string): number {
    return this.open.get(assigneeKey) ?? 0;
  }

  get all(): number {
    return this.openTotal + this.closed;
  }
}

const statements = new StatementCache((db: Database.Database) => ({
  caughtUp: db.prepare<[string], { status: string; assignee_key: string; caught_up_count: number }>(
    'SELECT status, assignee_key, caught_up_count FROM unread_caught_up_counts WHERE member_id = ?',
  ),
}));

export function caughtUpCounts(db: Database.Database, memberId: string): CaughtUpCounts {
  const open = new Map<string, number>();
  let openTotal = 0;
  let closed = 0;
  for (const row of statements.for(db).caughtUp.all(memberId)) {
    if (row.status === 'closed') closed += row.caught_up_count;
    else {
      open.set(row.assignee_key, (open.get(row.assignee_key) ?? 0) + row.caught_up_count);
      openTotal += row.caught_up_count;
    }
  }
  return new CaughtUpCounts(open, openTotal, closed);
}
