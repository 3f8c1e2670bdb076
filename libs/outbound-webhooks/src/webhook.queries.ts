/**
 * The webhooks and their deliveries as the outbox holds them, on the QueryBus; and sending a failed
 * delivery again, a command on the outbox (deliveries are this server's work, not facts of the log).
 */
import { Inject } from '@nestjs/common';
import { Command, CommandHandler, Query, QueryHandler, type ICommandHandler, type IQueryHandler } from '@nestjs/cqrs';
import { ConflictError, NotFoundError } from '@team-inbox/core';
import { Outbox, type Delivery, type DeliveryStatus, type Webhook } from './delivery/outbox';
import { WebhookSender } from './delivery/webhook-sender';
import { OUTBOUND_WEBHOOKS_CONFIG, type OutboundWebhooksConfig } from './outbound-webhooks.config';

/** The registered webhooks (not the removed ones). */
export class ListWebhooksQuery extends Query<Webhook[]> {}

/** One registered webhook; `404` where there is none, or it was removed. */
export class GetWebhookQuery extends Query<Webhook> {
  constructor(readonly webhookId: string) {
    super();
  }
}

export interface DeliveriesPage {
  deliveries: Delivery[];
  /** Where more follow: the sequence number the next page starts before. */
  nextBeforeSeq: number | undefined;
}

/** A webhook's deliveries, newest first, `limit` of them before `beforeSeq`; `409` where this server sends none. */
export class ListDeliveriesQuery extends Query<DeliveriesPage> {
  constructor(
    readonly webhookId: string,
    readonly options: { status?: DeliveryStatus; limit: number; beforeSeq?: number },
  ) {
    super();
  }
}

/** A failed delivery, queued to be sent again at once. */
export class RedeliverCommand extends Command<Delivery> {
  constructor(
    readonly webhookId: string,
    readonly deliveryId: string,
  ) {
    super();
  }
}

function activeWebhook(outbox: Outbox, webhookId: string): Webhook {
  const webhook = outbox.webhook(webhookId);
  if (!webhook || webhook.removed) throw new NotFoundError(`No webhook ${webhookId}`);
  return webhook;
}

/** Deliveries live where they are sent: a server with sending off has none to show, and says so. */
function assertSending(config: OutboundWebhooksConfig): void {
  if (config.enabled) return;
  throw new ConflictError(
    'This server does not send webhooks (OUTBOUND_WEBHOOKS=off): ask the server that sends them for its deliveries',
  );
}

@QueryHandler(ListWebhooksQuery)
export class ListWebhooksHandler implements IQueryHandler<ListWebhooksQuery> {
  constructor(private readonly outbox: Outbox) {}

  execute(): Promise<Webhook[]> {
    return Promise.resolve(this.outbox.activeWebhooks());
  }
}

@QueryHandler(GetWebhookQuery)
export class GetWebhookHandler implements IQueryHandler<GetWebhookQuery> {
  constructor(private readonly outbox: Outbox) {}

  execute({ webhookId }: GetWebhookQuery): Promise<Webhook> {
    return Promise.resolve(activeWebhook(this.outbox, webhookId));
  }
}

@QueryHandler(ListDeliveriesQuery)
export class ListDeliveriesHandler implements IQueryHandler<ListDeliveriesQuery> {
  constructor(
    private readonly outbox: Outbox,
    @Inject(OUTBOUND_WEBHOOKS_CONFIG) private readonly config: OutboundWebhooksConfig,
  ) {}

  execute({ webhookId, options }: ListDeliveriesQuery): Promise<DeliveriesPage> {
    activeWebhook(this.outbox, webhookId);
    assertSending(this.config);
    // One more than the page: whether another page follows.
    const rows = this.outbox.deliveries(webhookId, { ...options, limit: options.limit + 1 });
    const deliveries = rows.slice(0, options.limit);
    const nextBeforeSeq = rows.length > options.limit ? deliveries[deliveries.length - 1].seq : undefined;
    return Promise.resolve({ deliveries, nextBeforeSeq });
  }
}

@CommandHandler(RedeliverCommand)
export class RedeliverHandler implements ICommandHandler<RedeliverCommand> {
  constructor(
    private readonly outbox: Outbox,
    private readonly sender: WebhookSender,
    @Inject(OUTBOUND_WEBHOOKS_CONFIG) private readonly config: OutboundWebhooksConfig,
  ) {}

  execute({ webhookId, deliveryId }: RedeliverCommand): Promise<Delivery> {
    activeWebhook(this.outbox, webhookId);
    assertSending(this.config);
    const delivery = this.outbox.delivery(webhookId, deliveryId);
    if (!delivery) throw new NotFoundError(`No delivery ${deliveryId} of webhook ${webhookId}`);
    if (!this.outbox.redeliver(webhookId, deliveryId, new Date())) {
      throw new ConflictError(
        `Delivery ${deliveryId} is ${delivery.status}: only a failed delivery can be redelivered`,
      );
    }
    this.sender.wake();
    return Promise.resolve(this.outbox.delivery(webhookId, deliveryId) ?? delivery);
  }
}

export const WEBHOOK_QUERY_HANDLERS = [ListWebhooksHandler, GetWebhookHandler, ListDeliveriesHandler, RedeliverHandler];
