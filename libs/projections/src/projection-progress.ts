import type { Position, RecordedEvent } from '@team-inbox/event-store';
import type { Observable } from 'rxjs';

/** What is told of an event once the read models show it: enough for live updates and the lag metric. */
export type AppliedEvent = Pick<RecordedEvent, 'position' | 'streamId' | 'type' | 'recordedAt'> & {
  /**
   * When the read models came to show it, where that was before this thread heard (the projector's own
   * thread commits, then tells); now, where unset.
   */
  appliedAt?: Date;
};

/**
 * How far the read models are, as the rest of the server sees it, wherever the projector runs: in this
 * thread (`Projector`) or in a worker thread of its own (`ProjectorThread`). The Nest token for both.
 */
export abstract class ProjectionProgress {
  /** The position of the last event the read models reflect (0 before any). */
  abstract readonly checkpoint: Position;
  /** Each event once the read models reflect it, where this process applied it (a sibling's are not told). */
  abstract readonly applied: Observable<AppliedEvent>;
  /**
   * The checkpoint after each batch handled, whoever applied it: this process, or a sibling sharing the read
   * models (then `applied` tells nothing, but the views show the batch all the same).
   */
  abstract readonly progressed: Observable<Position>;
  /** Resolves true once the read models reflect events up to `position`, false after `timeoutMs`. */
  abstract waitFor(position: Position, timeoutMs: number): Promise<boolean>;
  abstract start(): void;
  abstract stop(): Promise<void>;
}
