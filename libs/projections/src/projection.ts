import type Database from 'better-sqlite3';
import type { RecordedEvent } from '@team-inbox/event-store';

/**
 * One read model: its tables, and what each event does to them. `apply` runs inside the projector's
 * transaction, beside the checkpoint; it must be synchronous and must not touch anything but the database.
 */
export interface Projection {
  readonly name: string;
  /** Creates the tables if missing. */
  setUp(db: Database.Database): void;
  apply(event: RecordedEvent, db: Database.Database): void;
}

/** Nest multi-provider token: every projection the application registers. */
export const PROJECTIONS = Symbol('PROJECTIONS');
