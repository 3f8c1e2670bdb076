/** What the main thread and the log's writer thread say to each other. */
import type { AppendOutcome, AppendRequest } from './log-writer';

export type ToLogWriter = { type: 'write'; batch: AppendRequest[] } | { type: 'close' };

export type FromLogWriter =
  /** Its connection is open and can write. */
  | { type: 'ready' }
  /** The batch is on disk; how long its transaction took, fsync included. */
  | { type: 'committed'; outcomes: AppendOutcome[]; durationMs: number }
  /** The commit failed: nothing of the batch was written. */
  | { type: 'failed'; message: string; code: string };
