/**
 * The production event store: EventStoreDB through its official gRPC client. Deliberately thin: every
 * translation lives in `eventstoredb-mapping.ts`, and the adapter passes the same contract suite as the
 * embedded store when a server is at hand (`npm run test:eventstoredb`).
 */
import {
  BACKWARDS,
  END,
  ErrorType,
  EventStoreDBClient,
  FORWARDS,
  START,
  excludeSystemEvents,
  type AllStreamSubscription,
} from '@eventstore/db-client';
import { EventStoreTimeoutError, EventStoreUnavailableError } from '../errors';
import type {
  AllSubscription,
  AppendOptions,
  AppendResult,
  EventStore,
  NewEvent,
  Position,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  SubscribeToAllOptions,
  EventShape,
  RecordedOf,
} from '../event-store';
import { validateAppend } from '../validate-append';
import {
  decodePosition,
  encodePosition,
  fromResolvedEvent,
  createdStream,
  toEsdbExpectedRevision,
  toEventData,
  toStreamMetadata,
  translateError,
} from './eventstoredb-mapping';

export type EventStoreDbEventStoreOptions = (
  | { connectionString: string }
  /** A client made elsewhere: the adapter's unit tests pass a fake one. */
  | { client: EventStoreDBClient }
) & {
  /** How long a health check waits for the server. */
  healthCheckTimeoutMs?: number;
  /**
   * How long an append waits for the server. The client sets no deadline of its own on the check it makes
   * before an append, so a server that takes the connection and never answers would hold a request forever.
   */
  appendTimeoutMs?: number;
};

export class EventStoreDbEventStore implements EventStore {
  readonly kind = 'eventstoredb' as const;
  private readonly client: EventStoreDBClient;
  private readonly healthCheckTimeoutMs: number;
  private readonly appendTimeoutMs: number;

  constructor(options: EventStoreDbEventStoreOptions) {
    this.client = 'client' in options ? options.client : EventStoreDBClient.connectionString(options.connectionString);
    this.healthCheckTimeoutMs = options.healthCheckTimeoutMs ?? 2000;
    this.appendTimeoutMs = options.appendTimeoutMs ?? 1500; // a command's 503 comes within 2 s
  }

  async append(streamId: string, events: readonly NewEvent[], options: AppendOptions): Promise<AppendResult> {
    validateAppend(streamId, events, options);
    try {
      const appending = this.client.appendToStream(streamId, events.map(toEventData), {
        expectedRevision: toEsdbExpectedRevision(options.expectedRevision),
      });
      const result = await withTimeout(
        appending,
        this.appendTimeoutMs,
        () =>
          new EventStoreTimeoutError(
            `EventStoreDB did not answer an append to ${streamId} within ${this.appendTimeoutMs} ms`,
          ),
      );
      if (!result.position) throw new Error('EventStoreDB answered an append without its log position');
      if (options.maxAgeMs !== undefined && createdStream(result.nextExpectedRevision, events.length)) {
        // Once the stream exists. Should this fail, so does the append: its retry (the same event ids, a
        // no-op) sets it again.
        await withTimeout(
          this.client.setStreamMetadata(streamId, toStreamMetadata(options.maxAgeMs)),
          this.appendTimeoutMs,
          () =>
            new EventStoreTimeoutError(
              `EventStoreDB did not answer setting the maximum age of ${streamId} within ${this.appendTimeoutMs} ms`,
            ),
        );
      }
      return { nextRevision: result.nextExpectedRevision, position: encodePosition(result.position) };
    } catch (error) {
      throw translateError(error, streamId);
    }
  }

  async *readStream<Event extends EventShape = EventShape>(
    streamId: string,
    options: ReadStreamOptions = {},
  ): AsyncIterable<RecordedOf<Event>> {
    if (options.limit !== undefined && options.limit <= 0) return;
    const read = this.client.readStream(streamId, {
      fromRevision: options.fromRevision ?? START,
      direction: FORWARDS,
      ...(options.limit === undefined ? {} : { maxCount: options.limit }),
    });
    try {
      for await (const resolved of read) {
        const event = fromResolvedEvent(resolved);
        if (event) yield event as RecordedOf<Event>;
      }
    } catch (error) {
      if (isStreamNotFound(error)) return; // the port reads a missing stream as empty
      throw translateError(error, streamId);
    }
  }

  async *readAll(options: ReadAllOptions = {}): AsyncIterable<RecordedEvent> {
    const { fromPosition, limit = Number.POSITIVE_INFINITY } = options;
    if (limit <= 0) return;
    let delivered = 0;
    const read = this.client.readAll({
      fromPosition: fromPosition === undefined ? START : decodePosition(fromPosition),
      direction: FORWARDS,
    });
    try {
      for await (const resolved of read) {
        const event = fromResolvedEvent(resolved);
        // EventStoreDB reads `$all` from a position inclusively; the port's fromPosition is exclusive.
        if (!event || (fromPosition !== undefined && event.position <= fromPosition)) continue;
        yield event;
        if (++delivered >= limit) return;
      }
    } catch (error) {
      throw translateError(error);
    }
  }

  subscribeToAll(options: SubscribeToAllOptions = {}): AllSubscription {
    const { fromPosition } = options;
    const subscription: AllStreamSubscription = this.client.subscribeToAll({
      fromPosition: fromPosition === undefined ? START : decodePosition(fromPosition),
      filter: excludeSystemEvents(),
    });
    return {
      async *[Symbol.asyncIterator]() {
        try {
          for await (const resolved of subscription) {
            const event = fromResolvedEvent(resolved);
            if (event && (fromPosition === undefined || event.position > fromPosition)) yield event;
          }
        } catch (error) {
          throw translateError(error);
        }
      },
      close: () => subscription.unsubscribe(),
    };
  }

  async headPosition(): Promise<Position | undefined> {
    try {
      for await (const resolved of this.client.readAll({ fromPosition: END, direction: BACKWARDS })) {
        const event = fromResolvedEvent(resolved);
        if (event) return event.position;
      }
      return undefined;
    } catch (error) {
      throw translateError(error);
    }
  }

  async checkHealth(): Promise<void> {
    try {
      const read = this.client.readAll({
        fromPosition: END,
        direction: BACKWARDS,
        maxCount: 1,
        deadline: this.healthCheckTimeoutMs,
      });
      for await (const resolved of read) void resolved;
    } catch (error) {
      const translated = translateError(error);
      throw translated instanceof EventStoreUnavailableError
        ? translated
        : new EventStoreUnavailableError(`EventStoreDB health check failed: ${String(error)}`, { cause: error });
    }
  }

  async close(): Promise<void> {
    await this.client.dispose();
  }
}

/** Settles as `work` does, or rejects with `timedOut()` first; `work` goes on, its outcome ignored. */
async function withTimeout<T>(work: Promise<T>, timeoutMs: number, timedOut: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(timedOut()), timeoutMs);
  });
  work.catch(() => undefined); // a late failure after the deadline is not an unhandled rejection
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

function isStreamNotFound(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'type' in error && error.type === ErrorType.STREAM_NOT_FOUND;
}
