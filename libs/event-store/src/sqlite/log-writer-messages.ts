/** What the main thread asks of the log's writer thread. */
import type { AppendOutcome, AppendRequest, ExpiryOutcome, ExpiryRequest } from './log-writer';

export interface CommittedBatch {
  outcomes: AppendOutcome[];
  /** How long its transaction took, fsync included. */
  durationMs: number;
}

/** A failed commit rejects its call: nothing of the batch (or of the slice) was written. */
export interface LogWriterCalls {
  /** Commits the batch, after those asked before it; answered once it is on disk. */
  write(batch: AppendRequest[]): CommittedBatch;
  /** Removes one slice of expired events. */
  removeExpired(request: ExpiryRequest): ExpiryOutcome;
}
