import { Injectable, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { Outbox, outboxFile } from './delivery/outbox';
import { WebhookDispatcher } from './delivery/webhook-dispatcher';
import { WebhookSender } from './delivery/webhook-sender';
import { WebhooksController } from './http/webhooks.controller';
import { OUTBOUND_WEBHOOKS_CONFIG, type OutboundWebhooksConfig } from './outbound-webhooks.config';
import { WEBHOOK_COMMAND_HANDLERS } from './webhook.commands';
import { WEBHOOK_QUERY_HANDLERS } from './webhook.queries';

/** Closes the outbox after the dispatcher and the sender have stopped (they stop in onModuleDestroy). */
@Injectable()
class OutboxLifecycle implements OnApplicationShutdown {
  constructor(private readonly outbox: Outbox) {}

  onApplicationShutdown(): void {
    this.outbox.close();
  }
}

/** Webhooks an admin registers, and the signed deliveries of conversation events to them. */
@Module({})
export class OutboundWebhooksModule {
  static forRoot(options: { dataDir: string; config: OutboundWebhooksConfig }): DynamicModule {
    return {
      module: OutboundWebhooksModule,
      imports: [CqrsModule],
      controllers: [WebhooksController],
      providers: [
        { provide: OUTBOUND_WEBHOOKS_CONFIG, useValue: options.config },
        { provide: Outbox, useFactory: () => Outbox.open(outboxFile(options.dataDir)) },
        OutboxLifecycle,
        WebhookSender,
        WebhookDispatcher,
        ...WEBHOOK_COMMAND_HANDLERS,
        ...WEBHOOK_QUERY_HANDLERS,
      ],
      exports: [WebhookSender],
    };
  }
}
