/**
 * The server folds the log's WAL into its file from the read models' checkpointer thread: the store is
 * opened to leave it to its opener, so nothing else would fold it until a commit passes the fallback
 * threshold (some 80 MB).
 */
import { EVENT_STORE, sqliteEventStoreFile, type EventStore } from '@team-inbox/event-store';
import { appendWalPadding } from '@team-inbox/event-store/testing/wal-padding';
import { statSync } from 'node:fs';
import { eventually } from './support/eventually';
import { startApp, type RunningApp } from './support/test-app';

describe('the server on the embedded store', () => {
  let running: RunningApp;
  afterEach(async () => {
    await running.stop();
  });

  it("folds the log's WAL into the log's file while it runs", async () => {
    running = await startApp();
    const store = running.app.get<EventStore>(EVENT_STORE);
    const file = sqliteEventStoreFile(running.config.dataDir);
    const sizeBefore = statSync(file).size;

    await appendWalPadding(store);

    await eventually(() => statSync(file).size > sizeBefore + 200 * 1000);
  });
});
