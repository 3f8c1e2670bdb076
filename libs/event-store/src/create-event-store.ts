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
 * Pages for the server's readers of the log (the process managers catching up, audit exports): small
 * enough that the events parsed at once die young, rather than being promoted and raising the peak RSS
 * while a long log is caught up with. The projector's thread reads with the store's default.
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
      // Loaded only here: the client and its gRPC stack are of no use to a server on the embedded store,
      // and would be memory for its collector to mark.
      const { EventStoreDbEventStore } = await import('./eventstoredb/eventstoredb-event-store');
      return new EventStoreDbEventStore({ connectionString: settings.connectionString });
    }
  }
}
