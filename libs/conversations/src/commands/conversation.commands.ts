/**
 * The conversation's commands, one class per intent as API.md names them, each with a thin handler: the
 * rules that need more than the conversation's own events (who may be assigned, who may reply, whose
 * conversation an integration may write to) are checked here, then the decider decides
 * (`ConversationCommandCore`). Controller → command → handleCommand → decider.
 */
import { Inject } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { UnprocessableError, idFor, type CommandContext } from '@team-inbox/core';
import { TeamDirectory } from '@team-inbox/team';
import { ConversationOwners } from '../customers/conversation-owners';
import { CustomerLinks } from '../customers/customer-links';
import type { Customer } from '../domain/conversation.events';
import { ConversationCommandCore, type ConversationCommandResult } from './conversation-command-core';

/** A command's answer where it carries a message: the message's id too. */
export type PostedMessageResult = ConversationCommandResult & { messageId: string };

/** An integration's customer writes in: a new conversation, open and unassigned, with the first message. */
export class StartConversationCommand extends Command<PostedMessageResult & { conversationId: string }> {
  constructor(
    readonly customer: Customer,
    readonly subject: string | null,
    readonly body: string,
    readonly context: CommandContext,
  ) {
    super();
  }
}

/** The customer writes again (an integration's message): reopens a closed conversation. */
export class PostCustomerMessageCommand extends Command<PostedMessageResult> {
  constructor(
    readonly conversationId: string,
    readonly body: string,
    readonly context: CommandContext,
    readonly expectedRevision?: bigint,
  ) {
    super();
  }
}

/** A member replies: takes an unassigned conversation. */
export class ReplyToConversationCommand extends Command<PostedMessageResult> {
  constructor(
    readonly conversationId: string,
    readonly body: string,
    readonly context: CommandContext,
    readonly expectedRevision?: bigint,
  ) {
    super();
  }
}

/** To an active agent or admin; `me` is the caller. */
export class AssignConversationCommand extends Command<ConversationCommandResult> {
  constructor(
    readonly conversationId: string,
    readonly assigneeId: string,
    readonly context: CommandContext,
    readonly expectedRevision?: bigint,
  ) {
    super();
  }
}

/** A command that names the conversation and nothing more: unassign, close, reopen. */
abstract class ConversationOnlyCommand extends Command<ConversationCommandResult> {
  abstract readonly intent: 'UnassignConversation' | 'CloseConversation' | 'ReopenConversation';

  constructor(
    readonly conversationId: string,
    readonly context: CommandContext,
    readonly expectedRevision?: bigint,
  ) {
    super();
  }
}

/** Back to the unassigned queue. */
export class UnassignConversationCommand extends ConversationOnlyCommand {
  readonly intent = 'UnassignConversation';
}

export class CloseConversationCommand extends ConversationOnlyCommand {
  readonly intent = 'CloseConversation';
}

export class ReopenConversationCommand extends ConversationOnlyCommand {
  readonly intent = 'ReopenConversation';
}

/** A removed member's conversation goes back to the queue, where that member is still its assignee. */
export class UnassignRemovedMemberCommand extends Command<ConversationCommandResult> {
  constructor(
    readonly conversationId: string,
    readonly memberId: string,
    readonly context: CommandContext,
  ) {
    super();
  }
}

@CommandHandler(StartConversationCommand)
export class StartConversationHandler implements ICommandHandler<StartConversationCommand> {
  constructor(
    private readonly conversations: ConversationCommandCore,
    private readonly customerLinks: CustomerLinks,
  ) {}

  async execute({ customer, subject, body, context }: StartConversationCommand) {
    const integrationId = context.actor.id;
    const conversationId = idFor('conversation', context);
    const messageId = idFor('message', context);
    const result = await this.conversations.execute(
      { type: 'StartConversation', conversationId, customer, subject, messageId, body, integrationId },
      context,
    );
    // Before the answer: a store event sent right after it finds this conversation. A crash in between
    // leaves it unlinked; the client's retry with its Idempotency-Key links it.
    await this.customerLinks.link(conversationId, { integrationId, ...customer }, context);
    return { ...result, conversationId, messageId };
  }
}

@CommandHandler(PostCustomerMessageCommand)
export class PostCustomerMessageHandler implements ICommandHandler<PostCustomerMessageCommand> {
  constructor(
    private readonly conversations: ConversationCommandCore,
    private readonly owners: ConversationOwners,
  ) {}

