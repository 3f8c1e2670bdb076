/**
 * What makes a conversation unread (API.md 1.1): something happened in it after the member last read it. A
 * start, a customer's message or a store event happened for every member; an assignment happened for its
 * assignee, unless the assignee made it (taking a conversation, or replying to an unassigned one). Nothing a
 * member does makes a conversation unread for that member. One rule, read by the unread projection and by
 * the commands' answers.
 *
 * Free of Nest: the projector's worker thread loads it.
 */
import { readEventMetadata } from '@team-inbox/core';
import type { RecordedEvent } from '@team-inbox/event-store';
import { isConversationEvent } from '../domain/conversation.events';

/** Who an event of a conversation's stream is news to: every member, one member, or nobody. */
export type HappenedFor = { kind: 'everyone' } | { kind: 'member'; memberId: string } | undefined;

export function somethingHappened(recorded: RecordedEvent): HappenedFor {
  if (!isConversationEvent(recorded)) return undefined;
  const event = recorded;
  switch (event.type) {
    case 'ConversationStarted':
    case 'StoreEventRecorded':
      return { kind: 'everyone' };
    case 'MessageSent':
      return event.data.author.type === 'customer' ? { kind: 'everyone' } : undefined;
    case 'ConversationAssigned': {
      const { actor } = readEventMetadata(recorded.metadata, recorded.recordedAt);
      const byTheAssignee = actor.type === 'member' && actor.id === event.data.assigneeId;
      return byTheAssignee ? undefined : { kind: 'member', memberId: event.data.assigneeId };
    }
    default:
      return undefined;
  }
}

/** Where the last things that happened in a conversation are: for everyone, and for each assignee. */
export interface ConversationNews {
  /** The position of the last event that was news to every member. */
  forEveryone: bigint;
  /** Per member, the position of the last assignment to it that someone else made. */
  assignedBySomeoneElse: ReadonlyMap<string, bigint>;
}

export const NO_NEWS: ConversationNews = { forEveryone: -1n, assignedBySomeoneElse: new Map() };

/** The news after one more event of the conversation's stream (a new object; the one given is left as it was). */
export function evolveNews(news: ConversationNews, recorded: RecordedEvent): ConversationNews {
  const happened = somethingHappened(recorded);
  if (happened === undefined) return news;
  if (happened.kind === 'everyone') return { ...news, forEveryone: recorded.position };
  const assignedBySomeoneElse = new Map(news.assignedBySomeoneElse).set(happened.memberId, recorded.position);
  return { ...news, assignedBySomeoneElse };
}

/** Whether a member who read the conversation up to `readUpTo` (never: undefined) has something unread in it. */
export function isUnread(news: ConversationNews, memberId: string, readUpTo: bigint | undefined): boolean {
  const last = news.assignedBySomeoneElse.get(memberId) ?? -1n;
  const lastNews = last > news.forEveryone ? last : news.forEveryone;
  return lastNews >= 0n && (readUpTo === undefined || lastNews > readUpTo);
}
