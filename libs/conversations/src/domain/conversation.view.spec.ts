import type { RecordedEvent } from '@team-inbox/event-store';
import { ConversationOutlineFold, conversationDetails, type PageWindow } from './conversation.view';

const conversationId = 'c0nversation-0000-4000-8000-000000000001';
const customer = { id: 'cust-42', name: 'Ada', email: null };

/** A conversation's stream: started, then a message at each `m`, an assignment at each `a`. */
function stream(shape: string): RecordedEvent[] {
  const types = ['ConversationStarted', ...[...shape].map((kind) => (kind === 'm' ? 'MessageSent' : 'assigned'))];
  return types.map((kind, revision): RecordedEvent => ({
    id: `event-${revision}`,
    streamId: `conversation-${conversationId}`,
    revision: BigInt(revision),
    position: BigInt(revision + 1),
    recordedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, revision)),
    metadata: { actor: { type: 'member', id: 'alice' }, occurredAt: new Date(Date.UTC(2026, 0, 1)).toISOString() },
    ...(kind === 'ConversationStarted'
      ? { type: kind, data: { conversationId, customer, subject: 'Where is my order?' } }
      : kind === 'MessageSent'
        ? {
            type: kind,
            data: {
              conversationId,
              messageId: `m${revision}`,
              author: { type: 'customer', id: 'cust-42' },
              body: 'Hi',
            },
          }
        : {
            type: 'ConversationAssigned',
            data: { conversationId, assigneeId: 'alice', previousAssigneeId: null, reason: 'manual' },
          }),
  }));
}

function outline(events: RecordedEvent[], messages: PageWindow, timeline: PageWindow = { limit: 50 }) {
  const fold = new ConversationOutlineFold({ messages, timeline });
  for (const event of events) fold.add(event);
  return fold.outline()!;
}

describe('a page of a conversation', () => {
  //                  revisions: 1234567890
  const events = stream('mmammammam');

  it('holds the most recent entries of each list, with the cursor of the page before', () => {
    const { summary, messages, timeline } = outline(events, { limit: 3 }, { limit: 2 });
    expect(summary).toMatchObject({ revision: 10, messageCount: 7 });
    expect(messages).toEqual({ revisions: [7, 8, 10], earlierCursor: '7' });
    expect(timeline).toEqual({ revisions: [6, 9], earlierCursor: '6' });
  });

  it('asked with a cursor, holds the entries before it; the first page has no cursor', () => {
    expect(outline(events, { limit: 3, before: 7 }).messages).toEqual({ revisions: [2, 4, 5], earlierCursor: '2' });
    expect(outline(events, { limit: 3, before: 2 }).messages).toEqual({ revisions: [1], earlierCursor: null });
    expect(outline(events, { limit: 7 }).messages).toEqual({ revisions: [1, 2, 4, 5, 7, 8, 10], earlierCursor: null });
    expect(outline(events, { limit: 3, before: 1 }).messages).toEqual({ revisions: [], earlierCursor: null });
  });

  it('walked back by its cursors, holds every message exactly once', () => {
    const seen: number[] = [];
    let before: number | undefined;
    do {
      const { messages } = outline(events, { limit: 2, before });
      seen.unshift(...messages.revisions);
      before = messages.earlierCursor === null ? undefined : Number(messages.earlierCursor);
    } while (before !== undefined);
    expect(seen).toEqual([1, 2, 4, 5, 7, 8, 10]);
  });

  it('in full, is the whole conversation', () => {
    const details = conversationDetails(events)!;
    expect(details.messages.map((message) => message.id)).toEqual(['m1', 'm2', 'm4', 'm5', 'm7', 'm8', 'm10']);
    expect(details.timeline).toHaveLength(3);
    expect(details.timeline[0]).toMatchObject({ type: 'assigned', assigneeId: 'alice', actor: { id: 'alice' } });
  });
});
