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
  EventShape,
  RecordedOf,
} from '../event-store';
import { LocalSubscriptions } from '../local-subscription';
import { validateAppend } from '../validate-append';

export class InMemoryEventStore implements EventStore {
  readonly kind = 'in-memory' as const;

  private readonly log: RecordedEvent[] = [];
  private readonly streams = new Map<string, RecordedEvent[]>();
  /** By stream and event id: a retried append is recognised within its stream, as in the other stores. */
  private readonly byId = new Map<string, RecordedEvent>();
  /** The streams given a maximum age (`AppendOptions.maxAgeMs`): their older events are no longer read. */
  private readonly maxAges = new Map<string, number>();
  private closed = false;
  private readonly subscriptions = new LocalSubscriptions(
    {
      // Positions are 1-based indexes into `log`, so the page after p starts at index p.
      readPageAfter: (after, limit) => this.log.slice(Number(after), Number(after) + limit),
      isClosed: () => this.closed,
    },
    { pageSize: 500 },
  );

  /** `now`: the time an event's age is measured at, in milliseconds since the epoch (a clock tests set). */
  constructor(private readonly options: { now?: () => number } = {}) {}

  async append(streamId: string, events: readonly NewEvent[], options: AppendOptions): Promise<AppendResult> {
    this.assertOpen();
    validateAppend(streamId, events, options);
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

    if (current === 'no_stream' && options.maxAgeMs !== undefined) this.maxAges.set(streamId, options.maxAgeMs);
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

  async *readStream<Event extends EventShape = EventShape>(
    streamId: string,
    options: ReadStreamOptions = {},
  ): AsyncIterable<RecordedOf<Event>> {
    this.assertOpen();
    const stream = this.streams.get(streamId) ?? [];
    const start = Number(options.fromRevision ?? 0n);
    yield* this.unexpired(stream.slice(start)).slice(0, options.limit) as RecordedOf<Event>[];
  }

  async *readAll(options: ReadAllOptions = {}): AsyncIterable<RecordedEvent> {
    this.assertOpen();
    const start = Number(options.fromPosition ?? 0n);
    yield* this.unexpired(this.log.slice(start)).slice(0, options.limit);
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

  /** As EventStoreDB reads a stream with a `$maxAge`: its events past that age are gone. */
  private unexpired(events: RecordedEvent[]): RecordedEvent[] {
    if (this.maxAges.size === 0) return events;
    const now = (this.options.now ?? Date.now)();
    return events.filter((event) => {
      const maxAgeMs = this.maxAges.get(event.streamId);
      return maxAgeMs === undefined || now - event.recordedAt.getTime() <= maxAgeMs;
    });
  }

  private assertOpen(): void {
    if (this.closed) throw new EventStoreClosedError();
  }
}

function eventKey(streamId: string, eventId: string): string {
  return `${streamId}\u0000${eventId}`;
}
