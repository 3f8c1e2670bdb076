/**
 * The adapter over a fake client: what it asks of EventStoreDB and how it reads the answers. The contract
 * suite checks the same behaviour against a real server where one is configured.
 */
import {
  NO_STREAM,
  StreamNotFoundError,
  UnavailableError,
  WrongExpectedVersionError,
  type AllStreamResolvedEvent,
  type EventStoreDBClient,
} from '@eventstore/db-client';
import { EventStoreUnavailableError, WrongExpectedRevisionError } from '../errors';
import { collect } from '../testing/event-store.contract';
import { EventStoreDbEventStore } from './eventstoredb-event-store';
import { encodePosition } from './eventstoredb-mapping';

function recorded(streamId: string, revision: bigint, commit: bigint, type = 'Tested'): AllStreamResolvedEvent {
  return {
    event: {
      streamId,
      id: `${streamId}-${revision}`,
      isJson: true,
      revision,
      type,
      created: new Date(0),
      data: {},
      metadata: {},
      position: { commit, prepare: commit },
    },
  };
}

async function* yieldAll<T>(items: T[], then?: Error): AsyncGenerator<T> {
  for (const item of items) yield item;
  if (then) throw then;
}

function fakeClient(overrides: Partial<Record<keyof EventStoreDBClient, jest.Mock>>): EventStoreDBClient {
  return { dispose: jest.fn(), ...overrides } as unknown as EventStoreDBClient;
}

