/** The server in a process of its own, started from source as an operator would start the built one. */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const MAIN = join(ROOT, 'apps', 'inbox-api', 'src', 'main.ts');

export interface ServerFromSource {
  child: ChildProcess;
  /** The exit code, or the signal that ended it. */
  exited: Promise<number | string>;
}

/** `env` over this process's; stdout and stderr go to `onOutput` as they come. */
export function spawnServerFromSource(env: NodeJS.ProcessEnv, onOutput: (chunk: Buffer) => void): ServerFromSource {
  const child = spawn(process.execPath, ['-r', '@swc-node/register', MAIN], {
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
