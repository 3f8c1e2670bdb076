/**
 * Applies each event of `$all` to every projection and to the checkpoint in one SQLite transaction: a
 * crash never applies an event twice or skips one. The checkpoint is read inside that transaction, so two
 * processes sharing the read models never apply an event twice either.
 */
import type Database from 'better-sqlite3';
import { Subject } from 'rxjs';
import type { EventStore, Position, RecordedEvent } from '@team-inbox/event-store';
import { CheckpointedSubscriber, type SubscriberLogger } from './checkpointed-subscriber';
import type { Projection } from './projection';
import { readCheckpoint, writeCheckpoint } from './read-model-database';

export const PROJECTOR_CHECKPOINT = 'projector';

export class Projector extends CheckpointedSubscriber {
  private readonly applyEvent: (event: RecordedEvent) => boolean;
  /** Each event once the read models reflect it: for live updates and the projection-lag metric. */
  readonly applied = new Subject<RecordedEvent>();

  constructor(
    eventStore: EventStore,
    private readonly db: Database.Database,
    projections: readonly Projection[],
    logger: SubscriberLogger,
    retryDelayMs = 1000,
  ) {
    for (const projection of projections) projection.setUp(db);
    super(eventStore, logger, retryDelayMs);
    this.applyEvent = db.transaction((event: RecordedEvent): boolean => {
      if (event.position <= this.storedCheckpoint()) return false; // applied already, by us or a sibling process
      for (const projection of projections) projection.apply(event, db);
      writeCheckpoint(db, PROJECTOR_CHECKPOINT, event.position);
      return true;
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
    if (this.applyEvent(event)) this.applied.next(event);
  }

  /** A sibling process may have applied it to the shared read models already. */
  protected override reached(position: Position): boolean {
    return super.reached(position) || this.storedCheckpoint() >= position;
  }
}