describe('EventStoreDbEventStore over a fake client', () => {
  it('appends JSON events with the mapped expected revision and returns the encoded position', async () => {
    const appendToStream = jest.fn().mockResolvedValue({
      success: true,
      nextExpectedRevision: 3n,
      position: { commit: 900n, prepare: 880n },
    });
    const store = new EventStoreDbEventStore({ client: fakeClient({ appendToStream }) });

    const result = await store.append('conversation-1', [{ id: 'e1', type: 'ConversationClosed', data: {} }], {
      expectedRevision: 'no_stream',
    });

    expect(result).toEqual({ nextRevision: 3n, position: encodePosition({ commit: 900n, prepare: 880n }) });
    expect(appendToStream).toHaveBeenCalledWith(
      'conversation-1',
      [expect.objectContaining({ id: 'e1', type: 'ConversationClosed', contentType: 'application/json' })],
      { expectedRevision: NO_STREAM },
    );
  });

  it('gives a stream its maximum age as $maxAge, in seconds, on the append that creates it only', async () => {
    const appended = (nextExpectedRevision: bigint) => ({
      success: true,
      nextExpectedRevision,
      position: { commit: 900n, prepare: 880n },
    });
    const appendToStream = jest.fn().mockResolvedValueOnce(appended(0n)).mockResolvedValueOnce(appended(1n));
    const setStreamMetadata = jest.fn().mockResolvedValue({ success: true });
    const store = new EventStoreDbEventStore({ client: fakeClient({ appendToStream, setStreamMetadata }) });
    const DAY_MS = 24 * 60 * 60 * 1000;

    await store.append('idempotency-1', [{ id: 'e1', type: 'T', data: {} }], {
      expectedRevision: 'no_stream',
      maxAgeMs: DAY_MS,
    });
    expect(setStreamMetadata).toHaveBeenCalledTimes(1);
    expect(setStreamMetadata).toHaveBeenCalledWith('idempotency-1', { maxAge: 86_400 });

    // The stream was there already: its metadata is left as it is.
    await store.append('idempotency-1', [{ id: 'e2', type: 'T', data: {} }], {
      expectedRevision: 0n,
      maxAgeMs: DAY_MS,
    });
    expect(setStreamMetadata).toHaveBeenCalledTimes(1);
  });

  it('sets no metadata where no maximum age is given, and fails an append whose maximum age was not set', async () => {
    const appendToStream = jest.fn().mockResolvedValue({
      success: true,
      nextExpectedRevision: 0n,
      position: { commit: 900n, prepare: 880n },
    });
    const setStreamMetadata = jest
      .fn()
      .mockRejectedValue(new UnavailableError({ code: 14, details: 'ECONNREFUSED' } as never));
    const store = new EventStoreDbEventStore({ client: fakeClient({ appendToStream, setStreamMetadata }) });

    await store.append('conversation-1', [{ id: 'e1', type: 'T', data: {} }], { expectedRevision: 'no_stream' });
    expect(setStreamMetadata).not.toHaveBeenCalled();

    // Where setting it fails, so does the append: a retry (the same event ids, a no-op) sets it again.
    await expect(
      store.append('idempotency-1', [{ id: 'e1', type: 'T', data: {} }], {
        expectedRevision: 'no_stream',
        maxAgeMs: 1,
      }),
    ).rejects.toBeInstanceOf(EventStoreUnavailableError);
    expect(setStreamMetadata).toHaveBeenCalledWith('idempotency-1', { maxAge: 1 });
  });

  it('turns a wrong expected version into the typed error', async () => {
    const appendToStream = jest
      .fn()
      .mockRejectedValue(new WrongExpectedVersionError(undefined, { streamName: 's', expected: 1n, current: 4n }));
    const store = new EventStoreDbEventStore({ client: fakeClient({ appendToStream }) });
    await expect(store.append('s', [{ id: 'e', type: 'T', data: {} }], { expectedRevision: 1n })).rejects.toEqual(
      new WrongExpectedRevisionError('s', 1n, 4n),
    );
  });

  it('reads a stream that does not exist as empty', async () => {
    const readStream = jest.fn().mockReturnValue(yieldAll([], new StreamNotFoundError(undefined, 'missing')));
    const store = new EventStoreDbEventStore({ client: fakeClient({ readStream }) });
    await expect(collect(store.readStream('missing'))).resolves.toEqual([]);
  });

  it('reads $all after fromPosition, exclusively, without system events, up to the limit', async () => {
    const events = [
      recorded('a', 0n, 100n),
      recorded('$stats', 0n, 150n, '$statsCollected'),
      recorded('b', 0n, 200n),
      recorded('a', 1n, 300n),
      recorded('c', 0n, 400n),
    ];
    const readAll = jest.fn().mockReturnValue(yieldAll(events));
    const store = new EventStoreDbEventStore({ client: fakeClient({ readAll }) });

    const read = await collect(
      store.readAll({ fromPosition: encodePosition({ commit: 100n, prepare: 100n }), limit: 2 }),
    );

    expect(read.map((e) => e.id)).toEqual(['b-0', 'a-1']);
    expect(readAll).toHaveBeenCalledWith(expect.objectContaining({ fromPosition: { commit: 100n, prepare: 100n } }));
  });

  it('subscribes from the decoded checkpoint, filters system events out and unsubscribes on close', async () => {
    const unsubscribe = jest.fn().mockResolvedValue(undefined);
    const stream = Object.assign(yieldAll([recorded('$x', 0n, 10n, '$y'), recorded('a', 0n, 20n)]), { unsubscribe });
    const subscribeToAll = jest.fn().mockReturnValue(stream);
    const store = new EventStoreDbEventStore({ client: fakeClient({ subscribeToAll }) });

    const subscription = store.subscribeToAll({ fromPosition: encodePosition({ commit: 5n, prepare: 5n }) });
    const seen = await collect(subscription);
    await subscription.close();

    expect(seen.map((e) => e.id)).toEqual(['a-0']);
    expect(subscribeToAll).toHaveBeenCalledWith(expect.objectContaining({ fromPosition: { commit: 5n, prepare: 5n } }));
    expect(unsubscribe).toHaveBeenCalled();
  });

  it('reports an unreachable server from the health check', async () => {
    const readAll = jest
      .fn()
      .mockReturnValue(yieldAll([], new UnavailableError({ code: 14, details: 'ECONNREFUSED' } as never)));
    const store = new EventStoreDbEventStore({ client: fakeClient({ readAll }) });
    await expect(store.checkHealth()).rejects.toBeInstanceOf(EventStoreUnavailableError);
    expect(readAll).toHaveBeenCalledWith(expect.objectContaining({ maxCount: 1, deadline: 2000 }));
  });
});
