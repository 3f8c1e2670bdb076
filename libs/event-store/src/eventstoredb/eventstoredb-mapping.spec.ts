import {
  ANY,
  NO_STREAM,
  UnavailableError,
  WrongExpectedVersionError,
  type AllStreamResolvedEvent,
} from '@eventstore/db-client';
import { EventStoreUnavailableError, InvalidAppendError, WrongExpectedRevisionError } from '../errors';
import {
  createdStream,
  decodePosition,
  encodePosition,
  fromEsdbRevision,
  fromResolvedEvent,
  toEsdbExpectedRevision,
  toEventData,
  toStreamMetadata,
  translateError,
} from './eventstoredb-mapping';

function resolved(overrides: Partial<NonNullable<AllStreamResolvedEvent['event']>> = {}): AllStreamResolvedEvent {
  return {
    event: {
      streamId: 'conversation-1',
      id: '8a4c2d9e-8d4b-4b7e-9b1e-1f0f3c1e2a11',
      isJson: true,
      revision: 4n,
      type: 'ConversationClosed',
      created: new Date('2026-11-24T10:00:00.000Z'),
      data: { conversationId: '1' },
      metadata: { actor: { type: 'member', id: 'm1' } },
      position: { commit: 2048n, prepare: 2100n },
      ...overrides,
    } as NonNullable<AllStreamResolvedEvent['event']>,
  };
}

