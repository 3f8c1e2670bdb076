/**
 * CI's scripts stop only what they started: the check of README's start command signals its own server's
 * process group, never every process whose command line looks like a team-inbox server.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { freePort } from './support/free-port';

const ROOT = join(__dirname, '..');

describe("CI's scripts", () => {
  it('nowhere in the repository stop processes by matching their command lines (as pkill with -f does)', () => {
    // The pattern is put together so that this file does not match it.
    const byName = ['pkill( -[A-Za-z]+)* -f', 'kill' + 'all'].join('|');
    const grep = spawnSync('git', ['grep', '-n', '-E', byName], { cwd: ROOT, encoding: 'utf8' });
    expect(grep.stdout).toBe('');
    expect(grep.status).toBe(1); // git grep: nothing found
  });

  it('leave another team-inbox server on the machine running when they stop their own', async () => {
    // A stand-in for someone else's server: its command line names the built server's entry file.
    const other = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', 'dist/apps/inbox-api/src/main.js'], {
      stdio: 'ignore',
    });
    try {
      const output = execFileSync('bash', [join(ROOT, '.ci', 'check-start-command')], {
        cwd: ROOT,
        encoding: 'utf8',
        env: {
          ...process.env,
          PORT: String(await freePort()),
          START_COMMAND: `${process.execPath} -r @swc-node/register apps/inbox-api/src/main.ts`,
        },
      });
      expect(output).toContain('"eventStore":"sqlite"');
      expect(output).toContain('SIGTERM -> shut down cleanly');
      // A signalled process is reaped a moment later: give its exit event the time to arrive.
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect({ exitCode: other.exitCode, signalCode: other.signalCode }).toEqual({ exitCode: null, signalCode: null });
    } finally {
      other.kill('SIGKILL');
    }
  }, 90_000);
});
