/**
 * Rebuilds the read models from the whole log: replays it into fresh tables in a file of their own, then
 * swaps them in atomically. The swap holds the read models' write lock, first catching up with whatever
 * was appended during the replay, so a server running beside it loses nothing: it finds the new tables
 * and a checkpoint at least as far as its own.
 */
import Database from 'better-sqlite3';
import type { EventStore, Position, RecordedEvent } from '@team-inbox/event-store';
import { readdirSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Projection } from './projection';
import { PROJECTOR_CHECKPOINT } from './projector';
import { openReadModelDatabase, writeCheckpoint } from './read-model-database';

export interface RebuildProgress {
  events: number;
  position: Position;
  /** The log's last position when the rebuild started. */
  head: Position;
  elapsedMs: number;
}

export interface RebuildResult {
  events: number;
  position: Position;
  /** The whole rebuild, swap included. */
  elapsedMs: number;
  /** The replay alone. */
  replayMs: number;
  /** Scratch files of killed rebuilds found beside the read models, removed before this one began. */
  leftoversRemoved: string[];
}

const DEFAULT_BATCH = 5000;

/**
 * Replays the log into a new database at `file` (replaced if present) and leaves it there: what a rebuild
 * swaps in, and what tests compare the live read models with.
 */
export async function replayInto(
  file: string,
  eventStore: EventStore,
  projections: readonly Projection[],
  options: {
    batchSize?: number;
    onProgress?: (progress: RebuildProgress) => void;
    /**
     * The rows alone: no index, no trigger and no table a trigger keeps is built in the new file. For a
     * rebuild's swap, which copies the rows into a file that builds its own.
     */
    rowsOnly?: boolean;
  } = {},
): Promise<{ db: Database.Database; events: number; position: Position; elapsedMs: number }> {
  removeDatabase(file);
  const db = new Database(file);
  // A scratch file: if the process dies, it is thrown away, so it needs no journal and no fsync.
  db.pragma('journal_mode = OFF');
  db.pragma('synchronous = OFF');
  db.pragma('cache_size = -262144'); // 256 MiB: rows are updated in log order, not key order
  for (const projection of projections) projection.setUp(db);
  // Indexes are built once at the end, from sorted data, rather than kept up to date event by event.
  const indexes = db
    .prepare<[], { name: string; sql: string }>(
      "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL",
    )
    .all();
  for (const { name } of indexes) db.exec(`DROP INDEX "${name}"`);
  // Likewise the triggers of projections that fill their tables at once (see `fillTriggerTables`).
  const filling = projections.filter((projection) => projection.fillTriggerTables !== undefined);
  const triggers = db
    .prepare<[], { name: string; sql: string; tbl_name: string }>(
      "SELECT name, sql, tbl_name FROM sqlite_master WHERE type = 'trigger'",
    )
    .all()
    .filter((trigger) => filling.some((projection) => projection.tables.includes(trigger.tbl_name)));
  for (const { name } of triggers) db.exec(`DROP TRIGGER "${name}"`);

  const started = performance.now();
  const head = (await eventStore.headPosition()) ?? 0n;
  const batchSize = options.batchSize ?? DEFAULT_BATCH;
  const appliers = projections.map((projection) => projection.replay ?? projection);
  for (const projection of projections) projection.replay?.setUp(db);
  const applyBatch = db.transaction((events: RecordedEvent[]) => {
    for (const event of events) for (const applier of appliers) applier.apply(event, db);
  });
  let position = 0n;
  let events = 0;
  let batch: RecordedEvent[] = [];
  const flush = (): void => {
    applyBatch(batch);
    events += batch.length;
    position = batch.at(-1)?.position ?? position;
    batch = [];
    options.onProgress?.({ events, position, head, elapsedMs: performance.now() - started });
  };
  for await (const event of eventStore.readAll()) {
    batch.push(event);
    if (batch.length >= batchSize) flush();
  }
  flush();
  db.transaction(() => {
    for (const projection of projections) projection.replay?.finish(db);
  })();
  if (!options.rowsOnly) {
    for (const { sql } of indexes) db.exec(sql);
    for (const projection of filling) projection.fillTriggerTables?.(db);
    for (const { sql } of triggers) db.exec(sql);
  }
  return { db, events, position, elapsedMs: performance.now() - started };
}

