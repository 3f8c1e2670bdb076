/**
 * What auditors replay, read from the event store itself: a conversation's full history, and every
 * assignment change in log order, streamed as NDJSON in constant memory however long the log is.
 */
import { BadRequestException, Controller, Get, Inject, Param, ParseUUIDPipe, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiProduces, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { CONVERSATION_STREAM_PREFIX, conversationStreamId } from '@team-inbox/conversations';
import { NotFoundError, readEventMetadata } from '@team-inbox/core';
import { EVENT_STORE, positionToString, type EventStore, type RecordedEvent } from '@team-inbox/event-store';
import { AllowedRoles } from '@team-inbox/team';
import { IsISO8601, IsOptional } from 'class-validator';
import type { FastifyReply } from 'fastify';
import { Readable } from 'node:stream';

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

export interface HistoryEntry {
  position: string;
  revision: number;
  type: string;
  at: string;
  actor: { type: string; id: string };
  data: Record<string, unknown>;
}

const ASSIGNMENT_TYPES = new Set(['ConversationAssigned', 'ConversationUnassigned']);

@ApiTags('audit')
@ApiBearerAuth()
@Controller()
export class AuditController {
  constructor(@Inject(EVENT_STORE) private readonly eventStore: EventStore) {}

  @Get('conversations/:id/history')
  @AllowedRoles('admin', 'agent', 'auditor')
  async history(@Param('id', new ParseUUIDPipe({ errorHttpStatusCode: 400 })) id: string): Promise<HistoryEntry[]> {
    const entries: HistoryEntry[] = [];
    for await (const event of this.eventStore.readStream(conversationStreamId(id))) entries.push(historyEntry(event));
    if (entries.length === 0) throw new NotFoundError(`No conversation ${id}`);
    return entries;
  }

  @Get('audit/assignments')
  @AllowedRoles('admin', 'auditor')
  @ApiProduces('application/x-ndjson')
  assignments(@Query() query: AssignmentAuditDto, @Res() reply: FastifyReply): void {
    const since = utcTime('since', query.since);
    const until = utcTime('until', query.until);
    if (since !== undefined && until !== undefined && since > until) {
      throw new BadRequestException('since must not be after until');
    }
    const lines = Readable.from(this.assignmentLines(since, until), { objectMode: false });
    void reply.header('content-type', 'application/x-ndjson; charset=utf-8').send(lines);
  }

  /** One line per assignment change; the stream pulls the log a page at a time, as the client reads. */
  private async *assignmentLines(since: string | undefined, until: string | undefined): AsyncGenerator<string> {
    for await (const event of this.eventStore.readAll()) {
      if (!ASSIGNMENT_TYPES.has(event.type) || !event.streamId.startsWith(CONVERSATION_STREAM_PREFIX)) continue;
      const entry = historyEntry(event);
      if ((since !== undefined && entry.at < since) || (until !== undefined && entry.at >= until)) continue;
      const { conversationId, ...change } = entry.data;
      yield `${JSON.stringify({ position: entry.position, conversationId, type: entry.type, ...change, at: entry.at, actor: entry.actor })}\n`;
    }
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
