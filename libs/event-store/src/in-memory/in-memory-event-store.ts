/**
 * An event store held in memory, for unit tests of the layers above the log. It passes the same contract
 * suite as the real adapters, but it keeps nothing across a restart: it is never a default.
 */
import { EventStoreClosedError, WrongExpectedRevisionError } from '../errors';
import type {
  ActualRevision,
  AllSubscription,
  AppendOptions,
  AppendResult,
  EventStore,
  JsonObject,
  NewEvent,
  Position,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  SubscribeToAllOptions,
} from '../event-store';
import { LocalSubscriptions } from '../local-subscription';
import { validateAppend } from '../validate-append';

export class InMemoryEventStore implements EventStore {
  readonly kind = 'in-memory' as const;

  private readonly log: RecordedEvent[] = [];
  private readonly streams = new Map<string, RecordedEvent[]>();
  /** By stream and event id: a retried append is recognised within its stream, as in the other stores. */
  private readonly byId = new Map<string, RecordedEvent>();
  private closed = false;
  private readonly subscriptions = new LocalSubscriptions(
    {
      // Positions are 1-based indexes into `log`, so the page after p starts at index p.
      readPageAfter: (after, limit) => this.log.slice(Number(after), Number(after) + limit),
      isClosed: () => this.closed,
    },
    { pageSize: 500 },
  );

  async append(streamId: string, events: readonly NewEvent[], options: AppendOptions): Promise<AppendResult> {
    this.assertOpen();
    validateAppend(streamId, events);
    const stream = this.streams.get(streamId) ?? [];
    const { expectedRevision } = options;

    const first = this.byId.get(eventKey(streamId, events[0].id));
    if (first) {
      const expectedFirst =
        expectedRevision === 'any' ? first.revision : expectedRevision === 'no_stream' ? 0n : expectedRevision + 1n;
      const stored = stream.slice(Number(first.revision), Number(first.revision) + events.length);
      if (
        first.revision === expectedFirst &&
        stored.length === events.length &&
        stored.every((event, i) => event.id === events[i].id)
      ) {
        const last = stored[stored.length - 1];
        return { nextRevision: last.revision, position: last.position };
      }
    }

    const current: ActualRevision = stream.length === 0 ? 'no_stream' : BigInt(stream.length - 1);
    if (expectedRevision !== 'any' && expectedRevision !== current) {
      throw new WrongExpectedRevisionError(streamId, expectedRevision, current);
    }

    const recordedAt = new Date();
    for (const event of events) {
      const recorded: RecordedEvent = {
        id: event.id,
        streamId,
        type: event.type,
        revision: BigInt(stream.length),
        position: BigInt(this.log.length + 1),
        // A copy, as a real store's serialisation would make: later changes by the caller do not leak in.
        data: structuredClone(event.data),
        metadata: structuredClone<JsonObject>(event.metadata ?? {}),
        recordedAt,
      };
      stream.push(recorded);
      this.log.push(recorded);
      this.byId.set(eventKey(streamId, recorded.id), recorded);
    }
    this.streams.set(streamId, stream);
    this.subscriptions.signal.notify();
    const last = stream[stream.length - 1];
    return { nextRevision: last.revision, position: last.position };
  }

  async *readStream(streamId: string, options: ReadStreamOptions = {}): AsyncIterable<RecordedEvent> {
    this.assertOpen();
    const stream = this.streams.get(streamId) ?? [];
    const start = Number(options.fromRevision ?? 0n);
    yield* stream.slice(start, options.limit === undefined ? undefined : start + options.limit);
  }

  async *readAll(options: ReadAllOptions = {}): AsyncIterable<RecordedEvent> {
    this.assertOpen();
    const start = Number(options.fromPosition ?? 0n);
    yield* this.log.slice(start, options.limit === undefined ? undefined : start + options.limit);
  }

  subscribeToAll(options: SubscribeToAllOptions = {}): AllSubscription {
    this.assertOpen();
    return this.subscriptions.subscribe(options);
  }

  async headPosition(): Promise<Position | undefined> {
    return this.log.length === 0 ? undefined : BigInt(this.log.length);
  }

  async checkHealth(): Promise<void> {
    this.assertOpen();
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.subscriptions.closeAll();
  }

  private assertOpen(): void {
    if (this.closed) throw new EventStoreClosedError();
  }
}

function eventKey(streamId: string, eventId: string): string {
  return `${streamId}\u0000${eventId}`;
}
