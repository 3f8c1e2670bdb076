import { ServiceUnavailableException } from '@nestjs/common';
import { ConversationSummariesProjection } from '@team-inbox/conversations/conversation-summaries.projection';
import { openReadModelDatabase } from '@team-inbox/projections';
import type Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PagesThread } from './pages-thread';
import { InProcessPageReader, type PageRequest, type PageRows } from './view-pages';

let dataDir = '';
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'team-inbox-pages-'));
});
afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

/** Read models holding `count` conversations, every third unassigned, the others with ana or ben. */
function readModelsWith(file: string, count: number): Database.Database {
  const db = openReadModelDatabase(file);
  new ConversationSummariesProjection().setUp(db);
  const insert = db.prepare(
    `INSERT INTO conversation_summaries
       (id, subject, customer_id, customer_name, customer_email, status, assignee_id, last_activity_at,
        last_message_preview, message_count, revision, position)
     VALUES (?, ?, ?, 'Ada', 'ada@example.com', ?, ?, ?, 'Hello', 1, 1, ?)`,
  );
  for (let i = 0; i < count; i++) {
    const assignee = i % 3 === 0 ? null : i % 3 === 1 ? 'ana' : 'ben';
    const at = new Date(Date.UTC(2026, 0, 1, 0, 0, Math.floor(i / 2))).toISOString(); // pairs share a time
    insert.run(
      `c-${String(i).padStart(3, '0')}`,
      `Order ${i}`,
      `cust-${i}`,
      i % 7 === 0 ? 'closed' : 'open',
      assignee,
      at,
      String(i),
    );
  }
  return db;
}

describe('PagesThread', () => {
  it('answers every view and the inbox, page after page, exactly as the same queries on this thread', async () => {
    const file = join(dataDir, 'read-models.sqlite');
    const db = readModelsWith(file, 60);
    const thread = new PagesThread({ readModelFile: file, cacheMiB: 1 });
    const here = new InProcessPageReader(db);
    const requests: PageRequest[] = [
      { kind: 'inbox', callerId: 'ana', limit: 2, after: undefined },
      { kind: 'view', view: 'all', assigneeId: undefined, limit: 2, after: undefined },
      { kind: 'view', view: 'unassigned', assigneeId: undefined, limit: 2, after: undefined },
      { kind: 'view', view: 'closed', assigneeId: 'ben', limit: 2, after: undefined },
      { kind: 'view', view: 'mine', assigneeId: 'ben', limit: 2, after: undefined },
    ];
    try {
      for (const first of requests) {
        let request: PageRequest | undefined = first;
        let pages = 0;
        while (request) {
          const [fromThread, fromHere]: PageRows[] = await Promise.all([thread.answer(request), here.answer(request)]);
          expect(fromThread).toEqual(fromHere);
          if (pages === 0) expect(fromThread.items.length).toBeGreaterThan(0);
          request = fromThread.next ? { ...request, after: fromThread.next } : undefined;
          pages++;
        }
        expect(pages).toBeGreaterThan(1);
      }
    } finally {
      await thread.close();
      db.close();
    }
  });

  it('sees what the read models commit before a page is asked for', async () => {
    const file = join(dataDir, 'read-models.sqlite');
    const db = readModelsWith(file, 3);
    const thread = new PagesThread({ readModelFile: file, cacheMiB: 1 });
    const all: PageRequest = { kind: 'view', view: 'all', assigneeId: undefined, limit: 50, after: undefined };
    try {
      const before = await thread.answer(all);
      db.prepare("UPDATE conversation_summaries SET subject = 'Changed' WHERE id = 'c-000'").run();
      const after = await thread.answer(all);
      expect(before.items).not.toContain('"Changed"');
      expect(after.items).toContain('"subject":"Changed"');
    } finally {
      await thread.close();
      db.close();
    }
  });

  it('fails the pages of a thread that dies as unavailable (503), and starts a new thread for the next', async () => {
    const file = join(dataDir, 'later', 'read-models.sqlite');
    const thread = new PagesThread({ readModelFile: file, cacheMiB: 1 });
    const all: PageRequest = { kind: 'view', view: 'all', assigneeId: undefined, limit: 50, after: undefined };
    try {
      // No such folder yet: the thread cannot open its connection and dies with the page it was asked for.
      await expect(thread.answer(all)).rejects.toThrow(ServiceUnavailableException);

      const db = readModelsWith(file, 2);
      db.close();
      const page = await thread.answer(all);
      expect(page.items).toContain('"id":"c-001"');
    } finally {
      await thread.close();
    }
  });
});
