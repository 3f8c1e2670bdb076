/**
 * Carries out a conversation command: load the stream (or remember it), fold, decide, append at the revision read.
 *
 * Without `If-Match`, a concurrent writer is resolved here: reload and decide again, a bounded number of
 * times, so no command is lost and revisions stay gap-free. With `If-Match`, a different revision is the
 * caller's business: 412 with what the conversation is now.
 */
import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import {
  ConflictError,
  IDEMPOTENCY_WINDOW_MS,
  KeyedLock,
  NotFoundError,
  PreconditionFailedError,
  deterministicUuid,
  eventMetadata,
  type CommandContext,
} from '@team-inbox/core';
import {
  EVENT_STORE,
  WrongExpectedRevisionError,
  collect,
  type EventStore,
  type NewEvent,
  type RecordedEvent,
} from '@team-inbox/event-store';
import { randomUUID } from 'node:crypto';
import { ExecuteConversationCommand, type ConversationCommandResult } from './conversation-command';
import { decide, evolve, initialState, type ConversationState } from './domain/conversation.decider';
import { conversationStreamId, isConversationEvent, type ConversationEvent } from './domain/conversation.events';
import { evolveSummary, type ConversationSummary } from './domain/conversation.view';

/** Enough for a burst of writers on one conversation; past it the caller hears 409 and may retry. */
export const MAX_ATTEMPTS = 25;
/** Conversations whose events are kept between commands: the ones being worked on (a few MB). */
const RECENT_STREAMS = 2000;

/** A stream's events folded: the decider's state and the summary, as of its first `length` events. */
interface Folded {
  length: number;
  state: ConversationState;
  summary: ConversationSummary | undefined;
}

const NOTHING_FOLDED: Folded = { length: 0, state: initialState, summary: undefined };

/** Carries a fold forward over the events that follow what it folded. */
function foldOn(from: Folded, next: readonly RecordedEvent[]): Folded {
  let { state, summary } = from;
  for (const event of next) {
    if (isConversationEvent(event)) state = evolve(state, event);
    summary = evolveSummary(summary, event);
  }
  return { length: from.length + next.length, state, summary };
}

/**
 * What a command decides on: the stream folded, and where its last event is (the revision to append at, the
 * position to answer with). `events`: the whole stream, where it was read whole (a command with an
 * idempotency key looks through it for an earlier execution).
 */
interface StreamView {
  folded: Folded;
  last: StreamEnd | undefined;
  events?: readonly RecordedEvent[];
}

type StreamEnd = Pick<RecordedEvent, 'revision' | 'position'>;

/**
 * A bounded map of streams to their fold and last event, least recently used dropped first. Events are
 * immutable and a stream only grows, so what is remembered stays true of the stream's start; a command
 * reads only what was appended after it. The events themselves are not kept: a long-running server kept
 * every event of 2,000 conversations, and the collector walked them all.
 */
class RecentStreams {
  private readonly streams = new Map<string, StreamView>();

  constructor(private readonly capacity: number) {}

  get(streamId: string): StreamView | undefined {
    return this.streams.get(streamId);
  }

  remember(streamId: string, folded: Folded, { revision, position }: StreamEnd): void {
    this.streams.delete(streamId); // re-inserted last: the most recently used
    // Not the event itself: kept for seconds, a remembered event (its data, metadata, date) outlives the
    // young generation; without it the main thread promoted 7% less at 1,000 commands/s.
    this.streams.set(streamId, { folded, last: { revision, position } });
    if (this.streams.size > this.capacity) this.streams.delete(this.streams.keys().next().value!);
  }
}

type Decision =
  | { answer: ConversationCommandResult; final: boolean; decided?: undefined }
  | { answer?: undefined; decided: ConversationEvent[] };

@CommandHandler(ExecuteConversationCommand)
export class ExecuteConversationCommandHandler implements ICommandHandler<ExecuteConversationCommand> {
  /** Commands on one conversation take turns in this process; other processes are caught by the revision. */
  private readonly turns = new KeyedLock();
  /** Recently used streams as last read or written: a command reads only what was appended since. */
  private readonly recentStreams = new RecentStreams(RECENT_STREAMS);

  constructor(@Inject(EVENT_STORE) private readonly eventStore: EventStore) {}

  execute(command: ExecuteConversationCommand): Promise<ConversationCommandResult> {
    return this.turns.run(command.command.conversationId, () => this.carryOut(command));
  }

