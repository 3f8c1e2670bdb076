/**
 * `npm run bench`: the whole server under load, and the command layer beside a peer, in one run.
 *
 * 1. In-process, without HTTP: the same command workload (start, assign, reassign, reply, close, reopen per
 *    conversation, 64 conversations in flight) through this project's command layer, through Emmett's
 *    SQLite event store (its configurations side by side), and through a bare better-sqlite3 loop.
 * 2. Over HTTP, the built server on the embedded store in a fresh DATA_DIR, seeded, driven over loopback
 *    with a mixed workload (30% commands, 70% queries) at offered loads that rise, then as fast as it goes;
 *    and with commands alone, likewise.
 * 3. The server started on a log of 1,000,000 events and 100,000 conversations, caught up, then loaded: its
 *    peak RSS.
 * It prints the tables, writes bench/results/bench.json and the latency plots bench/results/latency.svg (mixed)
 * and bench/results/latency-commands.svg (commands alone).
 * Speed is measured here, never in tests; these machines are noisy, so compare figures of one run.
 */
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { generateHistory } from '../libs/conversations/src/testing/generate-history';
import { SqliteEventStore, sqliteEventStoreFile } from '../libs/event-store/src';
import { runBareSqlite } from './support/bare-sqlite';
import type { WorkloadResult } from './support/command-workload';
import { runEmmettPeer } from './support/emmett-peer';
import {
  latencyPlotSvg,
  peakRssMb,
  runMixedLoad,
  seedInbox,
  type MixedLoadResult,
  type SeededInbox,
} from './support/mixed-load';
import { httpRequest } from './support/http-client';
import { runOurCommandLayer } from './support/our-command-layer';
import { startServerProcess, type ServerProcess } from './support/server-process';

const ADMIN_TOKEN = `bench-admin-token-${'0123456789abcdef'.repeat(2)}`;
const CONVERSATIONS_IN_PROCESS = Number(process.env.BENCH_CONVERSATIONS ?? 2000);
const IN_FLIGHT = 64;
const OFFERED = (process.env.BENCH_OFFERED ?? '100,250,400,500,1000,2000').split(',').map(Number);
/** Commands alone, offered at these rates: the goals' 1,000 (p99) and 3,000 (sustained) commands/s. */
const COMMANDS_OFFERED = (process.env.BENCH_COMMANDS_OFFERED ?? '1000,2000,3000').split(',').map(Number);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
/**
 * The goals' p99 is at 1,000 commands/s: measured over three steps' time, since one step's p99 turns on
 * the few full collections and slow disk syncs that happen to fall in it.
 */
const GOAL_RATE = 1000;
const GOAL_SECONDS = Number(process.env.BENCH_GOAL_SECONDS ?? 3 * SECONDS);
/**
 * At the step's load before it is measured: the first seconds of commands after the settle have a server's
 * worst p99 (its caches and the JIT still warming).
 */
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 5);
const BIG_LOG_CONVERSATIONS = Number(process.env.BENCH_BIG_CONVERSATIONS ?? 100_000);
const PORT = 3971;
/** Seconds a seeded server is left idle, once its read models show the whole log, before it is measured. */
const SETTLE_SECONDS = Number(process.env.BENCH_SETTLE_SECONDS ?? 10);

const log = (line = ''): void => void process.stdout.write(`${line}\n`);
const rate = (n: number): string => Math.round(n).toLocaleString('en-US');
const ms = (n: number): string => (n < 10 ? n.toFixed(2) : n.toFixed(0));

function freshDir(name: string): string {
  return mkdtempSync(join(process.env.BENCH_DIR ?? tmpdir(), `team-inbox-bench-${name}-`));
}

