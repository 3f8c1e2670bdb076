/**
 * What auditors replay, read from the event store itself: a conversation's full history as a JSON array, and
 * every assignment change in log order as NDJSON. Both are streamed as the client reads them, the log a
 * slice at a time in turns with other long reads: constant memory however long the log is, and requests
 * that arrive meanwhile are answered between two slices.
 */
import { BadRequestException, Controller, Get, Inject, Param, ParseUUIDPipe, Query, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiPropertyOptional,
  ApiTags,
} from '@nestjs/swagger';
import { CONVERSATION_STREAM_PREFIX, ReadFromTheLogDto, conversationStreamId } from '@team-inbox/conversations';
import { NotFoundError, readEventMetadata } from '@team-inbox/core';
import { JSON_CONTENT_TYPE } from '@team-inbox/platform';
import {
  EVENT_STORE,
  collect,
  positionToString,
  readAllInTurns,
  readStreamInTurns,
  type EventStore,
  type RecordedEvent,
} from '@team-inbox/event-store';
import { AllowedRoles } from '@team-inbox/platform';
import { Type } from 'class-transformer';
import { IsISO8601, IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import type { FastifyReply } from 'fastify';
import { Readable } from 'node:stream';
import { AssignmentChangeResponse, HistoryEntryResponse } from './audit.responses';

export class AssignmentAuditDto {
  @ApiPropertyOptional({ description: 'ISO-8601: changes at or after this time' })
  @IsISO8601({ strict: true }, { message: 'since must be an ISO-8601 time, e.g. 2026-11-01T00:00:00Z' })
  @IsOptional()
  since?: string;

  @ApiPropertyOptional({ description: 'ISO-8601: changes before this time' })
  @IsISO8601({ strict: true }, { message: 'until must be an ISO-8601 time, e.g. 2026-12-01T00:00:00Z' })
  @IsOptional()
  until?: string;
}

export const MAX_HISTORY_PAGE = 1000;

export class HistoryPageDto extends ReadFromTheLogDto {
  @ApiPropertyOptional({ description: 'The first revision to answer (inclusive); 0 when omitted', example: '0' })
  @Matches(/^(0|[1-9][0-9]{0,14})$/, { message: 'fromRevision must be a revision: a whole number from 0' })
  @IsOptional()
  fromRevision?: string;

  @ApiPropertyOptional({
    description:
      'At most this many events; every one from `fromRevision` when omitted. Where more follow, the `Link` ' +
      'header names the next page (rel="next")',
    minimum: 1,
    maximum: MAX_HISTORY_PAGE,
  })
  @Max(MAX_HISTORY_PAGE, { message: `limit must be from 1 to ${MAX_HISTORY_PAGE}` })
  @Min(1, { message: `limit must be from 1 to ${MAX_HISTORY_PAGE}` })
  @IsInt({ message: `limit must be a whole number from 1 to ${MAX_HISTORY_PAGE}` })
  @Type(() => Number)
  @IsOptional()
  limit?: number;
}

export interface HistoryEntry {
  position: string;
  revision: number;
  type: string;
  at: string;
  actor: { type: string; id: string };
  data: Record<string, unknown>;
}

const ASSIGNMENT_TYPES = new Set(['ConversationAssigned', 'ConversationUnassigned']);
/** Events per slice of the log an export reads: a fraction of a millisecond's work, most of it let go at once. */
const AUDIT_EVENTS_PER_SLICE = 100;
/**
 * Events per slice of a history, all of which goes out: a few, so that what waits for a slow client is
 * small and soon gone (what outlives the young generation stays until a full collection).
 */
const HISTORY_EVENTS_PER_SLICE = 4;
/** What the history's answer is written in: chunks of about this many characters. */
const CHUNK_CHARACTERS = 32 * 1024;

@ApiTags('audit')
@ApiBearerAuth()
@Controller()
export class AuditController {
  constructor(@Inject(EVENT_STORE) private readonly eventStore: EventStore) {}

  @Get('conversations/:id/history')
  @AllowedRoles('admin', 'agent', 'auditor')
  @ApiOperation({ summary: "A conversation's every event, read from the event store: what an auditor replays" })
  @ApiOkResponse({
    description:
      'Every event of the conversation from `fromRevision` (up to `limit`), oldest first: ' +
      '`[{position, revision, type, at, actor, data}]`, streamed as it is read',
    type: [HistoryEntryResponse],
    headers: {
      Link: {
        description:
          'Where `limit` is given and more events follow: `</conversations/<id>/history?fromRevision=N&limit=L>; rel="next"`',
        schema: { type: 'string' },
      },
    },
  })
  @ApiBadRequestResponse({ description: 'A malformed conversation id, `fromRevision`, `limit` or `minPosition`' })
  @ApiNotFoundResponse({ description: 'No such conversation' })
  async history(
    @Param('id', new ParseUUIDPipe({ errorHttpStatusCode: 400 })) id: string,
    @Query() query: HistoryPageDto,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const streamId = conversationStreamId(id);
    const fromRevision = BigInt(query.fromRevision ?? '0');
    const [first] = await collect(this.eventStore.readStream(streamId, { limit: 1 }));
    if (!first) throw new NotFoundError(`No conversation ${id}`);
    if (query.limit !== undefined) {
      const next = fromRevision + BigInt(query.limit);
      const [more] = await collect(this.eventStore.readStream(streamId, { fromRevision: next, limit: 1 }));
      if (more)
        void reply.header(
          'link',
          `</conversations/${id}/history?fromRevision=${next}&limit=${query.limit}>; rel="next"`,
        );
    }
    const body = Readable.from(this.historyJson(streamId, fromRevision, query.limit), { objectMode: false });
    void reply.header('content-type', JSON_CONTENT_TYPE).send(body);
  }

  @Get('audit/assignments')
  @AllowedRoles('admin', 'auditor')
  @ApiProduces('application/x-ndjson')
  @ApiOperation({ summary: 'Every assignment change in log order, as NDJSON, streamed' })
  @ApiOkResponse({
    description:
      'Newline-delimited JSON (`application/x-ndjson`): one object a line, each as the schema says, every ' +
      'ConversationAssigned and ConversationUnassigned at or after `since` and before `until`, in log order',
    type: AssignmentChangeResponse,
  })
  @ApiBadRequestResponse({ description: '`since` or `until` is no ISO-8601 time, or `since` is after `until`' })
  assignments(@Query() query: AssignmentAuditDto, @Res() reply: FastifyReply): void {
    const since = utcTime('since', query.since);
    const until = utcTime('until', query.until);
    if (since !== undefined && until !== undefined && since > until) {
      throw new BadRequestException('since must not be after until');
    }
    const lines = Readable.from(this.assignmentLines(since, until), { objectMode: false });
    void reply.header('content-type', 'application/x-ndjson; charset=utf-8').send(lines);
  }

  /** One chunk of lines per slice of the log; the stream reads the next slice as the client reads. */
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

/** The time in UTC; IsISO8601 also passes forms that name no moment Date can read (`2026-W01`, `00:00:00,5`). */
function utcTime(name: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const time = new Date(value);
  if (Number.isNaN(time.getTime())) {
    throw new BadRequestException(
      `${name} must be an ISO-8601 date and time, e.g. 2026-11-01T00:00:00Z (week dates and decimal commas are not read)`,
    );
  }
  return time.toISOString();
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
