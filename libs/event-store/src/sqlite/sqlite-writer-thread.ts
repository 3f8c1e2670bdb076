/** Runs a `SqliteWriter` on a worker thread and sends it batches: the main-thread side. */
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { WireAppend, WireBatchResult } from './sqlite-writer';

function spawnWriter(workerData: { filename: string; autocheckpointPages?: number }): Worker {
  const entry = join(__dirname, `sqlite-writer.worker${__filename.endsWith('.ts') ? '.ts' : '.js'}`);
  if (entry.endsWith('.ts')) {
    // Running from TypeScript sources (tests, benchmarks): the worker compiles them as the main thread does.
    return new Worker(`require('@swc-node/register'); require(${JSON.stringify(entry)});`, { eval: true, workerData });
  }
  return new Worker(entry, { workerData });
}

export class SqliteWriterThread {
  private readonly worker: Worker;
  private nextId = 0;
  private readonly waiting = new Map<number, (result: WireBatchResult) => void>();
  private readonly exited: Promise<void>;
  private failure: WireBatchResult | undefined;

  constructor(filename: string, autocheckpointPages?: number) {
    this.worker = spawnWriter({ filename, autocheckpointPages });
    this.worker.unref();
    this.worker.on('message', ({ id, result }: { id: number; result: WireBatchResult }) => {
      if (id === -1) return this.fail(result);
      this.waiting.get(id)?.(result);
      this.waiting.delete(id);
      if (this.waiting.size === 0) this.worker.unref();
    });
    this.worker.on('error', (error) =>
      this.fail({ ok: false, unavailable: true, code: 'WORKER', message: String(error) }),
    );
    this.exited = new Promise((resolve) =>
      this.worker.once('exit', () => {
        this.fail({ ok: false, unavailable: true, code: 'WORKER', message: 'The event store writer thread stopped' });
        resolve();
      }),
    );
  }

  commit(batch: WireAppend[]): Promise<WireBatchResult> {
    if (this.failure) return Promise.resolve(this.failure);
    const id = this.nextId++;
    // Referenced while a commit is out, so the process does not exit with an append unanswered.
    this.worker.ref();
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.worker.postMessage({ type: 'commit', id, batch });
    });
  }

  async close(): Promise<void> {
    if (!this.failure) {
      this.worker.ref();
      this.worker.postMessage({ type: 'close' });
    }
    await this.exited;
  }

  private fail(result: WireBatchResult): void {
    this.failure ??= result;
    for (const resolve of this.waiting.values()) resolve(result);
    this.waiting.clear();
  }
}
