/**
 * A subscriber to `$all` that resumes from its own checkpoint: the projector, and the process managers.
 * The subclass handles each event and stores the checkpoint with (or after) its effect; after an error
 * the loop starts again from the stored checkpoint, so nothing is skipped.
 */
import type { EventStore, Position, RecordedEvent } from '@team-inbox/event-store';
import { PositionWaiters } from './position-waiters';

export interface SubscriberLogger {
  error(message: string, error?: unknown): void;
}

export abstract class CheckpointedSubscriber {
  private stopped = false;
  private subscription: { close(): Promise<void> } | undefined;
  private loop: Promise<void> | undefined;
  private readonly waiters = new PositionWaiters();
  /** The position of the last event handled: the stored checkpoint until `start`. */
  protected position: Position = 0n;
  private positionLoaded = false;

  protected constructor(
    private readonly eventStore: EventStore,
    private readonly logger: SubscriberLogger,
    private readonly retryDelayMs: number,
  ) {}

  /** The checkpoint as stored: where to resume. */
  protected abstract storedCheckpoint(): Position;

  /** Handles one event and stores the checkpoint with, or after, its effect. */
  protected abstract handle(event: RecordedEvent): Promise<void> | void;

  /** False where the subclass batches events and calls `markHandled` once a batch is stored. */
  protected readonly marksEachEvent: boolean = true;

  /** Events up to `position` are handled: waiters for them are released. */
  protected markHandled(position: Position): void {
    this.position = position;
    this.waiters.notify(position);
  }

  start(): void {
    this.loadPosition();
    this.loop ??= this.run();
  }

  /** Read lazily: a subclass's fields are not set yet while this constructor runs. */
  protected loadPosition(): void {
    if (this.positionLoaded) return;
    this.position = this.storedCheckpoint();
    this.positionLoaded = true;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.subscription?.close();
    await this.loop;
    this.waiters.releaseAll();
  }

  /** After an error: what was handled but not stored is handled again from the checkpoint. */
  protected discardUnstored(): void {}

  /** For an error outside the loop (a batch stored later): read again from the stored checkpoint. */
  protected restartFromCheckpoint(): void {
    this.discardUnstored();
    this.position = this.storedCheckpoint();
    void this.subscription?.close();
  }

  /** Resolves true once events up to `position` are handled, false after `timeoutMs`. */
  waitFor(position: Position, timeoutMs: number): Promise<boolean> {
    return this.waiters.waitFor(position, timeoutMs, (wanted) => this.reached(wanted));
  }

  /** The position of the last event handled. */
  get progress(): Position {
    this.loadPosition();
    return this.position;
  }

  protected reached(position: Position): boolean {
    return this.position >= position;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        const subscription = this.eventStore.subscribeToAll({ fromPosition: this.position });
        this.subscription = subscription;
        for await (const event of subscription) {
          await this.handle(event);
          if (this.marksEachEvent) this.markHandled(event.position);
          if (this.stopped) break;
        }
      } catch (error) {
        if (this.stopped) break;
        this.logger.error(`${this.constructor.name} stopped on an error; it resumes from its checkpoint`, error);
        this.discardUnstored();
        this.position = this.storedCheckpoint();
      }
      if (!this.stopped) await new Promise((resolve) => setTimeout(resolve, this.retryDelayMs));
    }
  }
}
