import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { InboxViewsController } from './inbox-views.controller';
import { GetInboxHandler, GetViewCountsHandler, ListConversationsHandler } from './inbox-views.queries';
import { LiveUpdatesController } from './live-updates.controller';

@Module({
  imports: [CqrsModule],
  controllers: [InboxViewsController, LiveUpdatesController],
  providers: [GetInboxHandler, GetViewCountsHandler, ListConversationsHandler],
})
export class InboxViewsModule {}
