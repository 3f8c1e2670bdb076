import { InMemoryEventStore, collect, type ReadStreamOptions } from '@team-inbox/event-store';
import { randomUUID } from 'node:crypto';
import { ConflictError } from '../domain-errors';
import { eventMetadata, type CommandContext } from '../event-metadata';
import type { Decider, DomainEvent } from './decider';
import { LruFoldCache, type FoldedStream } from './fold-cache';
import { aggregateStream, handleCommand } from './handle-command';
import { SAME_KEY_AND_ACTOR } from './idempotency-policy';

/** A tally that refuses to go below zero: small enough to read, with every kind of answer. */
type TallyEvent = DomainEvent<'Added', { amount: number }>;
type TallyCommand = { type: 'Add'; amount: number } | { type: 'AddNothing' };
const tally: Decider<number, TallyCommand, TallyEvent> = {
  initialState: 0,
  evolve: (total, event) => total + event.data.amount,
  decide(command, total) {
    if (command.type === 'AddNothing') return [];
    if (total + command.amount < 0) throw new ConflictError(`The tally is ${total}; it cannot go below zero`);
    return [{ type: 'Added', data: { amount: command.amount } }];
  },
};

const context = (idempotencyKey?: string): CommandContext => ({
  actor: { type: 'member', id: 'alice' },
  occurredAt: new Date(),
  correlationId: randomUUID(),
  idempotencyKey,
});

