/**
 * The search's read model and pages on a real SQLite file: store events' details are searched, a
 * redelivered event changes nothing, and a replay (and a rebuild swapped in) finds what the live read
 * models find, in the same order.
 */
import {
  CONVERSATION_SEARCH_TEXT,
  ConversationSearchProjection,
  SEARCHED_CHARACTERS,
} from '@team-inbox/conversations/conversation-search.projection';
import { ConversationSummariesProjection } from '@team-inbox/conversations/conversation-summaries.projection';
import { recordedHistory, storeHolding, type HistoryStep } from '@team-inbox/conversations/testing/recorded-history';
import type { JsonObject, RecordedEvent } from '@team-inbox/event-store';
import { openReadModelDatabase } from '@team-inbox/projections/read-model-database';
import { rebuildReadModels, replayInto } from '@team-inbox/projections/rebuild';
import type Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { matchExpression, SEARCH_RANKED_MATCHES, SearchPages, type SearchRequest } from './search-pages';

const ADA = '6d1f3a52-9a7e-4c57-8f1e-0c2b6f0d7a11';
const BEN = '0b6c2f0e-54a1-4a8e-9c2d-3f1e7a9b5c22';
const CLEO = '7a0d9e4b-1c2f-4e3a-8b5d-6f7e8a9b0c33';

type Step = HistoryStep;

const started = (conversationId: string, name: string, email: string, subject: string): Step => ({
  conversationId,
  type: 'ConversationStarted',
  data: { conversationId, customer: { id: `c-${conversationId}`, name, email }, subject },
});
const message = (conversationId: string, body: string): Step => ({
  conversationId,
  type: 'MessageSent',
  data: { conversationId, messageId: `m-${body.length}`, author: { type: 'customer', id: 'c' }, body },
});
const storeEvent = (conversationId: string, summary: string, details?: JsonObject): Step => ({
  conversationId,
  type: 'StoreEventRecorded',
  data: {
    conversationId,
    integrationId: 'shop',
    storeEventId: summary,
    type: 'order.created',
    summary,
    requiresAction: false,
    ...(details ? { details } : {}),
  },
});

const HISTORY: Step[] = [
  started(ADA, 'Åda Lövelace', 'ada@example.com', 'Where is my parcel?'),
  started(BEN, 'Ben Okri', 'ben@example.com', 'Sizes'),
  message(ADA, 'It was due on Monday.'),
  storeEvent(ADA, 'Order placed', {
    orderNumber: '#1002',
    total: '59.90',
    currency: 'EUR',
    status: 'paid',
    url: 'https://shop.example/orders/1002',
    items: [{ name: 'Merino scarf', quantity: 2 }],
  }),
  message(BEN, 'Do you have the scarf in blue?'),
  started(CLEO, 'Cleo Ng', 'cleo@example.com', 'Scarf return'),
  storeEvent(BEN, 'Order #10021 placed'), // no details: as recorded before stores could send them
  message(CLEO, 'The Merino scarf is too short.'),
];

const projections = () => [new ConversationSummariesProjection(), new ConversationSearchProjection()];

function apply(db: Database.Database, events: readonly RecordedEvent[]): void {
  const all = projections();
  for (const projection of all) projection.setUp(db);
  db.transaction(() => {
    for (const event of events) for (const projection of all) projection.apply(event, db);
  })();
}

/** The ids a search finds, best first, read page by page (two a page, unless said). */
function search(db: Database.Database, text: string, limit = 2): string[] {
  const pages = new SearchPages(db);
  const ids: string[] = [];
  let request: SearchRequest | undefined = { view: 'all', assigneeId: undefined, text, limit, after: undefined };
  while (request) {
    const page = pages.rows(request);
    ids.push(...(JSON.parse(`[${page.items}]`) as { id: string }[]).map((summary) => summary.id));
    request = page.next ? { ...request, after: page.next } : undefined;
  }
  return ids;
}

const QUERIES = ['scarf', 'merino', 'ada', 'lovelace', '#1002', 'paid', 'eur', 'ada scarf', 'ben blue', 'order', 'zz'];

