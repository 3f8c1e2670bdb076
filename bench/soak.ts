/**
 * `npm run soak -- --minutes N`: the crash-under-load round of `test/crash-under-load.e2e-spec.ts` (the server
 * killed with SIGKILL under load, restarted, checked; see `test/support/crash-rounds.ts`) again and again
 * until N minutes are up. It prints each round's figures and a summary, and exits 1 at the first round with
 * a violation, keeping that round's DATA_DIR for a look and printing the seed that replays its choices.
 *
 * Options: `--minutes N` (default 5), `--seed S` (default random), `--clients C` (default 12),
 * `--rounds-per-dir R` (default 10): rounds share a DATA_DIR, R at a time, so each check covers the
 * commands of earlier rounds too while the log stays small enough to read whole after every round.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  describeRound,
  newCrashSession,
  runCrashRound,
  type CrashSession,
  type RoundReport,
} from '../test/support/crash-rounds';

const log = (line = ''): void => void process.stdout.write(`${line}\n`);

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  if (index < 0) return fallback;
  const value = Number(process.argv[index + 1]);
  if (!Number.isFinite(value) || value <= 0) {
    throw new Error(`--${name} takes a positive number (got ${process.argv[index + 1] ?? 'nothing'})`);
  }
  return value;
}

async function main(): Promise<number> {
  const minutes = option('minutes', 5);
  const seed = Math.floor(option('seed', Math.floor(Math.random() * 1_000_000_000)));
  const clients = Math.floor(option('clients', 12));
  const roundsPerDir = Math.floor(option('rounds-per-dir', 10));
  const deadline = Date.now() + minutes * 60_000;
  log(
    `Soak: crash rounds for ${minutes} min, seed ${seed}, ${clients} clients, a fresh DATA_DIR every ${roundsPerDir} rounds.`,
  );
  log(
    'Each round: load, SIGKILL at a random moment, restart, retry the unanswered with their Idempotency-Keys, ' +
      'SIGTERM; then every acknowledged command of the DATA_DIR has its events in the log from exactly one ' +
      'append and one recorded response, stream revisions are gap-free, and the read models equal a rebuild.',
  );

  const reports: RoundReport[] = [];
  let session: CrashSession | undefined;
  try {
    for (let round = 0; Date.now() < deadline; round++) {
      if (round % roundsPerDir === 0) {
        if (session) rmSync(session.dataDir, { recursive: true, force: true });
        session = newCrashSession(mkdtempSync(join(tmpdir(), 'team-inbox-soak-')));
      }
      const report = await runCrashRound({ session: session!, seed: seed + round, clients });
      reports.push(report);
      log(`[${reports.length}] ${describeRound(report)}`);
      if (report.violations.length > 0) {
        log();
        for (const violation of report.violations) log(`  VIOLATION: ${violation}`);
        log(`\nThe servers' output:\n${report.serverOutput}`);
        log(`DATA_DIR kept: ${session!.dataDir}; replay this round's choices with --seed ${report.seed}`);
        session = undefined;
        summarize(reports);
        return 1;
      }
    }
  } finally {
    if (session) rmSync(session.dataDir, { recursive: true, force: true });
  }
  summarize(reports);
  return 0;
}

function summarize(reports: RoundReport[]): void {
  const sum = (figure: (report: RoundReport) => number): string =>
    reports.reduce((total, report) => total + figure(report), 0).toLocaleString('en-US');
  const failed = reports.filter((report) => report.violations.length > 0).length;
  log();
  log(
    `Summary: ${reports.length} rounds, ${failed} with violations; ${sum((r) => r.acknowledged)} commands ` +
      `acknowledged under load, ${sum((r) => r.unanswered)} unanswered at the kill and ${sum((r) => r.retried)} ` +
      `answered on retry (${sum((r) => r.retriedHadGot.answerRecorded)} had been answered and recorded, ` +
      `${sum((r) => r.retriedHadGot.eventsAppended)} appended without a recorded answer, ` +
      `${sum((r) => r.retriedHadGot.nothing)} not written), ${sum((r) => r.replayed)} replays answered as first; ` +
      `${sum((r) => r.eventsChecked)} event checks; ${sum((r) => r.readModelRows)} read-model rows compared with a ` +
      `rebuild; ${(reports.reduce((total, r) => total + r.durationMs, 0) / 60_000).toFixed(1)} min.`,
  );
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
