/**
 * Turns the log into deliveries: a subscriber to `$all` with its checkpoint in the outbox. For each
 * conversation event that an active webhook subscribes to, it queues one delivery per webhook, and the
 * checkpoint moves in the same transaction, so no event is queued twice or skipped. It also keeps the
 * outbox's copy of the webhooks from their `webhook-<uuid>` streams. A webhook gets only the events after
 * its registration: the dispatcher meets them in log order.
 */
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { deterministicUuid, readEventMetadata, type Recorded } from '@team-inbox/core';
import { isConversationEvent, type ConversationEvent } from '@team-inbox/conversations';
import {
  EVENT_STORE,
  positionToString,
  type EventStore,
  type Position,
  type RecordedEvent,
} from '@team-inbox/event-store';
import { CheckpointedSubscriber, ProcessManagers, type ProcessProgress } from '@team-inbox/projections';
import { isWebhookEvent, webhookEventTypeOf, type WebhookEvent, type WebhookEventType } from '../domain/webhook.events';
import { OUTBOUND_WEBHOOKS_CONFIG, type OutboundWebhooksConfig } from '../outbound-webhooks.config';
import { Outbox } from './outbox';
import { WebhookSender } from './webhook-sender';

const CHECKPOINT = 'outbound-webhooks';
const RETRY_DELAY_MS = 1000;
const CHECKPOINT_EVERY = 500;
const CHECKPOINT_PAUSE_MS = 1000;

export function deliveryIdFor(webhookId: string, eventId: string): string {
  return deterministicUuid('webhook-delivery', webhookId, eventId);
}

/** What a receiver gets: the body is fixed when queued, so every retry sends the same bytes. */
export function deliveryBody(deliveryId: string, type: WebhookEventType, event: Recorded<ConversationEvent>): string {
  const { actor, occurredAt } = readEventMetadata(event.metadata, event.recordedAt);
  return JSON.stringify({
    id: deliveryId,
    type,
    occurredAt,
    position: positionToString(event.position),
    conversationId: event.data.conversationId,
    actor,
    data: event.data,
  });
}

@Injectable()
export class WebhookDispatcher
  extends CheckpointedSubscriber
  implements ProcessProgress, OnApplicationBootstrap, OnModuleDestroy
{
  readonly name = CHECKPOINT;
  /** The active webhooks' subscriptions, so that an event nobody subscribes to costs no write. */
  private subscriptions: Map<string, ReadonlySet<WebhookEventType>> | undefined;
  private unsaved = 0;
  private saveTimer: NodeJS.Timeout | undefined;

  constructor(
    @Inject(EVENT_STORE) eventStore: EventStore,
    private readonly outbox: Outbox,
    private readonly sender: WebhookSender,
    @Inject(OUTBOUND_WEBHOOKS_CONFIG) private readonly config: OutboundWebhooksConfig,
    processManagers: ProcessManagers,
  ) {
    super(eventStore, new Logger('OutboundWebhooks'), RETRY_DELAY_MS);
    processManagers.register(this);
  }

  onApplicationBootstrap(): void {
    this.start();
  }

  /** Before the outbox closes (in onApplicationShutdown): the checkpoint is saved. */
  async onModuleDestroy(): Promise<void> {
    await this.stop();
  }

  override async stop(): Promise<void> {
    await super.stop();
    if (this.unsaved > 0) this.saveCheckpoint(this.position);
  }

  protected storedCheckpoint(): Position {
    return this.outbox.checkpoint(CHECKPOINT);
  }

  protected handle(event: RecordedEvent): void {
    if (isWebhookEvent(event)) {
      this.outbox.transaction(() => {
        this.applyWebhookEvent(event);
        this.outbox.saveCheckpoint(CHECKPOINT, event.position);
      });
      this.subscriptions = undefined;
      this.checkpointed();
      return;
    }
    const queued = this.queueDeliveries(event);
    if (queued > 0) this.sender.wake();
    else if (queued < 0) this.saveSoon(event.position); // nothing to do: checkpointed in passing
  }

  /**
   * The deliveries of one event and the checkpoint, in one transaction. -1 where the event concerns no
   * webhook (no write at all); a retried event queues nothing twice (the ids derive from webhook and event).
   */
  private queueDeliveries(event: RecordedEvent): number {
    const type = webhookEventTypeOf(event.type);
    // Where this instance does not send, it keeps no outbox: another instance delivers.
    if (!type || !this.config.enabled || !isConversationEvent(event) || !event.streamId.startsWith('conversation-')) {
      return -1;
    }
    const subscribers = [...this.activeSubscriptions()].filter(([, types]) => types.has(type)).map(([id]) => id);
    if (subscribers.length === 0) return -1;
    const now = new Date();
    const queued = this.outbox.transaction(() => {
      let count = 0;
      for (const webhookId of subscribers) {
        const id = deliveryIdFor(webhookId, event.id);
        const { conversationId } = event.data;
        const delivery = {
          id,
          webhookId,
          eventId: event.id,
          eventType: type,
          conversationId,
          position: positionToString(event.position),
          body: deliveryBody(id, type, event),
        };
        if (this.outbox.queue(delivery, now)) count++;
      }
      this.outbox.saveCheckpoint(CHECKPOINT, event.position);
      return count;
    });
    this.checkpointed();
    return queued;
  }

  private applyWebhookEvent(event: RecordedEvent & WebhookEvent): void {
    const { occurredAt } = readEventMetadata(event.metadata, event.recordedAt);
    if (event.type === 'WebhookRegistered') {
      const { webhookId, url, eventTypes, description, sealedSecret } = event.data;
      this.outbox.addWebhook({ id: webhookId, url, eventTypes, description, sealedSecret, createdAt: occurredAt });
    } else {
      this.outbox.removeWebhook(event.data.webhookId, occurredAt);
    }
  }

  private activeSubscriptions(): Map<string, ReadonlySet<WebhookEventType>> {
    this.subscriptions ??= new Map(
      this.outbox.activeWebhooks().map((webhook) => [webhook.id, new Set(webhook.eventTypes)]),
    );
    return this.subscriptions;
  }

  private checkpointed(): void {
    clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
    this.unsaved = 0;
  }

  private saveCheckpoint(position: Position): void {
    this.outbox.saveCheckpoint(CHECKPOINT, position);
    this.checkpointed();
  }

  /** Events that concern no webhook are checkpointed every few hundred, or after a pause: redoing them changes nothing. */
  private saveSoon(position: Position): void {
    if (++this.unsaved >= CHECKPOINT_EVERY) return this.saveCheckpoint(position);
    clearTimeout(this.saveTimer);
    this.saveTimer = setTimeout(() => this.saveCheckpoint(position), CHECKPOINT_PAUSE_MS).unref();
  }
}
