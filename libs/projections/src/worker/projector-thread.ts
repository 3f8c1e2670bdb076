/**
 * The projector in a worker thread of its own: the read models are kept up to date on the second core,
 * and the main thread only answers requests. Under commands alone, applying their events (a transaction
 * a group commit, four indexes a summary) and reading them back had been a sixth of the main thread.
 *
 * The main thread knows how far the read models are from the worker's messages, sent after each batch it
 * commits, so a query that waits for a position (`minPosition`) reads what the worker committed. Where the
 * worker fails, its error is logged and a new one resumes from the checkpoint.
 */
import type Database from 'better-sqlite3';
import type { Position } from '@team-inbox/event-store';
import { WorkerThread } from '@team-inbox/worker-thread';
import { Subject, type Observable, type Subscription } from 'rxjs';
import type { SubscriberLogger } from '../checkpointed-subscriber';
import { PositionWaiters } from '../position-waiters';
import type { AppliedEvent, ProjectionProgress } from '../projection-progress';
import { PROJECTOR_CHECKPOINT } from '../projector';
import { readCheckpoint } from '../read-model-database';
import type { ProjectorCalls, ProjectorEvent, ProjectorWorkerData } from './projector-messages';

const RESTART_DELAY_MS = 1000;
const STOP_TIMEOUT_MS = 10_000;
const WORKER_YOUNG_GENERATION_MB = 6;

export class ProjectorThread implements ProjectionProgress {
  readonly applied = new Subject<AppliedEvent>();
  readonly progressed = new Subject<Position>();
  private position: Position;
  private readonly waiters = new PositionWaiters();
  private worker: WorkerThread<ProjectorCalls, ProjectorEvent> | undefined;
  private stopping = false;
  private restartTimer: NodeJS.Timeout | undefined;
  private appendsSubscription: Subscription | undefined;
  private notifyScheduled = false;

  constructor(
    private readonly data: ProjectorWorkerData,
    /** The main thread's connection to the read models: where a sibling process's progress shows. */
    private readonly db: Database.Database,
    /** Fires on each append this process commits. */
    private readonly appends: Observable<unknown>,
    private readonly logger: SubscriberLogger,
  ) {
    this.position = this.storedCheckpoint();
  }

  get checkpoint(): Position {
    return this.position;
  }

  waitFor(position: Position, timeoutMs: number): Promise<boolean> {
    return this.waiters.waitFor(position, timeoutMs, (wanted) => this.reached(wanted));
  }

  start(): void {
    this.appendsSubscription ??= this.appends.subscribe(() => this.notifyAppended());
    this.spawn();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    this.appendsSubscription?.unsubscribe();
    await this.worker?.close({ timeoutMs: STOP_TIMEOUT_MS });
    this.waiters.releaseAll();
  }

  private spawn(): void {
    const worker: WorkerThread<ProjectorCalls, ProjectorEvent> = new WorkerThread({
      callerFile: __filename,
      entry: 'projector.worker',
      workerData: this.data,
      // What it allocates is short-lived (a page of events at a time): a small young generation keeps the
      // server's RSS within bounds while it catches up with a long log.
      youngGenerationMb: WORKER_YOUNG_GENERATION_MB,
      name: 'The projector thread',
      keepProcessAlive: 'always',
      onEvent: (event) => this.receive(event),
      onStop: (stop) => {
        if (stop.kind === 'failed') this.logger.error('The projector thread failed; a new one resumes', stop.error);
        if (this.worker === worker) this.worker = undefined;
        if (this.stopping) return;
        // Whatever was applied is in the read models with its checkpoint: a new worker starts from there.
        this.restartTimer = setTimeout(() => this.spawn(), RESTART_DELAY_MS);
      },
    });
    this.worker = worker;
  }

  private receive(message: ProjectorEvent): void {
    switch (message.type) {
      case 'progress': {
        if (message.checkpoint > this.position) this.position = message.checkpoint;
        const appliedAt = new Date(message.appliedAt);
        for (const { position, streamId, type, recordedAt } of message.applied) {
          this.applied.next({ position, streamId, type, recordedAt: new Date(recordedAt), appliedAt });
        }
        this.waiters.notify(this.position);
        this.progressed.next(this.position);
        return;
      }
      case 'error':
        this.logger.error(`${message.message}\n${message.error}`);
        return;
    }
  }

  /** Once per turn, however many appends the group commit carried. */
  private notifyAppended(): void {
    if (this.notifyScheduled) return;
    this.notifyScheduled = true;
    process.nextTick(() => {
      this.notifyScheduled = false;
      this.worker?.notify('appended');
    });
  }

  /** This process's worker got there, or a sibling process sharing the read models did. */
  /**
   * Whether the read models hold `position`: as the worker last said, or as their checkpoint says (another
   * writer, or the worker's word still on its way). What is found there is what `checkpoint` says from then
   * on, so an answer that waited for a position never says it shows an earlier one.
   */
  private reached(position: Position): boolean {
    if (this.position >= position) return true;
    const stored = this.storedCheckpoint();
    if (stored > this.position) this.position = stored;
    return this.position >= position;
  }

  private storedCheckpoint(): Position {
    return readCheckpoint(this.db, PROJECTOR_CHECKPOINT) ?? 0n;
  }
}
