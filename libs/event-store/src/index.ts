export * from './event-store';
export * from './errors';
export * from './create-event-store';
export { SqliteEventStore, type SqliteEventStoreOptions, type WalCheckpoints } from './sqlite/sqlite-event-store';
// Types only: the EventStoreDB client is loaded where that store is chosen (createEventStore).
export type { EventStoreDbEventStore, EventStoreDbEventStoreOptions } from './eventstoredb/eventstoredb-event-store';
export { InMemoryEventStore } from './in-memory/in-memory-event-store';
export { APPENDED_EVENTS, EventStoreModule, type AppendedEvents } from './event-store.module';
export { collect } from './collect';
export { nextTurn, readAllInTurns, readStreamInTurns } from './read-in-turns';
export { WalCheckpointer, FALLBACK_AUTOCHECKPOINT_PAGES } from './sqlite/wal-checkpointer';
