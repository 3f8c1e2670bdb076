import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEventStore } from './create-event-store';
import { EventStoreDbEventStore } from './eventstoredb/eventstoredb-event-store';
import { SqliteEventStore } from './sqlite/sqlite-event-store';

/** Nothing listens there: the client connects only when first used, and these specs never use it. */
const UNUSED_EVENTSTOREDB = 'esdb://127.0.0.1:1?tls=false';

/** Which of the EventStoreDB client's modules a fresh process has loaded once it made the store `kind`. */
function clientModulesLoaded(kind: 'sqlite' | 'eventstoredb', dataDir: string): number {
  const settings = kind === 'sqlite' ? { kind, dataDir } : { kind, connectionString: UNUSED_EVENTSTOREDB };
  const script = `
    const { createEventStore } = require(${JSON.stringify(join(__dirname, 'index.ts'))});
    createEventStore(${JSON.stringify(settings)}).then(async (store) => {
      const loaded = Object.keys(require.cache).filter((file) => file.includes('@eventstore/db-client'));
      await store.close();
      process.stdout.write(String(loaded.length));
    });`;
  const output = execFileSync(process.execPath, ['-r', '@swc-node/register', '-e', script], { encoding: 'utf8' });
  return Number(output.trim());
}

describe('createEventStore', () => {
  let dataDir: string;
  beforeEach(() => (dataDir = mkdtempSync(join(tmpdir(), 'create-event-store-'))));
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('makes the embedded store in DATA_DIR, and the EventStoreDB adapter where that store is chosen', async () => {
    const sqlite = await createEventStore({ kind: 'sqlite', dataDir });
    const eventStoreDb = await createEventStore({
      kind: 'eventstoredb',
      connectionString: UNUSED_EVENTSTOREDB,
    });
    try {
      expect(sqlite).toBeInstanceOf(SqliteEventStore);
      expect(eventStoreDb).toBeInstanceOf(EventStoreDbEventStore);
    } finally {
      await Promise.all([sqlite.close(), eventStoreDb.close()]);
    }
  });

  // The client and its gRPC stack are some 6 MB of a server's heap that the embedded store never uses.
  it('loads the EventStoreDB client only where that store is chosen', () => {
    expect(clientModulesLoaded('sqlite', dataDir)).toBe(0);
    expect(clientModulesLoaded('eventstoredb', dataDir)).toBeGreaterThan(0);
  }, 60_000);
});
