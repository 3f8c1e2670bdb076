/**
 * What auditors replay, read from the event store itself: a conversation's full history as a JSON array, and
 * every assignment change in log order as NDJSON. Both are answered as streams the client reads, the log a
 * slice at a time in turns with other long reads: constant memory however long the log is, and requests
 * that arrive meanwhile are answered between two slices.
 */
import { Inject } from '@nestjs/common';
import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { CONVERSATION_STREAM_PREFIX, conversationStreamId } from '@team-inbox/conversations';
import { NotFoundError, readEventMetadata } from '@team-inbox/core';
import {
  EVENT_STORE,
  collect,
  positionToString,
  readAllInTurns,
  readStreamInTurns,
  type EventStore,
  type RecordedEvent,
} from '@team-inbox/event-store';

export interface HistoryEntry {
  position: string;
  revision: number;
  type: string;
  at: string;
  actor: { type: string; id: string };
  data: Record<string, unknown>;
}

export interface ConversationHistory {
  /** The JSON array, in chunks, read from the log as they are asked for. */
  json: AsyncIterable<Buffer>;
  /** Where a page was asked for and more events follow it: the revision the next page starts at. */
  nextRevision: bigint | undefined;
}

/** A conversation's events from `fromRevision`, `limit` of them or all; `404` where it has none. */
export class ConversationHistoryQuery extends Query<ConversationHistory> {
  constructor(
    readonly conversationId: string,
    readonly fromRevision: bigint,
    readonly limit: number | undefined,
  ) {
    super();
  }
}

/** Every assignment change in log order, at or after `since` and before `until` (UTC), as NDJSON lines. */
export class AssignmentAuditQuery extends Query<AsyncIterable<string>> {
  constructor(
    readonly since: string | undefined,
    readonly until: string | undefined,
  ) {
    super();
  }
}

const ASSIGNMENT_TYPES = new Set(['ConversationAssigned', 'ConversationUnassigned']);
/** Events per slice of the log an export reads: a small piece of work, most of it let go at once. */
const AUDIT_EVENTS_PER_SLICE = 100;
/**
 * Events per slice of a history, all of which goes out: a few, so that what waits for a slow client is
 * small and soon gone (what outlives the young generation stays until a full collection).
 */
const HISTORY_EVENTS_PER_SLICE = 4;
/** What the history's answer is written in: chunks of about this many characters. */
const CHUNK_CHARACTERS = 32 * 1024;

@QueryHandler(ConversationHistoryQuery)
export class ConversationHistoryHandler implements IQueryHandler<ConversationHistoryQuery> {
  constructor(@Inject(EVENT_STORE) private readonly eventStore: EventStore) {}

  async execute({ conversationId, fromRevision, limit }: ConversationHistoryQuery): Promise<ConversationHistory> {
    const streamId = conversationStreamId(conversationId);
    const [first] = await collect(this.eventStore.readStream(streamId, { limit: 1 }));
    if (!first) throw new NotFoundError(`No conversation ${conversationId}`);
    let nextRevision: bigint | undefined;
    if (limit !== undefined) {
      const next = fromRevision + BigInt(limit);
      const [more] = await collect(this.eventStore.readStream(streamId, { fromRevision: next, limit: 1 }));
      if (more) nextRevision = next;
    }
    return { json: this.historyJson(streamId, fromRevision, limit), nextRevision };
  }

  /**
   * The history as a JSON array, in chunks of a few entries, each turned into bytes at once: what waits
   * for a slow client then lies outside the JavaScript heap, and a chunk is never one of the large strings
   * that only a full collection frees.
   */
  private async *historyJson(
    streamId: string,
    fromRevision: bigint,
    limit: number | undefined,
  ): AsyncGenerator<Buffer> {
    let remaining = limit ?? Number.POSITIVE_INFINITY;
    let chunk = '[';
    let separator = '';
    const sliceSize = Math.min(HISTORY_EVENTS_PER_SLICE, remaining);
    const chunksBySlice = readStreamInTurns(this.eventStore, streamId, { sliceSize, fromRevision }, (slice) => {
      const chunks: Buffer[] = [];
      for (const event of slice.slice(0, remaining)) {
        chunk += `${separator}${JSON.stringify(historyEntry(event))}`;
        separator = ',';
        if (chunk.length >= CHUNK_CHARACTERS) {
          chunks.push(Buffer.from(chunk));
          chunk = '';
        }
      }
      remaining -= slice.length;
      return chunks;
    });
    for await (const chunks of chunksBySlice) {
      yield* chunks;
      if (remaining <= 0) break;
    }
    yield Buffer.from(`${chunk}]`);
  }
}

@QueryHandler(AssignmentAuditQuery)
export class AssignmentAuditHandler implements IQueryHandler<AssignmentAuditQuery> {
  constructor(@Inject(EVENT_STORE) private readonly eventStore: EventStore) {}

  execute({ since, until }: AssignmentAuditQuery): Promise<AsyncIterable<string>> {
    return Promise.resolve(this.assignmentLines(since, until));
  }

  /** One chunk of lines per slice of the log; the next slice is read as the client reads. */
  private async *assignmentLines(since: string | undefined, until: string | undefined): AsyncGenerator<string> {
    const chunks = readAllInTurns(this.eventStore, { sliceSize: AUDIT_EVENTS_PER_SLICE }, (slice) => {
      let lines = '';
      for (const event of slice) {
        if (!ASSIGNMENT_TYPES.has(event.type) || !event.streamId.startsWith(CONVERSATION_STREAM_PREFIX)) continue;
        const entry = historyEntry(event);
        if ((since !== undefined && entry.at < since) || (until !== undefined && entry.at >= until)) continue;
        const { conversationId, ...change } = entry.data;
        lines += `${JSON.stringify({ position: entry.position, conversationId, type: entry.type, ...change, at: entry.at, actor: entry.actor })}\n`;
      }
      return lines;
    });
    for await (const lines of chunks) if (lines) yield lines;
  }
}

function historyEntry(event: RecordedEvent): HistoryEntry {
  const { actor, occurredAt } = readEventMetadata(event.metadata, event.recordedAt);
  return {
    position: positionToString(event.position),
    revision: Number(event.revision),
    type: event.type,
    at: occurredAt,
    actor,
    data: event.data,
  };
}

export const AUDIT_QUERY_HANDLERS = [ConversationHistoryHandler, AssignmentAuditHandler];
