import { Module, type DynamicModule } from '@nestjs/common';
import { join } from 'node:path';
import { APP_PIPE } from '@nestjs/core';
import { CqrsModule } from '@nestjs/cqrs';
import type { AppConfig } from '@team-inbox/config';
import type { Clock } from '@team-inbox/core';
import { ConversationsModule } from '@team-inbox/conversations';
import { EventStoreModule, type EventStore } from '@team-inbox/event-store';
import { ProjectionsModule } from '@team-inbox/projections';
import { PlatformModule } from '@team-inbox/platform';
import { TeamModule } from '@team-inbox/team';
import { AuditModule } from '@team-inbox/audit';
import { InboxViewsModule } from '@team-inbox/inbox-views';
import { IntegrationsModule } from '@team-inbox/integrations';
import { OutboundWebhooksModule } from '@team-inbox/outbound-webhooks';
import { HealthController } from './health/health.controller';
import { Metrics, MetricsController } from './metrics/metrics';
import { createValidationPipe } from './http/validation';
import { READ_MODEL_PROJECTIONS } from './read-model-projections';

export const APP_CONFIG = Symbol('APP_CONFIG');

export interface AppModuleOptions {
  config: AppConfig;
  /** A store made by the caller instead of the configured one (tests that inspect the log). */
  eventStore?: EventStore;
  /** The time expiries are measured by, where a test sets it (`Idempotency-Key` records); the system's otherwise. */
  clock?: Clock;
}

@Module({})
export class AppModule {
  static forRoot({ config, eventStore, clock }: AppModuleOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [
        // The embedded log's WAL is folded in by the read models' checkpointer thread (ProjectionsModule).
        EventStoreModule.forRoot(
          eventStore
            ? { store: eventStore }
            : config.eventStore === 'eventstoredb'
              ? { kind: 'eventstoredb', connectionString: config.eventStoreConnectionString ?? '' }
              : { kind: 'sqlite', dataDir: config.dataDir, checkpoints: 'by-opener' },
        ),
        CqrsModule.forRoot(),
        ProjectionsModule.forRoot({
          dataDir: config.dataDir,
          projections: READ_MODEL_PROJECTIONS,
          // On the embedded store, the projector's thread loads the same list from that file.
          worker: {
            projectionsModule: join(__dirname, 'read-model-projections'),
            exportName: 'READ_MODEL_PROJECTIONS',
          },
        }),
        PlatformModule.forRoot({
          secretsKey: config.secretsKey,
          dataDir: config.dataDir,
          authThrottle: config.authThrottle,
          clock,
        }),
        TeamModule.forRoot({ adminToken: config.adminToken, dataDir: config.dataDir }),
        ConversationsModule,
        AuditModule,
        IntegrationsModule,
        InboxViewsModule.forRoot({ liveStreams: config.liveStreams }),
        OutboundWebhooksModule.forRoot({ dataDir: config.dataDir, config: config.outboundWebhooks }),
      ],
      controllers: [HealthController, MetricsController],
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: APP_PIPE, useFactory: createValidationPipe },
        Metrics,
      ],
      exports: [APP_CONFIG],
    };
  }
}
