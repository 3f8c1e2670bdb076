import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sqliteEventStoreFile } from '../create-event-store';
import { EventStoreUnavailableError } from '../errors';
import type { RecordedEvent } from '../event-store';
import { collect, describeEventStoreContract, newEvent } from '../testing/event-store.contract';
import { appendWalPadding } from '../testing/wal-padding';
import { SqliteEventStore } from './sqlite-event-store';

const dataDirs: string[] = [];
let dataDir = '';

beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'team-inbox-sqlite-'));
  dataDirs.push(dataDir);
});
afterAll(() => {
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
});

const open = async (): Promise<SqliteEventStore> => new SqliteEventStore({ filename: sqliteEventStoreFile(dataDir) });

describeEventStoreContract('SqliteEventStore', {
  open,
  reopen: open,
  childEnvironment: () => ({ EVENT_STORE: 'sqlite', DATA_DIR: dataDir }),
});

describe('SqliteEventStore (embedded specifics)', () => {
  let store: SqliteEventStore;
  afterEach(async () => {
    await store?.close();
  });

  it('gives the event loop a turn between the pages of a catch-up', async () => {
    store = new SqliteEventStore({ filename: sqliteEventStoreFile(dataDir), pageSize: 100 });
    for (let i = 0; i < 10; i++) {
      await store.append(
        `s-${i}`,
        Array.from({ length: 100 }, () => newEvent('Counted')),
        {
          expectedRevision: 'no_stream',
        },
      );
    }
    let deliveredBeforeATurn: number | undefined;
    let delivered = 0;
    setImmediate(() => (deliveredBeforeATurn = delivered));
    const subscription = store.subscribeToAll({ fromPosition: 0n });
    for await (const _ of subscription) if (++delivered === 1000) break;
    await subscription.close();
    // Without the turn, all 1,000 would be delivered before a timer or a request could run.
    expect(deliveredBeforeATurn).toBe(100);
  });

  it('keeps its log in a WAL-mode file, as the durability promise needs', async () => {
    store = await open();
    const probe = new Database(sqliteEventStoreFile(dataDir), { readonly: true });
    try {
      expect(probe.pragma('journal_mode', { simple: true })).toBe('wal');
    } finally {
      probe.close();
    }
  });

  it('refuses to open where WAL is impossible rather than run without it', () => {
    expect(() => new SqliteEventStore({ filename: ':memory:' })).toThrow(/cannot be opened as a durable event store/);
  });

  it('shares one commit among appends that arrive together (group commit)', async () => {
    store = await open();
    await Promise.all(
      Array.from({ length: 64 }, (_, i) => store.append(`group-${i}`, [newEvent()], { expectedRevision: 'no_stream' })),
    );
    expect(store.stats()).toEqual({ commits: 1, appendsCommitted: 64 });

    await store.append('group-0', [newEvent()], { expectedRevision: 0n });
    expect(store.stats()).toEqual({ commits: 2, appendsCommitted: 65 });
  });

  it('tells its commit listeners how long each commit took and how many appends it carried', async () => {
    store = await open();
    const commits: [number, number][] = [];
    const stopListening = store.onCommit((durationMs, appends) => commits.push([durationMs, appends]));
    await Promise.all(
      Array.from({ length: 8 }, (_, i) => store.append(`timed-${i}`, [newEvent()], { expectedRevision: 'no_stream' })),
    );
    stopListening();
    await store.append('timed-0', [newEvent()], { expectedRevision: 0n });

    expect(commits).toEqual([[expect.any(Number), 8]]);
    expect(commits[0][0]).toBeGreaterThan(0);
  });

  it('folds the WAL into the database file from a worker thread, not on the committing connection', async () => {
    store = await open();
    const file = sqliteEventStoreFile(dataDir);
    const sizeBefore = statSync(file).size;
    await appendWalPadding(store);
    // Far below the writer's own autocheckpoint threshold: only the worker moves pages into the file.
    expect(await fileSizeAfterFolding(file, sizeBefore + 200 * 1000)).toBeGreaterThan(sizeBefore + 200 * 1000);
  });

  it('leaves the WAL to its opener when opened with checkpoints by-opener: no thread, no fold on commit', async () => {
    store = new SqliteEventStore({ filename: sqliteEventStoreFile(dataDir), checkpoints: 'by-opener' });
    const file = sqliteEventStoreFile(dataDir);
    const sizeBefore = statSync(file).size;
    await appendWalPadding(store);
    expect(await fileSizeAfterFolding(file, sizeBefore, 1000)).toBe(sizeBefore);
  });

  it('commits in a thread of its own: the event loop runs on while a commit waits for the disk', async () => {
    store = await open();
    // Another connection holds the write lock: the commit waits for it, as it would for a slow fsync.
    const lockHolder = new Database(sqliteEventStoreFile(dataDir));
    try {
      lockHolder.exec('BEGIN IMMEDIATE');
      let answered = false;
      const appended = store.append('waiting', [newEvent()], { expectedRevision: 'no_stream' }).finally(() => {
        answered = true;
      });
      // On the event loop, the commit would hold this timer up until the lock's 5-s busy timeout had passed.
      const timerFired = await new Promise<number>((resolve) => {
        const started = performance.now();
        setTimeout(() => resolve(performance.now() - started), 200);
      });
      expect(timerFired).toBeLessThan(1000);
      expect(answered).toBe(false);

      lockHolder.exec('COMMIT');
      await expect(appended).resolves.toMatchObject({ nextRevision: 0n });
      expect(await collect(store.readStream('waiting'))).toHaveLength(1);
    } finally {
      lockHolder.close();
    }
  });

  it('fails every append of a commit that cannot be written as the store being unavailable, and takes the next', async () => {
    store = new SqliteEventStore({ filename: sqliteEventStoreFile(dataDir), maxPageCount: 64 });
    const big = { text: 'x'.repeat(512 * 1024) };
    const refused = await Promise.allSettled([
      store.append('full-0', [newEvent('Big', big)], { expectedRevision: 'no_stream' }),
      store.append('full-1', [newEvent()], { expectedRevision: 'no_stream' }),
    ]);
    expect(refused.map((outcome) => outcome.status)).toEqual(['rejected', 'rejected']);
    for (const outcome of refused) {
      expect((outcome as PromiseRejectedResult).reason).toBeInstanceOf(EventStoreUnavailableError);
      expect(String((outcome as PromiseRejectedResult).reason)).toMatch(/cannot write: database or disk is full/);
    }
    expect(await collect(store.readAll())).toEqual([]);

    await expect(store.append('full-1', [newEvent()], { expectedRevision: 'no_stream' })).resolves.toMatchObject({
      nextRevision: 0n,
    });
  });

  it('takes no appends when opened read-only, and reads what the writer commits', async () => {
    store = await open();
    const reader = new SqliteEventStore({ filename: sqliteEventStoreFile(dataDir), readOnly: true });
    try {
      await expect(reader.append('read-only', [newEvent()], { expectedRevision: 'no_stream' })).rejects.toThrow(
        /opened read-only/,
      );
      await store.append('written', [newEvent()], { expectedRevision: 'no_stream' });
      expect(await collect(reader.readAll())).toMatchObject([{ streamId: 'written' }]);
    } finally {
      await reader.close();
    }
  });

  it('still writes appends accepted before close', async () => {
    store = await open();
    const accepted = store.append('closing', [newEvent()], { expectedRevision: 'no_stream' });
    await store.close();
    await expect(accepted).resolves.toMatchObject({ nextRevision: 0n });

    store = await open();
    expect(await collect(store.readStream('closing'))).toHaveLength(1);
  });

  it('sees appends made by another process on the same file, live', async () => {
    store = await open();
    const other = await open();
    try {
      const subscription = store.subscribeToAll();
      const iterator = subscription[Symbol.asyncIterator]();
      const next = iterator.next();
      const event = newEvent('FromElsewhere');
      await other.append('elsewhere', [event], { expectedRevision: 'no_stream' });
      const result = await next;
      expect((result.value as RecordedEvent).id).toBe(event.id);
      await subscription.close();
    } finally {
      await other.close();
    }
  });
});

/** The file's size once it passes `expected`, or after `waitMs`. */
async function fileSizeAfterFolding(file: string, expected: number, waitMs = 5000): Promise<number> {
  const deadline = Date.now() + waitMs;
  while (statSync(file).size <= expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  return statSync(file).size;
}
