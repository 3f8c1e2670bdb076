/**
 * `npm run bench:views`: the read side at scale. Writes a log of 1,000,000 events (100,000 conversations
 * across 50 members), then measures in one run:
 *   - the rebuild of the read models from the whole log (events/s);
 *   - p50 and p99 latency of GET /inbox and GET /conversations?view=unassigned, over HTTP, one at a time;
 *   - p50 and p99 latency of a search (GET /conversations?q=), over the kinds of text people search for;
 *   - the projection lag (append to read models) p99 while 1,000 commands/s arrive over HTTP.
 * Smaller runs for a quick look: BENCH_CONVERSATIONS=10000.
 */
import { generateHistory, ORDER_NUMBER_BASE } from '../libs/conversations/src/testing/generate-history';
import { SqliteEventStore, sqliteEventStoreFile } from '../libs/event-store/src/index';
import { issueToken } from '../libs/platform/src/tokens';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServerProcess } from './support/server-process';
import { httpRequest } from './support/http-client';
import { histogramBuckets, histogramPercentile, summarize } from './support/stats';

const CONVERSATIONS = Number(process.env.BENCH_CONVERSATIONS ?? 100_000);
const MEMBERS = 50;
const EVENTS_PER_CONVERSATION = 10;
const QUERY_SAMPLES = Number(process.env.BENCH_QUERY_SAMPLES ?? 3000);
const COMMAND_RATE = 1000;
const COMMAND_SECONDS = Number(process.env.BENCH_COMMAND_SECONDS ?? 10);
const ADMIN_TOKEN = `bench-admin-${'x'.repeat(40)}`;
const PORT = 3950;

const log = (line: string): void => void process.stderr.write(`${line}\n`);
const round = (n: number, digits = 2): number => Number(n.toFixed(digits));

