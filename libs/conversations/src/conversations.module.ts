import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { ConversationOwners } from './customers/conversation-owners';
import { CustomerLinks } from './customers/customer-links';
import { ExecuteConversationCommandHandler } from './execute-conversation-command.handler';
import { ConversationsController } from './http/conversations.controller';
import { MemberRemovalProcessManager } from './member-removal.process-manager';
import { RecordStoreEventHandler } from './store-events/record-store-event.command';
import { StoreEventsController } from './store-events/store-events.controller';

@Module({
  imports: [CqrsModule],
  controllers: [ConversationsController, StoreEventsController],
  providers: [
    ExecuteConversationCommandHandler,
    RecordStoreEventHandler,
    CustomerLinks,
    ConversationOwners,
    MemberRemovalProcessManager,
  ],
  exports: [CustomerLinks, ConversationOwners],
})
export class ConversationsModule {}
