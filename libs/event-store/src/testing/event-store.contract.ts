/**
 * The contract every EventStore adapter passes: one suite, run against each (`*.int-spec.ts` beside the
 * adapters). Tests only ever look at streams they created and at the log after the position where they
 * started, so the suite also runs against a long-lived EventStoreDB server.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { collect } from '../collect';
import { InvalidAppendError, WrongExpectedRevisionError } from '../errors';
import type { EventStore, NewEvent, Position, RecordedEvent } from '../event-store';

export interface EventStoreContractSubject {
  /** A store for one test; closed by the suite. */
  open(): Promise<EventStore>;
  /** Opens the same log again, as a restarted process would; absent for stores that keep nothing. */
  reopen?(): Promise<EventStore>;
  /** Environment for the acknowledging writer child process, where the store can be shared with one. */
  childEnvironment?(): NodeJS.ProcessEnv;
}

export function newEvent(type = 'Tested', data: NewEvent['data'] = {}): NewEvent {
  return { id: randomUUID(), type, data, metadata: { correlationId: randomUUID() } };
}

export { collect };

const WRITER_SCRIPT = join(__dirname, 'acknowledging-writer.ts');

export function describeEventStoreContract(name: string, subject: EventStoreContractSubject): void {
  describe(`${name} (event store contract)`, () => {
    let store: EventStore;
    const stream = (): string => `contract-${randomUUID()}`;

    beforeEach(async () => {
      store = await subject.open();
    });
    afterEach(async () => {
      await store.close();
    });

    async function headOrZero(): Promise<Position> {
      return (await store.headPosition()) ?? 0n;
    }

    describe('append and readStream', () => {
      it('creates a new stream with no_stream and reads its events back as written', async () => {
        const streamId = stream();
        const events = [newEvent('First', { n: 1, text: 'héllo ✓', nested: { list: [1, null, true] } }), newEvent()];
        const result = await store.append(streamId, events, { expectedRevision: 'no_stream' });

        expect(result.nextRevision).toBe(1n);
        const read = await collect(store.readStream(streamId));
        expect(read.map((e) => [e.id, e.type, e.revision, e.streamId])).toEqual([
          [events[0].id, 'First', 0n, streamId],
          [events[1].id, 'Tested', 1n, streamId],
        ]);
        expect(read[0].data).toEqual(events[0].data);
        expect(read[0].metadata).toEqual(events[0].metadata);
        expect(read[1].position).toBe(result.position);
        expect(read[0].position).toBeLessThan(read[1].position);
        expect(read[0].recordedAt).toBeInstanceOf(Date);
      });

      it('reads a stream that does not exist as empty', async () => {
        expect(await collect(store.readStream(stream()))).toEqual([]);
      });

      it('reads from a revision onwards', async () => {
        const streamId = stream();
        const events = [newEvent(), newEvent(), newEvent()];
        await store.append(streamId, events, { expectedRevision: 'no_stream' });
        const read = await collect(store.readStream(streamId, { fromRevision: 1n }));
        expect(read.map((e) => e.id)).toEqual([events[1].id, events[2].id]);
      });

      it('reads at most a limit of events', async () => {
        const streamId = stream();
        const events = [newEvent(), newEvent(), newEvent()];
        await store.append(streamId, events, { expectedRevision: 'no_stream' });
        expect((await collect(store.readStream(streamId, { limit: 1 }))).map((e) => e.id)).toEqual([events[0].id]);
        const middle = await collect(store.readStream(streamId, { fromRevision: 1n, limit: 1 }));
        expect(middle.map((e) => e.id)).toEqual([events[1].id]);
        expect(await collect(store.readStream(streamId, { limit: 0 }))).toEqual([]);
        expect(await collect(store.readStream(stream(), { limit: 1 }))).toEqual([]);
      });

      it('appends at the expected revision, and with any', async () => {
        const streamId = stream();
        await store.append(streamId, [newEvent()], { expectedRevision: 'no_stream' });
        expect((await store.append(streamId, [newEvent()], { expectedRevision: 0n })).nextRevision).toBe(1n);
        expect((await store.append(streamId, [newEvent()], { expectedRevision: 'any' })).nextRevision).toBe(2n);
        expect((await collect(store.readStream(streamId))).map((e) => e.revision)).toEqual([0n, 1n, 2n]);
      });
    });

    describe('optimistic concurrency', () => {
      it('refuses a stale revision with a typed error naming the stream and both revisions, and writes nothing', async () => {
        const streamId = stream();
        await store.append(streamId, [newEvent(), newEvent()], { expectedRevision: 'no_stream' });
        const headBefore = await store.headPosition();

        const attempt = store.append(streamId, [newEvent()], { expectedRevision: 0n });

        await expect(attempt).rejects.toBeInstanceOf(WrongExpectedRevisionError);
        await expect(attempt).rejects.toMatchObject({ streamId, expectedRevision: 0n, actualRevision: 1n });
        await expect(attempt).rejects.toThrow(new RegExp(`${streamId}.*revision 0.*revision 1`));
        expect(await collect(store.readStream(streamId))).toHaveLength(2);
        expect(await store.headPosition()).toBe(headBefore);
      });

      it('refuses no_stream for a stream that exists', async () => {
        const streamId = stream();
        await store.append(streamId, [newEvent()], { expectedRevision: 'no_stream' });
        await expect(store.append(streamId, [newEvent()], { expectedRevision: 'no_stream' })).rejects.toMatchObject({
          name: 'WrongExpectedRevisionError',
          streamId,
          expectedRevision: 'no_stream',
          actualRevision: 0n,
        });
      });

      it('refuses a revision for a stream that does not exist', async () => {
        const streamId = stream();
        await expect(store.append(streamId, [newEvent()], { expectedRevision: 3n })).rejects.toMatchObject({
          name: 'WrongExpectedRevisionError',
          actualRevision: 'no_stream',
        });
        expect(await collect(store.readStream(streamId))).toEqual([]);
      });

      it('lets exactly one of two concurrent appenders at one revision win', async () => {
        const streamId = stream();
        await store.append(streamId, [newEvent()], { expectedRevision: 'no_stream' });
        const contenders = [newEvent('A'), newEvent('B')];

        const outcomes = await Promise.allSettled(
          contenders.map((event) => store.append(streamId, [event], { expectedRevision: 0n })),
        );

        expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
        const rejected = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
        expect(rejected).toHaveLength(1);
        expect(rejected[0].reason).toBeInstanceOf(WrongExpectedRevisionError);
        expect(await collect(store.readStream(streamId))).toHaveLength(2);
      });

      it('lets exactly one of twenty concurrent appenders win, and the others append nothing', async () => {
        const streamId = stream();
        const outcomes = await Promise.allSettled(
          Array.from({ length: 20 }, () =>
            store.append(streamId, [newEvent(), newEvent()], { expectedRevision: 'no_stream' }),
          ),
        );
        expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
        expect((await collect(store.readStream(streamId))).map((e) => e.revision)).toEqual([0n, 1n]);
      });
    });

    describe('refused appends', () => {
      it.each([
        ['no events', (): NewEvent[] => []],
        [
          'an id twice in one append',
          (): NewEvent[] => {
            const event = newEvent();
            return [event, { ...event }];
          },
        ],
        ['an empty event type', (): NewEvent[] => [{ ...newEvent(), type: '' }]],
        ['a system event type', (): NewEvent[] => [{ ...newEvent(), type: '$metadata' }]],
      ])('refuses %s with InvalidAppendError and writes nothing', async (_, events) => {
        const streamId = stream();
        const headBefore = await store.headPosition();
        await expect(store.append(streamId, events(), { expectedRevision: 'any' })).rejects.toBeInstanceOf(
          InvalidAppendError,
        );
        expect(await collect(store.readStream(streamId))).toEqual([]);
        expect(await store.headPosition()).toBe(headBefore);
      });

      it('refuses a system stream name', async () => {
        await expect(store.append('$all', [newEvent()], { expectedRevision: 'any' })).rejects.toBeInstanceOf(
          InvalidAppendError,
        );
      });

      it('refuses one append without touching the others committed beside it', async () => {
        const [busy, quiet] = [stream(), stream()];
        await store.append(busy, [newEvent()], { expectedRevision: 'no_stream' });
        const outcomes = await Promise.allSettled([
          store.append(busy, [newEvent(), newEvent()], { expectedRevision: 5n }),
          store.append(quiet, [newEvent(), newEvent()], { expectedRevision: 'no_stream' }),
          store.append(busy, [newEvent(), newEvent(), newEvent()], { expectedRevision: 0n }),
        ]);
        expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'fulfilled', 'fulfilled']);
        expect(await collect(store.readStream(busy))).toHaveLength(4);
        expect(await collect(store.readStream(quiet))).toHaveLength(2);
      });
    });

    describe('idempotent appends', () => {
      it('treats the same event ids at the same expected revision as a no-op with the first answer', async () => {
        const streamId = stream();
        await store.append(streamId, [newEvent()], { expectedRevision: 'no_stream' });
        const events = [newEvent(), newEvent()];
        const first = await store.append(streamId, events, { expectedRevision: 0n });

        const again = await store.append(streamId, events, { expectedRevision: 0n });

        expect(again).toEqual(first);
        expect(await collect(store.readStream(streamId))).toHaveLength(3);
      });

      it('treats a retried first append with no_stream as a no-op', async () => {
        const streamId = stream();
        const events = [newEvent()];
        const first = await store.append(streamId, events, { expectedRevision: 'no_stream' });
        await expect(store.append(streamId, events, { expectedRevision: 'no_stream' })).resolves.toEqual(first);
        expect(await collect(store.readStream(streamId))).toHaveLength(1);
      });

      it('still refuses a different append at a stale revision after the retry window', async () => {
        const streamId = stream();
        await store.append(streamId, [newEvent()], { expectedRevision: 'no_stream' });
        await store.append(streamId, [newEvent()], { expectedRevision: 0n });
        await expect(store.append(streamId, [newEvent()], { expectedRevision: 0n })).rejects.toBeInstanceOf(
          WrongExpectedRevisionError,
        );
      });
    });

    describe('readAll', () => {
      it('returns the events of every stream in one global order, from a position and up to a limit', async () => {
        const start = await headOrZero();
        const [a, b, c] = [stream(), stream(), stream()];
        const written: string[] = [];
        const appendTo = async (streamId: string, expectedRevision: bigint | 'no_stream'): Promise<void> => {
          const event = newEvent();
          await store.append(streamId, [event], { expectedRevision });
          written.push(event.id);
        };
        await appendTo(a, 'no_stream');
        await appendTo(b, 'no_stream');
        await appendTo(a, 0n);
        await appendTo(c, 'no_stream');
        await appendTo(b, 0n);

        const all = await collect(store.readAll({ fromPosition: start }));
        expect(all.map((e) => e.id)).toEqual(written);
        expect(all.map((e) => e.streamId)).toEqual([a, b, a, c, b]);
        const positions = all.map((e) => e.position);
        expect([...positions].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0))).toEqual(positions);
        expect(new Set(positions).size).toBe(positions.length);

        const afterSecond = await collect(store.readAll({ fromPosition: all[1].position, limit: 2 }));
        expect(afterSecond.map((e) => e.id)).toEqual(written.slice(2, 4));
        expect(await store.headPosition()).toBe(all[4].position);
      });
    });

    describe('subscribeToAll', () => {
      it('delivers every event after its checkpoint exactly once, in order, including those appended while it catches up', async () => {
        const start = await headOrZero();
        const streamIds = [stream(), stream(), stream()];
        const revisions = new Map<string, bigint>();
        const appended: RecordedEvent['id'][] = [];
        const appendRound = async (count: number): Promise<void> => {
          for (let i = 0; i < count; i++) {
            const streamId = streamIds[i % streamIds.length];
            const event = newEvent('Subscribed', { i });
            const previous = revisions.get(streamId);
            const { nextRevision } = await store.append(streamId, [event], {
              expectedRevision: previous ?? 'no_stream',
            });
            revisions.set(streamId, nextRevision);
            appended.push(event.id);
          }
        };
        await appendRound(30);
        const checkpoint = (await collect(store.readAll({ fromPosition: start, limit: 10 })))[9].position;
        const expected = (): string[] => appended.slice(10);

        const subscription = store.subscribeToAll({ fromPosition: checkpoint });
        const seen: string[] = [];
        // Appends race with the catch-up: more land while the subscription is still reading the first ones.
        const racingAppends = (async () => {
          await appendRound(40);
          await new Promise((resolve) => setTimeout(resolve, 20));
          await appendRound(30);
        })();
        for await (const event of subscription) {
          if (!streamIds.includes(event.streamId)) continue;
          seen.push(event.id);
          if (seen.length === 5) await new Promise((resolve) => setTimeout(resolve, 10)); // a slow consumer
          if (seen.length >= 90) break;
        }
        await racingAppends;
        await subscription.close();

        expect(seen).toEqual(expected());
      });

      it('goes live: an event appended after it caught up arrives', async () => {
        const start = await headOrZero();
        const subscription = store.subscribeToAll({ fromPosition: start });
        const iterator = subscription[Symbol.asyncIterator]();
        const event = newEvent('Live');
        const next = iterator.next();
        await new Promise((resolve) => setTimeout(resolve, 50));
        await store.append(stream(), [event], { expectedRevision: 'no_stream' });
        const result = await next;
        expect(result.done).toBe(false);
        expect((result.value as RecordedEvent).id).toBe(event.id);
        await subscription.close();
      });

      it('ends its iteration when closed', async () => {
        const subscription = store.subscribeToAll({ fromPosition: await headOrZero() });
        const iteration = collect(subscription);
        await new Promise((resolve) => setTimeout(resolve, 20));
        await subscription.close();
        await expect(iteration).resolves.toEqual([]);
      });
    });

    const durable = subject.reopen ? describe : describe.skip;
    durable('durability', () => {
      it('keeps every event across closing and reopening', async () => {
        const streamId = stream();
        const events = [newEvent('Kept', { n: 1 }), newEvent('Kept', { n: 2 })];
        const written = await store.append(streamId, events, { expectedRevision: 'no_stream' });
        await store.close();

        store = await subject.reopen!();
        const read = await collect(store.readStream(streamId));
        expect(read.map((e) => [e.id, e.data])).toEqual(events.map((e) => [e.id, e.data]));
        expect(read[1].position).toBe(written.position);
        await expect(store.append(streamId, [newEvent()], { expectedRevision: 1n })).resolves.toMatchObject({
          nextRevision: 2n,
        });
      });

      const crashable = subject.childEnvironment ? it : it.skip;
      crashable(
        'loses no acknowledged append when its writer process is killed with SIGKILL mid-stream',
        async () => {
          const prefix = `crash-${randomUUID()}`;
          const acknowledged = await runAndKillWriter({ ...subject.childEnvironment!(), STREAM_PREFIX: prefix });
          expect(acknowledged.length).toBeGreaterThan(100);

          const byId = new Map<string, RecordedEvent>();
          const perStream = new Map<string, bigint[]>();
          for await (const event of store.readAll()) {
            if (!event.streamId.startsWith(prefix)) continue;
            expect(byId.has(event.id)).toBe(false);
            byId.set(event.id, event);
            perStream.set(event.streamId, [...(perStream.get(event.streamId) ?? []), event.revision]);
          }
          const lost = acknowledged.filter((id) => !byId.has(id));
          expect(lost).toEqual([]);
          for (const revisions of perStream.values()) {
            expect(revisions).toEqual(revisions.map((_, i) => BigInt(i)));
          }
        },
        60_000,
      );
    });
  });
}

/** Spawns the acknowledging writer, kills it with SIGKILL after a random number of acks, returns the acked ids. */
async function runAndKillWriter(env: NodeJS.ProcessEnv): Promise<string[]> {
  const killAfter = 200 + Math.floor(Math.random() * 800);
  const child = spawn(process.execPath, ['-r', '@swc-node/register', WRITER_SCRIPT], {
    env: { ...process.env, ...env, WRITERS: '16' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const acknowledged: string[] = [];
  let buffered = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
    child.on('exit', (code, signal) => resolve(signal ?? code)),
  );
  child.stdout.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? ''; // a line cut off by the kill was never fully acknowledged
    for (const line of lines) if (line !== 'ready') acknowledged.push(line);
    if (acknowledged.length >= killAfter) child.kill('SIGKILL');
  });
  const ending = await exited;
  if (ending !== 'SIGKILL') throw new Error(`The writer ended with ${String(ending)} before it was killed: ${stderr}`);
  return acknowledged;
}
