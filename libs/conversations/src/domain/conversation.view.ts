/**
 * What a client sees of one conversation (API.md's summary, messages and timeline), folded from its
 * recorded events, metadata included: who did each thing and when.
 */
import type { Actor } from '@team-inbox/core';
import { readEventMetadata, recordedOneOf } from '@team-inbox/core';
import type { RecordedEvent } from '@team-inbox/event-store';
import type { ConversationSummary } from '../summary-contract';
import type { ConversationEvent, MessageAuthor, MessageSent } from './conversation.events';
import { isConversationEvent } from './conversation.events';

const isMessageSent = recordedOneOf<MessageSent>(['MessageSent']);

// Its shape is defined once, with its columns and its JSON (`summary-contract.ts`); exported from here too.
export type { ConversationSummary } from '../summary-contract';

export const MESSAGE_PREVIEW_LENGTH = 140;

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
  const event = recorded;
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

/** Folds a whole conversation stream; undefined where it holds no ConversationStarted. */
export function conversationDetails(events: readonly RecordedEvent[]): ConversationDetails | undefined {
  const fold = new ConversationOutlineFold({ messages: { limit: Infinity }, timeline: { limit: Infinity } });
  for (const recorded of events) fold.add(recorded);
  const outline = fold.outline();
  if (!outline) return undefined;
  const on = (list: ListPage) => {
    const revisions = new Set(list.revisions);
    return (recorded: RecordedEvent) => revisions.has(Number(recorded.revision));
  };
  return {
    ...outline.summary,
    messages: events.filter(on(outline.messages)).flatMap((recorded) => messageOf(recorded) ?? []),
    timeline: events.filter(on(outline.timeline)).flatMap((recorded) => timelineEntryOf(recorded) ?? []),
  };
}

/**
 * Which part of a list a page shows: the last `limit` entries recorded before the revision `before`, and of
 * those only the most recent whose JSON holds within `maxBytes` (at least one, however long, so that a
 * client paging back always moves on). The outline's fold counts entries only; `maxBytes` is weighed as the
 * entries are read (`readConversationPage`), where their JSON is at hand.
 */
export interface PageWindow {
  limit: number;
  /** The list's JSON in UTF-8 (the array: brackets, commas and entries); unbounded when omitted. */
  maxBytes?: number;
  /** Exclusive; the end of the stream when omitted. */
  before?: number;
}

/**
 * One page of a conversation: its summary (of the whole stream), and the most recent messages and timeline
 * entries within each window, oldest first. A cursor is null where the page starts at the first entry;
 * otherwise it is the `before` that asks for the page before this one.
 */
export interface ConversationPage extends ConversationDetails {
  earlierMessagesCursor: string | null;
  earlierTimelineCursor: string | null;
}

/**
 * What `GET /conversations/:id` answers: the page, and beside it the customer's other conversations (the same
 * integration's customer), their summaries newest first.
 */
export interface ConversationPageWithCustomer extends ConversationPage {
  /** With `unread` where the caller reads. */
  customerConversations: (ConversationSummary & { unread?: boolean })[];
}

/** Where a page of one list lies in the stream: its entries' revisions, oldest first, and its cursor. */
export interface ListPage {
  revisions: number[];
  earlierCursor: string | null;
}

/** A conversation's summary and where its pages lie, without their entries. */
export interface ConversationOutline {
  summary: ConversationSummary;
  messages: ListPage;
  timeline: ListPage;
}

/** The last `limit` revisions offered before the window's end; older ones are let go as newer ones come. */
class RevisionWindow {
  private readonly kept: number[] = [];
  private droppedAny = false;

  constructor(private readonly window: PageWindow) {}

  offer(revision: number): void {
    if (this.window.before !== undefined && revision >= this.window.before) return;
    this.kept.push(revision);
    if (this.kept.length > this.window.limit) {
      this.kept.shift();
      this.droppedAny = true;
    }
  }

  clear(): void {
    this.kept.length = 0;
    this.droppedAny = false;
  }

  page(): ListPage {
    const earlierCursor = this.droppedAny && this.kept.length > 0 ? String(this.kept[0]) : null;
    return { revisions: [...this.kept], earlierCursor };
  }
}

/**
 * The first of two reads of a page: folds the whole stream into the summary and the revisions each page
 * holds, keeping no message body, so that a conversation of any length is read in bounded memory. The
 * second read takes the entries at those revisions (`messageOf`, `timelineEntryOf`).
 */
export class ConversationOutlineFold {
  private summary: ConversationSummary | undefined;
  private readonly messages: RevisionWindow;
  private readonly timeline: RevisionWindow;

  constructor(windows: { messages: PageWindow; timeline: PageWindow }) {
    this.messages = new RevisionWindow(windows.messages);
    this.timeline = new RevisionWindow(windows.timeline);
  }

  add(recorded: RecordedEvent): void {
    this.summary = evolveSummary(this.summary, recorded);
    if (!this.summary || !isConversationEvent(recorded)) return;
    const revision = Number(recorded.revision);
    if (recorded.type === 'ConversationStarted') {
      this.messages.clear();
      this.timeline.clear();
    } else if (recorded.type === 'MessageSent') this.messages.offer(revision);
    else this.timeline.offer(revision);
  }

  outline(): ConversationOutline | undefined {
    return this.summary && { summary: this.summary, messages: this.messages.page(), timeline: this.timeline.page() };
  }
}

/** The message an event records; undefined for any other event. */
export function messageOf(recorded: RecordedEvent): ConversationMessage | undefined {
  if (!isMessageSent(recorded)) return undefined;
  const event = recorded;
  const { occurredAt: at } = readEventMetadata(recorded.metadata, recorded.recordedAt);
  return { id: event.data.messageId, author: event.data.author, body: event.data.body, at };
}

/** The timeline entry an event makes; undefined for a start, a message or an event of no conversation. */
export function timelineEntryOf(recorded: RecordedEvent): TimelineEntry | undefined {
  if (!isConversationEvent(recorded)) return undefined;
  const event = recorded;
  if (event.type === 'ConversationStarted' || event.type === 'MessageSent') return undefined;
  const { actor, occurredAt: at } = readEventMetadata(recorded.metadata, recorded.recordedAt);
  const { type, ...facts } = timelineFacts(event);
  return { type, at, actor, ...facts };
}

/** What the timeline says of an event other than a start or a message. */
function timelineFacts(
  event: Exclude<ConversationEvent, { type: 'ConversationStarted' | 'MessageSent' }>,
): { type: string } & Record<string, unknown> {
  switch (event.type) {
    case 'ConversationAssigned':
      return {
        type: 'assigned',
        assigneeId: event.data.assigneeId,
        previousAssigneeId: event.data.previousAssigneeId,
        reason: event.data.reason,
      };
    case 'ConversationUnassigned':
      return { type: 'unassigned', previousAssigneeId: event.data.previousAssigneeId, reason: event.data.reason };
    case 'ConversationClosed':
      return { type: 'closed' };
    case 'ConversationReopened':
      return { type: 'reopened', reason: event.data.reason, storeEventId: event.data.storeEventId };
    case 'StoreEventRecorded':
      return {
        type: 'store_event',
        integrationId: event.data.integrationId,
        storeEventId: event.data.storeEventId,
        storeEventType: event.data.type,
        summary: event.data.summary,
        requiresAction: event.data.requiresAction,
        // Null where the store sent none (and on every event recorded before stores could send them).
        details: event.data.details ?? null,
      };
  }
}

export function summaryOf(details: ConversationDetails): ConversationSummary {
  const { messages: _messages, timeline: _timeline, ...summary } = details;
  return summary;
}
