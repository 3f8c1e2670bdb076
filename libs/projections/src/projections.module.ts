import {
  Inject,
  Injectable,
  Logger,
  Module,
  type DynamicModule,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type Provider,
  type Type,
} from '@nestjs/common';
import type Database from 'better-sqlite3';
import {
  APPENDED_EVENTS,
  EVENT_STORE,
  FALLBACK_AUTOCHECKPOINT_PAGES,
  SqliteEventStore,
  WalCheckpointer,
  type EventStore,
} from '@team-inbox/event-store';
import type { Observable } from 'rxjs';
import { PROJECTIONS, type Projection } from './projection';
import { ProcessManagers } from './process-managers';
import { ProjectionProgress } from './projection-progress';
import { Projector } from './projector';
import { ProjectorThread } from './worker/projector-thread';
import {
  MAIN_THREAD_CACHE_MIB,
  READ_MODEL_CACHE_MIB,
  openReadModelDatabase,
  readModelFile,
} from './read-model-database';
import { removeRebuildLeftovers } from './rebuild';

export const READ_MODEL_DB = Symbol('READ_MODEL_DB');

/** Starts the projector once every module is ready, stops it and closes the read models on shutdown. */
@Injectable()
class ProjectorLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  private checkpointer: WalCheckpointer | undefined;

  constructor(
    private readonly projector: ProjectionProgress,
    @Inject(READ_MODEL_DB) private readonly db: Database.Database,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {}

  onApplicationBootstrap(): void {
    // As for the log: the read models' WAL is folded in from a worker thread, off the event loop.
    this.db.pragma(`wal_autocheckpoint = ${FALLBACK_AUTOCHECKPOINT_PAGES}`);
    // The embedded log, where its store leaves its WAL to its opener (`by-opener`, as the server opens it),
    // is folded in by this same thread: one thread (and its memory) fewer.
    const files = [this.db.name];
    if (this.store instanceof SqliteEventStore && this.store.checkpoints === 'by-opener')
      files.push(this.store.filename);
    this.checkpointer = new WalCheckpointer(files);
    this.projector.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.projector.stop();
    await this.checkpointer?.close();
    this.db.close();
  }
}

@Module({})
export class ProjectionsModule {
  /**
   * The read models in `DATA_DIR`, the projector that keeps them, and the projections given. With
   * `worker`, and the embedded store, the projector runs in a worker thread, which constructs the
   * projections from that module (in-process otherwise: EventStoreDB, or a store that is not a file).
   */
  static forRoot(options: {
    dataDir: string;
    projections: Type<Projection>[];
    worker?: { projectionsModule: string; exportName: string };
  }): DynamicModule {
    const { worker } = options;
    const projectionProviders: Provider[] = options.projections;
    return {
      module: ProjectionsModule,
      global: true,
      providers: [
        ...projectionProviders,
        {
          provide: READ_MODEL_DB,
          // An eighth of the cache where the projector and the pages have threads, and connections, of their own.
          useFactory: (store: EventStore) => {
            const file = readModelFile(options.dataDir);
            // What rebuilds killed mid-way left beside the read models (a running one's file is kept).
            const leftovers = removeRebuildLeftovers(file);
            if (leftovers.length > 0) new Logger('Projector').log(`Removed rebuild leftovers: ${leftovers.join(', ')}`);
            return openReadModelDatabase(
              file,
              worker && store instanceof SqliteEventStore ? MAIN_THREAD_CACHE_MIB : READ_MODEL_CACHE_MIB,
            );
          },
          inject: [EVENT_STORE],
        },
        {
          provide: PROJECTIONS,
          useFactory: (...projections: Projection[]) => projections,
          inject: options.projections,
        },
        {
          provide: ProjectionProgress,
          useFactory: (
            store: EventStore,
            db: Database.Database,
            projections: Projection[],
            appends: Observable<unknown>,
          ): ProjectionProgress => {
            const logger = new Logger('Projector');
            if (!worker || !(store instanceof SqliteEventStore)) return new Projector(store, db, projections, logger);
            // The tables exist before anything on this thread prepares a query on them.
            for (const projection of projections) projection.setUp(db);
            const data = { eventStoreFile: store.filename, readModelFile: db.name, ...worker };
            return new ProjectorThread(data, db, appends, logger);
          },
          inject: [EVENT_STORE, READ_MODEL_DB, PROJECTIONS, APPENDED_EVENTS],
        },
        ProjectorLifecycle,
        ProcessManagers,
      ],
      exports: [READ_MODEL_DB, ProjectionProgress, ProcessManagers, ...options.projections],
    };
  }
}
