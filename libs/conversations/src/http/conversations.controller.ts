/** API.md's conversation commands, and one conversation read from its stream (with its ETag). */
import {
  Body,
  Controller,
  Get,
  HttpCode,
  Inject,
  Param,
  ParseUUIDPipe,
  PayloadTooLargeException,
  Query,
  Req,
  Res,
} from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiHeader, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { NotFoundError, UnprocessableError, idFor, type CommandContext } from '@team-inbox/core';
import { NoFieldsPipe } from '@team-inbox/platform';
import { EVENT_STORE, positionToString, type EventStore } from '@team-inbox/event-store';
import { TeamDirectory } from '@team-inbox/team';
import { AllowedRoles, CurrentPrincipal, IdempotentPost, requestContext, type Principal } from '@team-inbox/platform';
import type { FastifyReply } from 'fastify';
import { ExecuteConversationCommand, type ConversationCommandResult } from '../conversation-command';
import { ConversationOwners } from '../customers/conversation-owners';
import { CustomerLinks } from '../customers/customer-links';
import type { ConversationCommand } from '../domain/conversation.decider';
import type { ConversationPage } from '../domain/conversation.view';
import { readConversationPage } from '../read-conversation-page';
import { ConversationPageDto, DEFAULT_ENTRIES_PER_PAGE, MAX_PAGE_LIST_BYTES } from './conversation-page.dto';
import {
  AssignConversationDto,
  MAX_MESSAGE_CHARACTERS,
  MessageBodyDto,
  StartConversationDto,
} from './conversations.dto';
import { parseIfMatch } from './if-match';

type HttpRequest = { headers: Record<string, string | string[] | undefined> };
const uuid = new ParseUUIDPipe({ errorHttpStatusCode: 400 });

@ApiTags('conversations')
@ApiBearerAuth()
@ApiHeader({ name: 'Idempotency-Key', required: false, description: '1 to 200 printable characters' })
@Controller('conversations')
export class ConversationsController {
  constructor(
    private readonly commandBus: CommandBus,
    private readonly directory: TeamDirectory,
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    private readonly customerLinks: CustomerLinks,
    private readonly owners: ConversationOwners,
  ) {}

  @IdempotentPost()
  @AllowedRoles('integration')
  async start(
    @Body() body: StartConversationDto,
    @CurrentPrincipal() principal: Principal,
    @Req() request: HttpRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    assertMessageLength(body.body);
    const context = requestContext(principal, request);
    const conversationId = idFor('conversation', context);
    const messageId = idFor('message', context);
    const customer = { id: body.customer.id, name: body.customer.name ?? null, email: body.customer.email ?? null };
    const result = await this.run(
      {
        type: 'StartConversation',
        conversationId,
        customer,
        subject: body.subject ?? null,
        messageId,
        body: body.body,
        integrationId: principal.actor.id,
      },
      context,
      undefined,
      reply,
    );
    // Before the answer: a store event sent right after it finds this conversation. A crash in between
    // leaves it unlinked; the client's retry with its Idempotency-Key links it.
    await this.customerLinks.link(conversationId, { integrationId: principal.actor.id, ...customer }, context);
    void reply.header('location', `/conversations/${conversationId}`);
    return { ...result, messageId };
  }

  @IdempotentPost(':id/messages')
  @AllowedRoles('integration', 'agent', 'admin')
  async postMessage(
    @Param('id', uuid) conversationId: string,
    @Body() body: MessageBodyDto,
    @CurrentPrincipal() principal: Principal,
    @Req() request: HttpRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    assertMessageLength(body.body);
    // An integration's message on another's customer's conversation is 404, as on one that does not exist.
    await this.owners.assertVisibleTo(principal.actor, conversationId);
    const context = requestContext(principal, request);
    const messageId = idFor('message', context);
    const command: ConversationCommand =
      principal.role === 'integration'
        ? { type: 'PostCustomerMessage', conversationId, messageId, body: body.body }
        : {
            type: 'ReplyToConversation',
            conversationId,
            memberId: this.replyingMember(principal),
            messageId,
            body: body.body,
          };
    return { ...(await this.run(command, context, parseIfMatch(request.headers['if-match']), reply)), messageId };
  }

