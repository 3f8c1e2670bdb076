export * from './domain/webhook.events';
export * from './outbound-webhooks.module';
export * from './signing/webhook-signature';
export { outboxFile, type DeliveryStatus } from './delivery/outbox';
export { WebhookSender } from './delivery/webhook-sender';
