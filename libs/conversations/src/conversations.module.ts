import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { ConversationOwners } from './customers/conversation-owners';
import { CustomerLinks } from './customers/customer-links';
import { ConversationCommandCore } from './commands/conversation-command-core';
import { CONVERSATION_COMMAND_HANDLERS } from './commands/conversation.commands';
import { GetConversationHandler } from './queries/get-conversation.query';
import { ConversationsController } from './http/conversations.controller';
import { MemberRemovalProcessManager } from './member-removal.process-manager';
import { ReadConversationHandler } from './read-markers/read-conversation.command';
import { ReadMarkers } from './read-markers/read-markers';
import { RecordStoreEventHandler } from './store-events/record-store-event.command';
import { StoreEventsController } from './store-events/store-events.controller';

@Module({
  imports: [CqrsModule],
  controllers: [ConversationsController, StoreEventsController],
  providers: [
    ConversationCommandCore,
    ...CONVERSATION_COMMAND_HANDLERS,
    GetConversationHandler,
    RecordStoreEventHandler,
    CustomerLinks,
    ConversationOwners,
    MemberRemovalProcessManager,
    ReadMarkers,
    ReadConversationHandler,
  ],
  exports: [CustomerLinks, ConversationOwners],
})
export class ConversationsModule {}
