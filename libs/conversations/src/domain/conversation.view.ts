/**
 * What a client sees of one conversation (API.md's summary, messages and timeline), folded from its
 * recorded events, metadata included: who did each thing and when.
 */
import type { Actor } from '@team-inbox/core';
import { readEventMetadata } from '@team-inbox/core';
import type { RecordedEvent } from '@team-inbox/event-store';
import type { ConversationEvent, Customer, MessageAuthor } from './conversation.events';
import { isConversationEvent } from './conversation.events';

export const MESSAGE_PREVIEW_LENGTH = 140;

export interface ConversationSummary {
  id: string;
  subject: string | null;
  customer: Customer;
  status: 'open' | 'closed';
  assigneeId: string | null;
  lastActivityAt: string;
  lastMessagePreview: string | null;
  messageCount: number;
  /** The conversation stream's revision: the ETag, and what `If-Match` names. */
  revision: number;
}

export interface ConversationMessage {
  id: string;
  author: MessageAuthor;
  body: string;
  at: string;
}

export type TimelineEntry = {
  type: string;
  at: string;
  actor: Actor;
} & Record<string, unknown>;

export interface ConversationDetails extends ConversationSummary {
  messages: ConversationMessage[];
  timeline: TimelineEntry[];
}

export function previewOf(body: string): string {
  const flattened = body.replace(/\s+/g, ' ').trim();
  return flattened.length <= MESSAGE_PREVIEW_LENGTH ? flattened : `${flattened.slice(0, MESSAGE_PREVIEW_LENGTH - 1)}…`;
}

/**
 * The summary after one more event of its stream: a new object, the one given left as it was, so that a
 * command can carry a remembered summary forward by the events it appends (not fold the stream again).
 */
export function evolveSummary(
  summary: ConversationSummary | undefined,
  recorded: RecordedEvent,
): ConversationSummary | undefined {
  if (!isConversationEvent(recorded)) return summary;
  const event = recorded as unknown as ConversationEvent;
  const lastActivityAt = readEventMetadata(recorded.metadata, recorded.recordedAt).occurredAt;
  const revision = Number(recorded.revision);
  if (event.type === 'ConversationStarted') {
    const { conversationId: id, subject, customer } = event.data;
    const status = 'open';
    return {
      id,
      subject,
      customer,
      status,
      assigneeId: null,
      lastActivityAt,
      lastMessagePreview: null,
      messageCount: 0,
      revision,
    };
  }
  if (!summary) return undefined;
  const next = { ...summary, revision, lastActivityAt };
  switch (event.type) {
    case 'MessageSent':
      next.messageCount++;
      next.lastMessagePreview = previewOf(event.data.body);
      break;
    case 'ConversationAssigned':
      next.assigneeId = event.data.assigneeId;
      break;
    case 'ConversationUnassigned':
      next.assigneeId = null;
      break;
    case 'ConversationClosed':
      next.status = 'closed';
      break;
    case 'ConversationReopened':
      next.status = 'open';
      break;
  }
  return next;
}

/** Folds a conversation stream; undefined where it holds no ConversationStarted. */
export function conversationDetails(events: readonly RecordedEvent[]): ConversationDetails | undefined {
  let summary: ConversationSummary | undefined;
  let messages: ConversationMessage[] = [];
  let timeline: TimelineEntry[] = [];
  for (const recorded of events) {
    summary = evolveSummary(summary, recorded);
    if (!summary || !isConversationEvent(recorded)) continue;
    const event = recorded as unknown as ConversationEvent;
    const { actor, occurredAt: at } = readEventMetadata(recorded.metadata, recorded.recordedAt);
    switch (event.type) {
      case 'ConversationStarted':
        messages = [];
        timeline = [];
        break;
      case 'MessageSent':
        messages.push({ id: event.data.messageId, author: event.data.author, body: event.data.body, at });
        break;
      case 'ConversationAssigned':
        timeline.push({
          type: 'assigned',
          at,
          actor,
          assigneeId: event.data.assigneeId,
          previousAssigneeId: event.data.previousAssigneeId,
          reason: event.data.reason,
        });
        break;
      case 'ConversationUnassigned':
        timeline.push({
          type: 'unassigned',
          at,
          actor,
          previousAssigneeId: event.data.previousAssigneeId,
          reason: event.data.reason,
        });
        break;
      case 'ConversationClosed':
        timeline.push({ type: 'closed', at, actor });
        break;
      case 'ConversationReopened':
        timeline.push({
          type: 'reopened',
          at,
          actor,
          reason: event.data.reason,
          storeEventId: event.data.storeEventId,
        });
        break;
      case 'StoreEventRecorded':
        timeline.push({
          type: 'store_event',
          at,
          actor,
          integrationId: event.data.integrationId,
          storeEventId: event.data.storeEventId,
          storeEventType: event.data.type,
          summary: event.data.summary,
          requiresAction: event.data.requiresAction,
        });
        break;
    }
  }
  return summary && { ...summary, messages, timeline };
}

export function summaryOf(details: ConversationDetails): ConversationSummary {
  const { messages: _messages, timeline: _timeline, ...summary } = details;
  return summary;
}
