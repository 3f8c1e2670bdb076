/**
 * A customer's other conversations, for the panel beside one (`customerConversations` of
 * `GET /conversations/:id`): their summaries from the read models, newest activity first, at most a few.
 *
 * A customer is an integration's customer id (DESIGN.md, Tenants): the same id under another integration is
 * someone else. The summaries' table knows the customer id, not the integration, so the candidates are the
 * rows of that id (an index of their own, which no update of a row's activity touches) and each is kept
 * only where its owner, read from the log's first event of its stream and remembered, is the conversation's.
 */
import type Database from 'better-sqlite3';
import { StatementCache } from '@team-inbox/projections';
import { SUMMARY_JSON, summaryJsonWith, type ConversationSummary } from '../summary-contract';
import { ConversationOwners } from './conversation-owners';

/** The most summaries the panel lists. */
export const CUSTOMER_CONVERSATIONS_LIMIT = 20;
/**
 * The most rows of one customer id looked at: where other integrations' customers share the id, their
 * conversations are passed over, up to this many. Newest first, so what is left out is the oldest.
 */
const CANDIDATES_LOOKED_AT = 200;

function prepare(db: Database.Database) {
  return {
    candidates: db.prepare<[string, string, number], { id: string }>(
      `SELECT id FROM conversation_summaries WHERE customer_id = ? AND id <> ?
       ORDER BY last_activity_at DESC, id DESC LIMIT ?`,
    ),
    summary: db.prepare<[string], { json: string }>(
      `SELECT ${SUMMARY_JSON} AS json FROM conversation_summaries WHERE id = ?`,
    ),
    // With `unread` for the reader, from their mark on it (the unread read model): none, or not caught up, is unread.
    summaryForReader: db.prepare<[string, string], { json: string }>(
      `SELECT ${summaryJsonWith({ unread: "json(CASE WHEN marks.caught_up = 1 THEN 'false' ELSE 'true' END)" })} AS json
       FROM conversation_summaries
       LEFT JOIN unread_marks AS marks ON marks.conversation_id = conversation_summaries.id AND marks.member_id = ?
       WHERE conversation_summaries.id = ?`,
    ),
  };
}

/** A summary as answered to the caller: with `unread` where the caller reads. */
export type CustomerConversation = ConversationSummary & { unread?: boolean };

export class CustomerConversations {
  private readonly statements = new StatementCache(prepare);

  constructor(
    /** The read models, as this thread reads them. */
    private readonly db: Database.Database,
    private readonly owners: ConversationOwners,
  ) {}

  /**
   * The other conversations of `conversation`'s customer, of the same integration, newest first; each with
   * `unread` where they are read for a reader (`readerOf`).
   */
  async of(conversation: { id: string; customerId: string }, readerId?: string): Promise<CustomerConversation[]> {
    const statements = this.statements.for(this.db);
    // Read at once, before any wait: the connection is shared with every other request.
    const candidates = statements.candidates.all(conversation.customerId, conversation.id, CANDIDATES_LOOKED_AT);
    if (candidates.length === 0) return [];
    const owner = await this.ownerOf(conversation.id);
    const found: CustomerConversation[] = [];
    for (const { id } of candidates) {
      if (found.length === CUSTOMER_CONVERSATIONS_LIMIT) break;
      if ((await this.ownerOf(id)) !== owner) continue;
      const row = readerId === undefined ? statements.summary.get(id) : statements.summaryForReader.get(readerId, id);
      if (row) found.push(JSON.parse(row.json) as CustomerConversation);
    }
    return found;
  }

  /** The integration whose customer it is; undefined where the conversation has not started. */
  private async ownerOf(conversationId: string): Promise<string | null | undefined> {
    const ownership = await this.owners.ownerForMember(conversationId);
    return ownership.started ? ownership.integrationId : undefined;
  }
}
