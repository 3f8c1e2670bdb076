/**
 * Where a worker thread's entry file is, for workers whose entry sits beside the file that starts them: the
 * compiled JavaScript in a build, the TypeScript source where the process runs from it (tests,
 * `-r @swc-node/register`), which the worker then needs the same loader for.
 */
import { basename, dirname, extname, join } from 'node:path';

export interface WorkerEntry {
  file: string;
  execArgv: string[] | undefined;
}

/** `callerFile` is the starter's `__filename`; `entry` the entry's name without its extension. */
export function workerEntry(callerFile: string, entry: string): WorkerEntry {
  const extension = extname(callerFile);
  const file = join(dirname(callerFile), `${basename(entry)}${extension}`);
  const needsLoader = extension === '.ts' && !process.execArgv.join(' ').includes('@swc-node/register');
  return { file, execArgv: needsLoader ? [...process.execArgv, '-r', '@swc-node/register'] : undefined };
}
