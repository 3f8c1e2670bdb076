/** What the main thread and the log's writer thread say to each other. */
import type { AppendOutcome, AppendRequest, ExpiryOutcome, ExpiryRequest } from './log-writer';

export type ToLogWriter =
  { type: 'write'; batch: AppendRequest[] } | { type: 'remove-expired'; request: ExpiryRequest } | { type: 'close' };

export type FromLogWriter =
  /** Its connection is open and can write. */
  | { type: 'ready' }
  /** The batch is on disk; how long its transaction took, fsync included. */
  | { type: 'committed'; outcomes: AppendOutcome[]; durationMs: number }
  /** A slice of the expiry sweep is committed. */
  | { type: 'expired-removed'; outcome: ExpiryOutcome }
  /** The commit failed: nothing of the batch (or of the slice) was written. */
  | { type: 'failed'; message: string; code: string };
