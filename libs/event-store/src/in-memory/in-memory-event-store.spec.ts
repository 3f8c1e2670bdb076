import { describeEventStoreContract } from '../testing/event-store.contract';
import { InMemoryEventStore } from './in-memory-event-store';

// The in-memory store stands in for the real ones in other layers' unit tests: it must behave as they do.
describeEventStoreContract('InMemoryEventStore', { open: async () => new InMemoryEventStore() });