  @IdempotentPost(':id/assign')
  @HttpCode(200)
  @AllowedRoles('agent', 'admin')
  async assign(
    @Param('id', uuid) conversationId: string,
    @Body() body: AssignConversationDto,
    @CurrentPrincipal() principal: Principal,
    @Req() request: HttpRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const assigneeId = this.assignableMember(body.assigneeId, principal);
    return this.run(
      { type: 'AssignConversation', conversationId, assigneeId },
      requestContext(principal, request),
      parseIfMatch(request.headers['if-match']),
      reply,
    );
  }

  @IdempotentPost(':id/unassign')
  @HttpCode(200)
  @AllowedRoles('agent', 'admin')
  unassign(
    @Param('id', uuid) id: string,
    @Body(NoFieldsPipe) _: undefined,
    @CurrentPrincipal() principal: Principal,
    @Req() request: HttpRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.runWithoutFields('UnassignConversation', id, principal, request, reply);
  }

  @IdempotentPost(':id/close')
  @HttpCode(200)
  @AllowedRoles('agent', 'admin')
  close(
    @Param('id', uuid) id: string,
    @Body(NoFieldsPipe) _: undefined,
    @CurrentPrincipal() principal: Principal,
    @Req() request: HttpRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.runWithoutFields('CloseConversation', id, principal, request, reply);
  }

  @IdempotentPost(':id/reopen')
  @HttpCode(200)
  @AllowedRoles('agent', 'admin')
  reopen(
    @Param('id', uuid) id: string,
    @Body(NoFieldsPipe) _: undefined,
    @CurrentPrincipal() principal: Principal,
    @Req() request: HttpRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.runWithoutFields('ReopenConversation', id, principal, request, reply);
  }

  /**
   * One conversation, read from its own stream: always current, and its ETag is the stream revision. Its
   * messages and timeline come a page at a time (the most recent by default), each at most so many entries
   * and so many bytes of JSON, so that a conversation of any length, and of any messages, answers in bounded
   * memory.
   */
  @Get(':id')
  @AllowedRoles('agent', 'admin', 'auditor')
  @ApiOkResponse({
    description:
      'The summary plus a page of `messages` and a page of `timeline`, each the most recent entries (before ' +
      '`messagesBefore` / `timelineBefore`), oldest first, at most 1 MiB of JSON each (at least one entry). ' +
      '`earlierMessagesCursor` / `earlierTimelineCursor`: ' +
      'pass as `messagesBefore` / `timelineBefore` for the page before; null where the page starts at the first.',
  })
  async get(
    @Param('id', uuid) conversationId: string,
    @Query() query: ConversationPageDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ConversationPage> {
    const page = await readConversationPage(this.eventStore, conversationId, {
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
    });
    if (!page) throw new NotFoundError(`No conversation ${conversationId}`);
    void reply.header('etag', `"${page.revision}"`);
    return page;
  }

  private runWithoutFields(
    type: 'UnassignConversation' | 'CloseConversation' | 'ReopenConversation',
    conversationId: string,
    principal: Principal,
    request: HttpRequest,
    reply: FastifyReply,
  ) {
    const context = requestContext(principal, request);
    return this.run({ type, conversationId }, context, parseIfMatch(request.headers['if-match']), reply);
  }

  private async run(
    command: ConversationCommand,
    context: CommandContext,
    expectedRevision: bigint | undefined,
    reply: FastifyReply,
  ) {
    const result: ConversationCommandResult = await this.commandBus.execute(
      new ExecuteConversationCommand(command, context, expectedRevision),
    );
    void reply.header('etag', `"${result.conversation.revision}"`);
    return { ...result.conversation, position: positionToString(result.position) };
  }

  /** Only a team member can reply: the bootstrap admin is no member and cannot be assigned. */
  private replyingMember(principal: Principal): string {
    if (principal.actor.type !== 'member') {
      throw new UnprocessableError('The bootstrap admin is not a team member and cannot reply; use a member token');
    }
    return principal.actor.id;
  }

  private assignableMember(requested: string, principal: Principal): string {
    const memberId = requested.toLowerCase() === 'me' ? principal.actor.id : requested.toLowerCase();
    if (requested.toLowerCase() === 'me' && principal.actor.type !== 'member') {
      throw new UnprocessableError('"me" is the bootstrap admin, who is not a team member and cannot be assigned');
    }
    const member = this.directory.activeMember(memberId);
    if (!member) throw new UnprocessableError(`assigneeId ${memberId} is not an active team member`);
    if (member.role === 'auditor') {
      throw new UnprocessableError(`assigneeId ${memberId} is an auditor; only agents and admins can be assigned`);
    }
    return member.id;
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
