import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { ExecuteConversationCommandHandler } from './execute-conversation-command.handler';
import { ConversationsController } from './http/conversations.controller';
import { MemberRemovalProcessManager } from './member-removal.process-manager';

@Module({
  imports: [CqrsModule],
  controllers: [ConversationsController],
  providers: [ExecuteConversationCommandHandler, MemberRemovalProcessManager],
})
export class ConversationsModule {}
