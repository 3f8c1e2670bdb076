/**
 * The log's writer, in a worker thread of its own. better-sqlite3 commits synchronously: on the main thread,
 * each commit's fsync (0.3 ms as a rule, now and then 10–20 ms) stopped the event loop, and every request
 * behind it waited. Here the main thread goes on answering while the disk syncs, and an append is still
 * acknowledged only once its commit is on disk.
 *
 * Batches are answered in the order they were posted. Where the thread dies, the batches it held fail as
 * the store being unavailable (they may have been written: a retry with the same event ids is recognised),
 * and the next batch starts a new thread.
 */
import type { Worker } from 'node:worker_threads';
import { EventStoreUnavailableError } from '../errors';
import { startWorker } from '../worker-entry';
import type { AppendOutcome, AppendRequest, ExpiryOutcome, ExpiryRequest, LogWriterSettings } from './log-writer';
import type { FromLogWriter, ToLogWriter } from './log-writer-messages';

export interface CommittedBatch {
  outcomes: AppendOutcome[];
  durationMs: number;
}

/** A message posted to the thread and not yet answered: a batch to commit or a slice of the expiry sweep. */
interface InFlight {
  worker: Worker;
  resolve: (answer: FromLogWriter) => void;
  reject: (error: unknown) => void;
}

/** It allocates little beyond each batch's messages: a small young generation, not the process's. */
const WRITER_YOUNG_GENERATION_MB = 2;

export class LogWriterThread {
  private worker: Worker | undefined;
  /** Settles when the current thread has opened its connection, or failed to. */
  private started: Promise<void> = Promise.resolve();
  /** Batches posted and not yet answered, oldest first: the thread answers them in order. */
  private inFlight: InFlight[] = [];

  constructor(
    private readonly settings: LogWriterSettings,
    /** Turns the message of a failed commit into the error each of its appends is rejected with. */
    private readonly commitFailure: (message: string, code: string) => unknown,
  ) {}

  /** Commits the batch in the writer thread, after those posted before it. */
  async write(batch: AppendRequest[]): Promise<CommittedBatch> {
    const answer = await this.post({ type: 'write', batch });
    if (answer.type !== 'committed') throw new Error(`The log's writer thread answered a batch with ${answer.type}`);
    return answer;
  }

  /** Removes one slice of expired events, in turn with the batches (see `LogWriter.removeExpired`). */
  async removeExpired(request: ExpiryRequest): Promise<ExpiryOutcome> {
    const answer = await this.post({ type: 'remove-expired', request });
    if (answer.type !== 'expired-removed') {
      throw new Error(`The log's writer thread answered an expiry sweep with ${answer.type}`);
    }
    return answer.outcome;
  }

  private post(message: Exclude<ToLogWriter, { type: 'close' }>): Promise<FromLogWriter> {
    const worker = (this.worker ??= this.spawn());
    return new Promise<FromLogWriter>((resolve, reject) => {
      this.inFlight.push({ worker, resolve, reject });
      worker.ref(); // the process waits for the commits it has accepted
      worker.postMessage(message);
    });
  }

  /**
   * Settles once the last thread started has its connection open (resolves) or has failed to (rejects as
   * the store being unavailable). Resolved while none has been started: one starts with the first batch.
   */
  lastStart(): Promise<void> {
    return this.started;
  }

  async close(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.ref();
    worker.postMessage({ type: 'close' } satisfies ToLogWriter);
    await exited;
  }

  private spawn(): Worker {
    const worker = startWorker({
      callerFile: __filename,
      entry: 'log-writer.worker',
      workerData: this.settings,
      youngGenerationMb: WRITER_YOUNG_GENERATION_MB,
    });
    worker.unref(); // held only while it has batches: an idle store does not keep the process alive
    let started!: { resolve: () => void; reject: (error: Error) => void };
    this.started = new Promise<void>((resolve, reject) => (started = { resolve, reject }));
    this.started.catch(() => undefined); // asked for by lastStart() only: unobserved, it is no crash
    worker.on('message', (message: FromLogWriter) => {
      if (message.type === 'ready') return started.resolve();
      const answered = this.inFlight.shift();
      if (this.inFlight.length === 0) worker.unref(); // idle: the process may exit
      if (message.type === 'failed') answered?.reject(this.commitFailure(message.message, message.code));
      else answered?.resolve(message);
    });
    worker.on('error', (error) => {
      const failure = new EventStoreUnavailableError(
        `The SQLite event store's writer thread failed: ${error.message}`,
        { cause: error },
      );
      started.reject(failure);
      this.failAll(worker, failure);
    });
    worker.on('exit', (exitCode) => {
      const failure = new EventStoreUnavailableError(
        `The SQLite event store's writer thread stopped (exit code ${exitCode})`,
      );
      started.reject(failure);
      this.failAll(worker, failure);
    });
    return worker;
  }

  /** A failed thread's batches fail, and it takes no more: the next batch starts a new thread. */
  private failAll(worker: Worker, error: Error): void {
    if (this.worker === worker) this.worker = undefined;
    const failed = this.inFlight.filter((batch) => batch.worker === worker);
    this.inFlight = this.inFlight.filter((batch) => batch.worker !== worker);
    for (const batch of failed) batch.reject(error);
  }
}
