/**
 * A member reads a conversation (`POST /conversations/:id/read`): the member's own fact, appended to the
 * member's stream by the member decider, never to the conversation's, whose revision stays as it was.
 */
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { UnprocessableError, type CommandContext } from '@team-inbox/core';
import { ConversationCommandCore, type ConversationCommandResult } from '../commands/conversation-command-core';
import { ReadMarkers } from './read-markers';
import { isUnread } from './something-happened';

export class ReadConversationCommand extends Command<Omit<ConversationCommandResult, 'unread'> & { unread: boolean }> {
  constructor(
    readonly conversationId: string,
    /** How far the member has read; the conversation's last event where undefined, or where further. */
    readonly position: bigint | undefined,
    readonly context: CommandContext,
  ) {
    super();
  }
}

@CommandHandler(ReadConversationCommand)
export class ReadConversationHandler implements ICommandHandler<ReadConversationCommand> {
  constructor(
    private readonly conversations: ConversationCommandCore,
    private readonly readMarkers: ReadMarkers,
  ) {}

  async execute({ conversationId, position, context }: ReadConversationCommand) {
    // Read marks are a member's: the bootstrap admin is no member and has none.
    if (context.actor.type !== 'member') {
      throw new UnprocessableError(
        'The bootstrap admin is not a team member and has no read marks; use a member token',
      );
    }
    const memberId = context.actor.id;
    const current = await this.conversations.current(conversationId);
    // Nothing past the conversation's last event can have been read: a later position reads up to it.
    const upTo = position === undefined || position > current.position ? current.position : position;
    const marked = await this.readMarkers.markRead(memberId, conversationId, upTo, context);
    return {
      conversation: current.conversation,
      position: marked.position ?? current.position,
      appendedTypes: [],
      unread: isUnread(current.news, memberId, marked.readUpTo),
    };
  }
}
