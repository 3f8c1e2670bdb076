/**
 * Unread, per member: for each conversation where the last news to everyone is (a start, a customer's
 * message, a store event) and which queue it sits in; for each member and conversation it has read or been
 * assigned by someone else, how far it read, where that assignment is, and whether it is caught up (read
 * at or past both); and per member, how many conversations it is caught up on in each queue. A
 * conversation with no mark for a member is unread to it. So a page marks its rows by one key lookup each,
 * and the counts are a view's size less the caller's caught-up count in it, a handful of rows, however many
 * conversations there are.
 *
 * Idempotent: a conversation's row remembers the revision it reflects and ignores what it has seen; a read
 * only moves a mark forward, and a count moves only where a mark's `caught_up` flips.
 */
import { Injectable } from '@nestjs/common';
import type Database from 'better-sqlite3';
import type { RecordedEvent } from '@team-inbox/event-store';
// From the file, not the library's index: the projector's worker thread loads this without Nest's modules.
import { StatementCache, type Projection } from '@team-inbox/projections/projection';
import type { ConversationRead } from '@team-inbox/team/domain/team.events';
import { CONVERSATION_STREAM_PREFIX, isConversationEvent } from '../domain/conversation.events';
import { somethingHappened } from './something-happened';
import { UnreadReplay } from './unread-replay';
import { isConversationRead, sortablePosition } from './unread-positions';

/** Sorts before every position: never read, never assigned by someone else. */
const NEVER = '';

/** The queue a conversation is counted in: open by assignee ('' unassigned), or closed (whoever holds it). */
interface Queue {
  status: 'open' | 'closed';
  assigneeKey: string;
}

interface ConversationRow extends Queue {
  newsPosition: string;
  revision: number;
  /** How many members are caught up on it: where none is, no count moves with it (most of a replay). */
  caughtUpMembers: number;
}

interface MarkRow {
  readPosition: string;
  assignedPosition: string;
  caughtUp: number;
}

const queueOf = ({ status, assigneeKey }: Queue): [string, string] =>
  status === 'closed' ? ['closed', ''] : ['open', assigneeKey];

const NEW_EVENT = 'WHERE conversation_id = ? AND revision < ?'; // a redelivered event changes nothing
const ROW = `news_position AS newsPosition, status, assignee_key AS assigneeKey, revision,
  caught_up_members AS caughtUpMembers`;

/** Whether a member's caught-up marks on a conversation are counted in a queue: `caught_up = 1`. */
const CAUGHT_UP_MEMBERS = 'SELECT member_id FROM unread_marks WHERE conversation_id = ? AND caught_up = 1';

