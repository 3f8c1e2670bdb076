/** API.md's inbox queries: the caller's inbox with its counts, and the conversation views. */
import { BadRequestException, Controller, Get, Query as QueryParams, Res } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiBadRequestResponse, ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { JSON_CONTENT_TYPE } from '@team-inbox/platform';
import { positionToString } from '@team-inbox/event-store';
import { ProjectionProgress } from '@team-inbox/projections';
import { AllowedRoles, CurrentPrincipal, type Principal } from '@team-inbox/platform';
import { readerOf } from '@team-inbox/conversations';
import type { FastifyReply } from 'fastify';
import { DEFAULT_PAGE_SIZE, ListConversationsDto, PageDto, ReadYourWritesDto } from './inbox-views.dto';
import {
  ConversationListResponse,
  InboxPageResponse,
  PROJECTION_POSITION_HEADER,
  ViewCountsResponse,
} from './inbox-views.responses';
import { GetInboxQuery, GetViewCountsQuery, ListConversationsQuery, type ViewCounts } from './inbox-views.queries';

/** API.md: a query given `minPosition` waits up to 2 seconds for the projections to reach it. */
export const READ_YOUR_WRITES_WAIT_MS = 2000;

@ApiTags('inbox')
@ApiBearerAuth()
@Controller()
export class InboxViewsController {
  constructor(
    private readonly queryBus: QueryBus,
    private readonly projector: ProjectionProgress,
  ) {}

  @Get('inbox')
  @AllowedRoles('agent', 'admin')
  @ApiOperation({
    summary: "The caller's inbox: open conversations unassigned or assigned to the caller, with counts",
  })
  @ApiOkResponse({ type: InboxPageResponse, headers: PROJECTION_POSITION_HEADER })
  @ApiBadRequestResponse({ description: 'A malformed `limit`, `cursor` or `minPosition`' })
  async inbox(
    @QueryParams() query: PageDto,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    await this.readYourWrites(query, reply);
    void reply.type(JSON_CONTENT_TYPE); // an InboxPage, as JSON already
    return this.queryBus.execute(
      new GetInboxQuery(principal.actor.id, query.limit ?? DEFAULT_PAGE_SIZE, query.cursor, readerOf(principal)),
    );
  }

  /** How many conversations each view holds for the caller (the UI's tabs); `minPosition` as for the views. */
  @Get('inbox/counts')
  @AllowedRoles('agent', 'admin')
  @ApiOperation({ summary: 'How many conversations each view holds for the caller' })
  @ApiOkResponse({ type: ViewCountsResponse, headers: PROJECTION_POSITION_HEADER })
  @ApiBadRequestResponse({ description: 'A malformed `minPosition`' })
  async counts(
    @QueryParams() query: ReadYourWritesDto,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ViewCounts> {
    await this.readYourWrites(query, reply);
    return this.queryBus.execute(new GetViewCountsQuery(principal.actor.id, readerOf(principal)));
  }

  @Get('conversations')
  @AllowedRoles('agent', 'admin', 'auditor')
  @ApiOperation({
    summary: 'A view of the conversations (mine, unassigned, assigned, closed, all), a page at a time',
    description:
      'With `q`, a search within the view: the conversations that match every word of `q`, best match first, ' +
      'paged by `nextCursor` as the views are (a search’s cursor goes with the same `q`).',
  })
  @ApiOkResponse({ type: ConversationListResponse, headers: PROJECTION_POSITION_HEADER })
  @ApiBadRequestResponse({
    description:
      'An unknown `view`, a malformed `assigneeId`, `limit`, `cursor` or `minPosition`, `assigneeId` with `view=mine` or `unassigned`, or a `q` too long, of too many words or with no letter or digit',
  })
  async list(
    @QueryParams() query: ListConversationsDto,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    const view = query.view ?? 'all';
    if (query.assigneeId && (view === 'mine' || view === 'unassigned')) {
      throw new BadRequestException(`assigneeId does not apply to view=${view}`);
    }
    await this.readYourWrites(query, reply);
    void reply.type(JSON_CONTENT_TYPE); // a Page, as JSON already
    return this.queryBus.execute(
      new ListConversationsQuery(
        view,
        principal.actor.id,
        query.assigneeId,
        query.limit ?? DEFAULT_PAGE_SIZE,
        query.cursor,
        // An empty q (a cleared search box) is no search.
        query.q?.trim() ? query.q : undefined,
        readerOf(principal),
      ),
    );
  }

  /** Waits for `minPosition`; the answer says which position it reflects either way. */
  private async readYourWrites(query: ReadYourWritesDto, reply: FastifyReply): Promise<void> {
    if (query.minPosition !== undefined)
      await this.projector.waitFor(BigInt(query.minPosition), READ_YOUR_WRITES_WAIT_MS);
    void reply.header('x-projection-position', positionToString(this.projector.checkpoint));
  }
}
