/**
 * The read models' SQLite file (`DATA_DIR/read-models.sqlite`): disposable, rebuilt from the log at will.
 * Server processes that share a DATA_DIR share it too, so what one process's projector applied, the others
 * read at once.
 */
import { useWalJournal } from '@team-inbox/event-store/sqlite/wal-journal';
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';

export function readModelFile(dataDir: string): string {
  return join(dataDir, 'read-models.sqlite');
}

/**
 * The views' hot index pages for a large team's inbox, within the server's memory goal. Where the projector and the
 * views' pages have threads of their own, the pages' connection keeps the most (the views' latency goal is
 * theirs), the projector's a quarter (what it writes is the pages of recent activity), and the main
 * thread's, left with tokens, members and counts, an eighth.
 */
export const READ_MODEL_CACHE_MIB = 32;
export const PAGES_THREAD_CACHE_MIB = READ_MODEL_CACHE_MIB / 4;
export const PROJECTOR_THREAD_CACHE_MIB = READ_MODEL_CACHE_MIB / 4;
export const MAIN_THREAD_CACHE_MIB = READ_MODEL_CACHE_MIB / 8;

export function openReadModelDatabase(filename: string, cacheMiB = READ_MODEL_CACHE_MIB): Database.Database {
  if (filename !== ':memory:') mkdirSync(dirname(filename), { recursive: true });
  const db = new Database(filename);
  useWalJournal(db);
  // NORMAL: a crash may lose the last read-model commits, but their checkpoint goes with them, so the
  // projector applies those events again. The log itself is written with FULL.
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  db.pragma(`cache_size = ${-Math.round(cacheMiB * 1024)}`); // in KiB where negative
  db.exec(`CREATE TABLE IF NOT EXISTS checkpoints (name TEXT PRIMARY KEY, position TEXT NOT NULL)`);
  return db;
}

/** Prepared once per connection: checkpoints are read and written on every batch. */
const checkpointStatements = new WeakMap<Database.Database, ReturnType<typeof prepareCheckpoints>>();

function prepareCheckpoints(db: Database.Database) {
  return {
    read: db.prepare<[string], { position: string }>('SELECT position FROM checkpoints WHERE name = ?'),
    write: db.prepare<[string, string]>(
      `INSERT INTO checkpoints (name, position) VALUES (?, ?)
       ON CONFLICT (name) DO UPDATE SET position = excluded.position`,
    ),
  };
}

function checkpoints(db: Database.Database) {
  let statements = checkpointStatements.get(db);
  if (!statements) checkpointStatements.set(db, (statements = prepareCheckpoints(db)));
  return statements;
}

export function readCheckpoint(db: Database.Database, name: string): bigint | undefined {
  const row = checkpoints(db).read.get(name);
  return row ? BigInt(row.position) : undefined;
}

export function writeCheckpoint(db: Database.Database, name: string, position: bigint): void {
  checkpoints(db).write.run(name, position.toString());
}

/**
 * Writes the checkpoint unless another connection holds the write lock (the projector's thread, mid-batch),
 * in which case it returns false at once rather than wait: for progress that may as well be saved a moment
 * later, written from the thread that answers requests. Waiting there stalled every request behind it.
 */
export function tryWriteCheckpoint(db: Database.Database, name: string, position: bigint): boolean {
  const busyTimeout = Number(db.pragma('busy_timeout', { simple: true }));
  db.pragma('busy_timeout = 0');
  try {
    writeCheckpoint(db, name, position);
    return true;
  } catch (error) {
    // By its code, not `instanceof SqliteError`: the driver's native part keeps the class it was first loaded with.
    const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
    if (code.startsWith('SQLITE_BUSY')) return false;
    throw error;
  } finally {
    db.pragma(`busy_timeout = ${busyTimeout}`);
  }
}
