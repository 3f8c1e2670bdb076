import type Database from 'better-sqlite3';
import { SqliteEventStore } from '@team-inbox/event-store';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Subject } from 'rxjs';
import type { AppliedEvent } from '../projection-progress';
import { PROJECTOR_CHECKPOINT } from '../projector';
import { openReadModelDatabase, readCheckpoint, writeCheckpoint } from '../read-model-database';
import { CountingProjection } from './testing/counting-projection';
import { ProjectorThread } from './projector-thread';

const counts = (db: Database.Database) =>
  db.prepare<[], { stream: string; n: number }>('SELECT stream, n FROM counts ORDER BY stream').all();

describe('ProjectorThread', () => {
  let dir: string;
  let store: SqliteEventStore;
  let db: Database.Database;
  let appends: Subject<void>;
  let thread: ProjectorThread;
  const logger = { error: jest.fn() };

  /** Appends one event and tells the thread, as the event store module does for every append. */
  const append = async (streamId: string) => {
    const result = await store.append(streamId, [{ id: randomUUID(), type: 'Counted', data: {} }], {
      expectedRevision: 'any',
    });
    appends.next();
    return result.position;
  };

  /** `pollIntervalMs`: how often the worker would look for appends it was not told of. */
  const startThread = (pollIntervalMs = 60_000) => {
    thread = new ProjectorThread(
      {
        eventStoreFile: store.filename,
        readModelFile: db.name,
        projectionsModule: join(__dirname, 'testing', 'counting-projection'),
        exportName: 'COUNTING_PROJECTIONS',
        pollIntervalMs,
      },
      db,
      appends,
      logger,
    );
    thread.start();
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'projector-thread-'));
    store = new SqliteEventStore({ filename: join(dir, 'events.sqlite'), checkpoints: 'on-commit' });
    db = openReadModelDatabase(join(dir, 'read-models.sqlite'));
    new CountingProjection().setUp(db);
    appends = new Subject<void>();
    logger.error.mockReset();
  });
  afterEach(async () => {
    await thread.stop();
    await store.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('applies the log in a worker thread and tells the main thread each event, once applied', async () => {
    await append('a');
    await append('b');
    startThread();
    const applied: AppliedEvent[] = [];
    thread.applied.subscribe((event) => applied.push(event));
    const last = await append('a');

    expect(await thread.waitFor(last, 10_000)).toBe(true);
    expect(counts(db)).toEqual([
      { stream: 'a', n: 2 },
      { stream: 'b', n: 1 },
    ]);
    expect(thread.checkpoint).toBe(last);
    expect(readCheckpoint(db, PROJECTOR_CHECKPOINT)).toBe(last);
    expect(applied.map((event) => event.streamId)).toContain('a');
    expect(applied[applied.length - 1]).toMatchObject({ position: last, streamId: 'a', type: 'Counted' });
    expect(applied[applied.length - 1].recordedAt).toBeInstanceOf(Date);
    expect(logger.error).not.toHaveBeenCalled();
  });

  it("is woken by this process's appends: it does not wait for its poll", async () => {
    startThread(60_000);
    expect(await thread.waitFor(await append('a'), 10_000)).toBe(true);
    expect(await thread.waitFor(await append('b'), 10_000)).toBe(true);
  });

  it('says it is at a position the read models hold once a wait finds it there, before its worker reports it', async () => {
    startThread(60_000);
    // Written by another writer of the read models (a rebuild's swap), not yet heard of from the worker.
    writeCheckpoint(db, PROJECTOR_CHECKPOINT, 42n);
    expect(await thread.waitFor(42n, 10_000)).toBe(true);
    // What a read says it shows (X-Projection-Position): at least what the wait found.
    expect(thread.checkpoint).toBeGreaterThanOrEqual(42n);
  });

  it('finds appends it was not told of (another process) at its poll', async () => {
    startThread(20);
    const position = (
      await store.append('x', [{ id: randomUUID(), type: 'Counted', data: {} }], { expectedRevision: 'any' })
    ).position;
    expect(await thread.waitFor(position, 10_000)).toBe(true);
  });

  it('starts a new worker from the checkpoint when its worker dies, applying nothing twice', async () => {
    startThread();
    expect(await thread.waitFor(await append('a'), 10_000)).toBe(true);
    await (thread as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
    await append('a');
    const last = await append('b');

    expect(await thread.waitFor(last, 10_000)).toBe(true);
    expect(counts(db)).toEqual([
      { stream: 'a', n: 2 },
      { stream: 'b', n: 1 },
    ]);
  });

  it('shares the read models with writers on the main thread without refusals (a process manager saving its checkpoint)', async () => {
    const streams = Array.from({ length: 40 }, (_, index) => `s${index}`);
    for (let round = 0; round < 50; round++) {
      await Promise.all(
        streams.map((stream) =>
          store.append(stream, [{ id: randomUUID(), type: 'Counted', data: {} }], { expectedRevision: 'any' }),
        ),
      );
    }
    const last = (await store.headPosition())!;
    startThread();
    // The main thread commits to the read models all the while the worker catches up, page by page.
    let writes = 0;
    const writing = setInterval(() => writeCheckpoint(db, 'main-thread-writer', BigInt(++writes)), 1);

    const caughtUp = await thread.waitFor(last, 30_000);
    clearInterval(writing);
    expect(caughtUp).toBe(true);
    expect(logger.error).not.toHaveBeenCalled();
    expect(counts(db).every(({ n }) => n === 50)).toBe(true);
    expect(writes).toBeGreaterThan(0);
  });
});
