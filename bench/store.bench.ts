/**
 * `npm run bench:store`: the event store's own speed, side by side with raw better-sqlite3 on the same disk.
 *
 * Each measurement runs ROUNDS times, interleaved, in fresh files; the table shows medians. The raw rate is
 * the ceiling for what group commit can reach: plain INSERTs into the same table and indexes, in
 * transactions of 64 rows (as many as 64 concurrent writers can share) with the same WAL and
 * synchronous=FULL durability.
 */
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from '../libs/event-store/src/sqlite/sqlite-event-store';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);
const READ_EVENTS = Number(process.env.BENCH_READ_EVENTS ?? 200_000);
const payload = { conversationId: randomUUID(), body: 'Hello, I would like to know where my order is.', n: 0 };

type Measurement = { name: string; unit: string; run: (dir: string) => Promise<number> };

function open(dir: string): SqliteEventStore {
  return new SqliteEventStore({ filename: join(dir, 'events.sqlite') });
}

/** Appends single events from `writers` concurrent writers, each to its own stream, for SECONDS. */
async function appendRate(dir: string, writers: number): Promise<number> {
  const store = open(dir);
  // Before the clock: the first append starts the store's writer thread.
  await store.append('bench-warm-up', [{ id: randomUUID(), type: 'WarmedUp', data: {} }], { expectedRevision: 'any' });
  const deadline = performance.now() + SECONDS * 1000;
  let appended = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: writers }, async (_, writer) => {
      const streamId = `bench-${writer}`;
      for (let revision = -1n; performance.now() < deadline; revision++) {
        await store.append(streamId, [{ id: randomUUID(), type: 'MessageSent', data: payload }], {
          expectedRevision: revision < 0n ? 'no_stream' : revision,
        });
        appended++;
      }
    }),
  );
  const rate = appended / ((performance.now() - started) / 1000);
  await store.close();
  return rate;
}

async function readAllRate(dir: string): Promise<number> {
  const store = open(dir);
  const batch = Array.from({ length: 100 }, () => ({ id: '', type: 'MessageSent', data: payload }));
  for (let i = 0; i < READ_EVENTS / 100; i++) {
    await store.append(
      `read-${i}`,
      batch.map((e) => ({ ...e, id: randomUUID() })),
      { expectedRevision: 'no_stream' },
    );
  }
  const started = performance.now();
  let read = 0;
  for await (const event of store.readAll()) if (event.position > 0n) read++;
  const rate = read / ((performance.now() - started) / 1000);
  await store.close();
  return rate;
}

/** Raw better-sqlite3: the same table, `rowsPerTransaction` single-row INSERTs per commit. */
async function rawBatchedRate(dir: string, rowsPerTransaction: number): Promise<number> {
  const store = open(dir); // creates the same schema
  await store.close();
  const db = new Database(join(dir, 'events.sqlite'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  const insert = db.prepare(
    'INSERT INTO events (stream_id, revision, event_id, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  const revisions = new Array<number>(64).fill(0);
  const commit = db.transaction((rows: number) => {
    for (let i = 0; i < rows; i++) {
      const stream = i % 64;
      insert.run(
        `raw-${stream}`,
        revisions[stream]++,
        randomUUID(),
        'MessageSent',
        JSON.stringify(payload),
        '{}',
        Date.now(),
      );
    }
  });
  const deadline = performance.now() + SECONDS * 1000;
  const started = performance.now();
  let inserted = 0;
  while (performance.now() < deadline) {
    commit(rowsPerTransaction);
    inserted += rowsPerTransaction;
  }
  const rate = inserted / ((performance.now() - started) / 1000);
  db.close();
  return rate;
}

const measurements: Measurement[] = [
  { name: 'append, 1 writer (single-event appends)', unit: 'events/s', run: (dir) => appendRate(dir, 1) },
  { name: 'append, 64 concurrent writers (single-event appends)', unit: 'events/s', run: (dir) => appendRate(dir, 64) },
  { name: 'readAll', unit: 'events/s', run: readAllRate },
  { name: 'raw better-sqlite3, 64 rows per transaction', unit: 'rows/s', run: (dir) => rawBatchedRate(dir, 64) },
  { name: 'raw better-sqlite3, 1,000 rows per transaction', unit: 'rows/s', run: (dir) => rawBatchedRate(dir, 1000) },
];

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

async function main(): Promise<void> {
  const root = mkdtempSync(join(process.env.BENCH_DIR ?? tmpdir(), 'team-inbox-bench-store-'));
  const samples = new Map<string, number[]>(measurements.map((m) => [m.name, []]));
  try {
    for (let round = 1; round <= ROUNDS; round++) {
      for (const measurement of measurements) {
        const dir = join(root, `${round}-${samples.get(measurement.name)!.length}-${measurement.unit.length}`);
        mkdirSync(dir, { recursive: true });
        samples.get(measurement.name)!.push(await measurement.run(dir));
        rmSync(dir, { recursive: true, force: true });
      }
      process.stderr.write(`round ${round}/${ROUNDS} done\n`);
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }

  const medians = new Map([...samples].map(([name, values]) => [name, median(values)]));
  const format = (n: number): string => Math.round(n).toLocaleString('en-US');
  const rows = measurements.map((m) => `| ${m.name} | ${format(medians.get(m.name)!)} ${m.unit} |`);
  const concurrent = medians.get(measurements[1].name)!;
  const raw64 = medians.get(measurements[3].name)!;
  const ratio = concurrent / raw64;

  process.stdout.write(
    [
      `Event store benchmark: ${ROUNDS} rounds of ${SECONDS} s, medians; ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}`,
      '',
      '| measurement | median |',
      '| --- | --- |',
      ...rows,
      '',
      `64 concurrent writers reach ${(ratio * 100).toFixed(0)}% of the raw 64-rows-per-transaction rate (goal: at least 50%),`,
      `and ${((concurrent / medians.get(measurements[4].name)!) * 100).toFixed(0)}% of the raw 1,000-rows-per-transaction rate, which no commit of at most 64 appends can reach.`,
      '',
    ].join('\n'),
  );
  const resultsDir = join(__dirname, 'results');
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(
    join(resultsDir, 'store.json'),
    `${JSON.stringify({ at: new Date().toISOString(), node: process.version, rounds: ROUNDS, seconds: SECONDS, samples: Object.fromEntries(samples), medians: Object.fromEntries(medians), ratio }, null, 2)}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