describe('EventStoreDB mapping', () => {
  describe('maximum ages', () => {
    it('gives $maxAge in whole seconds, rounded up so that nothing goes before its age', () => {
      expect(toStreamMetadata(24 * 60 * 60 * 1000)).toEqual({ maxAge: 86_400 });
      expect(toStreamMetadata(1500)).toEqual({ maxAge: 2 });
      expect(toStreamMetadata(1)).toEqual({ maxAge: 1 });
    });

    it('tells an append that created its stream from one that did not', () => {
      expect(createdStream(0n, 1)).toBe(true);
      expect(createdStream(2n, 3)).toBe(true);
      expect(createdStream(1n, 1)).toBe(false);
      expect(createdStream(5n, 3)).toBe(false);
    });
  });

  describe('positions', () => {
    it('round-trips commit and prepare through one bigint', () => {
      const samples = [
        { commit: 0n, prepare: 0n },
        { commit: 1n, prepare: 0n },
        { commit: 123_456_789n, prepare: 123_456_700n },
        { commit: 2n ** 62n, prepare: 2n ** 64n - 1n },
      ];
      for (const position of samples) expect(decodePosition(encodePosition(position))).toEqual(position);
    });

    it('sorts by commit first, then prepare, as $all is ordered', () => {
      const ordered = [
        { commit: 100n, prepare: 90n },
        { commit: 100n, prepare: 95n },
        { commit: 101n, prepare: 0n },
        { commit: 2n ** 40n, prepare: 1n },
      ].map(encodePosition);
      expect([...ordered].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))).toEqual(ordered);
    });

    it('refuses values that are not positions', () => {
      expect(() => encodePosition({ commit: -1n, prepare: 0n })).toThrow(RangeError);
      expect(() => encodePosition({ commit: 0n, prepare: 2n ** 64n })).toThrow(RangeError);
      expect(() => decodePosition(-5n)).toThrow(RangeError);
    });
  });

  describe('revisions', () => {
    it('maps the port expectations onto the client constants', () => {
      expect(toEsdbExpectedRevision('any')).toBe(ANY);
      expect(toEsdbExpectedRevision('no_stream')).toBe(NO_STREAM);
      expect(toEsdbExpectedRevision(7n)).toBe(7n);
    });

    it('maps the server’s current revision back', () => {
      expect(fromEsdbRevision(NO_STREAM)).toBe('no_stream');
      expect(fromEsdbRevision(12n)).toBe(12n);
    });
  });

  describe('events', () => {
    it('writes JSON events with the caller’s id, type, data and metadata', () => {
      const data = toEventData({
        id: 'b3c9a4e6-0e4f-4d3e-8c55-2b36a5a5b0a1',
        type: 'MessageSent',
        data: { body: 'hi' },
        metadata: { correlationId: 'c' },
      });
      expect(data).toMatchObject({
        id: 'b3c9a4e6-0e4f-4d3e-8c55-2b36a5a5b0a1',
        type: 'MessageSent',
        contentType: 'application/json',
        data: { body: 'hi' },
        metadata: { correlationId: 'c' },
      });
    });

    it('writes empty metadata rather than none', () => {
      expect(toEventData({ id: 'x', type: 'T', data: {} }).metadata).toEqual({});
    });

    it('reads a recorded event with its revision, encoded position, data, metadata and time', () => {
      expect(fromResolvedEvent(resolved())).toEqual({
        id: '8a4c2d9e-8d4b-4b7e-9b1e-1f0f3c1e2a11',
        streamId: 'conversation-1',
        type: 'ConversationClosed',
        revision: 4n,
        position: encodePosition({ commit: 2048n, prepare: 2100n }),
        data: { conversationId: '1' },
        metadata: { actor: { type: 'member', id: 'm1' } },
        recordedAt: new Date('2026-11-24T10:00:00.000Z'),
      });
    });

    it('decodes JSON that arrives as bytes, and missing metadata as empty', () => {
      const event = fromResolvedEvent(
        resolved({ isJson: false, data: new TextEncoder().encode('{"a":1}'), metadata: undefined } as never),
      );
      expect(event?.data).toEqual({ a: 1 });
      expect(event?.metadata).toEqual({});
    });

    it('hides system streams and system event types', () => {
      expect(fromResolvedEvent(resolved({ streamId: '$stats-127.0.0.1:2113' }))).toBeUndefined();
      expect(fromResolvedEvent(resolved({ type: '$metadata' }))).toBeUndefined();
      expect(fromResolvedEvent({})).toBeUndefined();
    });
  });

  describe('errors', () => {
    it('turns a wrong expected version into the port’s typed error', () => {
      const error = new WrongExpectedVersionError(undefined, {
        streamName: 'conversation-9',
        expected: 3n,
        current: 5n,
      });
      const translated = translateError(error);
      expect(translated).toBeInstanceOf(WrongExpectedRevisionError);
      expect(translated).toMatchObject({ streamId: 'conversation-9', expectedRevision: 3n, actualRevision: 5n });
    });

    it('keeps no_stream on both sides of a wrong expected version', () => {
      const expectedNoStream = translateError(
        new WrongExpectedVersionError(undefined, { streamName: 's', expected: NO_STREAM, current: 0n }),
      );
      expect(expectedNoStream).toMatchObject({ expectedRevision: 'no_stream', actualRevision: 0n });
      const actualNoStream = translateError(
        new WrongExpectedVersionError(undefined, { streamName: 's', expected: 2n, current: NO_STREAM }),
      );
      expect(actualNoStream).toMatchObject({ expectedRevision: 2n, actualRevision: 'no_stream' });
    });

    it('turns an unreachable server into EventStoreUnavailableError, keeping the cause', () => {
      const cause = new UnavailableError({ code: 14, details: 'connect ECONNREFUSED 127.0.0.1:2113' } as never);
      const translated = translateError(cause);
      expect(translated).toBeInstanceOf(EventStoreUnavailableError);
      expect((translated as Error).cause).toBe(cause);
    });

    it('turns a gRPC UNAVAILABLE the client passes on untyped (its check before an append) into EventStoreUnavailableError', () => {
      // As @grpc/grpc-js raises it where the port refuses connections.
      const cause = Object.assign(
        new Error('14 UNAVAILABLE: No connection established. Last error: connect ECONNREFUSED'),
        {
          code: 14,
          details: 'No connection established',
        },
      );
      const translated = translateError(cause);
      expect(translated).toBeInstanceOf(EventStoreUnavailableError);
      expect((translated as Error).message).toMatch(/ECONNREFUSED/);
      const other = Object.assign(new Error('3 INVALID_ARGUMENT'), { code: 3 });
      expect(translateError(other)).toBe(other);
    });

    it('turns an oversized append into InvalidAppendError', () => {
      expect(translateError({ type: 'maximum-append-size-exceeded', message: 'too big' })).toBeInstanceOf(
        InvalidAppendError,
      );
    });

    it('passes through what it does not know', () => {
      const unknown = new Error('something else');
      expect(translateError(unknown)).toBe(unknown);
    });
  });
});
