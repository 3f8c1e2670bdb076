import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sqliteEventStoreFile } from '../create-event-store';
import { describeEventStoreContract } from '../testing/event-store.contract';
import { SqliteEventStore } from './sqlite-event-store';

const dataDirs: string[] = [];
let dataDir = '';

beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'team-inbox-sqlite-'));
  dataDirs.push(dataDir);
});
afterAll(() => {
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
});

const open = async (): Promise<SqliteEventStore> => new SqliteEventStore({ filename: sqliteEventStoreFile(dataDir) });

describeEventStoreContract('SqliteEventStore', {
  open,
  reopen: open,
  childEnvironment: () => ({ EVENT_STORE: 'sqlite', DATA_DIR: dataDir }),
});
