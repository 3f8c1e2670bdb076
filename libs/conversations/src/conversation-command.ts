import type { CommandContext } from '@team-inbox/core';
import { Command } from '@nestjs/cqrs';
import type { Position } from '@team-inbox/event-store';
import type { ConversationCommand } from './domain/conversation.decider';
import type { ConversationSummary } from './domain/conversation.view';

export interface ConversationCommandResult {
  /** The conversation's summary after the command. */
  conversation: ConversationSummary;
  /** The log position of the last event appended, or of the conversation's last event where none was. */
  position: Position;
  /** The events this command appended (none where it changed nothing). */
  appendedTypes: string[];
}

/** Any of the conversation's commands, sent through the CommandBus: `ExecuteConversationCommandHandler`. */
export class ExecuteConversationCommand extends Command<ConversationCommandResult> {
  constructor(
    readonly command: ConversationCommand,
    readonly context: CommandContext,
    /** From `If-Match`: carry the command out only at this revision. */
    readonly expectedRevision?: bigint,
    /** Derives the ids of the events appended, where the command itself is the retry key (a store event). */
    readonly eventIdSeed?: string,
  ) {
    super();
  }
}
