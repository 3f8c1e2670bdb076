/** Starts the server in a process of its own, as an operator would, for benchmarks that measure it. */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ServerProcess {
  baseUrl: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Node's flags as `npm start` (package.json's `start`, and the Dockerfile) runs the server; or BENCH_NODE_FLAGS. */
const START_FLAGS = (process.env.BENCH_NODE_FLAGS ?? npmStartFlags()).split(' ').filter(Boolean);

function npmStartFlags(): string {
  const manifest = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as {
    scripts: { start: string };
  };
  return manifest.scripts.start
    .split(' ')
    .filter((word) => word.startsWith('--'))
    .join(' ');
}

/**
 * The built server (`npm run build`), as `npm start` runs it: from source, the TypeScript compiler loaded
 * in-process would add its own memory to the RSS measured. `nodeArgs`: e.g. `--cpu-prof`.
 */
export async function startServerProcess(
  env: NodeJS.ProcessEnv,
  port: number,
  options: { nodeArgs?: string[] } = {},
): Promise<ServerProcess> {
  const main = join(__dirname, '..', '..', 'dist', 'apps', 'inbox-api', 'src', 'main.js');
  if (!existsSync(main)) throw new Error(`No built server at ${main}: run \`npm run build\` first`);
  // The same Node flags as `npm start`.
  const child = spawn(process.execPath, [...START_FLAGS, ...(options.nodeArgs ?? []), main], {
    env: { ...process.env, LOG_LEVEL: 'warn', HOST: '127.0.0.1', PORT: String(port), ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      if ((await fetch(`${baseUrl}/health`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline || child.exitCode !== null) throw new Error('The server did not start');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    baseUrl,
    child,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