/** Runs the rebuild command on `dataDir` and reads its closing line. */
async function runRebuildCommand(dataDir: string): Promise<{ events: number; seconds: number; replaySeconds: number }> {
  const script = join(__dirname, '..', 'apps', 'inbox-api', 'src', 'rebuild-projections.ts');
  const child = spawn(process.execPath, ['--max-semi-space-size=64', '-r', '@swc-node/register', script], {
    env: { ...process.env, DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  const match = /from ([\d,]+) events in ([\d.]+) s .*the replay ([\d.]+) s/.exec(output);
  if (code !== 0 || !match) throw new Error(`The rebuild failed (${code}): ${output}`);
  return { events: Number(match[1].replace(/,/g, '')), seconds: Number(match[2]), replaySeconds: Number(match[3]) };
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(process.env.BENCH_DIR ?? tmpdir(), 'team-inbox-bench-views-'));
  try {
    const tokens = Array.from({ length: MEMBERS }, () => issueToken());
    const store = new SqliteEventStore({ filename: sqliteEventStoreFile(dataDir) });
    const generationStarted = performance.now();
    let lastReport = 0;
    const history = await generateHistory(store, {
      conversations: CONVERSATIONS,
      members: MEMBERS,
      eventsPerConversation: EVENTS_PER_CONVERSATION,
      memberTokens: tokens,
      searchableText: true,
      onProgress: (events) => {
        if (events - lastReport >= 100_000) log(`  wrote ${(lastReport = events).toLocaleString('en-US')} events`);
      },
    });
    log(
      `Wrote ${history.events.toLocaleString('en-US')} events in ${((performance.now() - generationStarted) / 1000).toFixed(1)} s`,
    );

    // The rebuild as an operator runs it: `npm run projections:rebuild`, a process of its own.
    await store.close();
    const rebuild = await runRebuildCommand(dataDir);
    const rebuildRate = rebuild.events / rebuild.seconds;
    const replayRate = rebuild.events / rebuild.replaySeconds;
    log(
      `Rebuilt the read models: ${Math.round(rebuildRate).toLocaleString('en-US')} events/s (replay alone ${Math.round(replayRate).toLocaleString('en-US')})`,
    );

    const server = await startServerProcess({ DATA_DIR: dataDir, INBOX_ADMIN_TOKEN: ADMIN_TOKEN }, PORT);
    try {
      // A server new to this log first runs its process managers over all of it: measure once that is done.
      const caughtUpStarted = performance.now();
      for (;;) {
        const health = (await (await fetch(`${server.baseUrl}/health`)).json()) as {
          processManagers: Record<string, string>;
        };
        if (Object.values(health.processManagers).every((position) => BigInt(position) >= BigInt(history.events)))
          break;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      log(
        `The server's process managers caught up with the log in ${((performance.now() - caughtUpStarted) / 1000).toFixed(1)} s`,
      );
      const member = (i: number) => ({ id: history.memberIds[i], token: tokens[i].token });
      const timedGet = async (path: string, token: string): Promise<number> => {
        const started = performance.now();
        const response = await httpRequest(`${server.baseUrl}${path}`, { token });
        if (response.status !== 200) throw new Error(`${path}: ${response.status}`);
        return performance.now() - started;
      };
      const measure = async (path: (i: number) => string): Promise<ReturnType<typeof summarize>> => {
        for (let i = 0; i < 300; i++) await timedGet(path(i), member(i % MEMBERS).token); // warm-up
        const samples: number[] = [];
        for (let i = 0; i < QUERY_SAMPLES; i++) samples.push(await timedGet(path(i), member(i % MEMBERS).token));
        return summarize(samples);
      };
      const inbox = await measure(() => '/inbox');
      const unassigned = await measure(() => '/conversations?view=unassigned');
      log(`GET /inbox p50 ${inbox.p50.toFixed(2)} ms, p99 ${inbox.p99.toFixed(2)} ms`);
      log(
        `GET /conversations?view=unassigned p50 ${unassigned.p50.toFixed(2)} ms, p99 ${unassigned.p99.toFixed(2)} ms`,
      );
      // What people search a help desk for, in turn: an order number, a customer's full name, an email as
      // typed so far, a surname, a product and what went wrong with it, a surname's first letters.
      const searches = [
        (i: number) => `#${ORDER_NUMBER_BASE + ((i * 7919) % CONVERSATIONS)}`,
        (i: number) => ['Zoë Müller', 'ada adams', 'José García', 'Søren Lindqvist'][i % 4],
        (i: number) => ['ada.ad', 'omar.ros', 'wen.xu', 'priya.tan'][i % 4],
        (i: number) => ['Kowalski', 'nakamura', 'Eriksen', 'Yılmaz'][i % 4],
        (i: number) => ['refund scarf', 'missing gloves', 'wrong size boots', 'invoice lamp'][i % 4],
        (i: number) => ['sch', 'ber', 'tan', 'ros'][i % 4],
      ];
      const search = await measure(
        (i) => `/conversations?q=${encodeURIComponent(searches[i % searches.length](Math.floor(i / searches.length)))}`,
      );
      log(`GET /conversations?q= p50 ${search.p50.toFixed(2)} ms, p99 ${search.p99.toFixed(2)} ms`);

      // Commands at a steady 1,000/s (open loop: sent on schedule, whatever the answers' pace).
      const scrape = async () =>
        histogramBuckets(
          await (
            await fetch(`${server.baseUrl}/metrics`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
          ).text(),
          'team_inbox_projection_lag_seconds',
        );
      let commandNumber = 0;
      /** Sends commands at COMMAND_RATE for `seconds` (open loop: on schedule, whatever the answers' pace). */
      const driveCommands = async (seconds: number) => {
        const latencies: number[] = [];
        let failures = 0;
        let sent = 0;
        const total = COMMAND_RATE * seconds;
        const inFlight: Promise<void>[] = [];
        const started = performance.now();
        const send = (i: number): Promise<void> => {
          const actor = member(i % MEMBERS);
          const conversationId = history.conversationIds[(i * 7919) % history.conversationIds.length];
          const kind = i % 4;
          const [path, body] =
            kind === 0
              ? ['assign', { assigneeId: member((i * 31) % MEMBERS).id }]
              : kind === 1
                ? ['messages', { body: `Reply ${i}` }]
                : kind === 2
                  ? ['close', undefined]
                  : ['reopen', undefined];
          const t0 = performance.now();
          return httpRequest(`${server.baseUrl}/conversations/${conversationId}/${path}`, {
            method: 'POST',
            token: actor.token,
            body,
          }).then(
            (response) => {
              if (response.status >= 300) failures++;
              latencies.push(performance.now() - t0);
            },
            () => void failures++,
          );
        };
        while (sent < total) {
          const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * COMMAND_RATE));
          while (sent < due) {
            inFlight.push(send(commandNumber++));
            sent++;
          }
          await new Promise((resolve) => setTimeout(resolve, 1));
        }
        await Promise.all(inFlight);
        return { latencies, failures, total, elapsed: (performance.now() - started) / 1000 };
      };

      // Two seconds at the same rate first, unmeasured: the server's code is compiled and its caches warm.
      await driveCommands(2);
      const before = await scrape();
      const { latencies: commandLatencies, failures, total, elapsed } = await driveCommands(COMMAND_SECONDS);
      await new Promise((resolve) => setTimeout(resolve, 200));
      const after = await scrape();
      const lagP50 = histogramPercentile(before, after, 50) * 1000;
      const lagP99 = histogramPercentile(before, after, 99) * 1000;
      const commands = summarize(commandLatencies);
      log(
        `Commands: ${Math.round(total / elapsed)}/s sent, ${failures} failed; p50 ${commands.p50.toFixed(2)} ms, p99 ${commands.p99.toFixed(2)} ms`,
      );

      const rows = [
        ['rebuild, swap included', `${Math.round(rebuildRate).toLocaleString('en-US')} events/s`, '≥ 100,000 events/s'],
        ['rebuild, replay alone', `${Math.round(replayRate).toLocaleString('en-US')} events/s`, ''],
        ['GET /inbox p50 / p99', `${inbox.p50.toFixed(2)} / ${inbox.p99.toFixed(2)} ms`, 'p99 ≤ 5 ms'],
        [
          'GET /conversations?view=unassigned p50 / p99',
          `${unassigned.p50.toFixed(2)} / ${unassigned.p99.toFixed(2)} ms`,
          'p99 ≤ 5 ms',
        ],
        [
          'GET /conversations?q= (search) p50 / p99',
          `${search.p50.toFixed(2)} / ${search.p99.toFixed(2)} ms`,
          'p99 ≤ 20 ms',
        ],
        [`projection lag p50 / p99 at ${COMMAND_RATE} commands/s`, `≤ ${lagP50} / ≤ ${lagP99} ms`, 'p99 ≤ 20 ms'],
        [
          `command latency p50 / p99 at ${COMMAND_RATE}/s`,
          `${commands.p50.toFixed(2)} / ${commands.p99.toFixed(2)} ms`,
          '',
        ],
      ];
      process.stdout.write(
        [
          `Views benchmark: ${history.events.toLocaleString('en-US')} events, ${CONVERSATIONS.toLocaleString('en-US')} conversations, ${MEMBERS} members; ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}`,
          '',
          '| measurement | result | goal |',
          '| --- | --- | --- |',
          ...rows.map((row) => `| ${row.join(' | ')} |`),
          '',
          `(lag is read from the server's histogram: "≤ x" is the upper bound of the bucket; ${failures} of ${total} commands failed)`,
          '',
        ].join('\n'),
      );
      const resultsDir = join(__dirname, 'results');
      mkdirSync(resultsDir, { recursive: true });
      writeFileSync(
        join(resultsDir, 'views.json'),
        `${JSON.stringify(
          {
            at: new Date().toISOString(),
            node: process.version,
            events: history.events,
            conversations: CONVERSATIONS,
            members: MEMBERS,
            rebuildEventsPerSecond: Math.round(rebuildRate),
            replayEventsPerSecond: Math.round(replayRate),
            inboxMs: { p50: round(inbox.p50), p99: round(inbox.p99) },
            unassignedMs: { p50: round(unassigned.p50), p99: round(unassigned.p99) },
            searchMs: { p50: round(search.p50), p99: round(search.p99) },
            projectionLagMs: { p50AtMost: lagP50, p99AtMost: lagP99 },
            commands: {
              perSecond: Math.round(total / elapsed),
              failures,
              p50Ms: round(commands.p50),
              p99Ms: round(commands.p99),
            },
          },
          null,
          2,
        )}\n`,
      );
    } finally {
      await server.stop();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
