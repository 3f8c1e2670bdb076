/** Opening the embedded event store's file: the same checks and schema for the reader and the writer. */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

const SCHEMA_VERSION = 1;
const SYNCHRONOUS_FULL = 2;

/** SQLite result codes meaning the store cannot take writes now, rather than that the append is wrong. */
const UNAVAILABLE_CODES = /^SQLITE_(FULL|IOERR|BUSY|LOCKED|CANTOPEN|READONLY|CORRUPT|NOTADB|PROTOCOL)/;

/**
 * Opens (creating if needed) the log at `filename` in WAL mode with synchronous=FULL, and refuses a file
 * that cannot have both: a commit must be on disk before an append resolves.
 */
export function openEventsDatabase(filename: string): Database.Database {
  if (filename !== ':memory:') mkdirSync(dirname(filename), { recursive: true });
  const db = new Database(filename);
  db.defaultSafeIntegers(true);
  const journalMode = String(db.pragma('journal_mode = WAL', { simple: true }));
  // FULL: a commit is on disk before append resolves. NORMAL would lose the last commits on power loss.
  db.pragma('synchronous = FULL');
  const synchronous = Number(db.pragma('synchronous', { simple: true }));
  if (journalMode !== 'wal' || synchronous !== SYNCHRONOUS_FULL) {
    db.close();
    throw new Error(
      `${filename} cannot be opened as a durable event store: journal_mode=${journalMode}, synchronous=${synchronous} (need wal and 2, FULL)`,
    );
  }
  db.pragma('busy_timeout = 5000');
  migrate(db);
  return db;
}

function migrate(db: Database.Database): void {
  const version = Number(db.pragma('user_version', { simple: true }));
  if (version > SCHEMA_VERSION) {
    throw new Error(`The event store file has schema version ${version}; this build knows up to ${SCHEMA_VERSION}`);
  }
  if (version === SCHEMA_VERSION) return;
  db.exec(`
    BEGIN IMMEDIATE;
    CREATE TABLE IF NOT EXISTS events (
      position    INTEGER PRIMARY KEY,
      stream_id   TEXT    NOT NULL,
      revision    INTEGER NOT NULL,
      event_id    TEXT    NOT NULL,
      type        TEXT    NOT NULL,
      data        TEXT    NOT NULL,
      metadata    TEXT    NOT NULL,
      recorded_at INTEGER NOT NULL
    );
    CREATE UNIQUE INDEX IF NOT EXISTS events_by_stream ON events (stream_id, revision);
    -- No index on event_id: every index page an append dirties is written to the WAL and fsynced, and the
    -- only lookup by id (a retried append, found where it conflicts) reads one stream through events_by_stream.
    PRAGMA user_version = ${SCHEMA_VERSION};
    COMMIT;
  `);
}

export function sqliteErrorCode(error: unknown): string {
  return typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
}

export function isUnavailable(error: unknown): boolean {
  return UNAVAILABLE_CODES.test(sqliteErrorCode(error));
}
