/** API.md's conversation commands, and one conversation read from its stream (with its ETag). */
import {
  BadRequestException,
  Body,
  Controller,
  Get,
  HttpCode,
  Param,
  ParseUUIDPipe,
  PayloadTooLargeException,
  Query,
  Req,
  Res,
} from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { NoFieldsPipe } from '@team-inbox/platform';
import { positionToString } from '@team-inbox/event-store';
import { ProjectionProgress } from '@team-inbox/projections';
import { AllowedRoles, CurrentPrincipal, IdempotentPost, requestContext, type Principal } from '@team-inbox/platform';
import type { FastifyReply } from 'fastify';
import type { ConversationCommandResult } from '../commands/conversation-command-core';
import { ReadConversationCommand } from '../read-markers/read-conversation.command';
import { ReadConversationDto } from '../read-markers/read-conversation.dto';
import { readerOf } from '../read-markers/reader';
import {
  AssignConversationCommand,
  CloseConversationCommand,
  PostCustomerMessageCommand,
  ReopenConversationCommand,
  ReplyToConversationCommand,
  StartConversationCommand,
  UnassignConversationCommand,
} from '../commands/conversation.commands';
import type { ConversationPageWithCustomer } from '../domain/conversation.view';
import { GetConversationQuery } from '../queries/get-conversation.query';
import { ConversationPageDto, DEFAULT_ENTRIES_PER_PAGE, MAX_PAGE_LIST_BYTES } from './conversation-page.dto';
import {
  AssignConversationDto,
  MAX_MESSAGE_CHARACTERS,
  MessageBodyDto,
  StartConversationDto,
} from './conversations.dto';
import {
  ConversationCommandResponse,
  ConversationCommandResponses,
  ConversationPageResponse,
  ETAG_HEADER,
  PostedMessageResponse,
} from './conversation.responses';
import { parseIfMatch } from './if-match';

type HttpRequest = { headers: Record<string, string | string[] | undefined>; body?: unknown };
/** API.md: a query given `minPosition` waits up to 2 seconds for the read models to reach it. */
const READ_YOUR_WRITES_WAIT_MS = 2000;
const uuid = new ParseUUIDPipe({ errorHttpStatusCode: 400 });

@ApiTags('conversations')
@ApiBearerAuth()
@Controller('conversations')
export class ConversationsController {
  constructor(
    private readonly commandBus: CommandBus,
    private readonly queryBus: QueryBus,
    private readonly projection: ProjectionProgress,
  ) {}

  @IdempotentPost()
  @AllowedRoles('integration')
  @ApiOperation({ summary: "Start a conversation with a customer's first message" })
  @ConversationCommandResponses({
    status: 201,
    type: PostedMessageResponse,
    description: 'The conversation, open and unassigned: its summary, `position` and the message id',
    onExisting: false,
    carriesMessage: true,
  })
  async start(
    @Body() body: StartConversationDto,
    @CurrentPrincipal() principal: Principal,
    @Req() request: HttpRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    assertMessageLength(body.body);
    const customer = { id: body.customer.id, name: body.customer.name ?? null, email: body.customer.email ?? null };
    const { conversationId, messageId, ...result } = await this.commandBus.execute(
      new StartConversationCommand(customer, body.subject ?? null, body.body, requestContext(principal, request)),
    );
    void reply.header('location', `/conversations/${conversationId}`);
    return { ...this.answer(result, reply), messageId };
  }

  @IdempotentPost(':id/messages')
  @AllowedRoles('integration', 'agent', 'admin')
  @ApiOperation({
    summary: "Post a customer's message (integration) or a member's reply",
    description:
      "An integration's message reopens a closed conversation; a member's reply assigns an unassigned one to its author",
  })
  @ConversationCommandResponses({
    status: 201,
    type: PostedMessageResponse,
    description: 'The summary after the message, `position` and the message id',
    onExisting: true,
    carriesMessage: true,
  })
  async postMessage(
    @Param('id', uuid) conversationId: string,
    @Body() body: MessageBodyDto,
    @CurrentPrincipal() principal: Principal,
    @Req() request: HttpRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    assertMessageLength(body.body);
    const context = requestContext(principal, request);
    const expectedRevision = parseIfMatch(request.headers['if-match']);
    const { messageId, ...result } = await this.commandBus.execute(
      principal.role === 'integration'
        ? new PostCustomerMessageCommand(conversationId, body.body, context, expectedRevision)
        : new ReplyToConversationCommand(conversationId, body.body, context, expectedRevision),
    );
    return { ...this.answer(result, reply), messageId };
  }

