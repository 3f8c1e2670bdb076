/**
 * Puts a SQLite file in WAL mode. Two processes opening a new file at once (two servers started together on
 * one DATA_DIR) both ask for the switch, which takes the file's lock outright: SQLite answers the second
 * SQLITE_BUSY at once rather than wait, since waiting could deadlock. It is asked again until the other's
 * switch is done; by then the file is in WAL mode and the answer comes at once.
 *
 * Free of Nest: worker threads load it.
 */
import type Database from 'better-sqlite3';

const SWITCH_ATTEMPTS = 50;
const SWITCH_PAUSE_MS = 20;

/** The journal mode the file is in afterwards: 'wal', unless the file cannot be (an in-memory database). */
export function useWalJournal(db: Database.Database): string {
  for (let attempt = 1; ; attempt++) {
    try {
      return String(db.pragma('journal_mode = WAL', { simple: true }));
    } catch (error) {
      const busy = error instanceof Error && 'code' in error && error.code === 'SQLITE_BUSY';
      if (!busy || attempt >= SWITCH_ATTEMPTS) throw error;
      // Synchronous, as the opening of the file around it is: a few milliseconds, once, at start.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, SWITCH_PAUSE_MS);
    }
  }
}
