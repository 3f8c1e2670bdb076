/**
 * The summary is defined once (`summary-contract.ts`); these fail where one of its users drifts from it:
 * the web UI's generated types, the projection's table and SQL, the server's fold and its type.
 */
import type { JsonObject, RecordedEvent } from '@team-inbox/event-store';
import Database from 'better-sqlite3';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
// The generated module, not api.ts (which re-exports it): api.ts needs the browser's types.
import type * as WebUi from '../../../apps/inbox-web/src/summary.generated';
import { ConversationSummariesProjection } from './conversation-summaries.projection';
import { conversationStreamId } from './domain/conversation.events';
import { evolveSummary, type ConversationSummary as FoldedSummary } from './domain/conversation.view';
import {
  CONVERSATION_SUMMARY,
  SUMMARY_COLUMNS,
  SUMMARY_JSON,
  webSummaryModule,
  type ConversationSummary,
  type SummaryShape,
} from './summary-contract';
import { WEB_SUMMARY_FILE } from './testing/write-web-summary';

/** True where A and B are the same type (each assignable to the other, optional and readonly alike). */
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

// Checked by the typecheck: the server's type, the fold's and the web UI's are the definition's.
const typesAgree: [
  Same<FoldedSummary, ConversationSummary>,
  Same<ReturnType<typeof evolveSummary>, ConversationSummary | undefined>,
  Same<WebUi.Summary, ConversationSummary>,
  Same<WebUi.Customer, ConversationSummary['customer']>,
] = [true, true, true, true];

const ROOT = join(__dirname, '../../..');
const CONVERSATION = '6d1f3a52-9a7e-4c57-8f1e-0c2b6f0d7a11';
const started = { conversationId: CONVERSATION, customer: { id: 'cust-1', name: null, email: 'ada@example.com' } };

/** A history through every event type, with nulls and characters JSON escapes. */
const HISTORY: { type: string; data: JsonObject }[] = [
  { type: 'ConversationStarted', data: { ...started, subject: null } },
  {
    type: 'MessageSent',
    data: {
      conversationId: CONVERSATION,
      messageId: 'm1',
      author: { type: 'customer', id: 'cust-1' },
      body: 'Where is "my" order?\n\tIt was due → Tuesday ' + 'x'.repeat(200),
    },
  },
  {
    type: 'ConversationAssigned',
    data: { conversationId: CONVERSATION, assigneeId: 'member-ana', previousAssigneeId: null, reason: 'manual' },
  },
  {
    type: 'ConversationUnassigned',
    data: { conversationId: CONVERSATION, previousAssigneeId: 'member-ana', reason: 'manual' },
  },
  { type: 'ConversationClosed', data: { conversationId: CONVERSATION } },
  {
    type: 'StoreEventRecorded',
    data: {
      conversationId: CONVERSATION,
      integrationId: 'shop',
      storeEventId: 'order-1',
      type: 'order.refunded',
      summary: 'Refunded',
      requiresAction: true,
    },
  },
  { type: 'ConversationReopened', data: { conversationId: CONVERSATION, reason: 'manual', storeEventId: null } },
];

function recorded(): RecordedEvent[] {
  return HISTORY.map(({ type, data }, index) => {
    const occurredAt = new Date(Date.UTC(2026, 11, 1, 9, index)).toISOString();
    return {
      id: `event-${index}`,
      streamId: conversationStreamId(CONVERSATION),
      type,
      revision: BigInt(index),
      position: BigInt(index + 1),
      data,
      metadata: { occurredAt, actor: { type: 'member', id: 'member-ana' } },
      recordedAt: new Date(occurredAt),
    };
  });
}

/** The JSON names of a shape, nested ones as `customer.id`, in order. */
function fieldPaths(shape: SummaryShape, prefix = ''): string[] {
  return Object.entries(shape).flatMap(([name, entry]) =>
    typeof entry.column === 'string' ? [`${prefix}${name}`] : fieldPaths(entry as SummaryShape, `${prefix}${name}.`),
  );
}

function valuePaths(value: object, prefix = ''): string[] {
  return Object.entries(value).flatMap(([name, entry]) =>
    entry !== null && typeof entry === 'object'
      ? valuePaths(entry as object, `${prefix}${name}.`)
      : [`${prefix}${name}`],
  );
}

describe('the summary contract', () => {
  it("generates the web UI's types, which are up to date", () => {
    expect(typesAgree).toEqual([true, true, true, true]);
    // Where this fails: `node -r @swc-node/register libs/conversations/src/testing/write-web-summary.ts`.
    expect(readFileSync(join(ROOT, WEB_SUMMARY_FILE), 'utf8')).toBe(webSummaryModule());
    // and the UI's API module uses them, with no summary of its own beside them.
    const api = readFileSync(join(ROOT, 'apps/inbox-web/src/api.ts'), 'utf8');
    expect(api).toContain("export type { Customer, Summary } from './summary.generated.js';");
    expect(api).not.toMatch(/\b(interface|type) (Summary|Customer)\b/);
  });

  it("is the projection's table: its columns in order, with their types, then the log position", () => {
    const db = new Database(':memory:');
    try {
      new ConversationSummariesProjection().setUp(db);
      const columns = db
        .prepare<[], { name: string; type: string; notnull: number; pk: number }>(
          'SELECT name, type, "notnull", pk FROM pragma_table_info(\'conversation_summaries\') ORDER BY cid',
        )
        .all();
      expect(columns).toEqual([
        ...SUMMARY_COLUMNS.map(({ column, sqlType, constraint }) => ({
          name: column,
          type: sqlType,
          notnull: constraint === 'NOT NULL' ? 1 : 0,
          pk: constraint === 'PRIMARY KEY' ? 1 : 0,
        })),
        { name: 'position', type: 'TEXT', notnull: 1, pk: 0 },
      ]);
    } finally {
      db.close();
    }
  });

  it('is what the server folds and what SQLite writes, byte for byte, after every event', () => {
    const db = new Database(':memory:');
    try {
      const projection = new ConversationSummariesProjection();
      projection.setUp(db);
      const rowJson = db.prepare<[string], string>(`SELECT ${SUMMARY_JSON} FROM conversation_summaries WHERE id = ?`);
      let folded: ConversationSummary | undefined;
      for (const event of recorded()) {
        projection.apply(event, db);
        folded = evolveSummary(folded, event);
        expect(folded && valuePaths(folded)).toEqual(fieldPaths(CONVERSATION_SUMMARY));
        expect(rowJson.pluck().get(CONVERSATION)).toBe(JSON.stringify(folded));
      }
      expect(folded).toMatchObject({ status: 'open', assigneeId: null, messageCount: 1, revision: 6 });
    } finally {
      db.close();
    }
  });
});
