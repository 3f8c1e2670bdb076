/**
 * The one way a command reaches the log: read the stream (or what a fold cache remembers of it), fold it,
 * decide, append at the revision read. Where another writer appended first, the command is decided again
 * on what it appended, a bounded number of times, so that no command is lost and revisions stay gap-free;
 * where the caller fixed the revision (`If-Match`), a different one is the caller's business: the typed
 * precondition failure, with the stream as it is now.
 */
import {
  WrongExpectedRevisionError,
  collect,
  type EventStore,
  type NewEvent,
  type Position,
  type StreamRevision,
} from '../event-store';
import { ConflictError } from '../domain-errors';
import { eventMetadata, type CommandContext } from '../event-metadata';
import type { Decider, DomainEvent, Recorded } from './decider';
import type { FoldCache, FoldedStream } from './fold-cache';
import type { IdempotencyPolicy } from './idempotency-policy';

/** Enough for a burst of writers on one stream; past it the caller hears 409 and may retry. */
export const MAX_COMMAND_ATTEMPTS = 25;

export interface HandleCommandOptions<State> {
  /** Who, when, why: carried into every event's metadata. */
  context: CommandContext;
  /**
   * The id of the `index`th event appended on `stream` as read: derived from the retry key where a retry
   * must write the same ones (the store takes the same ids at the same revision as the same append).
   */
  eventId(index: number, stream: FoldedStream<State>): string;
  /** Fixed by the caller: carry the command out only where the stream is at this revision. */
  expectedRevision?: StreamRevision | 'no_stream';
  /** The error for a fixed revision the stream is not at, given the stream as it is now. */
  preconditionFailed?(current: FoldedStream<State>): Error;
  /** Where folds are kept between commands. Commands on one stream must then take turns in this process. */
  cache?: FoldCache<State>;
  /** The stream as the caller read it a moment ago: decided on as a remembered fold is, without reading. */
  readAs?: FoldedStream<State>;
  /** How an earlier execution of a retried command is found in the stream (read whole, then). */
  idempotency?: IdempotencyPolicy;
  /** The stream's events may be removed once older than this (`AppendOptions.maxAgeMs`). */
  maxAgeMs?: number;
  /** The 409's message where other writers kept appending first; a generic one otherwise. */
  keptChanging?: string;
  maxAttempts?: number;
}

export interface CommandOutcome<State, Event extends DomainEvent> {
  /**
   * What this command appended (none where it changed nothing or was answered before), as it was sent:
   * each carries the append's position (its last event's) and the command's time, not the store's.
   */
  events: Recorded<Event>[];
  /** The state after the command (as of the earlier execution's events, where it was a retry). */
  state: State;
  /** The stream's last revision after the command; undefined where the stream does not exist. */
  revision: StreamRevision | undefined;
  /** The position of the last event appended, or of the stream's last event where none was. */
  position: Position | undefined;
  /** An earlier execution of this command was found in the stream, and answered again. */
  replayed: boolean;
}

