/**
 * The open counts per assignee: kept by triggers as events are applied, filled at once by a replay, and the
 * same rows either way; an older file's trigger, which left counts of 0 behind, is replaced.
 */
import type { RecordedEvent } from '@team-inbox/event-store';
import type { Projection } from '@team-inbox/projections/projection';
import { replayInto } from '@team-inbox/projections/rebuild';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConversationSummariesProjection, ConversationSummariesReplay } from './conversation-summaries.projection';
import { recordedHistory, storeHolding, type HistoryStep } from './testing/recorded-history';

const CONVERSATION = '6d1f3a52-9a7e-4c57-8f1e-0c2b6f0d7a11';
const OTHER = '0b6c2f0e-54a1-4a8e-9c2d-3f1e7a9b5c22';
const ANA = 'member-ana';
const BEN = 'member-ben';

/** The trigger as files made before this change have it: a count that reaches 0 stays. */
const OLDER_UPDATE_TRIGGER = `
  CREATE TRIGGER open_counts_on_update AFTER UPDATE OF status, assignee_id ON conversation_summaries
    WHEN OLD.status IS NOT NEW.status OR OLD.assignee_id IS NOT NEW.assignee_id
  BEGIN
    UPDATE open_conversation_counts SET open_count = open_count - 1
      WHERE OLD.status = 'open' AND assignee_key = coalesce(OLD.assignee_id, '');
    INSERT INTO open_conversation_counts (assignee_key, open_count)
      SELECT coalesce(NEW.assignee_id, ''), 1 WHERE NEW.status = 'open'
      ON CONFLICT (assignee_key) DO UPDATE SET open_count = open_count + 1;
  END;`;

type Step = HistoryStep;

const started = (conversationId: string): Step => ({
  conversationId,
  type: 'ConversationStarted',
  data: { conversationId, customer: { id: `c-${conversationId}`, name: null, email: null }, subject: null },
});
const assigned = (conversationId: string, assigneeId: string): Step => ({
  conversationId,
  type: 'ConversationAssigned',
  data: { conversationId, assigneeId, previousAssigneeId: null, reason: 'manual' },
});
const closed = (conversationId: string): Step => ({
  conversationId,
  type: 'ConversationClosed',
  data: { conversationId },
});

/** Ana takes both, hands one to Ben, and Ben closes it: Ana has one open, Ben none, nobody's queue none. */
const HISTORY: Step[] = [
  started(CONVERSATION),
  started(OTHER),
  assigned(CONVERSATION, ANA),
  assigned(OTHER, ANA),
  assigned(CONVERSATION, BEN),
  closed(CONVERSATION),
];

function openCounts(db: Database.Database): { assignee_key: string; open_count: number }[] {
  return db
    .prepare<[], { assignee_key: string; open_count: number }>('SELECT * FROM open_conversation_counts ORDER BY 1')
    .all();
}

describe('the open counts per assignee', () => {
  let dir: string;
  let db: Database.Database;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'team-inbox-open-counts-'));
    db = new Database(join(dir, 'read-models.sqlite'));
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function applyAll(projection: ConversationSummariesProjection, events: readonly RecordedEvent[]): void {
    for (const event of events) projection.apply(event, db);
  }

  it('move with each assignment and close, and a count that reaches 0 goes', () => {
    const projection = new ConversationSummariesProjection();
    projection.setUp(db);
    applyAll(projection, recordedHistory(HISTORY, { type: 'member', id: ANA }));
    expect(openCounts(db)).toEqual([{ assignee_key: ANA, open_count: 1 }]);
  });

  it('are filled by a replay, its triggers left out and put back, with the rows the triggers leave', async () => {
    const store = await storeHolding(recordedHistory(HISTORY, { type: 'member', id: ANA }));
    const replayed = await replayInto(join(dir, 'replayed.sqlite'), store, [new ConversationSummariesProjection()]);
    try {
      expect(openCounts(replayed.db)).toEqual([{ assignee_key: ANA, open_count: 1 }]);
      const triggers = replayed.db
        .prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'trigger' ORDER BY 1")
        .all();
      expect(triggers.map((trigger) => trigger.name)).toEqual(['open_counts_on_insert', 'open_counts_on_update']);
    } finally {
      replayed.db.close();
    }
  });

  it.each([
    ['held until the end', Number.MAX_SAFE_INTEGER],
    ['written early and updated', 1],
  ])('are replayed into the same rows as the projection keeps, summaries %s', async (_, heldRows) => {
    const steps: Step[] = [
      ...HISTORY,
      {
        conversationId: OTHER,
        type: 'MessageSent',
        data: { conversationId: OTHER, messageId: 'm-1', author: { type: 'customer' }, body: 'Still waiting' },
      },
    ];
    const events = recordedHistory(steps, { type: 'member', id: ANA });
    const live = new ConversationSummariesProjection();
    live.setUp(db);
    applyAll(live, events);
    const store = await storeHolding(events);
    const projection = new ConversationSummariesProjection();
    const holding: Projection = {
      name: projection.name,
      tables: projection.tables,
      setUp: (target) => projection.setUp(target),
      apply: (event, target) => projection.apply(event, target),
      fillTriggerTables: (target) => projection.fillTriggerTables(target),
      replay: new ConversationSummariesReplay(projection, heldRows),
    };
    const replayed = await replayInto(join(dir, 'replayed.sqlite'), store, [holding]);
    try {
      const rows = (target: Database.Database) =>
        target.prepare('SELECT * FROM conversation_summaries ORDER BY id').all();
      expect(rows(db)).toHaveLength(2);
      expect(rows(replayed.db)).toEqual(rows(db));
      expect(openCounts(replayed.db)).toEqual(openCounts(db));
    } finally {
      replayed.db.close();
    }
  });

  it("replace an older file's trigger, dropping the counts of 0 it left", () => {
    const older = new ConversationSummariesProjection();
    older.setUp(db);
    db.exec(`DROP TRIGGER open_counts_on_update; ${OLDER_UPDATE_TRIGGER}`);
    applyAll(older, recordedHistory(HISTORY, { type: 'member', id: ANA }));
    expect(openCounts(db)).toEqual([
      { assignee_key: '', open_count: 0 },
      { assignee_key: ANA, open_count: 1 },
      { assignee_key: BEN, open_count: 0 },
    ]);

    const projection = new ConversationSummariesProjection();
    projection.setUp(db);
    expect(openCounts(db)).toEqual([{ assignee_key: ANA, open_count: 1 }]);
    applyAll(
      projection,
      recordedHistory([...HISTORY, assigned(OTHER, BEN)], { type: 'member', id: ANA }).slice(HISTORY.length),
    );
    expect(openCounts(db)).toEqual([{ assignee_key: BEN, open_count: 1 }]);
  });
});
