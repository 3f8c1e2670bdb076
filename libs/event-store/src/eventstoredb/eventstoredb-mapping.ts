/**
 * How the EventStoreDB adapter translates between the client's types and the port's: kept apart from the
 * adapter so that it is unit-tested without a server.
 */
import {
  ANY,
  ErrorType,
  NO_STREAM,
  jsonEvent,
  type AllStreamResolvedEvent,
  type AppendExpectedRevision,
  type CurrentRevision,
  type EventData,
  type Position as EsdbPosition,
  type ResolvedEvent,
  type StreamMetadata,
} from '@eventstore/db-client';
import { EventStoreUnavailableError, InvalidAppendError, WrongExpectedRevisionError } from '../errors';
import type { ActualRevision, ExpectedRevision, JsonObject, NewEvent, Position, RecordedEvent } from '../event-store';

const PREPARE_BITS = 64n;
const PREPARE_MASK = (1n << PREPARE_BITS) - 1n;

/**
 * EventStoreDB orders `$all` by (commit, prepare), and the events of one append share a commit position:
 * neither half alone identifies an event. Packing both into one bigint, commit high, keeps the port's
 * promise of a single value that sorts in log order and round-trips exactly.
 */
export function encodePosition(position: EsdbPosition): Position {
  if (position.commit < 0n || position.prepare < 0n || position.prepare > PREPARE_MASK) {
    throw new RangeError(`Not an EventStoreDB log position: ${position.commit}/${position.prepare}`);
  }
  return (position.commit << PREPARE_BITS) | position.prepare;
}

export function decodePosition(position: Position): EsdbPosition {
  if (position < 0n) throw new RangeError(`A log position cannot be negative: ${position}`);
  return { commit: position >> PREPARE_BITS, prepare: position & PREPARE_MASK };
}

export function toEsdbExpectedRevision(expected: ExpectedRevision): AppendExpectedRevision {
  if (expected === 'any') return ANY;
  if (expected === 'no_stream') return NO_STREAM;
  return expected;
}

export function fromEsdbRevision(revision: CurrentRevision | AppendExpectedRevision): ActualRevision {
  return typeof revision === 'bigint' ? revision : 'no_stream';
}

function fromEsdbExpected(expected: AppendExpectedRevision): ExpectedRevision {
  if (typeof expected === 'bigint') return expected;
  return expected === NO_STREAM ? 'no_stream' : 'any';
}

/**
 * The stream metadata that gives a stream the port's maximum age (`AppendOptions.maxAgeMs`): EventStoreDB's
 * `$maxAge`, in whole seconds, rounded up so that an event is never dropped before its age.
 */
export function toStreamMetadata(maxAgeMs: number): StreamMetadata {
  return { maxAge: Math.ceil(maxAgeMs / 1000) };
}

/** Whether an append whose result is `nextRevision` created its stream: its first event is revision 0. */
export function createdStream(nextRevision: bigint, eventsAppended: number): boolean {
  return nextRevision === BigInt(eventsAppended - 1);
}

export function toEventData(event: NewEvent): EventData {
  return jsonEvent({ id: event.id, type: event.type, data: event.data, metadata: event.metadata ?? {} });
}

/** System streams and event types (`$`-prefixed) are EventStoreDB's own and never reach the port. */
export function isSystemEvent(streamId: string, type: string): boolean {
  return streamId.startsWith('$') || type.startsWith('$');
}

/** The port's event for a resolved event, or undefined for what the port does not show (system events). */
export function fromResolvedEvent(resolved: ResolvedEvent | AllStreamResolvedEvent): RecordedEvent | undefined {
  const event = resolved.event;
  if (!event || isSystemEvent(event.streamId, event.type)) return undefined;
  if (!event.position) {
    throw new Error(`EventStoreDB returned event ${event.id} without a log position (server older than 22.6?)`);
  }
  return {
    id: event.id,
    streamId: event.streamId,
    type: event.type,
    revision: event.revision,
    position: encodePosition(event.position),
    data: asJsonObject(event.data, `data of event ${event.id}`),
    metadata: event.metadata === undefined ? {} : asJsonObject(event.metadata, `metadata of event ${event.id}`),
    recordedAt: event.created,
  };
}

function asJsonObject(value: unknown, what: string): JsonObject {
  const parsed: unknown = value instanceof Uint8Array ? JSON.parse(Buffer.from(value).toString('utf8')) : value;
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error(`The ${what} is not a JSON object`);
  }
  return parsed as JsonObject;
}

/** Errors that mean the server cannot be reached now; the caller may retry. */
const UNAVAILABLE_TYPES: ReadonlySet<string> = new Set([
  ErrorType.UNAVAILABLE,
  ErrorType.TIMEOUT,
  ErrorType.DEADLINE_EXCEEDED,
  ErrorType.NOT_LEADER,
  ErrorType.CANCELLED,
]);

/** The port's error for one the client threw; what the port has no type for is passed through. */
/**
 * gRPC status codes the client passes on as they come, without its own error type: an append first asks
 * the server what it supports, and that call's failure is not translated (UNAVAILABLE where the port
 * refuses connections, DEADLINE_EXCEEDED, CANCELLED).
 */
const UNAVAILABLE_GRPC_CODES: ReadonlySet<number> = new Set([1, 4, 14]);

export function translateError(error: unknown, streamId?: string): unknown {
  if (typeof error !== 'object' || error === null) return error;
  if (!('type' in error)) {
    if ('code' in error && typeof error.code === 'number' && UNAVAILABLE_GRPC_CODES.has(error.code)) {
      const message = error instanceof Error ? error.message : `gRPC status ${error.code}`;
      return new EventStoreUnavailableError(`EventStoreDB cannot be reached: ${message}`, { cause: error });
    }
    return error;
  }
  const { type } = error;
  if (type === ErrorType.WRONG_EXPECTED_VERSION) {
    const wrong = error as unknown as {
      streamName?: string;
      expectedVersion: AppendExpectedRevision;
      actualVersion: CurrentRevision;
    };
    return new WrongExpectedRevisionError(
      wrong.streamName ?? streamId ?? '',
      fromEsdbExpected(wrong.expectedVersion),
      fromEsdbRevision(wrong.actualVersion),
    );
  }
  if (typeof type === 'string' && UNAVAILABLE_TYPES.has(type)) {
    const message = error instanceof Error ? error.message : String(type);
    return new EventStoreUnavailableError(`EventStoreDB cannot be reached: ${message}`, { cause: error });
  }
  if (type === ErrorType.MAXIMUM_APPEND_SIZE_EXCEEDED || type === ErrorType.STREAM_DELETED) {
    return new InvalidAppendError(error instanceof Error ? error.message : String(type));
  }
  return error;
}
