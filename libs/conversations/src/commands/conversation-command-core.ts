/**
 * Every conversation command's way to the log: `handleCommand` over the conversation's decider, the
 * commands on one conversation taking turns in this process (other processes are caught by the revision),
 * folds remembered between commands, and a keyed retry answered from its first execution. The fold carries
 * the conversation's summary along with the decider's state: every command answers with it.
 */
import { Inject, Injectable, Optional } from '@nestjs/common';
import {
  KeyedLock,
  LruFoldCache,
  NotFoundError,
  PreconditionFailedError,
  SAME_KEY_AND_ACTOR,
  aggregateStream,
  deterministicUuid,
  handleCommand,
  type CommandContext,
  type Decider,
  type FoldedStream,
} from '@team-inbox/core';
import { EVENT_STORE, type EventStore, type Position, type RecordedEvent } from '@team-inbox/event-store';
import { randomUUID } from 'node:crypto';
import {
  decide,
  evolve,
  initialState,
  type ConversationCommand,
  type ConversationState,
} from '../domain/conversation.decider';
import { conversationStreamId, isConversationEvent, type ConversationEvent } from '../domain/conversation.events';
import { evolveSummary, type ConversationSummary } from '../domain/conversation.view';
import { ReadMarkers } from '../read-markers/read-markers';
import { NO_NEWS, evolveNews, isUnread, type ConversationNews } from '../read-markers/something-happened';

/** Enough for a burst of writers on one conversation; past it the caller hears 409 and may retry. */
export const CONVERSATION_COMMAND_ATTEMPTS = 25;
/** Conversations whose folds are kept between commands: the ones being worked on. */
const RECENT_STREAMS = 2000;

export interface ConversationCommandResult {
  /** The conversation's summary after the command. */
  conversation: ConversationSummary;
  /** The log position of the last event appended, or of the conversation's last event where none was. */
  position: Position;
  /** The events this command appended (none where it changed nothing). */
  appendedTypes: ConversationEvent['type'][];
  /**
   * Whether the conversation is unread to the member who sent the command (`something-happened.ts`): their
   * own command makes nothing unread to them, nor does it read anything. Absent where no member sent it.
   */
  unread?: boolean;
}

/** A conversation as its stream says now: its summary, its last event's position, and where its news is. */
export interface CurrentConversation {
  conversation: ConversationSummary;
  position: Position;
  news: ConversationNews;
}

export interface ConversationCommandOptions {
  /** From `If-Match`: carry the command out only at this revision. */
  expectedRevision?: bigint;
  /** Derives the ids of the events appended, where the command itself is the retry key (a store event). */
  eventIdSeed?: string;
}

/** The decider's state, the summary and where the news is, folded together from the stream's events. */
interface ConversationFold {
  state: ConversationState;
  summary: ConversationSummary | undefined;
  news: ConversationNews;
}

const conversationWithSummary: Decider<ConversationFold, ConversationCommand, ConversationEvent> = {
  initialState: { state: initialState, summary: undefined, news: NO_NEWS },
  evolve: (fold, event) => ({
    state: evolve(fold.state, event),
    // handleCommand folds the events as the store recorded them (revision, time): what the summary shows.
    summary: evolveSummary(fold.summary, event as unknown as RecordedEvent),
    news: evolveNews(fold.news, event as unknown as RecordedEvent),
  }),
  decide: (command, fold) => decide(command, fold.state),
  isEvent: isConversationEvent,
};

@Injectable()
export class ConversationCommandCore {
  private readonly turns = new KeyedLock();
  private readonly folds = new LruFoldCache<ConversationFold>(RECENT_STREAMS);

  constructor(
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    /** Where a member's read marks are, for the `unread` of the answers; without it, answers carry none. */
    @Optional() private readonly readMarkers?: ReadMarkers,
  ) {}

  /** The conversation as its stream says now, read and not changed; a `NotFoundError` where there is none. */
  async current(conversationId: string): Promise<CurrentConversation> {
    const { state, last } = await aggregateStream(
      this.eventStore,
      conversationStreamId(conversationId),
      conversationWithSummary,
    );
    if (!state.summary || !last) throw new NotFoundError(`No conversation ${conversationId}`);
    return { conversation: state.summary, position: last.position, news: state.news };
  }

  execute(
    command: ConversationCommand,
    context: CommandContext,
    { expectedRevision, eventIdSeed }: ConversationCommandOptions = {},
  ): Promise<ConversationCommandResult> {
    const { conversationId } = command;
    const streamId = conversationStreamId(conversationId);
    const decided = this.turns.run(conversationId, async () => {
      const outcome = await handleCommand(this.eventStore, streamId, conversationWithSummary, command, {
        context,
        eventId: (index) => eventId(context, streamId, index, eventIdSeed),
        expectedRevision,
        preconditionFailed: (current) => preconditionFailed(conversationId, current, expectedRevision!),
        cache: this.folds,
        idempotency: SAME_KEY_AND_ACTOR,
        maxAttempts: CONVERSATION_COMMAND_ATTEMPTS,
        keptChanging: `Conversation ${conversationId} kept changing while this command was tried ${CONVERSATION_COMMAND_ATTEMPTS} times; retry it`,
      });
      const conversation = outcome.state.summary;
      if (!conversation || outcome.position === undefined) {
        throw new Error('A conversation stream without ConversationStarted');
      }
      return {
        conversation,
        position: outcome.position,
        appendedTypes: outcome.events.map((event) => event.type),
        news: outcome.state.news,
      };
    });
    return decided.then(async ({ news, ...result }) => {
      // Outside the conversation's turn: the next command on it need not wait for the member's stream.
      if (!this.readMarkers || context.actor.type !== 'member') return result;
      const readUpTo = await this.readMarkers.readUpTo(context.actor.id, conversationId);
      return { ...result, unread: isUnread(news, context.actor.id, readUpTo) };
    });
  }
}

function preconditionFailed(
  conversationId: string,
  current: FoldedStream<ConversationFold>,
  expectedRevision: bigint,
): Error {
  const conversation = current.state.summary;
  if (!conversation) return new NotFoundError(`No conversation ${conversationId}`);
  return new PreconditionFailedError(
    `If-Match names revision ${expectedRevision}, but conversation ${conversation.id} is at revision ${conversation.revision}`,
    { ...conversation },
    conversation.revision,
  );
}

/** With an idempotency key or a seed, a retry writes the same event ids, which the event store recognises. */
function eventId(context: CommandContext, streamId: string, index: number, seed: string | undefined): string {
  if (seed) return deterministicUuid('event', seed, streamId, String(index));
  return context.idempotencyKey
    ? deterministicUuid('event', context.actor.type, context.actor.id, context.idempotencyKey, streamId, String(index))
    : randomUUID();
}
