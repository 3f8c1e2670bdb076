/**
 * Crash under load: the server, as its own process, killed with SIGKILL while concurrent clients send it
 * commands, five times. After each restart, every command it acknowledged has its events in the log
 * exactly once, and the read models equal a rebuild (see `support/crash-rounds.ts`).
 *
 * The five rounds share one DATA_DIR: each restart recovers a log that earlier kills also cut short, and
 * every round checks again every command acknowledged since the first, so a later crash that lost or
 * repeated an earlier round's events would show. `npm run soak -- --minutes N` runs rounds for longer.
 */
import { describeRound, newCrashSession, runCrashRound, type RoundReport } from './support/crash-rounds';
import { temporaryDataDir } from './support/test-app';

const SEED = Number(process.env.TEST_SEED ?? 20261207);
const ROUNDS = 5;

describe('the server killed under load', () => {
  const data = temporaryDataDir();
  const session = newCrashSession(data.dir);
  const reports: RoundReport[] = [];

  afterAll(() => {
    process.stdout.write(`crash under load (TEST_SEED=${SEED}):\n${reports.map(describeRound).join('\n')}\n`);
    data.remove();
  });

  it.each(Array.from({ length: ROUNDS }, (_, i) => [i + 1, SEED + i]))(
    'round %i (seed %i): every acknowledged command is in the log once, and the read models equal a rebuild',
    async (_round, seed) => {
      const report = await runCrashRound({ session, seed });
      reports.push(report);
      if (report.violations.length > 0) process.stderr.write(`The servers' output:\n${report.serverOutput}\n`);
      expect(report.violations).toEqual([]);
      // The round did what it is for: commands were acknowledged, and those cut off were answered after the restart.
      expect(report.acknowledged).toBeGreaterThan(0);
      expect(report.retried).toBe(report.unanswered);
      expect(report.eventsChecked).toBeGreaterThan(report.commandsChecked);
    },
    60_000,
  );
});
