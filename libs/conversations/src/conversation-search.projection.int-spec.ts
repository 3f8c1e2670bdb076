/**
 * The searched text as a replay builds it (rows held in memory, written once, or written early and
 * appended to) is the text the projection keeps event by event, row for row: ids, revisions, and the cut
 * at SEARCHED_CHARACTERS, counted in characters as SQLite counts them (an emoji is one).
 */
import type { Projection } from '@team-inbox/projections/projection';
import { replayInto } from '@team-inbox/projections/rebuild';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CONVERSATION_SEARCH_TEXT,
  ConversationSearchProjection,
  ConversationSearchReplay,
  SEARCHED_CHARACTERS,
} from './conversation-search.projection';
import { recordedHistory, storeHolding, type HistoryStep } from './testing/recorded-history';

const conversationIds = Array.from({ length: 6 }, (_, i) => `6d1f3a52-9a7e-4c57-8f1e-0c2b6f0d7a1${i}`);

type Step = HistoryStep;

const started = (conversationId: string, subject: string): Step => ({
  conversationId,
  type: 'ConversationStarted',
  data: { conversationId, customer: { id: `c-${conversationId}`, name: 'Zoë Ødegaard', email: null }, subject },
});
const message = (conversationId: string, body: string): Step => ({
  conversationId,
  type: 'MessageSent',
  data: { conversationId, messageId: `m-${body.length}`, author: { type: 'customer' }, body },
});
const storeEvent = (conversationId: string, orderNumber: string): Step => ({
  conversationId,
  type: 'StoreEventRecorded',
  data: {
    conversationId,
    storeEventId: `s-${orderNumber}`,
    kind: 'order_created',
    summary: `Order ${orderNumber} placed`,
    requiresAction: true,
    details: { orderNumber, total: '12.50', currency: 'EUR', items: [{ name: 'Blue mug', quantity: 2 }] },
  },
});

/**
 * Conversations started and written to in turns, one of them far past the cut in messages of emoji (two
 * UTF-16 units, one character each), so that a small hold writes rows early and appends to them.
 */
function history(): Step[] {
  const steps: Step[] = [];
  conversationIds.forEach((id, i) => steps.push(started(id, `Where is order ${1000 + i}?`)));
  for (let round = 0; round < 5; round++) {
    conversationIds.forEach((id, i) => {
      steps.push(message(id, `Round ${round}: hello from customer ${i} 📦`));
      if (round === 2) steps.push(storeEvent(id, `#${1000 + i}`));
    });
    steps.push(message(conversationIds[0], '😀'.repeat(SEARCHED_CHARACTERS / 3)));
  }
  return steps;
}

const rowsOf = (db: Database.Database) => db.prepare(`SELECT * FROM ${CONVERSATION_SEARCH_TEXT} ORDER BY doc`).all();

describe('the searched text, replayed', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'team-inbox-search-replay-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** The projection, replayed with rows written once `heldCharacters` of text are held. */
  function holding(heldCharacters: number): Projection {
    const projection = new ConversationSearchProjection();
    return {
      name: projection.name,
      tables: projection.tables,
      setUp: (db) => projection.setUp(db),
      apply: (event, db) => projection.apply(event, db),
      fillTriggerTables: (db) => projection.fillTriggerTables(db),
      replay: new ConversationSearchReplay(projection, heldCharacters),
    };
  }

  it.each([
    ['held until the end', Number.MAX_SAFE_INTEGER],
    ['written early and appended to', 200],
  ])('equals the projection row for row: rows %s', async (_, heldCharacters) => {
    const events = recordedHistory(history());
    const live = new Database(join(dir, 'live.sqlite'));
    const projection = new ConversationSearchProjection();
    projection.setUp(live);
    for (const event of events) projection.apply(event, live);
    const replayed = await replayInto(join(dir, 'replayed.sqlite'), await storeHolding(events), [
      holding(heldCharacters),
    ]);
    try {
      const rows = rowsOf(live) as { message_text: string }[];
      expect(rows).toHaveLength(conversationIds.length);
      // The first conversation's messages were cut, at characters, not UTF-16 units.
      expect([...rows[0].message_text]).toHaveLength(SEARCHED_CHARACTERS);
      expect(rowsOf(replayed.db)).toEqual(rows);
      // The index was filled from the text: an order number finds its conversation.
      const found = replayed.db
        .prepare(`SELECT rowid FROM conversation_search WHERE conversation_search MATCH '"1003"'`)
        .all();
      expect(found).toEqual([{ rowid: 4 }]);
    } finally {
      replayed.db.close();
      live.close();
    }
  });
});
