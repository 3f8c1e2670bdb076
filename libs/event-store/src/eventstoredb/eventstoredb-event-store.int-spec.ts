import { describeEventStoreContract } from '../testing/event-store.contract';
import { EventStoreDbEventStore } from './eventstoredb-event-store';

const connectionString = process.env.EVENTSTORE_CONNECTION_STRING;

if (connectionString) {
  const open = async (): Promise<EventStoreDbEventStore> => new EventStoreDbEventStore({ connectionString });
  describeEventStoreContract('EventStoreDbEventStore', {
    open,
    reopen: open,
    childEnvironment: () => ({ EVENT_STORE: 'eventstoredb', EVENTSTORE_CONNECTION_STRING: connectionString }),
  });
} else {
  describe('EventStoreDbEventStore (event store contract)', () => {
    it.skip('runs where EVENTSTORE_CONNECTION_STRING points at an EventStoreDB server (npm run test:eventstoredb)', () => {
      // Skipped: no server configured. No EventStoreDB can be installed on the CI machines.
    });
  });
}