function prepare(db: Database.Database) {
  return {
    start: db.prepare<[string, string, number]>(
      `INSERT INTO unread_conversations (conversation_id, news_position, status, assignee_key, revision, caught_up_members)
       VALUES (?, ?, 'open', '', ?, 0) ON CONFLICT (conversation_id) DO NOTHING`,
    ),
    conversation: db.prepare<[string], ConversationRow>(
      `SELECT news_position AS newsPosition, status, assignee_key AS assigneeKey, revision,
         caught_up_members AS caughtUpMembers
       FROM unread_conversations WHERE conversation_id = ?`,
    ),
    // One statement an event, most of a replay: each changes the row where the event is new to it, and
    // answers what the rest needs (a queue's move, whether anyone's count moves with it).
    news: db.prepare<[string, number, string, number], ConversationRow>(
      `UPDATE unread_conversations SET news_position = ?, revision = ? ${NEW_EVENT} RETURNING ${ROW}`,
    ),
    assign: db.prepare<[string, number, string, number], ConversationRow>(
      `UPDATE unread_conversations SET assignee_key = ?, revision = ? ${NEW_EVENT} RETURNING ${ROW}`,
    ),
    setStatus: db.prepare<[string, number, string, number], ConversationRow>(
      `UPDATE unread_conversations SET status = ?, revision = ? ${NEW_EVENT} RETURNING ${ROW}`,
    ),
    caughtUpMembers: db.prepare<[number, string]>(
      'UPDATE unread_conversations SET caught_up_members = caught_up_members + ? WHERE conversation_id = ?',
    ),
    nobodyCaughtUpOn: db.prepare<[string]>(
      'UPDATE unread_conversations SET caught_up_members = 0 WHERE conversation_id = ?',
    ),
    mark: db.prepare<[string, string], MarkRow>(
      `SELECT read_position AS readPosition, assigned_position AS assignedPosition, caught_up AS caughtUp
       FROM unread_marks WHERE conversation_id = ? AND member_id = ?`,
    ),
    assigned: db.prepare<[string, string, string]>(
      `INSERT INTO unread_marks (conversation_id, member_id, read_position, assigned_position, caught_up)
       VALUES (?, ?, '', ?, 0)
       ON CONFLICT (conversation_id, member_id) DO UPDATE SET assigned_position = excluded.assigned_position,
         caught_up = 0`,
    ),
    saveMark: db.prepare<[string, string, string, string, number]>(
      `INSERT INTO unread_marks (conversation_id, member_id, read_position, assigned_position, caught_up)
       VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (conversation_id, member_id) DO UPDATE SET read_position = excluded.read_position,
         assigned_position = excluded.assigned_position, caught_up = excluded.caught_up`,
    ),
    nobodyCaughtUp: db.prepare<[string]>(
      'UPDATE unread_marks SET caught_up = 0 WHERE conversation_id = ? AND caught_up = 1',
    ),
    countOne: db.prepare<[string, string, string, number]>(
      `INSERT INTO unread_caught_up_counts (member_id, status, assignee_key, caught_up_count) VALUES (?, ?, ?, ?)
       ON CONFLICT (member_id, status, assignee_key) DO UPDATE SET caught_up_count = caught_up_count + excluded.caught_up_count`,
    ),
    uncountCaughtUp: db.prepare<[string, string, string]>(
      `UPDATE unread_caught_up_counts SET caught_up_count = caught_up_count - 1
       WHERE status = ? AND assignee_key = ? AND member_id IN (${CAUGHT_UP_MEMBERS})`,
    ),
    // A count that reaches 0 is dropped: what a replay derives holds no row for it either.
    dropZeroCounts: db.prepare<[string, string, string]>(
      `DELETE FROM unread_caught_up_counts
       WHERE status = ? AND assignee_key = ? AND member_id IN (${CAUGHT_UP_MEMBERS}) AND caught_up_count = 0`,
    ),
    dropZeroCount: db.prepare<[string, string, string]>(
      `DELETE FROM unread_caught_up_counts
       WHERE member_id = ? AND status = ? AND assignee_key = ? AND caught_up_count = 0`,
    ),
    countCaughtUp: db.prepare<[string, string, string]>(
      `INSERT INTO unread_caught_up_counts (member_id, status, assignee_key, caught_up_count)
       SELECT member_id, ?, ?, 1 FROM unread_marks WHERE conversation_id = ? AND caught_up = 1
       ON CONFLICT (member_id, status, assignee_key) DO UPDATE SET caught_up_count = caught_up_count + 1`,
    ),
  };
}

type Statements = ReturnType<typeof prepare>;

@Injectable()
export class UnreadProjection implements Projection {
  readonly name = 'unread';
  readonly tables = ['unread_conversations', 'unread_marks', 'unread_caught_up_counts'] as const;
  readonly replay = new UnreadReplay();
  private readonly statements = new StatementCache(prepare);

  setUp(db: Database.Database): void {
    // Keyed by what they are looked up by, in the key itself (no rowid): a page's rows by conversation and
    // caller, a conversation's marks by conversation, a caller's counts by caller. A replay drops the other
    // indexes until it ends; these stay.
    db.exec(`
      CREATE TABLE IF NOT EXISTS unread_conversations (
        conversation_id TEXT PRIMARY KEY,
        news_position   TEXT NOT NULL,
        status          TEXT NOT NULL,
        assignee_key    TEXT NOT NULL,
        revision        INTEGER NOT NULL,
        caught_up_members INTEGER NOT NULL
      ) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS unread_marks (
        conversation_id   TEXT NOT NULL,
        member_id         TEXT NOT NULL,
        read_position     TEXT NOT NULL,
        assigned_position TEXT NOT NULL,
        caught_up         INTEGER NOT NULL,
        PRIMARY KEY (conversation_id, member_id)
      ) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS unread_caught_up_counts (
        member_id       TEXT NOT NULL,
        status          TEXT NOT NULL,
        assignee_key    TEXT NOT NULL,
        caught_up_count INTEGER NOT NULL,
        PRIMARY KEY (member_id, status, assignee_key)
      ) WITHOUT ROWID;
      -- Counts that reached 0 before they were dropped at 0.
      DELETE FROM unread_caught_up_counts WHERE caught_up_count = 0;
    `);
  }

