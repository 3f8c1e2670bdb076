/**
 * When a member is removed, every conversation assigned to it goes back to the unassigned queue
 * (`ConversationUnassigned`, reason `member_removed`).
 *
 * A process manager with its own checkpoint: it handles each event of the log in order and moves its
 * checkpoint only after the work an event calls for is done, so a crash between the removal and the
 * unassignments is finished on the next start. Its commands carry an idempotency key derived from the
 * event, so doing that work twice (after a crash, or in two server processes) appends nothing twice.
 * It also catches an assignment that raced with the removal and landed after it.
 */
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type Database from 'better-sqlite3';
import { recordedOneOf, systemActor } from '@team-inbox/core';
import { EVENT_STORE, type EventStore, type Position, type RecordedEvent } from '@team-inbox/event-store';
import {
  CheckpointedSubscriber,
  ProcessManagers,
  ProjectionProgress,
  READ_MODEL_DB,
  readCheckpoint,
  tryWriteCheckpoint,
  writeCheckpoint,
  type ProcessProgress,
} from '@team-inbox/projections';
import { TeamDirectory, type MemberRemoved } from '@team-inbox/team';
import type { ConversationAssigned } from './domain/conversation.events';
import { UnassignRemovedMemberCommand } from './commands/conversation.commands';

const CHECKPOINT = 'member-removal';
const isMemberRemoved = recordedOneOf<MemberRemoved>(['MemberRemoved']);
const isConversationAssigned = recordedOneOf<ConversationAssigned>(['ConversationAssigned']);
const RETRY_DELAY_MS = 1000;
const CHECKPOINT_EVERY = 500;
const CHECKPOINT_PAUSE_MS = 1000;
/** The read models normally trail by milliseconds; this only bounds a stalled projector. */
const PROJECTOR_WAIT_MS = 30_000;

@Injectable()
export class MemberRemovalProcessManager
  extends CheckpointedSubscriber
  implements ProcessProgress, OnApplicationBootstrap, OnModuleDestroy
{
  readonly name = CHECKPOINT;
  private unsaved = 0;
  private saveTimer: NodeJS.Timeout | undefined;
  private unsavedPosition: Position = 0n;

  constructor(
    @Inject(EVENT_STORE) eventStore: EventStore,
    @Inject(READ_MODEL_DB) private readonly db: Database.Database,
    private readonly projector: ProjectionProgress,
    private readonly directory: TeamDirectory,
    private readonly commandBus: CommandBus,
    processManagers: ProcessManagers,
  ) {
    super(eventStore, new Logger('MemberRemoval'), RETRY_DELAY_MS);
    processManagers.register(this);
  }

  onApplicationBootstrap(): void {
    this.start();
  }

  /** Before the read models close (their module shuts down in onApplicationShutdown): the checkpoint is saved. */
  async onModuleDestroy(): Promise<void> {
    await this.stop();
  }

  protected storedCheckpoint(): Position {
    return readCheckpoint(this.db, CHECKPOINT) ?? 0n;
  }

  /**
   * The checkpoint moves only once the work the event calls for is done. Events that call for none are
   * checkpointed in passing (every few hundred, or within a second), not one write each: doing them again
   * after a crash changes nothing.
   */
  protected async handle(event: RecordedEvent): Promise<void> {
    const worked = await this.carryOut(event);
    this.unsaved++;
    // Where a save found the lock taken, the next try is the timer's, not every event's.
    if (worked || (this.unsaved >= CHECKPOINT_EVERY && this.saveTimer === undefined))
      this.saveCheckpoint(event.position);
    else this.saveSoon(event.position);
  }

  override async stop(): Promise<void> {
    await super.stop();
    clearTimeout(this.saveTimer);
    // Stopping, nothing else to do: waiting for the lock is fine.
    if (this.unsaved > 0) writeCheckpoint(this.db, CHECKPOINT, this.position);
  }

  /**
   * Saved unless the projector's thread holds the read models' write lock: then a moment later, rather than
   * this thread (the one answering requests) waiting for it. Doing the work again after a crash changes
   * nothing, so a checkpoint saved late costs only a few events handled twice.
   */
  private saveCheckpoint(position: Position): void {
    clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
    if (!tryWriteCheckpoint(this.db, CHECKPOINT, position)) return this.saveSoon(position);
    this.unsaved = 0;
  }

  /** Within CHECKPOINT_PAUSE_MS, at the latest position then: one timer, not one an event. */
  private saveSoon(position: Position): void {
    this.unsavedPosition = position;
    this.saveTimer ??= setTimeout(() => this.saveCheckpoint(this.unsavedPosition), CHECKPOINT_PAUSE_MS).unref();
  }

  /** True where the event called for work (commands were sent). */
  private async carryOut(event: RecordedEvent): Promise<boolean> {
    if (isMemberRemoved(event)) {
      const { memberId } = event.data;
      // The conversation read model must include everything up to the removal before it is searched.
      if (!(await this.projector.waitFor(event.position, PROJECTOR_WAIT_MS))) {
        throw new Error(`The read models did not reach position ${event.position}; the removal is retried`);
      }
      const assigned = this.db
        .prepare<[string], { id: string }>('SELECT id FROM conversation_summaries WHERE assignee_id = ?')
        .all(memberId);
      for (const { id } of assigned) await this.unassign(id, memberId, event);
      return true;
    }
    if (isConversationAssigned(event)) {
      const { conversationId, assigneeId } = event.data;
      if (this.directory.isRemovedMember(assigneeId)) {
        await this.unassign(conversationId, assigneeId, event);
        return true;
      }
    }
    return false;
  }

  private async unassign(conversationId: string, memberId: string, cause: RecordedEvent): Promise<void> {
    const { correlationId } = cause.metadata as { correlationId?: unknown };
    await this.commandBus.execute(
      new UnassignRemovedMemberCommand(conversationId, memberId, {
        actor: systemActor(CHECKPOINT),
        occurredAt: new Date(),
        correlationId: typeof correlationId === 'string' ? correlationId : cause.id,
        causationId: cause.id,
        idempotencyKey: `${CHECKPOINT}/${cause.id}`,
      }),
    );
  }
}
