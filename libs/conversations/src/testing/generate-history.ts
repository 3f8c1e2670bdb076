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
  /**
   * Customers of many names, subjects of many words and an order's store event in each conversation (order
   * `#ORDER_NUMBER_BASE + i`), for benchmarks of the search; otherwise every conversation reads alike.
   */
  searchableText?: boolean;
  onProgress?: (eventsWritten: number) => void;
}

/** The first order number of a history with `searchableText`: conversation `i` holds order `#(base + i)`. */
export const ORDER_NUMBER_BASE = 1000;

const FIRST_NAMES =
  'Ada Ben Chloé Dmitri Elif Farah Gustav Hana Ines José Kai Léa Mateo Nora Omar Priya Quinn Rosa Søren Tomás Uma Vera Wen Xavier Yusuf Zoë'.split(
    ' ',
  );
const LAST_NAMES =
  'Adams Berger Costa Dubois Eriksen Fischer García Hoffmann Ivanova Jensen Kowalski Lindqvist Müller Nakamura Olsen Petrov Quintero Rossi Schmidt Tanaka Ueda Varga Weber Xu Yilmaz Zhang'.split(
    ' ',
  );
const SUBJECTS = [
  'Where is my parcel',
  'Refund for a damaged',
  'Wrong size of',
  'Exchange my',
  'Invoice for the',
  'Discount code for',
  'Missing item in',
  'Cancel my order of',
  'Delivery address for',
  'Question about the',
];
const PRODUCTS =
  'scarf jacket boots backpack sweater gloves umbrella wallet sneakers blanket teapot lamp headphones watch notebook'.split(
    ' ',
  );

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
  const histories = conversationIds.map((conversationId, index) =>
    conversationHistory(conversationId, memberIds, options.eventsPerConversation, random, context, {
      index,
      searchable: options.searchableText ?? false,
    }),
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
  text: { index: number; searchable: boolean },
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
  const one = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)];
  const customerId = `customer-${conversationId.slice(0, 8)}`;
  if (text.searchable) {
    const [first, last, product] = [one(FIRST_NAMES), one(LAST_NAMES), one(PRODUCTS)];
    const order = ORDER_NUMBER_BASE + text.index;
    run({
      type: 'StartConversation',
      conversationId,
      customer: { id: customerId, name: `${first} ${last}`, email: `${first}.${last}${text.index % 97}@example.com` },
      subject: `${one(SUBJECTS)} ${product}`,
      messageId: uuidFrom(random),
      body: `Hello, about order #${order}: the ${product} I ordered has not arrived yet.`,
    });
    run({
      type: 'RecordStoreEvent',
      conversationId,
      storeEvent: {
        integrationId: 'generator-shop',
        storeEventId: `order-${order}`,
        type: 'order.paid',
        summary: `Order #${order} paid: 1 × ${product}`,
        requiresAction: false,
      },
    });
  } else {
    run({
      type: 'StartConversation',
      conversationId,
      customer: { id: customerId, name: 'A customer', email: null },
      subject: 'An order',
      messageId: uuidFrom(random),
      body: 'Hello, where is my order?',
    });
  }
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
