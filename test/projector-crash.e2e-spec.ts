/**
 * A projector killed with SIGKILL in the middle of catching up, then restarted, ends with read models equal
 * to a rebuild: no event applied twice, none missed.
 */
import { generateHistory } from '@team-inbox/conversations/testing/generate-history';
import { SqliteEventStore, sqliteEventStoreFile } from '@team-inbox/event-store';
import {
  PROJECTOR_CHECKPOINT,
  Projector,
  openReadModelDatabase,
  readCheckpoint,
  readModelFile,
  replayInto,
} from '@team-inbox/projections';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { READ_MODEL_PROJECTIONS } from '../apps/inbox-api/src/read-model-projections';
import { dumpTables } from './support/read-model-tables';
import { temporaryDataDir } from './support/test-app';

describe('a projector killed during catch-up', () => {
  it('resumes from its checkpoint and ends equal to a rebuild', async () => {
    const data = temporaryDataDir();
    const store = new SqliteEventStore({ filename: sqliteEventStoreFile(data.dir) });
    const projections = READ_MODEL_PROJECTIONS.map((projection) => new projection());
    const tables = projections.flatMap((projection) => [...projection.tables]);
    try {
      const history = await generateHistory(store, {
        conversations: 3000,
        members: 12,
        eventsPerConversation: 12,
        seed: 7,
      });
      const head = (await store.headPosition())!;

      // Catching up from nothing, killed after its first few thousand events.
      const child = spawn(
        process.execPath,
        ['-r', '@swc-node/register', join(__dirname, 'support', 'run-projector.ts')],
        {
          env: { ...process.env, DATA_DIR: data.dir },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const exited = new Promise<string | number | null>((resolve) =>
        child.on('exit', (code, signal) => resolve(signal ?? code)),
      );
      child.stdout.on('data', (chunk: Buffer) => {
        const positions = [...chunk.toString().matchAll(/checkpoint (\d+)/g)].map((m) => BigInt(m[1]));
        if (positions.some((position) => position >= 2000n)) child.kill('SIGKILL');
      });
      expect(await exited).toBe('SIGKILL');
      expect(stderr).toBe('');

      const db = openReadModelDatabase(readModelFile(data.dir));
      const killedAt = readCheckpoint(db, PROJECTOR_CHECKPOINT)!;
      expect(killedAt).toBeGreaterThanOrEqual(2000n);
      expect(killedAt).toBeLessThan(head); // it was stopped part-way

      const projector = new Projector(store, db, projections, { error: () => undefined });
      projector.start();
      expect(await projector.waitFor(head, 30_000)).toBe(true);
      await projector.stop();

      const rebuilt = await replayInto(join(data.dir, 'compare.sqlite'), store, projections);
      expect(dumpTables(db, tables)).toEqual(dumpTables(rebuilt.db, tables));
      expect(history.events).toBe(Number(head));
      rebuilt.db.close();
      db.close();
    } finally {
      await store.close();
      data.remove();
    }
  }, 90_000);
});
