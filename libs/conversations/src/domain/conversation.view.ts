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

/** Folds a conversation stream; undefined where it holds no ConversationStarted. */
export function conversationDetails(events: readonly RecordedEvent[]): ConversationDetails | undefined {
  let details: ConversationDetails | undefined;
  for (const recorded of events) {
    if (!isConversationEvent(recorded)) continue;
    const event = recorded as unknown as ConversationEvent;
    const { actor, occurredAt: at } = readEventMetadata(recorded.metadata, recorded.recordedAt);
    if (event.type === 'ConversationStarted') {
      details = {
        id: event.data.conversationId,
        subject: event.data.subject,
        customer: event.data.customer,
        status: 'open',
        assigneeId: null,
        lastActivityAt: at,
        lastMessagePreview: null,
        messageCount: 0,
        revision: Number(recorded.revision),
        messages: [],
        timeline: [],
      };
      continue;
    }
    if (!details) continue;
    details.revision = Number(recorded.revision);
    details.lastActivityAt = at;
    switch (event.type) {
      case 'MessageSent':
        details.messages.push({ id: event.data.messageId, author: event.data.author, body: event.data.body, at });
        details.messageCount++;
        details.lastMessagePreview = previewOf(event.data.body);
        break;
      case 'ConversationAssigned':
        details.assigneeId = event.data.assigneeId;
        details.timeline.push({
          type: 'assigned',
          at,
          actor,
          assigneeId: event.data.assigneeId,
          previousAssigneeId: event.data.previousAssigneeId,
          reason: event.data.reason,
        });
        break;
      case 'ConversationUnassigned':
        details.assigneeId = null;
        details.timeline.push({
          type: 'unassigned',
          at,
          actor,
          previousAssigneeId: event.data.previousAssigneeId,
          reason: event.data.reason,
        });
        break;
      case 'ConversationClosed':
        details.status = 'closed';
        details.timeline.push({ type: 'closed', at, actor });
        break;
      case 'ConversationReopened':
        details.status = 'open';
        details.timeline.push({
          type: 'reopened',
          at,
          actor,
          reason: event.data.reason,
          storeEventId: event.data.storeEventId,
        });
        break;
      case 'StoreEventRecorded':
        details.timeline.push({
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
  return details;
}

export function summaryOf(details: ConversationDetails): ConversationSummary {
  const { messages: _messages, timeline: _timeline, ...summary } = details;
  return summary;
}
