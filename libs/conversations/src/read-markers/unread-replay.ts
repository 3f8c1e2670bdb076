/**
 * The unread tables as a replay builds them (`UnreadProjection.replay`). Event by event, the projection
 * reads and updates a conversation's row and its members' marks at each event, at a random place in a
 * large table each time: most of a rebuild's time. Replayed, each event updates what is kept in memory of
 * its conversation (a few fields, and a mark for each member that read it or was assigned it by someone
 * else), and the tables are written once, at the end, in key order.
 *
 * The end state depends on the last values only: a conversation's last news, queue and revision; a
 * member's furthest read and the last assignment someone else made to it. A member is caught up where it
 * has read at or past both, as `UnreadProjection.read` decides at each read: a read never names a position
 * past the conversation's last event (`ReadConversationHandler`), so any news or assignment after a read
 * lies past it and makes the member behind again, as the projection does event by event.
 */
import type Database from 'better-sqlite3';
import type { RecordedEvent } from '@team-inbox/event-store';
// From the file, not the library's index: the projector's worker thread loads this without Nest's modules.
import type { ReplayStrategy } from '@team-inbox/projections/projection';
import { CONVERSATION_STREAM_PREFIX, isConversationEvent } from '../domain/conversation.events';
import { somethingHappened } from './something-happened';
import { isConversationRead, sortablePosition } from './unread-positions';

interface ReplayedConversation {
  newsPosition: string;
  status: 'open' | 'closed';
  assigneeKey: string;
  revision: number;
  /** By member: how far it read, and where the last assignment to it that someone else made is ('' never). */
  marks: Map<string, { readPosition: string; assignedPosition: string }> | undefined;
}

export class UnreadReplay implements ReplayStrategy {
  private conversations = new Map<string, ReplayedConversation>();

  setUp(): void {
    this.conversations = new Map();
  }

  apply(recorded: RecordedEvent): void {
    if (isConversationRead(recorded)) {
      const { conversationId, memberId, position } = recorded.data;
      const conversation = this.conversations.get(conversationId);
      if (!conversation) return; // as the projection: a read of a conversation it never saw start
      const mark = markOf(conversation, memberId);
      const read = sortablePosition(position);
      if (read > mark.readPosition) mark.readPosition = read;
      return;
    }
    if (!recorded.streamId.startsWith(CONVERSATION_STREAM_PREFIX) || !isConversationEvent(recorded)) return;
    const event = recorded;
    const id = event.data.conversationId;
    if (event.type === 'ConversationStarted') {
      if (this.conversations.has(id)) return;
      this.conversations.set(id, {
        newsPosition: sortablePosition(recorded.position),
        status: 'open',
        assigneeKey: '',
        revision: Number(recorded.revision),
        marks: undefined,
      });
      return;
    }
    const conversation = this.conversations.get(id);
    if (!conversation) return;
    switch (event.type) {
      case 'MessageSent':
        if (event.data.author.type !== 'customer') return; // a member's reply changes nothing here
        conversation.newsPosition = sortablePosition(recorded.position);
        break;
      case 'StoreEventRecorded':
        conversation.newsPosition = sortablePosition(recorded.position);
        break;
      case 'ConversationAssigned': {
        conversation.assigneeKey = event.data.assigneeId;
        const happened = somethingHappened(recorded);
        if (happened?.kind === 'member') {
          markOf(conversation, happened.memberId).assignedPosition = sortablePosition(recorded.position);
        }
        break;
      }
      case 'ConversationUnassigned':
        conversation.assigneeKey = '';
        break;
      case 'ConversationClosed':
        conversation.status = 'closed';
        break;
      case 'ConversationReopened':
        conversation.status = 'open';
        break;
      default:
        return;
    }
    conversation.revision = Number(recorded.revision);
  }

  finish(db: Database.Database): void {
    const insertConversation = db.prepare<[string, string, string, string, number, number]>(
      `INSERT INTO unread_conversations (conversation_id, news_position, status, assignee_key, revision, caught_up_members)
       VALUES (?, ?, ?, ?, ?, ?)`,
    );
    const insertMark = db.prepare<[string, string, string, string, number]>(
      `INSERT INTO unread_marks (conversation_id, member_id, read_position, assigned_position, caught_up)
       VALUES (?, ?, ?, ?, ?)`,
    );
    const insertCount = db.prepare<[string, string, string, number]>(
      `INSERT INTO unread_caught_up_counts (member_id, status, assignee_key, caught_up_count) VALUES (?, ?, ?, ?)`,
    );
    const counts = new Map<string, { memberId: string; status: string; assigneeKey: string; count: number }>();
    // In key order: each insert lands beside the one before it.
    for (const id of [...this.conversations.keys()].sort()) {
      const conversation = this.conversations.get(id)!;
      const queueKey = conversation.status === 'closed' ? '' : conversation.assigneeKey;
      let caughtUpMembers = 0;
      for (const memberId of [...(conversation.marks?.keys() ?? [])].sort()) {
        const { readPosition, assignedPosition } = conversation.marks!.get(memberId)!;
        const caughtUp = readPosition >= conversation.newsPosition && readPosition >= assignedPosition ? 1 : 0;
        insertMark.run(id, memberId, readPosition, assignedPosition, caughtUp);
        if (caughtUp === 0) continue;
        caughtUpMembers++;
        const countKey = `${memberId}\u0000${conversation.status}\u0000${queueKey}`;
        const count = counts.get(countKey);
        if (count) count.count++;
        else counts.set(countKey, { memberId, status: conversation.status, assigneeKey: queueKey, count: 1 });
      }
      insertConversation.run(
        id,
        conversation.newsPosition,
        conversation.status,
        conversation.assigneeKey,
        conversation.revision,
        caughtUpMembers,
      );
    }
    for (const { memberId, status, assigneeKey, count } of counts.values()) {
      insertCount.run(memberId, status, assigneeKey, count);
    }
    this.conversations = new Map();
  }
}

function markOf(conversation: ReplayedConversation, memberId: string) {
  conversation.marks ??= new Map();
  let mark = conversation.marks.get(memberId);
  if (!mark) conversation.marks.set(memberId, (mark = { readPosition: '', assignedPosition: '' }));
  return mark;
}