  apply(recorded: RecordedEvent, db: Database.Database): void {
    if (isConversationRead(recorded)) {
      this.read(recorded.data, this.statements.for(db));
      return;
    }
    if (!recorded.streamId.startsWith(CONVERSATION_STREAM_PREFIX) || !isConversationEvent(recorded)) return;
    const event = recorded;
    // A member's reply changes nothing here: the most common event passes without a read.
    if (event.type === 'MessageSent' && event.data.author.type !== 'customer') return;
    const statements = this.statements.for(db);
    const conversationId = event.data.conversationId;
    const position = sortablePosition(recorded.position);
    const revision = Number(recorded.revision);
    if (event.type === 'ConversationStarted') {
      statements.start.run(conversationId, position, revision);
      return;
    }
    // Each case changes the row, and knows from the event and the row which queue it was in before.
    let row: ConversationRow | undefined;
    let before: Queue | undefined;
    switch (event.type) {
      case 'MessageSent':
      case 'StoreEventRecorded':
        row = statements.news.get(position, revision, conversationId, revision);
        break;
      case 'ConversationAssigned':
        row = statements.assign.get(event.data.assigneeId, revision, conversationId, revision);
        before = row && { status: row.status, assigneeKey: event.data.previousAssigneeId ?? '' };
        break;
      case 'ConversationUnassigned':
        row = statements.assign.get('', revision, conversationId, revision);
        before = row && { status: row.status, assigneeKey: event.data.previousAssigneeId };
        break;
      case 'ConversationClosed':
        row = statements.setStatus.get('closed', revision, conversationId, revision);
        before = row && { status: 'open', assigneeKey: row.assigneeKey };
        break;
      case 'ConversationReopened':
        row = statements.setStatus.get('open', revision, conversationId, revision);
        before = row && { status: 'closed', assigneeKey: row.assigneeKey };
        break;
    }
    if (!row) return; // seen already
    const [toStatus, toKey] = queueOf(row);
    const anyCaughtUp = row.caughtUpMembers > 0;
    if (anyCaughtUp && before) {
      const [fromStatus, fromKey] = queueOf(before);
      if (fromStatus !== toStatus || fromKey !== toKey) {
        statements.uncountCaughtUp.run(fromStatus, fromKey, conversationId);
        statements.dropZeroCounts.run(fromStatus, fromKey, conversationId);
        statements.countCaughtUp.run(toStatus, toKey, conversationId);
      }
    }
    const happened = somethingHappened(recorded);
    if (happened?.kind === 'everyone' && anyCaughtUp) {
      statements.uncountCaughtUp.run(toStatus, toKey, conversationId);
      statements.dropZeroCounts.run(toStatus, toKey, conversationId);
      statements.nobodyCaughtUp.run(conversationId);
      statements.nobodyCaughtUpOn.run(conversationId);
    } else if (happened?.kind === 'member') {
      // Only where someone is caught up may the assignee be: then its count goes down with its mark.
      if (anyCaughtUp && statements.mark.get(conversationId, happened.memberId)?.caughtUp === 1) {
        statements.countOne.run(happened.memberId, toStatus, toKey, -1);
        statements.dropZeroCount.run(happened.memberId, toStatus, toKey);
        statements.caughtUpMembers.run(-1, conversationId);
      }
      statements.assigned.run(conversationId, happened.memberId, position);
    }
  }

  /** A member read a conversation up to a position: caught up where that is past all its news. */
  private read({ memberId, conversationId, position }: ConversationRead['data'], statements: Statements): void {
    const conversation = statements.conversation.get(conversationId);
    if (!conversation) return;
    const mark = statements.mark.get(conversationId, memberId);
    const readPosition = [mark?.readPosition ?? NEVER, sortablePosition(position)].sort().at(-1)!;
    const assignedPosition = mark?.assignedPosition ?? NEVER;
    const caughtUp = readPosition >= conversation.newsPosition && readPosition >= assignedPosition ? 1 : 0;
    statements.saveMark.run(conversationId, memberId, readPosition, assignedPosition, caughtUp);
    if (caughtUp === 1 && mark?.caughtUp !== 1) {
      const [status, assigneeKey] = queueOf(conversation);
      statements.countOne.run(memberId, status, assigneeKey, 1);
      statements.caughtUpMembers.run(1, conversationId);
    }
  }
}
