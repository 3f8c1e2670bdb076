/**
 * The facts of a `webhook-<uuid>` stream, and which conversation events a webhook may subscribe to. The
 * signing secret is in the log only sealed (SecretBox): the log is read by auditors and copied to backups.
 */
import type { ConversationEventType } from '@team-inbox/conversations';

type Event<Type extends string, Data> = { type: Type; data: Data };

export const WEBHOOK_EVENT_TYPES = [
  'conversation.started',
  'conversation.assigned',
  'conversation.unassigned',
  'conversation.closed',
  'conversation.reopened',
  'message.sent',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** The conversation events a receiver can be sent, by the name it subscribes to; store events are not. */
const WEBHOOK_EVENT_TYPE_OF: Partial<Record<ConversationEventType, WebhookEventType>> = {
  ConversationStarted: 'conversation.started',
  ConversationAssigned: 'conversation.assigned',
  ConversationUnassigned: 'conversation.unassigned',
  ConversationClosed: 'conversation.closed',
  ConversationReopened: 'conversation.reopened',
  MessageSent: 'message.sent',
};

export function webhookEventTypeOf(eventType: string): WebhookEventType | undefined {
  return WEBHOOK_EVENT_TYPE_OF[eventType as ConversationEventType];
}

export type WebhookRegistered = Event<
  'WebhookRegistered',
  { webhookId: string; url: string; eventTypes: WebhookEventType[]; description: string | null; sealedSecret: string }
>;
export type WebhookRemoved = Event<'WebhookRemoved', { webhookId: string }>;

export type WebhookEvent = WebhookRegistered | WebhookRemoved;

export const WEBHOOK_STREAM_PREFIX = 'webhook-';

export function webhookStreamId(webhookId: string): string {
  return `${WEBHOOK_STREAM_PREFIX}${webhookId}`;
}

export function isWebhookEvent(event: {
  type: string;
  streamId: string;
}): event is WebhookEvent & { streamId: string } {
  return (
    event.streamId.startsWith(WEBHOOK_STREAM_PREFIX) &&
    (event.type === 'WebhookRegistered' || event.type === 'WebhookRemoved')
  );
}
