/**
 * The facts recorded in a `conversation-<uuid>` stream (DESIGN.md). Plain data: reasons are data, not
 * separate event types, and every event names the conversation it belongs to.
 */
import { readEventMetadata } from '@team-inbox/core';
import type { JsonObject } from '@team-inbox/event-store';

// Type aliases, not interfaces: they must fit the event store's JSON types.
export type Customer = {
  id: string;
  name: string | null;
  email: string | null;
};

export type MessageAuthor = {
  type: 'customer' | 'member';
  id: string;
};

type Event<Type extends string, Data> = { type: Type; data: Data };

/**
 * `integrationId`: the integration whose customer this is (DESIGN.md, Tenants), the only one that may act
 * on the conversation. Absent from conversations started before it was recorded: see `conversationOwner`.
 */
export type ConversationStarted = Event<
  'ConversationStarted',
  { conversationId: string; customer: Customer; subject: string | null; integrationId?: string }
>;
export type MessageSent = Event<
  'MessageSent',
  { conversationId: string; messageId: string; author: MessageAuthor; body: string }
>;
export type ConversationAssigned = Event<
  'ConversationAssigned',
  { conversationId: string; assigneeId: string; previousAssigneeId: string | null; reason: 'manual' | 'replied' }
>;
export type ConversationUnassigned = Event<
  'ConversationUnassigned',
  { conversationId: string; previousAssigneeId: string; reason: 'manual' | 'member_removed' }
>;
export type ConversationClosed = Event<'ConversationClosed', { conversationId: string }>;
export type ConversationReopened = Event<
  'ConversationReopened',
  { conversationId: string; reason: 'customer_replied' | 'store_event' | 'manual'; storeEventId: string | null }
>;
/** A line of an order: what was bought, and how many. */
export type StoreEventItem = { name: string; quantity: number };

/**
 * What a store's event says of its order, each field where the store said it: shown beside the conversation
 * and searched. `total` is a decimal amount as text (money is never a float), `currency` its ISO 4217 code,
 * `url` the order in the shop (http or https).
 */
export type StoreEventDetails = {
  orderNumber?: string;
  total?: string;
  currency?: string;
  status?: string;
  url?: string;
  items?: StoreEventItem[];
};

/**
 * A store's event on the timeline: `storeEventId` is the id the integration gave it, unique per integration.
 * `details` is absent where the store sent none, and from every event recorded before stores could send them.
 */
export type StoreEventRecorded = Event<
  'StoreEventRecorded',
  {
    conversationId: string;
    integrationId: string;
    storeEventId: string;
    type: string;
    summary: string;
    requiresAction: boolean;
    details?: StoreEventDetails;
  }
>;

export type ConversationEvent =
  | ConversationStarted
  | MessageSent
  | ConversationAssigned
  | ConversationUnassigned
  | ConversationClosed
  | ConversationReopened
  | StoreEventRecorded;

export type ConversationEventType = ConversationEvent['type'];

export const CONVERSATION_EVENT_TYPES: readonly ConversationEventType[] = [
  'ConversationStarted',
  'MessageSent',
  'ConversationAssigned',
  'ConversationUnassigned',
  'ConversationClosed',
  'ConversationReopened',
  'StoreEventRecorded',
];

export const CONVERSATION_STREAM_PREFIX = 'conversation-';

export function conversationStreamId(conversationId: string): string {
  return `${CONVERSATION_STREAM_PREFIX}${conversationId}`;
}

/**
 * The integration a conversation belongs to, from its ConversationStarted as recorded: the `integrationId`
 * it names, else (started before that was recorded) the integration whose request started it, which its
 * metadata names, since only integrations' routes start conversations. Null where neither names one (a
 * history written by a tool): members see it, and every integration is told it does not exist.
 */
export function conversationOwner(started: {
  data: JsonObject;
  metadata: JsonObject;
  recordedAt: Date;
}): string | null {
  const recorded = (started.data as { integrationId?: unknown }).integrationId;
  if (recorded !== undefined) return typeof recorded === 'string' ? recorded : null;
  const { actor } = readEventMetadata(started.metadata, started.recordedAt);
  return actor.type === 'integration' ? actor.id : null;
}

const CONVERSATION_EVENT_TYPE_SET: ReadonlySet<string> = new Set(CONVERSATION_EVENT_TYPES);

/** Asked of every event the projector and the command handler fold: a set lookup, not a scan. */
export function isConversationEvent(event: { type: string }): event is ConversationEvent {
  return CONVERSATION_EVENT_TYPE_SET.has(event.type);
}
