/**
 * Writes a realistic history straight into an event store, for benchmarks and for tests that need a long
 * log fast: members join, conversations start, get assigned, replied to, closed and reopened, following
 * the decider's rules (so the log is one the server could have written). Seeded: the same options give
 * the same history.
 */
import { eventMetadata, systemActor, type CommandContext } from '@team-inbox/core';
import { seededRandom } from '@team-inbox/core/testing/seeded-random';
import type { EventStore, NewEvent } from '@team-inbox/event-store';
import { createHash } from 'node:crypto';
import {
  decide,
  evolve,
  initialState,
  type ConversationCommand,
  type ConversationState,
} from '../domain/conversation.decider';
import { conversationStreamId } from '../domain/conversation.events';

export interface HistoryOptions {
  conversations: number;
  members: number;
  /** Roughly; each conversation gets about this many events. */
  eventsPerConversation: number;
  seed?: number;
  /** Appends in flight at once. */
  concurrency?: number;
  /** Tokens for the members, by index, so that a benchmark can call the API as them. */
  memberTokens?: { tokenId: string; tokenHash: string }[];
  onProgress?: (eventsWritten: number) => void;
}

export interface GeneratedHistory {
  memberIds: string[];
  conversationIds: string[];
  events: number;
}

function uuidFrom(random: () => number): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(random() * 16).toString(16)).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export async function generateHistory(store: EventStore, options: HistoryOptions): Promise<GeneratedHistory> {
  const random = seededRandom(options.seed ?? 1);
  const context: CommandContext = {
    actor: systemActor('generator'),
    occurredAt: new Date(),
    correlationId: uuidFrom(random),
  };
  const memberIds = Array.from({ length: options.members }, () => uuidFrom(random));
  let events = 0;

  for (const [i, memberId] of memberIds.entries()) {
    const token = options.memberTokens?.[i] ?? {
      tokenId: createHash('sha256').update(`id:${memberId}`).digest('hex').slice(0, 16),
      tokenHash: createHash('sha256').update(memberId).digest('hex'),
    };
    await store.append(
      `member-${memberId}`,
      [
        {
          id: uuidFrom(random),
          type: 'MemberJoined',
          data: {
            memberId,
            name: `Member ${i}`,
            email: `member${i}@example.com`,
            role: 'agent',
            ...token,
          },
          metadata: eventMetadata(context),
        },
      ],
      { expectedRevision: 'no_stream' },
    );
    events++;
  }

  const conversationIds = Array.from({ length: options.conversations }, () => uuidFrom(random));
  const histories = conversationIds.map((conversationId) =>
    conversationHistory(conversationId, memberIds, options.eventsPerConversation, random, context),
  );
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < histories.length) {
      const batch = histories[next++];
      await store.append(conversationStreamId(batch.conversationId), batch.events, { expectedRevision: 'no_stream' });
      events += batch.events.length;
      options.onProgress?.(events);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 64 }, worker));
  return { memberIds, conversationIds, events };
}

function conversationHistory(
  conversationId: string,
  memberIds: string[],
  target: number,
  random: () => number,
  context: CommandContext,
): { conversationId: string; events: NewEvent[] } {
  const pick = (): string => memberIds[Math.floor(random() * memberIds.length)];
  let state: ConversationState = initialState;
  const events: NewEvent[] = [];
  const at = (offset: number) => ({
    ...context,
    occurredAt: new Date(Date.UTC(2026, 0, 1) + Math.floor(random() * 300 * 86_400_000) + offset),
  });
  const run = (command: ConversationCommand) => {
    for (const event of decide(command, state)) {
      state = evolve(state, event);
      events.push({
        id: uuidFrom(random),
        type: event.type,
        data: event.data,
        metadata: eventMetadata(at(events.length)),
      });
    }
  };
  run({
    type: 'StartConversation',
    conversationId,
    customer: { id: `customer-${conversationId.slice(0, 8)}`, name: 'A customer', email: null },
    subject: 'An order',
    messageId: uuidFrom(random),
    body: 'Hello, where is my order?',
  });
  while (events.length < target) {
    const roll = random();
    if (roll < 0.3) run({ type: 'AssignConversation', conversationId, assigneeId: pick() });
    else if (roll < 0.55)
      run({
        type: 'ReplyToConversation',
        conversationId,
        memberId: pick(),
        messageId: uuidFrom(random),
        body: 'On its way.',
      });
    else if (roll < 0.75)
      run({ type: 'PostCustomerMessage', conversationId, messageId: uuidFrom(random), body: 'Thank you!' });
    else if (roll < 0.85) run({ type: 'UnassignConversation', conversationId });
    else if (roll < 0.95) run({ type: 'CloseConversation', conversationId });
    else run({ type: 'ReopenConversation', conversationId });
  }
  return { conversationId, events };
}