async function inDir<T>(name: string, run: (dir: string) => Promise<T> | T): Promise<T> {
  const dir = freshDir(name);
  try {
    return await run(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function peerComparison() {
  const options = { conversations: CONVERSATIONS_IN_PROCESS, inFlight: IN_FLIGHT };
  const sides: { name: string; result: WorkloadResult }[] = [];
  const run = async (name: string, measure: (dir: string) => Promise<WorkloadResult> | WorkloadResult) => {
    const result = await inDir('peer', measure);
    sides.push({ name, result });
    log(
      `  ${name.padEnd(52)} ${rate(result.commandsPerSecond).padStart(7)} commands/s  errors ${JSON.stringify(result.errors)}`,
    );
  };
  log(`In-process: ${rate(CONVERSATIONS_IN_PROCESS)} conversations × 6 commands, durable commits`);
  await run('team-inbox command layer, 64 in flight', (dir) => runOurCommandLayer(dir, options));
  // A connection per operation is slow, and with 64 in flight fails slowly (its leaked connections hold
  // locks): fewer conversations give its rate and its errors in seconds rather than minutes.
  const few = { conversations: Math.min(CONVERSATIONS_IN_PROCESS, 300) };
  await run('Emmett SQLite, default connections, 1 in flight (300 conv.)', (dir) =>
    runEmmettPeer(dir, { ...few, inFlight: 1, connection: 'per-operation' }),
  );
  await run('Emmett SQLite, default connections, 64 in flight (128 conv.)', (dir) =>
    runEmmettPeer(dir, { conversations: 128, inFlight: IN_FLIGHT, connection: 'per-operation' }),
  );
  await run('Emmett SQLite, one shared connection, 1 in flight', (dir) =>
    runEmmettPeer(dir, { ...options, inFlight: 1, connection: 'shared' }),
  );
  await run('Emmett SQLite, one shared connection, 64 in flight', (dir) =>
    runEmmettPeer(dir, { ...options, connection: 'shared' }),
  );
  await run('bare better-sqlite3, one transaction per command', (dir) =>
    runBareSqlite(dir, { conversations: CONVERSATIONS_IN_PROCESS }),
  );
  const ours = sides[0].result;
  const errorFree = sides.slice(1, 5).filter((side) => Object.keys(side.result.errors).length === 0);
  const best = errorFree.sort((a, b) => b.result.commandsPerSecond - a.result.commandsPerSecond)[0];
  const bare = sides[5].result;
  if (best)
    log(
      `  ours / Emmett's best error-free configuration (${best.name}): ${(ours.commandsPerSecond / best.result.commandsPerSecond).toFixed(1)}×`,
    );
  log(`  ours / bare one-transaction-per-command: ${(ours.commandsPerSecond / bare.commandsPerSecond).toFixed(1)}×`);
  return { sides, bestPeer: best?.name ?? null };
}

const TABLE_HEAD = [
  '| offered commands/s | commands/s | queries/s | p50 / p99 / p99.9 ms | due → sent p99 | projection lag p99 | commits | full collections | CPU: server a request, load generator | errors |',
  '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
].join('\n');

function loadRow(result: MixedLoadResult): string {
  const { all } = result.latency;
  const { commits, fullCollections } = result;
  const server =
    result.serverCpuMicrosPerRequest === undefined ? 'n/a' : `${Math.round(result.serverCpuMicrosPerRequest)} µs`;
  const threads = (result.serverThreadCpuMicrosPerRequest ?? []).map((micros) => Math.round(micros)).join(' / ');
  const cpu = `${server} (threads ${threads}), ${Math.round(result.clientCpuPercent)}% of a core`;
  return `| ${result.offeredCommandsPerSecond} | ${rate(result.commandsPerSecond)} | ${rate(result.queriesPerSecond)} | ${ms(all.p50)} / ${ms(all.p99)} / ${ms(all.p999)} | ${ms(result.sendDelay.p99)} ms | ≤ ${result.projectionLagP99AtMostMs} ms | ${rate(commits.count)}: p99.9 ≤ ${commits.p999AtMostMs} ms, ${commits.over5Ms} over 5 ms | ${fullCollections.count}: ${ms(fullCollections.pausesMs)} ms | ${cpu} | ${JSON.stringify(result.errors)} |`;
}

/** A built server in a fresh DATA_DIR, seeded with 20 members and 2,000 conversations over HTTP. */
async function withSeededServer<T>(
  name: string,
  port: number,
  run: (server: ServerProcess, seed: SeededInbox) => Promise<T>,
): Promise<T> {
  return inDir(name, async (dataDir) => {
    const server = await startServerProcess({ DATA_DIR: dataDir, INBOX_ADMIN_TOKEN: ADMIN_TOKEN }, port);
    try {
      const seed = await seedInbox(server.baseUrl, ADMIN_TOKEN, { members: 20, conversations: 2000 });
      await settle(server);
      return await run(server, seed);
    } finally {
      await server.stop();
    }
  });
}

/**
 * Until the read models show the whole seeded log, then SETTLE_SECONDS more. The seeding leaves much WAL
 * to fold in: measured straight after it, the first step's p99 is worse than the same load's a step later.
 */
async function settle(server: ServerProcess): Promise<void> {
  for (;;) {
    const metrics = (await httpRequest(`${server.baseUrl}/metrics`, { token: ADMIN_TOKEN })).body;
    if (/^team_inbox_projection_lag_events 0$/m.test(metrics)) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  await new Promise((resolve) => setTimeout(resolve, SETTLE_SECONDS * 1000));
  flushDisk();
}

/**
 * Writes every dirty page out before a part is measured: the parts before it (a log seeded, a server's
 * files deleted) leave dirty pages for the kernel to write back soon after, on the disk the commits sync to.
 */
function flushDisk(): void {
  execFileSync('sync');
}

/** One step a rate, then as fast as it goes, each printed as a row of the table. */
async function rateSteps(
  server: ServerProcess,
  seed: SeededInbox,
  offered: readonly number[],
  commandShare?: number,
): Promise<MixedLoadResult[]> {
  log(TABLE_HEAD);
  const results: MixedLoadResult[] = [];
  for (const commandsPerSecond of [...offered, 'max' as const]) {
    const result = await runMixedLoad(server.baseUrl, seed, {
      durationSeconds: commandsPerSecond === GOAL_RATE ? GOAL_SECONDS : SECONDS,
      warmupSeconds: WARMUP_SECONDS,
      commandsPerSecond,
      connections: commandsPerSecond === 'max' ? 32 : 64,
      commandShare,
      serverPid: server.child.pid,
    });
    results.push(result);
    log(loadRow(result));
  }
  return results;
}

async function httpLoad() {
  return withSeededServer('http', PORT, async (server, seed) => {
    log('');
    log(
      `Over HTTP: mixed load, 30% commands, 70% queries; ${SECONDS} s a step (${GOAL_SECONDS} s at ${GOAL_RATE}) after a ${WARMUP_SECONDS}-s warm-up`,
    );
    const mixed = await rateSteps(server, seed, OFFERED);
    log('');
    log('Per route at 1,000 offered commands/s: p50 / p99 / p99.9 ms');
    const atThousand = mixed.find((result) => result.offeredCommandsPerSecond === 1000);
    for (const [route, summary] of Object.entries(atThousand?.routes ?? {})) {
      log(`  ${route.padEnd(52)} ${ms(summary.p50)} / ${ms(summary.p99)} / ${ms(summary.p999)}`);
    }
    return { mixed, peakRssMb: peakRssMb(server.child.pid!) };
  });
}

/**
 * Commands alone, on a server of their own, seeded as the mixed one: after the mixed load's overloaded steps
 * (tens of thousands of requests left unanswered), the same server would be measured in another state.
 */
async function httpCommandsAlone() {
  return withSeededServer('http-commands', PORT + 2, async (server, seed) => {
    log('');
    log(
      `Over HTTP: commands alone; ${SECONDS} s a step (${GOAL_SECONDS} s at ${GOAL_RATE}) after a ${WARMUP_SECONDS}-s warm-up`,
    );
    const commandsAlone = await rateSteps(server, seed, COMMANDS_OFFERED, 1);
    const commandsOnly = commandsAlone[commandsAlone.length - 1];
    log(
      `Commands alone, as fast as they go: ${rate(commandsOnly.commandsPerSecond)} commands/s, p99 ${ms(commandsOnly.latency.all.p99)} ms`,
    );
    return { commandsAlone, commandsOnly, peakRssMb: peakRssMb(server.child.pid!) };
  });
}

async function bigLog() {
  return inDir('big-log', async (dataDir) => {
    const store = new SqliteEventStore({ filename: sqliteEventStoreFile(dataDir) });
    const history = await generateHistory(store, {
      conversations: BIG_LOG_CONVERSATIONS,
      members: 50,
      eventsPerConversation: 10,
    });
    await store.close();
    const started = performance.now();
    const server = await startServerProcess({ DATA_DIR: dataDir, INBOX_ADMIN_TOKEN: ADMIN_TOKEN }, PORT + 1);
    try {
      for (;;) {
        const health = (await (await fetch(`${server.baseUrl}/health`)).json()) as {
          projectionPosition: string;
          processManagers: Record<string, string>;
        };
        const positions = [health.projectionPosition, ...Object.values(health.processManagers)];
        if (positions.every((position) => BigInt(position) >= BigInt(history.events))) break;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      const catchUpSeconds = (performance.now() - started) / 1000;
      const seed = await seedInbox(server.baseUrl, ADMIN_TOKEN, { members: 20, conversations: 500 });
      const load = await runMixedLoad(server.baseUrl, seed, {
        durationSeconds: SECONDS,
        commandsPerSecond: 250,
        connections: 64,
      });
      const peak = peakRssMb(server.child.pid!);
      log('');
      log(
        `A log of ${rate(history.events)} events, ${rate(BIG_LOG_CONVERSATIONS)} conversations: the server caught up in ${catchUpSeconds.toFixed(0)} s (answering meanwhile); then 250 commands/s mixed: p99 ${ms(load.latency.all.p99)} ms. Peak RSS ${peak.toFixed(0)} MB`,
      );
      return { events: history.events, conversations: BIG_LOG_CONVERSATIONS, catchUpSeconds, load, peakRssMb: peak };
    } finally {
      await server.stop();
    }
  });
}

/** The parts, in the order a full run takes them. */
const PARTS = {
  peer: peerComparison,
  mixed: httpLoad,
  commands: httpCommandsAlone,
  big: bigLog,
} as const;
type Part = keyof typeof PARTS;
type PartResults = { [P in Part]: Awaited<ReturnType<(typeof PARTS)[P]>> };

/** `BENCH_ONLY`'s names for one part, or two (http: the mixed load, then commands alone). */
const ONLY: Record<string, readonly Part[]> = {
  peer: ['peer'],
  http: ['mixed', 'commands'],
  commands: ['commands'],
  big: ['big'],
};

/**
 * Each part runs in a process of its own, started fresh: the load generator shares the two cores with the
 * server, and in one process for the whole run it carried the parts before into the next (the in-process
 * comparison's heap, the mixed load's overloaded steps), collecting their garbage while it sent requests.
 */
async function runPartProcess<P extends Part>(part: P): Promise<PartResults[P]> {
  const resultFile = join(freshDir('part'), 'result.json');
  try {
    const child = spawn(process.execPath, [...process.execArgv, __filename], {
      env: { ...process.env, BENCH_PART: part, BENCH_PART_RESULT: resultFile },
      stdio: 'inherit',
    });
    const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
    if (code !== 0) throw new Error(`The benchmark's ${part} part failed (${signal ?? `exit code ${code}`})`);
    return JSON.parse(readFileSync(resultFile, 'utf8')) as PartResults[P];
  } finally {
    rmSync(dirname(resultFile), { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const part = process.env.BENCH_PART as Part | undefined;
  if (part) {
    const result = await PARTS[part]();
    writeFileSync(process.env.BENCH_PART_RESULT!, JSON.stringify(result));
    return;
  }
  log(`team-inbox benchmark: Node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown CPU'})`);
  const only = process.env.BENCH_ONLY; // peer, http, commands or big: one part, while working on it
  if (only && !ONLY[only]) throw new Error(`BENCH_ONLY: one of ${Object.keys(ONLY).join(', ')}`);
  const ran: Partial<Record<Part, unknown>> = {};
  for (const name of only ? ONLY[only] : (Object.keys(PARTS) as Part[])) ran[name] = await runPartProcess(name);
  if (only) return;
  const { peer, mixed: http, commands: httpCommands, big } = ran as PartResults;

  const results = join(__dirname, 'results');
  mkdirSync(results, { recursive: true });
  const points = (series: readonly MixedLoadResult[]) =>
    series.flatMap((result) =>
      result.offeredCommandsPerSecond === 'max'
        ? []
        : [{ offeredCommandsPerSecond: result.offeredCommandsPerSecond, ...result.latency.all }],
    );
  writeFileSync(
    join(results, 'latency.svg'),
    latencyPlotSvg(points(http.mixed), 'team-inbox over HTTP, 30% commands: latency against offered load', {
      targetMs: 10,
    }),
  );
  writeFileSync(
    join(results, 'latency-commands.svg'),
    latencyPlotSvg(
      points(httpCommands.commandsAlone),
      'team-inbox over HTTP, commands alone: latency against offered load',
      {
        targetMs: 10,
      },
    ),
  );
  writeFileSync(
    join(results, 'bench.json'),
    `${JSON.stringify({ measuredAt: new Date().toISOString(), node: process.version, cores: cpus().length, peer, http, httpCommands, big }, null, 2)}\n`,
  );
  log('');
  log('Wrote bench/results/bench.json, bench/results/latency.svg and bench/results/latency-commands.svg');
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
