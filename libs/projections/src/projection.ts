import type Database from 'better-sqlite3';
import type { RecordedEvent } from '@team-inbox/event-store';

/**
 * One read model: its tables, and what each event does to them. `apply` runs inside the projector's
 * transaction, beside the checkpoint; it must be synchronous and must not touch anything but the database.
 */
export interface Projection {
  readonly name: string;
  /** The tables it owns: what a rebuild replaces. */
  readonly tables: readonly string[];
  /** Creates the tables if missing. */
  setUp(db: Database.Database): void;
  apply(event: RecordedEvent, db: Database.Database): void;
  /**
   * Fills at once what its triggers keep (counts, say) from the tables they watch. A replay leaves the
   * triggers on `tables` out while it applies the log, calls this, then puts them back; a projection
   * without it has its triggers fire event by event. Must leave exactly the rows the triggers would.
   */
  fillTriggerTables?(db: Database.Database): void;
  /**
   * A replay's own way to the same tables, where keeping them event by event costs a replay more than it
   * must: `apply` appends what it needs to tables of its own (not in `tables`), and `finish`, once the whole
   * log is applied, derives the projection's tables from them and drops them. A projection without it is
   * replayed with `apply`. Must leave exactly the rows `apply` would: the rebuild tests compare them.
   */
  readonly replay?: ReplayStrategy;
}

export interface ReplayStrategy {
  setUp(db: Database.Database): void;
  apply(event: RecordedEvent, db: Database.Database): void;
  finish(db: Database.Database): void;
}

/** Nest multi-provider token: every projection the application registers. */
export const PROJECTIONS = Symbol('PROJECTIONS');

/**
 * Prepared statements per database connection: preparing costs more than running, and a projection is
 * applied to the live read models and, during a rebuild, to a fresh file.
 */
export class StatementCache<Statements> {
  private readonly byDatabase = new WeakMap<Database.Database, Statements>();

  constructor(private readonly prepare: (db: Database.Database) => Statements) {}

  for(db: Database.Database): Statements {
    let statements = this.byDatabase.get(db);
    if (!statements) {
      statements = this.prepare(db);
      this.byDatabase.set(db, statements);
    }
    return statements;
  }
}