describe('handleCommand', () => {
  let store: InMemoryEventStore;
  let reads: (bigint | undefined)[];
  const streamId = 'tally-1';
  const add = (amount: number, options: Partial<Parameters<typeof handleCommand>[4]> = {}) =>
    handleCommand(
      store,
      streamId,
      tally,
      { type: 'Add', amount },
      {
        context: context(),
        eventId: () => randomUUID(),
        ...options,
      },
    );
  let appendDirectly: InMemoryEventStore['append'];
  /** Another process appends behind this one's back. */
  const appendElsewhere = async (amount: number) => {
    const events = await collect(store.readStream(streamId));
    await appendDirectly(streamId, [{ id: randomUUID(), type: 'Added', data: { amount } }], {
      expectedRevision: events.at(-1)?.revision ?? 'no_stream',
    });
  };

  beforeEach(() => {
    store = new InMemoryEventStore();
    appendDirectly = store.append.bind(store);
    reads = [];
    const readStream = store.readStream.bind(store);
    store.readStream = (id: string, options?: ReadStreamOptions) => {
      reads.push(options?.fromRevision);
      return readStream(id, options);
    };
  });
  afterEach(() => store.close());

  it('reads, folds, decides and appends at the revision read, answering with the state after', async () => {
    await add(2);
    const outcome = await add(3);

    expect(outcome).toMatchObject({ state: 5, revision: 1n, replayed: false });
    expect(outcome.events).toMatchObject([{ type: 'Added', data: { amount: 3 }, revision: 1n, streamId }]);
    expect(outcome.position).toBe(outcome.events[0].position);
    expect((await collect(store.readStream(streamId))).map((event) => event.data)).toEqual([
      { amount: 2 },
      { amount: 3 },
    ]);
  });

  it('carries the context into every event it appends', async () => {
    const outcome = await add(1);
    const [recorded] = await collect(store.readStream(streamId));
    expect(recorded.metadata).toMatchObject({ actor: { type: 'member', id: 'alice' }, idempotencyKey: null });
    expect(outcome.events[0].metadata).toEqual(recorded.metadata);
  });

  it('answers a command that changes nothing without appending', async () => {
    await add(4);
    const outcome = await handleCommand(
      store,
      streamId,
      tally,
      { type: 'AddNothing' },
      {
        context: context(),
        eventId: () => randomUUID(),
      },
    );
    expect(outcome).toMatchObject({ events: [], state: 4, revision: 0n });
    expect(await collect(store.readStream(streamId))).toHaveLength(1);
  });

  it("passes the decider's refusal on, appending nothing", async () => {
    await add(1);
    await expect(add(-5)).rejects.toThrow('The tally is 1; it cannot go below zero');
    expect(await collect(store.readStream(streamId))).toHaveLength(1);
  });

  it('decides again on what another writer appended first', async () => {
    const cache = new LruFoldCache<number>(10);
    await add(1, { cache });
    await appendElsewhere(-1); // the cache still says 1

    await expect(add(-1, { cache })).rejects.toThrow('The tally is 0; it cannot go below zero');
    const outcome = await add(5, { cache });
    expect(outcome).toMatchObject({ state: 5, revision: 2n });
  });

  it('gives up with a 409 after a bounded number of attempts', async () => {
    let conflicts = 0;
    store.append = async (...args) => {
      conflicts++;
      await appendElsewhere(0);
      return appendDirectly(...args);
    };
    await expect(add(1, { maxAttempts: 3, keptChanging: 'The tally kept changing' })).rejects.toThrow(
      new ConflictError('The tally kept changing'),
    );
    expect(conflicts).toBe(3);
  });

  it("gives the caller's precondition failure, with the stream as it is, where the revision was fixed", async () => {
    await add(1);
    await add(1);
    const failed = (current: FoldedStream<number>) => new Error(`at ${current.last?.revision}, total ${current.state}`);

    await expect(add(1, { expectedRevision: 0n, preconditionFailed: failed })).rejects.toThrow('at 1, total 2');
    await expect(add(1, { expectedRevision: 'no_stream', preconditionFailed: failed })).rejects.toThrow(
      'at 1, total 2',
    );
    expect(await add(1, { expectedRevision: 1n })).toMatchObject({ revision: 2n, state: 3 });
  });

  it('gives the precondition failure where another writer appended between the read and the append', async () => {
    const cache = new LruFoldCache<number>(10);
    await add(1, { cache });
    await appendElsewhere(10); // revision 1; the cache says 0
    const failed = (current: FoldedStream<number>) => new Error(`at ${current.last?.revision}, total ${current.state}`);
    await expect(add(1, { cache, expectedRevision: 0n, preconditionFailed: failed })).rejects.toThrow('at 1, total 11');
  });

  it('with a cache, appends on what it remembers and reads only what was appended since', async () => {
    const cache = new LruFoldCache<number>(10);
    await add(1, { cache }); // the stream did not exist: read from 0
    await add(1, { cache });
    await add(1, { cache });
    expect(reads).toEqual([0n]);

    await appendElsewhere(1);
    reads = [];
    const outcome = await add(1, { cache });
    expect(outcome).toMatchObject({ state: 5, revision: 4n });
    expect(reads).toEqual([3n]); // after the refused append: only the event appended since the three remembered
  });

  it('with a cache, answers a command that changes nothing only on what it just read', async () => {
    const cache = new LruFoldCache<number>(10);
    await add(3, { cache });
    await appendElsewhere(-3);
    await expect(add(-1, { cache })).rejects.toThrow('The tally is 0');
  });

  it('finds an earlier execution of a keyed command in the stream and answers as of it, appending nothing', async () => {
    const keyed = { context: context('key-1'), idempotency: SAME_KEY_AND_ACTOR };
    const first = await add(2, keyed);
    await add(7); // someone else's, after it

    const again = await add(2, { ...keyed, context: context('key-1') });
    expect(again).toMatchObject({ replayed: true, events: [], state: 2, revision: 0n, position: first.position });
    expect(await collect(store.readStream(streamId))).toHaveLength(2);

    const otherKey = await add(2, { idempotency: SAME_KEY_AND_ACTOR, context: context('key-2') });
    expect(otherKey).toMatchObject({ replayed: false, state: 11 });
  });

  it("does not take another actor's events under the same key for this one's", async () => {
    await add(2, { context: context('key-1'), idempotency: SAME_KEY_AND_ACTOR });
    const bob = { ...context('key-1'), actor: { type: 'member' as const, id: 'bob' } };
    expect(await add(2, { context: bob, idempotency: SAME_KEY_AND_ACTOR })).toMatchObject({
      replayed: false,
      state: 4,
    });
  });

  it('decides on the stream as the caller read it, without reading again, until an append is refused', async () => {
    await add(1);
    const readJustBefore = await aggregateStream(store, streamId, tally);
    reads = [];
    expect(await add(1, { readAs: readJustBefore })).toMatchObject({ state: 2, revision: 1n });
    expect(reads).toEqual([]);

    await appendElsewhere(5); // the caller's read is stale now
    await expect(add(-8, { readAs: readJustBefore })).rejects.toThrow('The tally is 7');
  });

  it('answers as of another copy of a keyed command that appended first, on another server, rather than deciding again', async () => {
    await add(1);
    const key = context('key-1');
    let otherCopyAppended = false;
    store.append = async (...args) => {
      if (!otherCopyAppended) {
        otherCopyAppended = true;
        // The same request, run by another process between this one's read and its append.
        const events = await collect(store.readStream(streamId));
        await appendDirectly(
          streamId,
          [{ id: randomUUID(), type: 'Added', data: { amount: 2 }, metadata: eventMetadata(key) }],
          { expectedRevision: events.at(-1)!.revision },
        );
      }
      return appendDirectly(...args);
    };

    const outcome = await add(2, { context: key, idempotency: SAME_KEY_AND_ACTOR });

    expect(outcome).toMatchObject({ replayed: true, events: [], state: 3, revision: 1n });
    expect(await collect(store.readStream(streamId))).toHaveLength(2);
  });

  it('reads a remembered stream on from the revision after its last event, whatever its length', async () => {
    const cache = new LruFoldCache<number>(10);
    await add(1, { cache });
    await add(1, { cache });
    // As a stream whose first event expired would be remembered: one event folded, the last at revision 1.
    cache.remember(streamId, { state: 2, length: 1, last: (await aggregateStream(store, streamId, tally)).last });
    await appendElsewhere(5);
    reads = [];
    await expect(add(-8, { cache })).rejects.toThrow('The tally is 7');
    expect(reads).toEqual([2n]);
  });

  it('aggregateStream folds a stream it only reads', async () => {
    await add(2);
    await add(5);
    expect(await aggregateStream(store, streamId, tally)).toMatchObject({
      state: 7,
      length: 2,
      last: { revision: 1n },
    });
    expect(await aggregateStream(store, 'tally-none', tally)).toEqual({ state: 0, length: 0, last: undefined });
  });
});
