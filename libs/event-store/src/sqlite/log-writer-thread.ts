/**
 * The log's writer, in a worker thread of its own. better-sqlite3 commits synchronously: on the main thread,
 * each commit's fsync (short as a rule, now and then long) stopped the event loop, and every request behind
 * it waited. Here the main thread goes on answering while the disk syncs, and an append is still
 * acknowledged only once its commit is on disk.
 *
 * Batches are answered in the order they were posted. Where the thread dies, the batches it held fail as
 * the store being unavailable (they may have been written: a retry with the same event ids is recognised),
 * and the next batch starts a new thread.
 */
import { WorkerThread } from '@team-inbox/worker-thread';
import { EventStoreUnavailableError } from '../errors';
import type { AppendRequest, ExpiryOutcome, ExpiryRequest, LogWriterSettings } from './log-writer';
import type { CommittedBatch, LogWriterCalls } from './log-writer-messages';

/** It allocates little beyond each batch's messages: a small young generation, not the process's. */
const WRITER_YOUNG_GENERATION_MB = 2;

export class LogWriterThread {
  private thread: WorkerThread<LogWriterCalls> | undefined;
  /** Settles when the current thread has opened its connection, or failed to. */
  private started: Promise<void> = Promise.resolve();

  constructor(
    private readonly settings: LogWriterSettings,
    /** Turns the message of a failed commit into the error each of its appends is rejected with. */
    private readonly commitFailure: (message: string, code: string) => Error,
  ) {}

  /** Commits the batch in the writer thread, after those posted before it. */
  write(batch: AppendRequest[]): Promise<CommittedBatch> {
    return this.running().call('write', batch);
  }

  /** Removes one slice of expired events, in turn with the batches (see `LogWriter.removeExpired`). */
  removeExpired(request: ExpiryRequest): Promise<ExpiryOutcome> {
    return this.running().call('removeExpired', request);
  }

  /**
   * Settles once the last thread started has its connection open (resolves) or has failed to (rejects as
   * the store being unavailable). Resolved while none has been started: one starts with the first batch.
   */
  lastStart(): Promise<void> {
    return this.started;
  }

  async close(): Promise<void> {
    await this.thread?.close();
  }

  /** The thread that takes the next batch: a failed one takes no more, and a new one starts. */
  private running(): WorkerThread<LogWriterCalls> {
    if (this.thread?.accepting) return this.thread;
    const thread = new WorkerThread<LogWriterCalls>({
      callerFile: __filename,
      entry: 'log-writer.worker',
      workerData: this.settings,
      youngGenerationMb: WRITER_YOUNG_GENERATION_MB,
      name: "The SQLite event store's writer thread",
      // Held only while it has batches: an idle store does not keep the process alive.
      keepProcessAlive: 'while-busy',
      stopError: (stop, message) =>
        new EventStoreUnavailableError(message, stop.kind === 'failed' ? { cause: stop.error } : undefined),
      callError: ({ message, code }) => this.commitFailure(message, code ?? ''),
    });
    this.started = thread.ready;
    this.thread = thread;
    return thread;
  }
}
