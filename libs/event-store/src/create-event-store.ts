import { join } from 'node:path';
import type { EventStore } from './event-store';
import { EventStoreDbEventStore } from './eventstoredb/eventstoredb-event-store';
import { SqliteEventStore } from './sqlite/sqlite-event-store';

export type EventStoreSettings =
  { kind: 'sqlite'; dataDir: string } | { kind: 'eventstoredb'; connectionString: string };

/** The embedded store's file inside `DATA_DIR`. */
export function sqliteEventStoreFile(dataDir: string): string {
  return join(dataDir, 'events.sqlite');
}

export function createEventStore(settings: EventStoreSettings): EventStore {
  switch (settings.kind) {
    case 'sqlite':
      return new SqliteEventStore({ filename: sqliteEventStoreFile(settings.dataDir) });
    case 'eventstoredb':
      return new EventStoreDbEventStore({ connectionString: settings.connectionString });
  }
}
