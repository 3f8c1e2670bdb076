/**
 * A rebuild killed mid-way (`kill -9` of `npm run projections:rebuild`) leaves its scratch file beside the
 * read models. The next server start, or the next rebuild, removes it; a rebuild still running keeps its own.
 */
import { generateHistory } from '@team-inbox/conversations/testing/generate-history';
import { SqliteEventStore, sqliteEventStoreFile } from '@team-inbox/event-store';
import { readModelFile, rebuildScratchFile } from '@team-inbox/projections';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Inbox } from './support/inbox';
import { temporaryDataDir } from './support/test-app';

const REBUILD_COMMAND = join(__dirname, '..', 'apps', 'inbox-api', 'src', 'rebuild-projections.ts');

interface Rebuild {
  child: ChildProcess;
  pid: number;
  scratch: string;
  exited: Promise<string | number | null>;
}

describe('leftovers of killed rebuilds', () => {
  const data = temporaryDataDir();
  const started: ChildProcess[] = [];

  beforeAll(async () => {
    // A log long enough that a rebuild is caught with its scratch file open.
    const store = new SqliteEventStore({ filename: sqliteEventStoreFile(data.dir) });
    await generateHistory(store, { conversations: 4000, members: 8, eventsPerConversation: 12, seed: 18 });
    await store.close();
  }, 120_000);

  afterAll(() => {
    for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    data.remove();
  });

  function startRebuild(): Rebuild {
    const child = spawn(process.execPath, ['-r', '@swc-node/register', REBUILD_COMMAND], {
      env: { ...process.env, DATA_DIR: data.dir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    started.push(child);
    const exited = new Promise<string | number | null>((resolve) =>
      child.on('exit', (code, signal) => resolve(signal ?? code)),
    );
    return { child, pid: child.pid!, scratch: rebuildScratchFile(readModelFile(data.dir), child.pid!), exited };
  }

  /** Resolves once the rebuild is replaying, its scratch file written; fails if it ended before that. */
  async function replaying(rebuild: Rebuild): Promise<void> {
    let ended = false;
    void rebuild.exited.then(() => (ended = true));
    while (!existsSync(rebuild.scratch)) {
      if (ended) throw new Error(`The rebuild ended before it was caught replaying (${await rebuild.exited})`);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  }

  const scratchFiles = (): string[] => readdirSync(data.dir).filter((name) => name.includes('.rebuild-'));

  it('removes them at the next start and the next rebuild, keeping a running rebuild’s', async () => {
    // A rebuild under way (stopped, so that it stays under way for as long as the test needs).
    const running = startRebuild();
    await replaying(running);
    process.kill(running.pid, 'SIGSTOP');

    // Another, killed mid-way: it leaves its scratch file. Starting, it kept the running one's.
    const killed = startRebuild();
    await replaying(killed);
    process.kill(killed.pid, 'SIGKILL');
    expect(await killed.exited).toBe('SIGKILL');
    expect(existsSync(killed.scratch)).toBe(true);
    expect(existsSync(running.scratch)).toBe(true);

    // The server starts: the killed rebuild's leftover is gone, the running rebuild's file is still there.
    const inbox = await Inbox.start({ dataDir: data.dir });
    try {
      expect(existsSync(killed.scratch)).toBe(false);
      expect(existsSync(running.scratch)).toBe(true);
    } finally {
      await inbox.stop({ keepData: true });
    }

    // The running rebuild is killed too; the next rebuild removes what it left, and leaves nothing itself.
    process.kill(running.pid, 'SIGKILL');
    expect(await running.exited).toBe('SIGKILL');
    expect(scratchFiles()).toEqual(expect.arrayContaining([`read-models.sqlite.rebuild-${running.pid}`]));
    const next = startRebuild();
    let stderr = '';
    next.child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    expect(await next.exited).toBe(0);
    expect(stderr).toContain(`Removed what killed rebuilds left: read-models.sqlite.rebuild-${running.pid}`);
    expect(scratchFiles()).toEqual([]);
  }, 120_000);
});
