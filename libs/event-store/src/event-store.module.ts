import { Inject, Injectable, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { createEventStore, type EventStoreSettings } from './create-event-store';
import { EVENT_STORE, type EventStore } from './event-store';

/** Closes the store last, after the HTTP server has stopped taking requests: queued appends still commit. */
@Injectable()
class EventStoreLifecycle implements OnApplicationShutdown {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async onApplicationShutdown(): Promise<void> {
    await this.store.close();
  }
}

@Module({})
export class EventStoreModule {
  /** Provides `EVENT_STORE`, chosen by the settings; pass `store` to use one made elsewhere (tests). */
  static forRoot(settings: EventStoreSettings | { store: EventStore }): DynamicModule {
    return {
      module: EventStoreModule,
      global: true,
      providers: [
        { provide: EVENT_STORE, useFactory: () => ('store' in settings ? settings.store : createEventStore(settings)) },
        EventStoreLifecycle,
      ],
      exports: [EVENT_STORE],
    };
  }
}