export async function handleCommand<State, Command, Event extends DomainEvent>(
  store: EventStore,
  streamId: string,
  decider: Decider<State, Command, Event>,
  command: Command,
  options: HandleCommandOptions<State>,
): Promise<CommandOutcome<State, Event>> {
  const { context, cache, idempotency } = options;
  const maxAttempts = options.maxAttempts ?? MAX_COMMAND_ATTEMPTS;
  const fold = (from: FoldedStream<State>, events: readonly Recorded<Event>[]): FoldedStream<State> => {
    let { state } = from;
    for (const event of events) {
      if (!decider.isEvent || decider.isEvent(event)) state = decider.evolve(state, asEvent(event));
    }
    const last = events.at(-1);
    return {
      state,
      length: from.length + events.length,
      last: last ? { revision: last.revision, position: last.position } : from.last,
    };
  };
  const nothing: FoldedStream<State> = { state: decider.initialState, length: 0, last: undefined };
  /** The events after `base` (by revision: a stream's first events may have expired), and `base` carried on. */
  const readAfter = async (base: FoldedStream<State>) => {
    const fromRevision = base.last ? base.last.revision + 1n : 0n;
    const events = await collect(store.readStream<Event>(streamId, { fromRevision }));
    return { events, folded: fold(base, events) };
  };
  /** The stream as it is now: what the cache remembers carried forward by what was appended since. */
  const read = async (): Promise<FoldedStream<State>> => {
    const { folded } = await readAfter(cache?.get(streamId) ?? nothing);
    if (folded.last) cache?.remember(streamId, folded);
    return folded;
  };
  const keyed = idempotency !== undefined && context.idempotencyKey !== undefined;
  /** An earlier execution of this command among `events` (which follow `base`), answered as of its events. */
  const earlierExecution = (base: FoldedStream<State>, events: readonly Recorded<Event>[]) => {
    const earlier = keyed ? idempotency.findEarlierExecution(events, context) : undefined;
    if (earlier === undefined) return undefined;
    const upTo = fold(base, events.slice(0, earlier + 1));
    return {
      events: [],
      state: upTo.state,
      revision: upTo.last!.revision,
      position: upTo.last!.position,
      replayed: true,
    };
  };

  // A command that may be a retry looks through the whole stream for its earlier execution.
  let current: { stream: FoldedStream<State>; remembered: boolean } | undefined;
  if (keyed) {
    const { events, folded } = await readAfter(nothing);
    const replay = earlierExecution(nothing, events);
    if (replay) return replay;
    if (folded.last) cache?.remember(streamId, folded);
    current = { stream: folded, remembered: false };
  } else {
    // What the cache remembers is trusted for an append: the store's revision check catches whatever
    // another process appended since. An answer that appends nothing (nothing to do, a refusal, a failed
    // precondition) is given only on what was just read.
    const remembered = options.readAs ?? cache?.get(streamId);
    if (remembered) current = { stream: remembered, remembered: true };
  }
  for (let attempt = 1; ;) {
    const { stream, remembered } = current ?? { stream: await read(), remembered: false };
    current = undefined;
    if (options.expectedRevision !== undefined && (stream.last?.revision ?? 'no_stream') !== options.expectedRevision) {
      if (remembered) continue;
      throw preconditionFailed(options, stream);
    }
    let decided: Event[];
    try {
      decided = decider.decide(command, stream.state);
    } catch (error) {
      if (remembered) continue;
      throw error;
    }
    if (decided.length === 0) {
      if (remembered) continue;
      return {
        events: [],
        state: stream.state,
        revision: stream.last?.revision,
        position: stream.last?.position,
        replayed: false,
      };
    }

    const metadata = eventMetadata(context);
    const newEvents: NewEvent[] = decided.map((event, index) => ({
      id: options.eventId(index, stream),
      type: event.type,
      data: event.data,
      metadata,
    }));
    try {
      const appended = await store.append(streamId, newEvents, {
        expectedRevision: stream.last?.revision ?? 'no_stream',
        ...(options.maxAgeMs !== undefined ? { maxAgeMs: options.maxAgeMs } : {}),
      });
      const firstRevision = appended.nextRevision - BigInt(newEvents.length) + 1n;
      const recorded = decided.map(
        (event, index) =>
          ({
            ...event,
            id: newEvents[index].id,
            streamId,
            metadata,
            revision: firstRevision + BigInt(index),
            position: appended.position,
            recordedAt: context.occurredAt,
          }) as unknown as Recorded<Event>,
      );
      const after = fold(stream, recorded);
      cache?.remember(streamId, after);
      return {
        events: recorded,
        state: after.state,
        revision: appended.nextRevision,
        position: appended.position,
        replayed: false,
      };
    } catch (error) {
      if (!(error instanceof WrongExpectedRevisionError)) throw error;
      if (options.expectedRevision !== undefined) throw preconditionFailed(options, await read());
      if (attempt++ >= maxAttempts) {
        throw new ConflictError(
          options.keptChanging ??
            `${streamId} kept changing while this command was tried ${maxAttempts} times; retry it`,
        );
      }
      if (keyed) {
        // Another copy of this very request (on another server) may be what appended first: its events
        // are among those appended since, and it is answered as of them rather than decided again.
        const { events, folded } = await readAfter(stream);
        const replay = earlierExecution(stream, events);
        if (replay) return replay;
        if (folded.last) cache?.remember(streamId, folded);
        current = { stream: folded, remembered: false };
      }
    }
  }
}

function preconditionFailed<State>(options: HandleCommandOptions<State>, current: FoldedStream<State>): Error {
  return (
    options.preconditionFailed?.(current) ??
    new ConflictError(`The stream is at revision ${current.last?.revision ?? 'none'}, not the one expected`)
  );
}

/** A stream read and folded, for a rule that needs what another stream says (read, never appended to). */
export async function aggregateStream<State, Event extends DomainEvent>(
  store: EventStore,
  streamId: string,
  decider: Pick<Decider<State, never, Event>, 'initialState' | 'evolve' | 'isEvent'>,
): Promise<FoldedStream<State>> {
  let state = decider.initialState;
  let length = 0;
  let last: FoldedStream<State>['last'];
  for await (const event of store.readStream<Event>(streamId)) {
    if (!decider.isEvent || decider.isEvent(event)) state = decider.evolve(state, asEvent(event));
    length++;
    last = { revision: event.revision, position: event.position };
  }
  return { state, length, last };
}

/**
 * A recorded event as its union's event: the same type and data, with the store's fields besides (what the
 * compiler cannot see through a conditional type of a type parameter).
 */
function asEvent<Event extends DomainEvent>(recorded: Recorded<Event>): Event {
  return recorded as unknown as Event;
}