  @IdempotentPost(':id/assign')
  @HttpCode(200)
  @AllowedRoles('agent', 'admin')
  @ApiOperation({ summary: 'Assign a conversation to an active agent or admin (or "me")' })
  @ConversationCommandResponses({
    status: 200,
    type: ConversationCommandResponse,
    description: 'The summary and `position` (nothing appended where it already had that assignee)',
    onExisting: true,
    carriesMessage: false,
  })
  async assign(
    @Param('id', uuid) conversationId: string,
    @Body() body: AssignConversationDto,
    @CurrentPrincipal() principal: Principal,
    @Req() request: HttpRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const result = await this.commandBus.execute(
      new AssignConversationCommand(
        conversationId,
        body.assigneeId,
        requestContext(principal, request),
        parseIfMatch(request.headers['if-match']),
      ),
    );
    return this.answer(result, reply);
  }

  @IdempotentPost(':id/unassign')
  @HttpCode(200)
  @AllowedRoles('agent', 'admin')
  @ApiOperation({ summary: 'Put a conversation back in the unassigned queue' })
  @ConversationCommandResponses({
    status: 200,
    type: ConversationCommandResponse,
    description: 'The summary and `position` (nothing appended where it was unassigned)',
    onExisting: true,
    carriesMessage: false,
  })
  unassign(
    @Param('id', uuid) id: string,
    @Body(NoFieldsPipe) _: undefined,
    @CurrentPrincipal() principal: Principal,
    @Req() request: HttpRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.runWithoutFields(UnassignConversationCommand, id, principal, request, reply);
  }

  @IdempotentPost(':id/close')
  @HttpCode(200)
  @AllowedRoles('agent', 'admin')
  @ApiOperation({ summary: 'Close a conversation' })
  @ConversationCommandResponses({
    status: 200,
    type: ConversationCommandResponse,
    description: 'The summary and `position` (nothing appended where it was closed already)',
    onExisting: true,
    carriesMessage: false,
  })
  close(
    @Param('id', uuid) id: string,
    @Body(NoFieldsPipe) _: undefined,
    @CurrentPrincipal() principal: Principal,
    @Req() request: HttpRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.runWithoutFields(CloseConversationCommand, id, principal, request, reply);
  }

  @IdempotentPost(':id/reopen')
  @HttpCode(200)
  @AllowedRoles('agent', 'admin')
  @ApiOperation({ summary: 'Reopen a closed conversation' })
  @ConversationCommandResponses({
    status: 200,
    type: ConversationCommandResponse,
    description: 'The summary and `position` (reason `manual`; nothing appended where it was open)',
    onExisting: true,
    carriesMessage: false,
  })
  reopen(
    @Param('id', uuid) id: string,
    @Body(NoFieldsPipe) _: undefined,
    @CurrentPrincipal() principal: Principal,
    @Req() request: HttpRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.runWithoutFields(ReopenConversationCommand, id, principal, request, reply);
  }

  @IdempotentPost(':id/read')
  @HttpCode(200)
  @AllowedRoles('agent', 'admin')
  @ApiOperation({
    summary: 'Mark a conversation read by the caller, up to `position` (by default, its last event)',
    description:
      "Appends `ConversationRead` to the caller's own stream, not the conversation's: its revision (the ETag) " +
      'stays as it was. Reading again as far, or less far, changes nothing',
  })
  @ApiBadRequestResponse({ description: 'A malformed conversation id or `position`, an unknown field' })
  @ApiNotFoundResponse({ description: 'No such conversation' })
  @ApiConflictResponse({ description: "The caller's own stream kept changing while the read was decided: retry" })
  @ApiUnprocessableEntityResponse({
    description: 'The bootstrap admin, who is no team member and has no read marks; an Idempotency-Key reused',
  })
  @ApiOkResponse({
    type: ConversationCommandResponse,
    headers: ETAG_HEADER,
    description:
      "The summary with `unread` (false, unless it was read up to an earlier position), and `position`: the caller's " +
      'read, where one was appended (pass it as `minPosition` to see it in the views)',
  })
  async read(
    @Param('id', uuid) conversationId: string,
    @Body() body: ReadConversationDto,
    @CurrentPrincipal() principal: Principal,
    @Req() request: HttpRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    // No body reads up to the last event. A JSON null is no object of fields, and is refused as any other
    // non-object; the validation pipe would have taken it for none.
    if (request.body === null) {
      throw new BadRequestException('The body must be a JSON object ({"position": …}), or none');
    }
    const position = body.position === undefined ? undefined : BigInt(body.position);
    const result = await this.commandBus.execute(
      new ReadConversationCommand(conversationId, position, requestContext(principal, request)),
    );
    return this.answer(result, reply);
  }

