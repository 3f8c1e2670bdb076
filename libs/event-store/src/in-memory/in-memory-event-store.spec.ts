import { collect, describeEventStoreContract } from '../testing/event-store.contract';
import { InMemoryEventStore } from './in-memory-event-store';

// The in-memory store stands in for the real ones in other layers' unit tests: it must behave as they do.
describeEventStoreContract('InMemoryEventStore', { open: async () => new InMemoryEventStore() });

describe('InMemoryEventStore: streams with a maximum age', () => {
  it('no longer reads a stream’s events past its age, as EventStoreDB does not', async () => {
    let now = Date.now();
    const store = new InMemoryEventStore({ now: () => now });
    const event = (id: string) => ({ id, type: 'Tested', data: {} });
    await store.append('record-1', [event('r1')], { expectedRevision: 'no_stream', maxAgeMs: 1000 });
    await store.append('conversation-1', [event('c1')], { expectedRevision: 'no_stream' });
    now += 60_000;
    expect((await collect(store.readAll())).map((recorded) => recorded.id)).toEqual(['c1']);
    expect(await collect(store.readStream('record-1'))).toEqual([]);
    expect((await collect(store.readAll({ limit: 1 }))).map((recorded) => recorded.id)).toEqual(['c1']);
  });
});
