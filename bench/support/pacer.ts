/**
 * When the open model's requests are sent. A timer on the load generator's event loop fires on libuv's whole
 * milliseconds, so requests went out up to a couple of milliseconds after they fell due, lateness that each
 * latency counts. A thread of its own sleeps until each falls due instead.
 */
import { once } from 'node:events';
import { extname, join } from 'node:path';
import { Worker } from 'node:worker_threads';

export interface PacerSettings {
  /** When request 0 falls due, in milliseconds of wall-clock time (performance.timeOrigin + now()). */
  startedAt: number;
  requestsPerSecond: number;
  total: number;
}

export class Pacer {
  private constructor(private readonly worker: Worker) {}

  /** Resolves once the thread is up: it takes some 100 ms to start, which the first requests would wait. */
  static async start(): Promise<Pacer> {
    // The benchmarks run from source: the thread loads the same TypeScript loader as the process.
    const worker = new Worker(join(__dirname, `pacer.worker${extname(__filename)}`));
    await once(worker, 'message');
    return new Pacer(worker);
  }

  /** Calls `due(n)` as the first `n` requests have fallen due, `n` rising to `total`; resolves after the last. */
  run(settings: PacerSettings, due: (count: number) => void): Promise<void> {
    if (settings.total === 0) return this.worker.terminate().then(() => undefined);
    return new Promise<void>((resolve, reject) => {
      let dueSoFar = 0;
      this.worker.on('message', (count: number) => {
        dueSoFar = count;
        due(count);
        if (count === settings.total) resolve();
      });
      this.worker.on('error', reject);
      this.worker.on('exit', () => {
        if (dueSoFar < settings.total) reject(new Error("The load generator's pacer stopped early"));
      });
      this.worker.postMessage(settings);
    });
  }
}
