import type Database from 'better-sqlite3';
import { InMemoryEventStore, type RecordedEvent } from '@team-inbox/event-store';
import { randomUUID } from 'node:crypto';
import type { Projection } from './projection';
import { PROJECTOR_CHECKPOINT, Projector } from './projector';
import { openReadModelDatabase, readCheckpoint } from './read-model-database';

/** Counts events per stream: applying one twice would show. */
class CountingProjection implements Projection {
  readonly name = 'counting';
  readonly tables = ['counts'];
  failOn: string | undefined;

  setUp(db: Database.Database): void {
    db.exec('CREATE TABLE IF NOT EXISTS counts (stream TEXT PRIMARY KEY, n INTEGER NOT NULL)');
  }

  apply(event: RecordedEvent, db: Database.Database): void {
    if (event.type === this.failOn) throw new Error('projection bug');
    db.prepare('INSERT INTO counts (stream, n) VALUES (?, 1) ON CONFLICT (stream) DO UPDATE SET n = n + 1').run(
      event.streamId,
    );
  }
}

const silent = { error: jest.fn() };
const counts = (db: Database.Database) =>
  db.prepare<[], { stream: string; n: number }>('SELECT stream, n FROM counts ORDER BY stream').all();

describe('Projector', () => {
  let store: InMemoryEventStore;
  let db: Database.Database;
  const append = (streamId: string, type = 'Counted') =>
    store.append(streamId, [{ id: randomUUID(), type, data: {} }], { expectedRevision: 'any' });

  beforeEach(() => {
    store = new InMemoryEventStore();
    db = openReadModelDatabase(':memory:');
  });
  afterEach(async () => {
    await store.close();
    db.close();
  });

  it('applies every event once and keeps the checkpoint beside the effect', async () => {
    await append('a');
    await append('b');
    const projector = new Projector(store, db, [new CountingProjection()], silent, 10);
    projector.start();
    const { position } = await append('a');
    expect(await projector.waitFor(position, 1000)).toBe(true);
    await projector.stop();

    expect(counts(db)).toEqual([
      { stream: 'a', n: 2 },
      { stream: 'b', n: 1 },
    ]);
    expect(readCheckpoint(db, PROJECTOR_CHECKPOINT)).toBe(position);
    expect(projector.checkpoint).toBe(position);
  });

  it('resumes after a restart from its checkpoint, applying nothing twice', async () => {
    await append('a');
    const first = new Projector(store, db, [new CountingProjection()], silent, 10);
    first.start();
    await first.waitFor(1n, 1000);
    await first.stop();

    const { position } = await append('a');
    const second = new Projector(store, db, [new CountingProjection()], silent, 10);
    second.start();
    await second.waitFor(position, 1000);
    await second.stop();
    expect(counts(db)).toEqual([{ stream: 'a', n: 2 }]);
  });

  it('never applies an event twice when two projectors share the read models', async () => {
    const projectors = [0, 1].map(() => new Projector(store, db, [new CountingProjection()], silent, 10));
    projectors.forEach((p) => p.start());
    let last = 0n;
    for (let i = 0; i < 50; i++) last = (await append(`s${i % 3}`)).position;
    await Promise.all(projectors.map((p) => p.waitFor(last, 2000)));
    await Promise.all(projectors.map((p) => p.stop()));
    expect(counts(db).reduce((sum, row) => sum + row.n, 0)).toBe(50);
  });

  it('rolls back an event whose projection fails, and retries it from the checkpoint', async () => {
    const projection = new CountingProjection();
    projection.failOn = 'Poison';
    await append('a');
    const { position } = await append('a', 'Poison');
    const projector = new Projector(store, db, [projection], silent, 10);
    projector.start();
    await projector.waitFor(1n, 1000);
    for (let waited = 0; !silent.error.mock.calls.length && waited < 2000; waited += 10) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(silent.error).toHaveBeenCalled();
    expect(readCheckpoint(db, PROJECTOR_CHECKPOINT)).toBe(1n);

    projection.failOn = undefined; // the bug is fixed: the next attempt goes through
    expect(await projector.waitFor(position, 1000)).toBe(true);
    await projector.stop();
    expect(counts(db)).toEqual([{ stream: 'a', n: 2 }]);
  });

  it('applies live events delivered together in one transaction, before the event loop turns', async () => {
    const seen: (bigint | undefined)[] = [];
    const spying = new CountingProjection();
    const apply = spying.apply.bind(spying);
    spying.apply = (event, database) => {
      seen.push(readCheckpoint(database, PROJECTOR_CHECKPOINT));
      apply(event, database);
    };
    const projector = new Projector(store, db, [spying], silent, 10);
    projector.start();
    await new Promise((resolve) => setImmediate(resolve)); // subscribed, waiting for events
    const [, { position: second }] = await Promise.all([append('a'), append('b')]);
    // Committed before the next turn of the event loop, where requests would be served.
    await new Promise((resolve) => setImmediate(resolve));
    expect(readCheckpoint(db, PROJECTOR_CHECKPOINT)).toBe(second);
    await projector.stop();
    // Both saw the checkpoint from before them: one transaction, not one per event.
    expect(seen).toEqual([undefined, undefined]);
  });

  it('applies the events of a catch-up in batches, a transaction each, not one per event', async () => {
    for (let i = 0; i < 2500; i++) await append(`s${i % 7}`);
    // Inside its transaction, each event sees the checkpoint stored before its batch began.
    const seen = new Set<bigint | undefined>();
    const spying = new CountingProjection();
    const apply = spying.apply.bind(spying);
    spying.apply = (event, database) => {
      seen.add(readCheckpoint(database, PROJECTOR_CHECKPOINT));
      apply(event, database);
    };
    // Recorded "long ago": anything older than 0 ms is a catch-up.
    const projector = new Projector(store, db, [spying], silent, 10, 0);
    projector.start();
    expect(await projector.waitFor(2500n, 5000)).toBe(true);
    await projector.stop();
    expect(counts(db).reduce((sum, row) => sum + row.n, 0)).toBe(2500);
    expect(seen.size).toBeLessThanOrEqual(10);
  });
});
