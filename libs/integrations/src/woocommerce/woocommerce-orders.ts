/**
 * WooCommerce's order webhooks as store events. The payload is the order (REST API v3 shape).
 * `order.created` needs the team; `order.updated` goes on the timeline with the order's status.
 *
 * WooCommerce's delivery id is a hash of the webhook id and the current second, so two real deliveries in
 * one second share it: the dedupe key is the order's id with its `date_modified_gmt` and a hash of the body
 * instead, under the topic, since creating an order may send both topics at one moment.
 */
import type { StoreEventInput } from '@team-inbox/conversations';
import { createHash } from 'node:crypto';
import { idText } from '../verification/json-with-large-integers';

export const WOOCOMMERCE_ORDER_TOPICS = ['order.created', 'order.updated'] as const;
export type WooCommerceOrderTopic = (typeof WOOCOMMERCE_ORDER_TOPICS)[number];

export function isWooCommerceOrderTopic(topic: string): topic is WooCommerceOrderTopic {
  return (WOOCOMMERCE_ORDER_TOPICS as readonly string[]).includes(topic);
}

type Json = Record<string, unknown>;

export function wooCommerceOrderEvent(
  topic: WooCommerceOrderTopic,
  order: unknown,
  body: Buffer,
): Omit<StoreEventInput, 'integrationId'> | undefined {
  if (!isObject(order)) return undefined;
  const orderId = idText(order.id);
  if (orderId === undefined) return undefined;
  const billing = isObject(order.billing) ? order.billing : {};
  const name = [text(billing.first_name), text(billing.last_name)].filter(Boolean).join(' ') || undefined;
  const customerId = idText(order.customer_id);
  const label = `Order #${idText(order.number) ?? orderId}`;
  const status = text(order.status);
  const total = [text(order.total), text(order.currency)].filter(Boolean).join(' ');
  // The body's hash beside the time: two different changes within one second are two events.
  const bodyHash = createHash('sha256').update(body).digest('hex').slice(0, 16);
  const version = `${text(order.date_modified_gmt) ?? 'undated'}/${bodyHash}`;
  return {
    storeEventId: `${topic}/${orderId}/${version}`,
    type: topic,
    requiresAction: topic === 'order.created',
    summary:
      topic === 'order.created'
        ? `${label} placed${name ? ` by ${name}` : ''}${total ? `: ${total}` : ''}${status ? ` (${status})` : ''}. Confirm and ship it.`
        : `${label} is now ${status ?? 'updated'}`,
    customer: {
      // 0 is WooCommerce's guest: no customer account, only the billing email.
      id: customerId === undefined || customerId === '0' ? null : customerId,
      email: text(billing.email) ?? null,
      name: name ?? null,
    },
  };
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}