  async execute({ conversationId, body, context, expectedRevision }: PostCustomerMessageCommand) {
    // Another integration's customer's conversation is 404, as one that does not exist is.
    await this.owners.assertVisibleTo(context.actor, conversationId);
    const messageId = idFor('message', context);
    const result = await this.conversations.execute(
      { type: 'PostCustomerMessage', conversationId, messageId, body },
      context,
      { expectedRevision },
    );
    return { ...result, messageId };
  }
}

@CommandHandler(ReplyToConversationCommand)
export class ReplyToConversationHandler implements ICommandHandler<ReplyToConversationCommand> {
  constructor(private readonly conversations: ConversationCommandCore) {}

  async execute({ conversationId, body, context, expectedRevision }: ReplyToConversationCommand) {
    // Only a team member can reply: the bootstrap admin is no member and cannot be assigned.
    if (context.actor.type !== 'member') {
      throw new UnprocessableError('The bootstrap admin is not a team member and cannot reply; use a member token');
    }
    const messageId = idFor('message', context);
    const result = await this.conversations.execute(
      { type: 'ReplyToConversation', conversationId, memberId: context.actor.id, messageId, body },
      context,
      { expectedRevision },
    );
    return { ...result, messageId };
  }
}

@CommandHandler(AssignConversationCommand)
export class AssignConversationHandler implements ICommandHandler<AssignConversationCommand> {
  constructor(
    private readonly conversations: ConversationCommandCore,
    private readonly directory: TeamDirectory,
  ) {}

  execute({ conversationId, assigneeId, context, expectedRevision }: AssignConversationCommand) {
    return this.conversations.execute(
      { type: 'AssignConversation', conversationId, assigneeId: this.assignableMember(assigneeId, context) },
      context,
      { expectedRevision },
    );
  }

  private assignableMember(requested: string, { actor }: CommandContext): string {
    const me = requested.toLowerCase() === 'me';
    if (me && actor.type !== 'member') {
      throw new UnprocessableError('"me" is the bootstrap admin, who is not a team member and cannot be assigned');
    }
    const memberId = me ? actor.id : requested.toLowerCase();
    const member = this.directory.activeMember(memberId);
    if (!member) throw new UnprocessableError(`assigneeId ${memberId} is not an active team member`);
    if (member.role === 'auditor') {
      throw new UnprocessableError(`assigneeId ${memberId} is an auditor; only agents and admins can be assigned`);
    }
    return member.id;
  }
}

/** The handler of a command that names the conversation and nothing more: the decider has every rule. */
function conversationOnlyHandler(Intent: new (...args: never[]) => ConversationOnlyCommand) {
  @CommandHandler(Intent)
  class ConversationOnlyHandler implements ICommandHandler<ConversationOnlyCommand> {
    constructor(@Inject(ConversationCommandCore) private readonly conversations: ConversationCommandCore) {}

    execute({ intent, conversationId, context, expectedRevision }: ConversationOnlyCommand) {
      return this.conversations.execute({ type: intent, conversationId }, context, { expectedRevision });
    }
  }
  // Each its own name, as Nest's errors and stack traces show it.
  Object.defineProperty(ConversationOnlyHandler, 'name', { value: Intent.name.replace(/Command$/, 'Handler') });
  return ConversationOnlyHandler;
}

export const UnassignConversationHandler = conversationOnlyHandler(UnassignConversationCommand);
export const CloseConversationHandler = conversationOnlyHandler(CloseConversationCommand);
export const ReopenConversationHandler = conversationOnlyHandler(ReopenConversationCommand);

@CommandHandler(UnassignRemovedMemberCommand)
export class UnassignRemovedMemberHandler implements ICommandHandler<UnassignRemovedMemberCommand> {
  constructor(private readonly conversations: ConversationCommandCore) {}

  execute({ conversationId, memberId, context }: UnassignRemovedMemberCommand) {
    return this.conversations.execute({ type: 'UnassignRemovedMember', conversationId, memberId }, context);
  }
}

export const CONVERSATION_COMMAND_HANDLERS = [
  StartConversationHandler,
  PostCustomerMessageHandler,
  ReplyToConversationHandler,
  AssignConversationHandler,
  UnassignConversationHandler,
  CloseConversationHandler,
  ReopenConversationHandler,
  UnassignRemovedMemberHandler,
];
