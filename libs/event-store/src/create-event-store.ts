import { join } from 'node:path';
import type { EventStore } from './event-store';
import { SqliteEventStore, type WalCheckpoints } from './sqlite/sqlite-event-store';

export type EventStoreSettings =
  | { kind: 'sqlite'; dataDir: string; checkpoints?: WalCheckpoints }
  | { kind: 'eventstoredb'; connectionString: string };

/** The embedded store's file inside `DATA_DIR`. */
export function sqliteEventStoreFile(dataDir: string): string {
  return join(dataDir, 'events.sqlite');
}

/**
 * Pages for the server's readers of the log (the process managers catching up, audit exports): 1,000
 * events parsed at once outlived the young generation, and catching up with a million-event log they
 * raised the peak RSS by 15 to 25 MB. The projector's thread reads with the store's default (1,000).
 */
const SERVER_PAGE_SIZE = 100;

export async function createEventStore(settings: EventStoreSettings): Promise<EventStore> {
  switch (settings.kind) {
    case 'sqlite':
      return new SqliteEventStore({
        filename: sqliteEventStoreFile(settings.dataDir),
        pageSize: SERVER_PAGE_SIZE,
        checkpoints: settings.checkpoints,
      });
    case 'eventstoredb': {
      // Loaded only here: the client and its gRPC stack, some 6 MB of heap and 20 MB of RSS, are of no use
      // to a server on the embedded store (and more for its collector to mark).
      const { EventStoreDbEventStore } = await import('./eventstoredb/eventstoredb-event-store');
      return new EventStoreDbEventStore({ connectionString: settings.connectionString });
    }
  }
}
