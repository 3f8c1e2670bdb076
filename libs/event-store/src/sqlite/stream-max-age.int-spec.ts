/**
 * Streams with a maximum age (`AppendOptions.maxAgeMs`) on the embedded store: the sweep removes their
 * events past it, in slices, and nothing else; no position is handed out twice.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sqliteEventStoreFile } from '../create-event-store';
import { InvalidAppendError } from '../errors';
import { collect, newEvent } from '../testing/event-store.contract';
import { SqliteEventStore } from './sqlite-event-store';

const MINUTE_MS = 60 * 1000;
const HOUR_MS = 60 * MINUTE_MS;

describe('SqliteEventStore: streams with a maximum age', () => {
  let dataDir: string;
  let store: SqliteEventStore;
  let now: number;
  const open = () =>
    new SqliteEventStore({ filename: sqliteEventStoreFile(dataDir), now: () => now, expirySweepIntervalMs: 0 });

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'team-inbox-max-age-'));
    now = Date.now();
    store = open();
  });
  afterEach(async () => {
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const streamsWithMaxAge = (): number => {
    const db = new Database(sqliteEventStoreFile(dataDir), { readonly: true });
    try {
      return (db.prepare('SELECT count(*) AS n FROM stream_max_ages').get() as { n: number }).n;
    } finally {
      db.close();
    }
  };

  it('removes the events past their age, and only them; positions are never handed out again', async () => {
    await store.append('record-1', [newEvent('Recorded')], { expectedRevision: 'no_stream', maxAgeMs: HOUR_MS });
    await store.append('conversation-1', [newEvent('Started')], { expectedRevision: 'no_stream' });
    await store.append('record-2', [newEvent('Recorded')], { expectedRevision: 'no_stream', maxAgeMs: 2 * HOUR_MS });
    const tail = await store.append('conversation-1', [newEvent('Closed')], { expectedRevision: 0n });

    expect(await store.removeExpiredEvents()).toBe(0); // none old enough yet
    now += HOUR_MS + MINUTE_MS; // past the age of what was appended since the test began
    expect(await store.removeExpiredEvents()).toBe(1);
    expect((await collect(store.readAll())).map((event) => event.streamId)).toEqual([
      'conversation-1',
      'record-2',
      'conversation-1',
    ]);
    expect(await collect(store.readStream('record-1'))).toEqual([]);
    expect(streamsWithMaxAge()).toBe(1); // record-1, emptied, is forgotten

    now += HOUR_MS;
    expect(await store.removeExpiredEvents()).toBe(1);
    expect(streamsWithMaxAge()).toBe(0);
    const next = await store.append('record-1', [newEvent('Recorded')], { expectedRevision: 'no_stream' });
    expect(next.position).toBeGreaterThan(tail.position);
  });

  it('keeps the log’s last event, even past its age, until another follows it', async () => {
    await store.append('conversation-1', [newEvent('Started')], { expectedRevision: 'no_stream' });
    const last = await store.append('record-1', [newEvent('Recorded')], {
      expectedRevision: 'no_stream',
      maxAgeMs: HOUR_MS,
    });
    now += 2 * HOUR_MS;
    expect(await store.removeExpiredEvents()).toBe(0);
    expect(await store.headPosition()).toBe(last.position);

    const after = await store.append('conversation-1', [newEvent('Closed')], { expectedRevision: 0n });
    expect(after.position).toBeGreaterThan(last.position); // SQLite would have reused it, had it been removed
    expect(await store.removeExpiredEvents()).toBe(1);
    expect(await collect(store.readStream('record-1'))).toEqual([]);
  });

  it('sweeps any number of streams, a slice at a time', async () => {
    const streams = 1_234;
    await Promise.all(
      Array.from({ length: streams }, (_, i) =>
        store.append(`record-${i}`, [newEvent('Recorded')], { expectedRevision: 'no_stream', maxAgeMs: HOUR_MS }),
      ),
    );
    await store.append('conversation-1', [newEvent('Started')], { expectedRevision: 'no_stream' });
    now += HOUR_MS + MINUTE_MS; // past the age of what was appended since the test began
    expect(await store.removeExpiredEvents()).toBe(streams);
    expect((await collect(store.readAll())).map((event) => event.streamId)).toEqual(['conversation-1']);
    expect(streamsWithMaxAge()).toBe(0);
  });

  it('refuses a maximum age that is not a positive whole number of milliseconds', async () => {
    for (const maxAgeMs of [0, -1, 1.5, Number.NaN]) {
      await expect(
        store.append('record-1', [newEvent('Recorded')], { expectedRevision: 'no_stream', maxAgeMs }),
      ).rejects.toThrow(InvalidAppendError);
    }
    expect(await store.headPosition()).toBeUndefined();
  });

  it('adds what it keeps the ages in to a file written before it, which a sweep then uses', async () => {
    await store.close();
    const db = new Database(sqliteEventStoreFile(dataDir));
    db.exec('DROP TABLE stream_max_ages');
    db.close();
    store = open();
    await store.append('conversation-1', [newEvent('Started')], { expectedRevision: 'no_stream' });
    await store.append('record-1', [newEvent('Recorded')], { expectedRevision: 'no_stream', maxAgeMs: HOUR_MS });
    await store.append('conversation-1', [newEvent('Closed')], { expectedRevision: 0n });
    now += HOUR_MS + MINUTE_MS; // past the age of what was appended since the test began
    expect(await store.removeExpiredEvents()).toBe(1);
  });
});
