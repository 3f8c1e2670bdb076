import { Module, type DynamicModule } from '@nestjs/common';
import type { AppConfig } from '@team-inbox/config';
import { EventStoreModule, type EventStore } from '@team-inbox/event-store';
import { LoggerModule } from 'nestjs-pino';
import { HealthController } from './health/health.controller';

export const APP_CONFIG = Symbol('APP_CONFIG');

export interface AppModuleOptions {
  config: AppConfig;
  /** A store made by the caller instead of the configured one (tests that inspect the log). */
  eventStore?: EventStore;
}

@Module({})
export class AppModule {
  static forRoot({ config, eventStore }: AppModuleOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [
        LoggerModule.forRoot({
          pinoHttp: {
            level: config.logLevel,
            // Tokens travel in headers: never let them reach a log line.
            redact: {
              paths: [
                'req.headers.authorization',
                'req.headers.cookie',
                'req.headers["x-shopify-hmac-sha256"]',
                'req.headers["x-wc-webhook-signature"]',
              ],
              censor: '[redacted]',
            },
          },
        }),
        EventStoreModule.forRoot(
          eventStore
            ? { store: eventStore }
            : config.eventStore === 'eventstoredb'
              ? { kind: 'eventstoredb', connectionString: config.eventStoreConnectionString ?? '' }
              : { kind: 'sqlite', dataDir: config.dataDir },
        ),
      ],
      controllers: [HealthController],
      providers: [{ provide: APP_CONFIG, useValue: config }],
      exports: [APP_CONFIG],
    };
  }
}
