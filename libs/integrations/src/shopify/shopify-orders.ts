/**
 * Shopify's order webhooks as store events. The payload is the order (REST Admin API shape); its ids come
 * in as strings (see parseJsonKeepingLargeIntegers). `orders/create` needs the team: an order to confirm
 * and ship. Payment, fulfilment and cancellation go on the timeline.
 *
 * A store event is known by what the signature covers, not by Shopify's event id: that is a header, and a
 * signed body sent again under a new one is still the same change. An order is created once, so
 * `orders/create` is known by its order id; the other topics by the order id and its `updated_at`, the
 * moment of the change they report (the event id only where an order carries no `updated_at`). The topic is
 * a header too, so a signed body sent again under another topic is not recognised: Shopify signs the body
 * alone.
 */
import type { StoreEventInput } from '@team-inbox/conversations';
import { idText } from '../verification/json-with-large-integers';

export const SHOPIFY_ORDER_TOPICS = ['orders/create', 'orders/paid', 'orders/fulfilled', 'orders/cancelled'] as const;
export type ShopifyOrderTopic = (typeof SHOPIFY_ORDER_TOPICS)[number];

export function isShopifyOrderTopic(topic: string): topic is ShopifyOrderTopic {
  return (SHOPIFY_ORDER_TOPICS as readonly string[]).includes(topic);
}

/** A topic as any of Shopify's deliveries spell it (`orders/create`, `ORDERS_CREATE`, `orders.create`). */
export function shopifyTopic(header: string): string {
  const topic = header.toLowerCase();
  return topic.includes('/') ? topic : topic.replace(/[._]/, '/');
}

type Json = Record<string, unknown>;

/** The store event for an order webhook, less the integration; undefined where it is no order. */
export function shopifyOrderEvent(
  topic: ShopifyOrderTopic,
  order: unknown,
  deliveryId: string,
): Omit<StoreEventInput, 'integrationId'> | undefined {
  if (!isObject(order)) return undefined;
  const orderId = idText(order.id);
  if (orderId === undefined) return undefined;
  const customer = isObject(order.customer) ? order.customer : {};
  const name = [text(customer.first_name), text(customer.last_name)].filter(Boolean).join(' ') || undefined;
  const label = `Order ${text(order.name) ?? `#${idText(order.order_number) ?? orderId}`}`;
  const total = [text(order.total_price), text(order.currency)].filter(Boolean).join(' ');
  return {
    storeEventId: storeEventIdOf(topic, orderId, text(order.updated_at), deliveryId),
    type: topic,
    requiresAction: topic === 'orders/create',
    summary: summaryFor(topic, label, { name, total, items: itemCount(order), reason: text(order.cancel_reason) }),
    customer: {
      id: idText(customer.id) ?? null,
      email: text(order.email) ?? text(customer.email) ?? text(order.contact_email) ?? null,
      name: name ?? null,
    },
  };
}

function storeEventIdOf(
  topic: ShopifyOrderTopic,
  orderId: string,
  updatedAt: string | undefined,
  deliveryId: string,
): string {
  if (topic === 'orders/create') return `${topic}/${orderId}`;
  return updatedAt === undefined ? deliveryId : `${topic}/${orderId}/${updatedAt}`;
}

function summaryFor(
  topic: ShopifyOrderTopic,
  label: string,
  order: { name?: string; total: string; items: number; reason?: string },
): string {
  switch (topic) {
    case 'orders/create': {
      const by = order.name ? ` by ${order.name}` : '';
      const items = `${order.items} item${order.items === 1 ? '' : 's'}`;
      return `${label} placed${by}: ${[items, order.total].filter(Boolean).join(', ')}. Confirm and ship it.`;
    }
    case 'orders/paid':
      return `${label} paid${order.total ? `: ${order.total}` : ''}`;
    case 'orders/fulfilled':
      return `${label} fulfilled`;
    case 'orders/cancelled':
      return `${label} cancelled${order.reason ? ` (reason: ${order.reason})` : ''}`;
  }
}

function itemCount(order: Json): number {
  if (!Array.isArray(order.line_items)) return 0;
  return order.line_items.reduce<number>(
    (sum, item) => sum + (isObject(item) && typeof item.quantity === 'number' ? item.quantity : 0),
    0,
  );
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}
