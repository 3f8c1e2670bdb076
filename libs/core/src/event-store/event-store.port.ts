/**
 * The event store port: the one interface every part of team-inbox writes and reads the log through.
 * Adapters (embedded SQLite, EventStoreDB, in-memory for unit tests) all pass one contract suite
 * (`testing/event-store.contract.ts`).
 */

/** A JSON value as it is stored: what goes in comes back equal. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/**
 * A global log position. Opaque to callers beyond two promises: positions sort in log order, and
 * `positionToString` / `parsePosition` round-trip them for HTTP and checkpoints.
 */
export type Position = bigint;

/** A stream's revision: 0 for its first event. */
export type StreamRevision = bigint;

/**
 * What an append expects of the stream: `no_stream` (it must not exist), `any` (no check), or the
 * revision of its last event.
 */
export type ExpectedRevision = StreamRevision | 'no_stream' | 'any';

/** What the stream actually was when an append's expectation failed. */
export type ActualRevision = StreamRevision | 'no_stream';

/** An event to append. `id` is the caller's: retrying with the same ids is what makes an append idempotent. */
export interface NewEvent<Type extends string = string, Data extends JsonObject = JsonObject> {
  id: string;
  type: Type;
  data: Data;
  metadata?: JsonObject;
}

export interface RecordedEvent<Type extends string = string, Data extends JsonObject = JsonObject> {
  id: string;
  streamId: string;
  type: Type;
  revision: StreamRevision;
  position: Position;
  data: Data;
  metadata: JsonObject;
  recordedAt: Date;
}

/** An event as a stream's union names it: its type and its data. */
export interface EventShape {
  type: string;
  data: JsonObject;
}

/** A recorded event of a stream's union: each member's type with that member's data. */
export type RecordedOf<Event extends EventShape> = Event extends EventShape
  ? RecordedEvent<Event['type'], Event['data']>
  : never;

export interface AppendOptions {
  expectedRevision: ExpectedRevision;
  /**
   * Given on the append that creates a stream: the stream's events may be removed once they are older than
   * this many milliseconds (records kept for a while, not for good). EventStoreDB stops reading them at
   * once and scavenges them (the stream's `$maxAge`); the embedded store removes them in a periodic sweep;
   * the in-memory one stops reading them. A reader must still check their age itself: an event past it may
   * be read until it is removed.
   */
  maxAgeMs?: number;
}

export interface AppendResult {
  /** The revision of the stream's last event after the append. */
  nextRevision: StreamRevision;
  /** The global position of the last event appended (or of the original events, for a no-op re-append). */
  position: Position;
}

export interface ReadStreamOptions {
  /** Inclusive; 0 when omitted. */
  fromRevision?: StreamRevision;
  /** At most this many events; all of them when omitted. */
  limit?: number;
}

export interface ReadAllOptions {
  /** Exclusive: the events after this position. From the start of the log when omitted. */
  fromPosition?: Position;
  /** At most this many events; all of them when omitted. */
  limit?: number;
}

export interface SubscribeToAllOptions {
  /** Exclusive, a checkpoint: the subscription delivers the events after it. From the start when omitted. */
  fromPosition?: Position;
}

/**
 * A catch-up subscription: an async iterable of every event after its start position, in global order,
 * first those already in the log and then, live, those appended later. `close()` ends the iteration.
 */
export interface AllSubscription extends AsyncIterable<RecordedEvent> {
  close(): Promise<void>;
}

export interface EventStore {
  /** Which adapter this is, as `GET /health` reports it. */
  readonly kind: EventStoreKind;

  /**
   * Appends `events` to `streamId` atomically, checking `expectedRevision` first. Resolves once the events
   * are durable. Throws `WrongExpectedRevisionError` on a failed expectation, except where the same event
   * ids were already appended at that expectation: that is a no-op that returns the original result.
   */
  append(streamId: string, events: readonly NewEvent[], options: AppendOptions): Promise<AppendResult>;

  /**
   * The stream's events in revision order; nothing for a stream that does not exist. `Event`: the union
   * the caller's stream holds (its decider's events, the only ones appended to it); no check is made.
   */
  readStream<Event extends EventShape = EventShape>(
    streamId: string,
    options?: ReadStreamOptions,
  ): AsyncIterable<RecordedOf<Event>>;

  /** Every stream's events in global order. */
  readAll(options?: ReadAllOptions): AsyncIterable<RecordedEvent>;

  subscribeToAll(options?: SubscribeToAllOptions): AllSubscription;

  /** The position of the last event in the log, or undefined for an empty log. */
  headPosition(): Promise<Position | undefined>;

  /** Resolves when the store can be reached; throws `EventStoreUnavailableError` otherwise. */
  checkHealth(): Promise<void>;

  close(): Promise<void>;
}

export type EventStoreKind = 'sqlite' | 'eventstoredb' | 'in-memory';

/** Nest injection token for the configured `EventStore`. */
export const EVENT_STORE = Symbol('EVENT_STORE');

export function positionToString(position: Position): string {
  return position.toString(10);
}

/** Parses a position that came from `positionToString`; undefined for anything else. */
export function parsePosition(text: string): Position | undefined {
  return /^(0|[1-9][0-9]{0,76})$/.test(text) ? BigInt(text) : undefined;
}
