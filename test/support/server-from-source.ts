/** The server in a process of its own, started from source as an operator would start the built one. */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { eventually } from './eventually';

const ROOT = join(__dirname, '..', '..');
const MAIN = join(ROOT, 'apps', 'inbox-api', 'src', 'main.ts');

export interface ServerFromSource {
  child: ChildProcess;
  /** The exit code, or the signal that ended it. */
  exited: Promise<number | string>;
}

/**
 * `env` over this process's; stdout and stderr go to `onOutput` as they come. `nodeFlags` go before the
 * script, as `npm start`'s do (`npmStartNodeFlags`).
 */
export function spawnServerFromSource(
  env: NodeJS.ProcessEnv,
  onOutput: (chunk: Buffer) => void,
  nodeFlags: readonly string[] = [],
): ServerFromSource {
  const child = spawn(process.execPath, [...nodeFlags, '-r', '@swc-node/register', MAIN], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', onOutput);
  child.stderr?.on('data', onOutput);
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)),
  );
  return { child, exited };
}

/** The Node flags `npm start` runs the server with (the heap's sizes), for a spawned server to run as it does. */
export function npmStartNodeFlags(): string[] {
  const { scripts } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } };
  return scripts.start.split(/\s+/).filter((word) => word.startsWith('--'));
}

/** Resolves once the server at `baseUrl` answers `GET /health` with 200; fails after `timeoutMs`. */
export async function untilHealthy(baseUrl: string, timeoutMs = 30_000): Promise<void> {
  await eventually(
    () =>
      fetch(`${baseUrl}/health`).then(
        (response) => response.ok,
        () => false,
      ),
    timeoutMs,
  );
}
