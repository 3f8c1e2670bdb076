/**
 * Applies the events of `$all` to every projection and to the checkpoint in one SQLite transaction: a
 * crash never applies an event twice or skips one. The checkpoint is read inside that transaction, so two
 * processes sharing the read models never apply an event twice either. The transaction takes the write lock
 * as it begins (IMMEDIATE): begun as a read, it could not become a write once another connection (the main
 * thread's, writing a process manager's checkpoint) had committed meanwhile, and SQLite would refuse it
 * with SQLITE_BUSY at once rather than wait.
 *
 * While catching up, events are applied in batches: those delivered in one turn of the event loop (a page
 * of the log) share a transaction, committed, and waiters released, at the end of that turn. One commit
 * per event made a server new to a million-event log spend minutes catching up. Live events (recorded
 * within the last second) are applied as soon as the events delivered with them are: those of one group
 * commit share a transaction, committed before the event loop turns to any request, so the lag stays short.
 */
import type Database from 'better-sqlite3';
import { Subject } from 'rxjs';
import type { EventStore, Position, RecordedEvent } from '@team-inbox/event-store';
import { CheckpointedSubscriber, type SubscriberLogger } from './checkpointed-subscriber';
import type { Projection } from './projection';
import type { ProjectionProgress } from './projection-progress';
import { readCheckpoint, writeCheckpoint } from './read-model-database';

export const PROJECTOR_CHECKPOINT = 'projector';
/** A bound on one transaction: a page of the log. */
const MAX_BATCH = 1000;
const LIVE_WITHIN_MS = 1000;

export class Projector extends CheckpointedSubscriber implements ProjectionProgress {
  private readonly applyBatch: Database.Transaction<(events: readonly RecordedEvent[]) => RecordedEvent[]>;
  private pending: RecordedEvent[] = [];
  private flushScheduled: NodeJS.Immediate | undefined;
  private flushOnTick = false;
  protected override readonly marksEachEvent = false;
  /** Each event once the read models reflect it: for live updates and the projection-lag metric. */
  readonly applied = new Subject<RecordedEvent>();
  /** The position handled after each batch stored, whether or not it applied anything (a sibling may have). */
  readonly progressed = new Subject<Position>();

  constructor(
    eventStore: EventStore,
    private readonly db: Database.Database,
    projections: readonly Projection[],
    private readonly errors: SubscriberLogger,
    retryDelayMs = 1000,
    /** Events recorded this recently are live, not a catch-up. */
    private readonly liveWithinMs = LIVE_WITHIN_MS,
  ) {
    for (const projection of projections) projection.setUp(db);
    super(eventStore, errors, retryDelayMs);
    this.applyBatch = db.transaction((events: readonly RecordedEvent[]): RecordedEvent[] => {
      // Applied already, by us or a sibling process: skipped.
      const stored = this.storedCheckpoint();
      const fresh = events.filter((event) => event.position > stored);
      for (const event of fresh) for (const projection of projections) projection.apply(event, db);
      if (fresh.length > 0) writeCheckpoint(db, PROJECTOR_CHECKPOINT, fresh[fresh.length - 1].position);
      return fresh;
    });
  }

  /** The position of the last event the read models reflect (0 before any). */
  get checkpoint(): Position {
    this.loadPosition();
    return this.position;
  }

  protected storedCheckpoint(): Position {
    return readCheckpoint(this.db, PROJECTOR_CHECKPOINT) ?? 0n;
  }

  protected handle(event: RecordedEvent): void {
    this.pending.push(event);
    // Live events are applied once the events delivered with them are (a page arrives in one run of
    // microtasks; the tick comes right after it), not at the end of the turn, behind every request the turn
    // serves. A commit each was a sixth of the server's time under load. Older ones are a catch-up.
    const live = Date.now() - event.recordedAt.getTime() < this.liveWithinMs;
    if (this.pending.length >= MAX_BATCH) this.flush();
    else if (live) this.flushAfterThisTick();
    else this.flushScheduled ??= setImmediate(() => this.flush());
  }

  override async stop(): Promise<void> {
    await super.stop();
    this.flush();
  }

  protected override discardUnstored(): void {
    clearImmediate(this.flushScheduled);
    this.flushScheduled = undefined;
    this.pending = [];
  }

  private flushAfterThisTick(): void {
    if (this.flushOnTick) return;
    this.flushOnTick = true;
    process.nextTick(() => {
      this.flushOnTick = false;
      this.flush();
    });
  }

  private flush(): void {
    clearImmediate(this.flushScheduled);
    this.flushScheduled = undefined;
    const batch = this.pending;
    if (batch.length === 0) return;
    this.pending = [];
    try {
      this.stored(batch, this.applyBatch.immediate(batch));
    } catch {
      // Nothing of the batch was stored. One event at a time, the events before the failing one are.
      for (const event of batch) {
        try {
          this.stored([event], this.applyBatch.immediate([event]));
        } catch (error) {
          this.errors.error(
            `The projector could not apply event ${event.position}; it resumes from its checkpoint`,
            error,
          );
          this.restartFromCheckpoint();
          return;
        }
      }
    }
  }

  private stored(batch: readonly RecordedEvent[], fresh: readonly RecordedEvent[]): void {
    const position = batch[batch.length - 1].position;
    this.markHandled(position);
    for (const event of fresh) this.applied.next(event);
    this.progressed.next(position);
  }

  /** A sibling process may have applied it to the shared read models already. */
  protected override reached(position: Position): boolean {
    return super.reached(position) || this.storedCheckpoint() >= position;
  }
}
