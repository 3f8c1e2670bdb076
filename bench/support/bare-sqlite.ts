/**
 * The ceiling without an event store: a bare better-sqlite3 loop, one `synchronous=FULL` transaction per
 * command (read the stream's version, insert its events), one command at a time, as a hand-written
 * repository would do it. Same workload and event sizes as the other sides.
 */
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { STEPS, type WorkloadResult } from './command-workload';

const EVENTS_PER_STEP: Record<(typeof STEPS)[number], number> = {
  start: 2,
  assign: 1,
  reassign: 1,
  reply: 1,
  close: 1,
  reopen: 1,
};

export function runBareSqlite(dir: string, options: { conversations: number }): WorkloadResult {
  const db = new Database(join(dir, 'bare.sqlite'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec(`CREATE TABLE events (
    position INTEGER PRIMARY KEY, stream TEXT NOT NULL, version INTEGER NOT NULL, id TEXT NOT NULL UNIQUE,
    type TEXT NOT NULL, data TEXT NOT NULL, UNIQUE (stream, version))`);
  const version = db.prepare<[string], { v: number | null }>('SELECT max(version) AS v FROM events WHERE stream = ?');
  const insert = db.prepare('INSERT INTO events (stream, version, id, type, data) VALUES (?, ?, ?, ?, ?)');
  const command = db.transaction((stream: string, events: number) => {
    const current = version.get(stream)?.v ?? -1;
    for (let n = 1; n <= events; n++) {
      insert.run(
        stream,
        current + n,
        randomUUID(),
        'ConversationEvent',
        JSON.stringify({ conversationId: stream, body: 'Hello, where is my order?' }),
      );
    }
  });
  const started = performance.now();
  let commands = 0;
  for (let conversation = 0; conversation < options.conversations; conversation++) {
    const stream = `conversation-${randomUUID()}`;
    for (const step of STEPS) {
      command(stream, EVENTS_PER_STEP[step]);
      commands++;
    }
  }
  const seconds = (performance.now() - started) / 1000;
  db.close();
  return { commands, seconds, commandsPerSecond: commands / seconds, errors: {} };
}
