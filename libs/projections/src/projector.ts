/**
 * Subscribes to `$all` from its checkpoint and applies each event to every projection and to the
 * checkpoint in one SQLite transaction: a crash never applies an event twice or skips one. The checkpoint
 * is read inside that transaction, so two processes sharing the read models never apply an event twice
 * either.
 */
import type Database from 'better-sqlite3';
import type { EventStore, Position, RecordedEvent } from '@team-inbox/event-store';
import { PositionWaiters } from './position-waiters';
import type { Projection } from './projection';
import { readCheckpoint, writeCheckpoint } from './read-model-database';

export const PROJECTOR_CHECKPOINT = 'projector';

export interface ProjectorLogger {
  error(message: string, error?: unknown): void;
}

export class Projector {
  private position: Position;
  private running = false;
  private stopped = false;
  private subscription: { close(): Promise<void> } | undefined;
  private loop: Promise<void> | undefined;
  private readonly waiters = new PositionWaiters();
  private readonly applyEvent: (event: RecordedEvent) => boolean;

  constructor(
    private readonly eventStore: EventStore,
    private readonly db: Database.Database,
    private readonly projections: readonly Projection[],
    private readonly logger: ProjectorLogger,
    private readonly retryDelayMs = 1000,
  ) {
    for (const projection of projections) projection.setUp(db);
    this.position = readCheckpoint(db, PROJECTOR_CHECKPOINT) ?? 0n;
    this.applyEvent = db.transaction((event: RecordedEvent): boolean => {
      const checkpoint = readCheckpoint(db, PROJECTOR_CHECKPOINT) ?? 0n;
      if (event.position <= checkpoint) return false; // applied already, by us or a sibling process
      for (const projection of this.projections) projection.apply(event, db);
      writeCheckpoint(db, PROJECTOR_CHECKPOINT, event.position);
      return true;
    });
  }

  /** The position of the last event the read models reflect (0 before any). */
  get checkpoint(): Position {
    return this.position;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.subscription?.close();
    await this.loop;
    this.waiters.releaseAll();
  }

  /**
   * Resolves true once the read models reflect `position`, false after `timeoutMs`: how a query reads its
   * own writes.
   */
  waitFor(position: Position, timeoutMs: number): Promise<boolean> {
    return this.waiters.waitFor(position, timeoutMs, (wanted) => this.reached(wanted));
  }

  private reached(position: Position): boolean {
    if (this.position >= position) return true;
    // A sibling process may have applied it to the shared read models already.
    const shared = readCheckpoint(this.db, PROJECTOR_CHECKPOINT) ?? 0n;
    return shared >= position;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        const subscription = this.eventStore.subscribeToAll({ fromPosition: this.position });
        this.subscription = subscription;
        for await (const event of subscription) {
          this.applyEvent(event);
          this.position = event.position;
          this.waiters.notify(event.position);
          if (this.stopped) break;
        }
      } catch (error) {
        if (this.stopped) break;
        this.logger.error('The projector stopped on an error; it resumes from its checkpoint', error);
        this.position = readCheckpoint(this.db, PROJECTOR_CHECKPOINT) ?? 0n;
        await new Promise((resolve) => setTimeout(resolve, this.retryDelayMs));
      }
      if (!this.stopped) await new Promise((resolve) => setTimeout(resolve, this.retryDelayMs));
    }
  }
}
