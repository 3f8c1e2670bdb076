import { Module, type DynamicModule } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { PAGES_THREAD_CACHE_MIB, READ_MODEL_DB } from '@team-inbox/projections';
import type Database from 'better-sqlite3';
import { InboxViewsController } from './inbox-views.controller';
import {
  GetInboxHandler,
  GetViewCountsHandler,
  ListConversationsHandler,
  PAGE_READER,
  PageReaderLifecycle,
} from './inbox-views.queries';
import { LIVE_STREAM_SETTINGS, LiveFeed, type LiveStreamSettings } from './live/live-feed';
import { LiveUpdatesController } from './live-updates.controller';
import { PagesThread } from './pages/pages-thread';
import { InProcessPageReader, type PageReader } from './pages/view-pages';

@Module({
  imports: [CqrsModule],
  controllers: [InboxViewsController, LiveUpdatesController],
  providers: [
    {
      provide: PAGE_READER,
      // Read models in memory (some unit tests) cannot be opened by another thread.
      useFactory: (db: Database.Database): PageReader =>
        db.memory
          ? new InProcessPageReader(db)
          : new PagesThread({ readModelFile: db.name, cacheMiB: PAGES_THREAD_CACHE_MIB }),
      inject: [READ_MODEL_DB],
    },
    PageReaderLifecycle,
    GetInboxHandler,
    GetViewCountsHandler,
    ListConversationsHandler,
  ],
})
export class InboxViewsModule {
  /** With the bounds on open `/stream`s. */
  static forRoot(options: { liveStreams: LiveStreamSettings }): DynamicModule {
    return {
      module: InboxViewsModule,
      providers: [{ provide: LIVE_STREAM_SETTINGS, useValue: options.liveStreams }, LiveFeed],
      exports: [LiveFeed],
    };
  }
}
