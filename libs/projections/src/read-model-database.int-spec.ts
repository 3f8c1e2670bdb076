import type Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openReadModelDatabase, readCheckpoint, tryWriteCheckpoint } from './read-model-database';

describe('tryWriteCheckpoint', () => {
  let dir: string;
  let main: Database.Database;
  let projectorThread: Database.Database;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'read-models-'));
    main = openReadModelDatabase(join(dir, 'read-models.sqlite'));
    projectorThread = openReadModelDatabase(join(dir, 'read-models.sqlite'));
  });
  afterEach(() => {
    main.close();
    projectorThread.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('gives up at once while another connection holds the write lock, instead of waiting for it', () => {
    // Waiting would outlast the test's own timeout; the lock is held on this very thread, so forever.
    main.pragma('busy_timeout = 60000');
    projectorThread.exec('BEGIN IMMEDIATE');
    expect(tryWriteCheckpoint(main, 'member-removal', 7n)).toBe(false);
    projectorThread.exec('COMMIT');

    expect(readCheckpoint(main, 'member-removal')).toBeUndefined();
    expect(main.pragma('busy_timeout', { simple: true })).toBe(60000);
  });

  it('writes the checkpoint when the lock is free', () => {
    expect(tryWriteCheckpoint(main, 'member-removal', 7n)).toBe(true);
    expect(readCheckpoint(projectorThread, 'member-removal')).toBe(7n);
  });
});