describe('the conversation search', () => {
  let dir: string;
  let db: Database.Database;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'team-inbox-search-'));
    db = openReadModelDatabase(join(dir, 'read-models.sqlite'));
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("searches a conversation's first SEARCHED_CHARACTERS of messages, and a longer one costs no more to index", () => {
    const filler = 'lorem '.repeat(2000); // 12,000 characters a message
    const steps = [started(ADA, 'Ada', 'ada@example.com', 'Long'), message(ADA, `early ${filler}`)];
    for (let i = 0; i < 8; i++) steps.push(message(ADA, `${filler} later${i}`));
    apply(db, recordedHistory(steps));

    const row = db
      .prepare<[], { length: number; applied_revision: number }>(
        `SELECT length(message_text) AS length, applied_revision FROM ${CONVERSATION_SEARCH_TEXT}`,
      )
      .get()!;
    expect(row.length).toBe(SEARCHED_CHARACTERS);
    expect(row.applied_revision).toBe(steps.length - 1);
    expect(search(db, 'early')).toEqual([ADA]);
    expect(search(db, 'later0')).toEqual([ADA]); // within the first characters
    expect(search(db, 'later2')).toEqual([]); // past them
  });

  it("finds store events' details (order number, status, total, items) as well as their summaries", () => {
    apply(db, recordedHistory(HISTORY));
    expect(search(db, '#1002')).toEqual([ADA, BEN]); // the order itself first, then #10021, which it begins
    expect(search(db, 'paid eur 59')).toEqual([ADA]);
    expect(search(db, 'merino')).toEqual(expect.arrayContaining([ADA, CLEO]));
    expect(search(db, 'ada scarf')).toEqual([ADA]); // the customer's name and an item: words of one conversation
    expect(search(db, 'shop.example')).toEqual([]); // the order's URL is not searched
  });

  it('changes nothing for an event delivered again', () => {
    const events = recordedHistory(HISTORY);
    apply(db, events);
    const text = () => db.prepare('SELECT * FROM conversation_search_text ORDER BY doc').all();
    const before = { text: text(), found: QUERIES.map((query) => search(db, query)) };
    apply(db, events); // the whole log again
    apply(db, [events[3], events[2], events[0]]); // and some of it, out of order
    expect({ text: text(), found: QUERIES.map((query) => search(db, query)) }).toEqual(before);
  });

  it('finds, after a replay and after a rebuild swapped in, what the live read models find, in the same order', async () => {
    const events = recordedHistory(HISTORY);
    apply(db, events);
    const live = QUERIES.map((query) => search(db, query));
    expect(live.flat().length).toBeGreaterThan(QUERIES.length);

    const store = await storeHolding(events);
    const replayed = await replayInto(join(dir, 'replayed.sqlite'), store, projections());
    try {
      expect(QUERIES.map((query) => search(replayed.db, query))).toEqual(live);
    } finally {
      replayed.db.close();
    }

    db.exec('DELETE FROM conversation_search_text'); // the live index, emptied with its text: the swap fills both
    expect(search(db, 'scarf')).toEqual([]);
    await rebuildReadModels({ eventStore: store, projections: projections(), readModelFile: db.name });
    expect(QUERIES.map((query) => search(db, query))).toEqual(live);
  });

  it('ranks the most recently started matches of the view, as many as SEARCH_RANKED_MATCHES, and no older ones', () => {
    const count = SEARCH_RANKED_MATCHES + 5;
    const ids = Array.from({ length: count }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
    // Started in this order; the oldest-started is the most recently active, so activity does not decide.
    apply(
      db,
      recordedHistory(
        ids.map((id, i) => ({
          conversationId: id,
          type: 'ConversationStarted',
          data: { conversationId: id, customer: { id: `c-${i}`, name: 'Wide', email: null }, subject: `Common ${i}` },
        })),
      ).map((event, i) => ({
        ...event,
        metadata: { ...event.metadata, occurredAt: new Date(Date.UTC(2027, 0, 1, 0, 0, count - i)).toISOString() },
      })),
    );
    const found = search(db, 'common', 200);
    expect(found).toHaveLength(SEARCH_RANKED_MATCHES);
    expect(new Set(found)).toEqual(new Set(ids.slice(5)));
  });

  it('asks for every word, each as a prefix, its parts side by side, the exact word scoring above', () => {
    expect(matchExpression('Ada  ada@EXA "x')).toBe(
      '("Ada" OR "Ada"*) AND ("ada" + "EXA" OR "ada"* + "EXA"*) AND ("x" OR "x"*)',
    );
    expect(matchExpression('#1002 -- Zoë')).toBe('("1002" OR "1002"*) AND ("Zoë" OR "Zoë"*)');
  });
});
