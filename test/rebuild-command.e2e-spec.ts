/** `npm run projections:rebuild` as an operator runs it: its own process, a progress line, a summary. */
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { readModelFile } from '@team-inbox/projections';
import { Inbox } from './support/inbox';

describe('npm run projections:rebuild', () => {
  it('replays the log into the read models, showing progress, and says what it did', async () => {
    const inbox = await Inbox.start();
    const chat = await inbox.addIntegration();
    for (let i = 0; i < 5; i++) await inbox.startConversation(chat.token);
    const head = await inbox.head();
    const dataDir = inbox.dataDir;
    await inbox.stop({ keepData: true });

    const run = spawnSync(
      process.execPath,
      ['-r', '@swc-node/register', join(__dirname, '..', 'apps', 'inbox-api', 'src', 'rebuild-projections.ts')],
      { env: { ...process.env, DATA_DIR: dataDir }, encoding: 'utf8', timeout: 60_000 },
    );

    expect(run.status).toBe(0);
    expect(run.stderr).toMatch(/\[#+\] 100\.0%\s+\d+ events\s+[\d,]+ events\/s/);
    expect(run.stdout).toMatch(
      new RegExp(`^Rebuilt the read models from ${head} events in [\\d.]+ s .*swapped in at position ${head}\\.`),
    );
    const db = new Database(readModelFile(dataDir), { readonly: true });
    try {
      expect(db.prepare('SELECT count(*) AS n FROM conversation_summaries').get()).toEqual({ n: 5 });
    } finally {
      db.close();
    }
    rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);
});