export async function rebuildReadModels(options: {
  eventStore: EventStore;
  projections: readonly Projection[];
  /** The live read models' file. */
  readModelFile: string;
  batchSize?: number;
  onProgress?: (progress: RebuildProgress) => void;
}): Promise<RebuildResult> {
  const { eventStore, projections, readModelFile } = options;
  const started = performance.now();
  const leftoversRemoved = removeRebuildLeftovers(readModelFile);
  const scratch = rebuildScratchFile(readModelFile, process.pid);
  // The swap builds the indexes, the triggers and what they keep in the live file, after the catch-up: the
  // scratch file needs only its rows (the catch-up updates them by their keys).
  const replayed = await replayInto(scratch, eventStore, projections, { ...options, rowsOnly: true });
  let { events, position } = replayed;
  const filling = projections.filter((projection) => projection.fillTriggerTables !== undefined);

  const live = openReadModelDatabase(readModelFile);
  try {
    for (const projection of projections) projection.setUp(live);
    live.prepare('ATTACH DATABASE ? AS rebuilt').run(scratch);
    live.exec('BEGIN IMMEDIATE'); // from here, no projector writes the live read models until the swap is done
    try {
      const catchUp = replayed.db.transaction((event: RecordedEvent) => {
        for (const projection of projections) projection.apply(event, replayed.db);
      });
      for await (const event of eventStore.readAll({ fromPosition: position })) {
        catchUp(event);
        events++;
        position = event.position;
      }
      for (const table of projections.flatMap((projection) => projection.tables)) {
        // As in the replay: the rows go in without their indexes, which are then built once, and without
        // their triggers, whose effects are copied with the tables they keep.
        const derived = live
          .prepare<[string], { type: string; name: string; sql: string }>(
            "SELECT type, name, sql FROM main.sqlite_master WHERE type IN ('index', 'trigger') AND tbl_name = ? AND sql IS NOT NULL",
          )
          .all(table);
        for (const { type, name } of derived) live.exec(`DROP ${type.toUpperCase()} main."${name}"`);
        live.exec(`DELETE FROM main.${table}; INSERT INTO main.${table} SELECT * FROM rebuilt.${table};`);
        for (const { sql } of derived) live.exec(sql);
      }
      // What the triggers keep outside `tables` (a full-text index, which reads its rows from a table and
      // cannot be copied as rows) is filled again from the tables just copied.
      for (const projection of filling) projection.fillTriggerTables?.(live);
      writeCheckpoint(live, PROJECTOR_CHECKPOINT, position);
      live.exec('COMMIT');
    } catch (error) {
      live.exec('ROLLBACK');
      throw error;
    }
    live.exec('DETACH DATABASE rebuilt');
    // The swap wrote the whole read models to the WAL: fold it into the file now, here, rather than leave
    // a running server to do it on its next commit, stalling its requests for seconds.
    live.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    live.close();
    replayed.db.close();
    removeDatabase(scratch);
  }
  return { events, position, elapsedMs: performance.now() - started, replayMs: replayed.elapsedMs, leftoversRemoved };
}

/** Where the rebuild run by process `pid` replays the log: beside the live read models, named by its pid. */
export function rebuildScratchFile(readModelFile: string, pid: number): string {
  return `${readModelFile}.rebuild-${pid}`;
}

/**
 * Removes what killed rebuilds left: the scratch files of processes no longer running (a rebuild removes
 * its own when it ends, but not when it is killed). A scratch file whose process is alive is a rebuild
 * still under way, and is kept. Called when a server opens the read models and when a rebuild starts.
 * Returns the files removed.
 */
export function removeRebuildLeftovers(readModelFile: string): string[] {
  const folder = dirname(readModelFile);
  const scratch = new RegExp(`^${escapeRegExp(basename(readModelFile))}\\.rebuild-(\\d+)(?:-wal|-shm|-journal)?$`);
  let names: string[];
  try {
    names = readdirSync(folder);
  } catch {
    return []; // no folder yet: nothing was ever rebuilt here
  }
  const removed: string[] = [];
  for (const name of names) {
    const pid = Number(scratch.exec(name)?.[1]);
    if (!Number.isSafeInteger(pid) || pid <= 0 || isRunning(pid)) continue;
    rmSync(join(folder, name), { force: true });
    removed.push(name);
  }
  return removed;
}

/** Whether a process with this id exists (signal 0 checks without sending anything). */
function isRunning(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, under another user. Only ESRCH says there is no such process.
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function removeDatabase(file: string): void {
  for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(`${file}${suffix}`, { force: true });
}
