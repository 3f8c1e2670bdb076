/**
 * Starts a worker thread whose entry sits beside the file that starts it: the compiled JavaScript in a
 * build, the TypeScript source where the process runs from it (tests, `-r @swc-node/register`), which the
 * worker then needs the same loader for.
 */
import { basename, dirname, extname, join } from 'node:path';
import { Worker } from 'node:worker_threads';

export interface WorkerStart {
  /** The starter's `__filename`. */
  callerFile: string;
  /** The entry's name, without its extension. */
  entry: string;
  workerData: unknown;
  /** Its young generation: each thread is a V8 heap of its own, within the server's RSS. */
  youngGenerationMb: number;
}

export function startWorker({ callerFile, entry, workerData, youngGenerationMb }: WorkerStart): Worker {
  const extension = extname(callerFile);
  const needsLoader = extension === '.ts' && !process.execArgv.join(' ').includes('@swc-node/register');
  return new Worker(join(dirname(callerFile), `${basename(entry)}${extension}`), {
    workerData,
    execArgv: needsLoader ? [...process.execArgv, '-r', '@swc-node/register'] : undefined,
    resourceLimits: { maxYoungGenerationSizeMb: youngGenerationMb },
  });
}
