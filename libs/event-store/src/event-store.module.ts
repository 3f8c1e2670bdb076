import { Inject, Injectable, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { createEventStore, type EventStoreSettings } from './create-event-store';
import { Subject } from 'rxjs';
import { EVENT_STORE, type AppendOptions, type AppendResult, type EventStore, type NewEvent } from './event-store';

/** Closes the store last, after the HTTP server has stopped taking requests: queued appends still commit. */
@Injectable()
class EventStoreLifecycle implements OnApplicationShutdown {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async onApplicationShutdown(): Promise<void> {
    await this.store.close();
  }
}

/** Every successful append through `EVENT_STORE` in this process: for metrics. */
export const APPENDED_EVENTS = Symbol('APPENDED_EVENTS');

export interface AppendedEvents {
  streamId: string;
  events: readonly NewEvent[];
  result: AppendResult;
}

/** The store as the application uses it: every append it acknowledges is also told to `appended`. */
function reportingAppends(store: EventStore, appended: Subject<AppendedEvents>): EventStore {
  return new Proxy(store, {
    get(target, property, receiver): unknown {
      if (property !== 'append') return Reflect.get(target, property, receiver) as unknown;
      return async (streamId: string, events: readonly NewEvent[], options: AppendOptions): Promise<AppendResult> => {
        const result = await target.append(streamId, events, options);
        appended.next({ streamId, events, result });
        return result;
      };
    },
  });
}

@Module({})
export class EventStoreModule {
  /** Provides `EVENT_STORE`, chosen by the settings; pass `store` to use one made elsewhere (tests). */
  static forRoot(settings: EventStoreSettings | { store: EventStore }): DynamicModule {
    return {
      module: EventStoreModule,
      global: true,
      providers: [
        { provide: APPENDED_EVENTS, useValue: new Subject<AppendedEvents>() },
        {
          provide: EVENT_STORE,
          useFactory: async (appended: Subject<AppendedEvents>) =>
            reportingAppends('store' in settings ? settings.store : await createEventStore(settings), appended),
          inject: [APPENDED_EVENTS],
        },
        EventStoreLifecycle,
      ],
      exports: [EVENT_STORE, APPENDED_EVENTS],
    };
  }
}