  /**
   * One conversation, read from its own stream: always current, and its ETag is the stream revision. Its
   * messages and timeline come a page at a time (the most recent by default), each at most so many entries
   * and so many bytes of JSON, so that a conversation of any length, and of any messages, answers in bounded
   * memory.
   */
  @Get(':id')
  @AllowedRoles('agent', 'admin', 'auditor')
  @ApiOperation({ summary: 'One conversation, read from its stream: summary, messages and timeline, a page of each' })
  @ApiBadRequestResponse({ description: 'A malformed conversation id, page limit or cursor' })
  @ApiNotFoundResponse({
    description: "No such conversation (or one of another integration's customer, to an integration)",
  })
  @ApiOkResponse({
    type: ConversationPageResponse,
    headers: ETAG_HEADER,
    description:
      'The summary plus a page of `messages` and a page of `timeline`, each the most recent entries (before ' +
      '`messagesBefore` / `timelineBefore`), oldest first, at most 1 MiB of JSON each (at least one entry). ' +
      '`earlierMessagesCursor` / `earlierTimelineCursor`: ' +
      'pass as `messagesBefore` / `timelineBefore` for the page before; null where the page starts at the first.',
  })
  async get(
    @Param('id', uuid) conversationId: string,
    @Query() query: ConversationPageDto,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ConversationPageWithCustomer> {
    // The customer's other conversations come from the read models: they are waited for, as the views are.
    if (query.minPosition !== undefined) {
      await this.projection.waitFor(BigInt(query.minPosition), READ_YOUR_WRITES_WAIT_MS);
    }
    const windows = {
      messages: {
        limit: query.messagesLimit ?? DEFAULT_ENTRIES_PER_PAGE,
        maxBytes: MAX_PAGE_LIST_BYTES,
        before: revisionOf(query.messagesBefore),
      },
      timeline: {
        limit: query.timelineLimit ?? DEFAULT_ENTRIES_PER_PAGE,
        maxBytes: MAX_PAGE_LIST_BYTES,
        before: revisionOf(query.timelineBefore),
      },
    };
    const page = await this.queryBus.execute(new GetConversationQuery(conversationId, windows, readerOf(principal)));
    void reply.header('etag', `"${page.revision}"`);
    return page;
  }

  private async runWithoutFields(
    Intent: typeof UnassignConversationCommand | typeof CloseConversationCommand | typeof ReopenConversationCommand,
    conversationId: string,
    principal: Principal,
    request: HttpRequest,
    reply: FastifyReply,
  ) {
    const context = requestContext(principal, request);
    const result = await this.commandBus.execute(
      new Intent(conversationId, context, parseIfMatch(request.headers['if-match'])),
    );
    return this.answer(result, reply);
  }

  /** A command's answer: the conversation's summary and the log position, its revision as the ETag. */
  private answer(result: ConversationCommandResult, reply: FastifyReply) {
    void reply.header('etag', `"${result.conversation.revision}"`);
    const unread = result.unread === undefined ? {} : { unread: result.unread };
    return { ...result.conversation, ...unread, position: positionToString(result.position) };
  }
}

function revisionOf(cursor: string | undefined): number | undefined {
  return cursor === undefined ? undefined : Number(cursor);
}

function assertMessageLength(body: string): void {
  const characters = [...body].length;
  if (characters > MAX_MESSAGE_CHARACTERS) {
    throw new PayloadTooLargeException(
      `body is ${characters.toLocaleString('en-US')} characters; a message is at most ${MAX_MESSAGE_CHARACTERS.toLocaleString('en-US')}`,
    );
  }
}
