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
 *
 * Each event carries the order's details: its name (`#1001`, as the shop shows it), total and currency, its
 * payment and fulfilment status, its line items, and a link: the order in the shop's admin where the
 * delivery names the shop's `*.myshopify.com` domain (checked against the integration's shop where one is
 * set), else the customer's order status page, which the signed body holds.
 */
import type { StoreEventInput, StoreEventItem } from '@team-inbox/conversations';
import { detailsWithinBounds } from '@team-inbox/conversations/store-events/store-event-details';
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

/**
 * The store event for an order webhook, less the integration; undefined where it is no order. `shopDomain`
 * (the delivery's `X-Shopify-Shop-Domain`) makes the link the order's page in the shop's admin.
 */
export function shopifyOrderEvent(
  topic: ShopifyOrderTopic,
  order: unknown,
  deliveryId: string,
  shopDomain?: string,
): Omit<StoreEventInput, 'integrationId'> | undefined {
  if (!isObject(order)) return undefined;
  const orderId = idText(order.id);
  if (orderId === undefined) return undefined;
  const customer = isObject(order.customer) ? order.customer : {};
  const name = [text(customer.first_name), text(customer.last_name)].filter(Boolean).join(' ') || undefined;
  const label = `Order ${text(order.name) ?? `#${idText(order.order_number) ?? orderId}`}`;
  const total = [text(order.total_price), text(order.currency)].filter(Boolean).join(' ');
  const orderNumber = idText(order.order_number);
  const details = detailsWithinBounds({
    orderNumber: text(order.name) ?? (orderNumber === undefined ? undefined : `#${orderNumber}`),
    total: text(order.total_price),
    currency: text(order.currency),
    status: statusOf(order),
    url: adminUrl(shopDomain, orderId) ?? text(order.order_status_url),
    items: lineItems(order),
  });
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
    ...(details === undefined ? {} : { details }),
  };
}

/**
 * The order's state as its admin shows it: cancelled where it is, its payment (`financial_status`) and its
 * fulfilment (`fulfillment_status`, null until something ships), as Shopify spells them.
 */
function statusOf(order: Json): string | undefined {
  const words = (value: unknown) => text(value)?.replace(/_/g, ' ');
  const fulfilment = order.fulfillment_status === null ? 'unfulfilled' : words(order.fulfillment_status);
  const parts = [order.cancelled_at ? 'cancelled' : undefined, words(order.financial_status), fulfilment];
  return parts.filter(Boolean).join(', ') || undefined;
}

/** The order's page in the shop's admin, where the delivery names its `*.myshopify.com` domain. */
function adminUrl(shopDomain: string | undefined, orderId: string): string | undefined {
  const shop = shopDomain?.trim().toLowerCase();
  return shop && /^[a-z0-9][a-z0-9-]*\.myshopify\.com$/.test(shop)
    ? `https://${shop}/admin/orders/${orderId}`
    : undefined;
}

/** Each line item by its name (its title where it has none) and quantity. */
function lineItems(order: Json): StoreEventItem[] | undefined {
  if (!Array.isArray(order.line_items)) return undefined;
  return order.line_items.flatMap((item) => {
    if (!isObject(item) || typeof item.quantity !== 'number') return [];
    const name = text(item.name) ?? text(item.title);
    return name === undefined ? [] : [{ name, quantity: item.quantity }];
  });
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
