/** What auditors replay (audit.queries.ts): a conversation's history as JSON, assignment changes as NDJSON. */
import { BadRequestException, Controller, Get, Param, ParseUUIDPipe, Query, Res } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
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
import { ReadFromTheLogDto } from '@team-inbox/conversations';
import { JSON_CONTENT_TYPE } from '@team-inbox/platform';
import { AllowedRoles } from '@team-inbox/platform';
import { Type } from 'class-transformer';
import { IsISO8601, IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import type { FastifyReply } from 'fastify';
import { Readable } from 'node:stream';
import { AssignmentAuditQuery, ConversationHistoryQuery } from './audit.queries';
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

@ApiTags('audit')
@ApiBearerAuth()
@Controller()
export class AuditController {
  constructor(private readonly queryBus: QueryBus) {}

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
    const { json, nextRevision } = await this.queryBus.execute(
      new ConversationHistoryQuery(id, BigInt(query.fromRevision ?? '0'), query.limit),
    );
    if (nextRevision !== undefined) {
      void reply.header(
        'link',
        `</conversations/${id}/history?fromRevision=${nextRevision}&limit=${query.limit}>; rel="next"`,
      );
    }
    void reply.header('content-type', JSON_CONTENT_TYPE).send(Readable.from(json, { objectMode: false }));
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
  async assignments(@Query() query: AssignmentAuditDto, @Res() reply: FastifyReply): Promise<void> {
    const since = utcTime('since', query.since);
    const until = utcTime('until', query.until);
    if (since !== undefined && until !== undefined && since > until) {
      throw new BadRequestException('since must not be after until');
    }
    const lines = Readable.from(await this.queryBus.execute(new AssignmentAuditQuery(since, until)), {
      objectMode: false,
    });
    void reply.header('content-type', 'application/x-ndjson; charset=utf-8').send(lines);
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
