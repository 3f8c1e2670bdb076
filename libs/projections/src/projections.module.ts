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
import { EVENT_STORE, FALLBACK_AUTOCHECKPOINT_PAGES, WalCheckpointer, type EventStore } from '@team-inbox/event-store';
import { PROJECTIONS, type Projection } from './projection';
import { ProcessManagers } from './process-managers';
import { Projector } from './projector';
import { openReadModelDatabase, readModelFile } from './read-model-database';

export const READ_MODEL_DB = Symbol('READ_MODEL_DB');

/** Starts the projector once every module is ready, stops it and closes the read models on shutdown. */
@Injectable()
class ProjectorLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  private checkpointer: WalCheckpointer | undefined;

  constructor(
    private readonly projector: Projector,
    @Inject(READ_MODEL_DB) private readonly db: Database.Database,
  ) {}

  onApplicationBootstrap(): void {
    // As for the log: the read models' WAL is folded in from a worker thread, off the event loop.
    this.db.pragma(`wal_autocheckpoint = ${FALLBACK_AUTOCHECKPOINT_PAGES}`);
    this.checkpointer = new WalCheckpointer([this.db.name]);
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
  /** The read models in `DATA_DIR`, the projector that keeps them, and the projections given. */
  static forRoot(options: { dataDir: string; projections: Type<Projection>[] }): DynamicModule {
    const projectionProviders: Provider[] = options.projections;
    return {
      module: ProjectionsModule,
      global: true,
      providers: [
        ...projectionProviders,
        { provide: READ_MODEL_DB, useFactory: () => openReadModelDatabase(readModelFile(options.dataDir)) },
        {
          provide: PROJECTIONS,
          useFactory: (...projections: Projection[]) => projections,
          inject: options.projections,
        },
        {
          provide: Projector,
          useFactory: (store: EventStore, db: Database.Database, projections: Projection[]) =>
            new Projector(store, db, projections, new Logger('Projector')),
          inject: [EVENT_STORE, READ_MODEL_DB, PROJECTIONS],
        },
        ProjectorLifecycle,
        ProcessManagers,
      ],
      exports: [READ_MODEL_DB, Projector, ProcessManagers, ...options.projections],
    };
  }
}