  private async carryOut({
    command,
    context,
    expectedRevision,
    eventIdSeed,
  }: ExecuteConversationCommand): Promise<ConversationCommandResult> {
    const streamId = conversationStreamId(command.conversationId);
    // What this process remembers is trusted for an append: the store's revision check catches whatever
    // another process appended since. An answer that appends nothing (nothing to do, 412, an error) is
    // given only on what was just read. Reading first cost a query a command, a twelfth of the server's time.
    let trustRemembered = true;
    // A command that may be a retry looks through the whole stream for its earlier execution.
    const wholeStream = context.idempotencyKey !== undefined;
    for (let attempt = 1; ;) {
      const remembered = trustRemembered && !wholeStream ? this.recentStreams.get(streamId) : undefined;
      trustRemembered = false;
      const stream = remembered ?? (await this.load(streamId, wholeStream));
      let decision: Decision;
      try {
        decision = this.decideOn(stream, command, context, expectedRevision);
      } catch (error) {
        if (remembered) continue;
        throw error;
      }
      if (decision.answer) {
        if (remembered && !decision.final) continue;
        return decision.answer;
      }

      const metadata = eventMetadata(context);
      const newEvents: NewEvent[] = decision.decided.map((event, index) => ({
        id: eventId(context, streamId, index, eventIdSeed),
        type: event.type,
        data: event.data,
        metadata,
      }));
      try {
        const appended = await this.eventStore.append(streamId, newEvents, {
          expectedRevision: stream.last?.revision ?? 'no_stream',
        });
        const firstRevision = appended.nextRevision - BigInt(newEvents.length) + 1n;
        const asRecorded = newEvents.map((event, index): RecordedEvent => ({
          ...event,
          streamId,
          metadata,
          revision: firstRevision + BigInt(index),
          position: appended.position,
          recordedAt: context.occurredAt,
        }));
        const folded = foldOn(stream.folded, asRecorded);
        this.recentStreams.remember(streamId, folded, asRecorded[asRecorded.length - 1]);
        return this.result(folded, decision.decided, appended.position);
      } catch (error) {
        if (!(error instanceof WrongExpectedRevisionError)) throw error;
        if (expectedRevision !== undefined) {
          throw this.preconditionFailed(command.conversationId, await this.load(streamId, false), expectedRevision);
        }
        if (attempt++ >= MAX_ATTEMPTS) {
          throw new ConflictError(
            `Conversation ${command.conversationId} kept changing while this command was tried ${MAX_ATTEMPTS} times; retry it`,
          );
        }
      }
    }
  }

  /**
   * The events to append, or the answer without appending. `final`: true of an earlier execution found,
   * which later events cannot undo; any other answer may be stale where the events were remembered.
   */
  private decideOn(
    stream: StreamView,
    command: ExecuteConversationCommand['command'],
    context: CommandContext,
    expectedRevision: bigint | undefined,
  ): Decision {
    const replayed = stream.events && this.findEarlierExecution(stream.events, context);
    if (replayed) return { answer: replayed, final: true };

    const current = stream.last;
    if (expectedRevision !== undefined && current?.revision !== expectedRevision) {
      throw this.preconditionFailed(command.conversationId, stream, expectedRevision);
    }
    const decided = decide(command, stream.folded.state);
    if (decided.length === 0) return { answer: this.result(stream.folded, [], current!.position), final: false };
    return { decided };
  }

  /**
   * The stream as it is now: what is remembered carried forward by whatever was appended after it (by
   * anyone), or, `whole`, every event read.
   */
  private async load(streamId: string, whole: boolean): Promise<StreamView> {
    const known = whole ? undefined : this.recentStreams.get(streamId);
    const fromRevision = BigInt(known?.folded.length ?? 0);
    const read = await collect(this.eventStore.readStream(streamId, { fromRevision }));
    const stream: StreamView = {
      folded: foldOn(known?.folded ?? NOTHING_FOLDED, read),
      last: read.length > 0 ? read[read.length - 1] : known?.last,
      events: whole ? read : undefined,
    };
    if (stream.last) this.recentStreams.remember(streamId, stream.folded, stream.last);
    return stream;
  }

  /**
   * A retried request (same idempotency key and actor) whose events are already in the stream, because the
   * first attempt appended them before its process stopped: answer as of those events, decide nothing again.
   */
  private findEarlierExecution(
    recorded: readonly RecordedEvent[],
    context: CommandContext,
  ): ConversationCommandResult | undefined {
    if (!context.idempotencyKey) return undefined;
    const windowStart = new Date(context.occurredAt.getTime() - IDEMPOTENCY_WINDOW_MS).toISOString();
    let last = -1;
    recorded.forEach((event, index) => {
      const { idempotencyKey, actor, occurredAt } = event.metadata as {
        idempotencyKey?: unknown;
        actor?: { id?: unknown };
        occurredAt?: unknown;
      };
      const sameRequest = idempotencyKey === context.idempotencyKey && actor?.id === context.actor.id;
      if (sameRequest && typeof occurredAt === 'string' && occurredAt >= windowStart) last = index;
    });
    if (last < 0) return undefined;
    const upTo = recorded.slice(0, last + 1);
    return this.result(foldOn(NOTHING_FOLDED, upTo), [], upTo[upTo.length - 1].position);
  }

  private result(folded: Folded, appended: ConversationEvent[], position: bigint): ConversationCommandResult {
    const conversation = folded.summary;
    if (!conversation) throw new Error('A conversation stream without ConversationStarted');
    return { conversation, position, appendedTypes: appended.map((event) => event.type) };
  }

  private preconditionFailed(conversationId: string, stream: StreamView, expectedRevision: bigint): Error {
    const conversation = stream.folded.summary;
    if (!conversation) return new NotFoundError(`No conversation ${conversationId}`);
    return new PreconditionFailedError(
      `If-Match names revision ${expectedRevision}, but conversation ${conversation.id} is at revision ${conversation.revision}`,
      { ...conversation },
      conversation.revision,
    );
  }
}

/** With an idempotency key or a seed, a retry writes the same event ids, which the event store recognises. */
function eventId(context: CommandContext, streamId: string, index: number, seed: string | undefined): string {
  if (seed) return deterministicUuid('event', seed, streamId, String(index));
  return context.idempotencyKey
    ? deterministicUuid('event', context.actor.type, context.actor.id, context.idempotencyKey, streamId, String(index))
    : randomUUID();
}
