/**
 * WooCommerce's order webhooks as store events. The payload is the order (REST API v3 shape).
 * `order.created` needs the team; `order.updated` goes on the timeline with the order's status.
 *
 * WooCommerce's delivery id is a hash of the webhook id and the current second, so two real deliveries in
 * one second share it: the dedupe key is the order's id with its `date_modified_gmt` and a hash of the body
 * instead, under the topic, since creating an order may send both topics at one moment.
 *
 * Each event carries the order's details: its number, total and currency, status, line items, and a link to
 * the order in the site's admin, whose address comes from the signed body (the order's own REST link), not
 * from a header.
 */
import type { StoreEventInput, StoreEventItem } from '@team-inbox/conversations';
import { detailsWithinBounds } from '@team-inbox/conversations/store-events/store-event-details';
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
  const details = detailsWithinBounds({
    orderNumber: `#${idText(order.number) ?? orderId}`,
    total: text(order.total),
    currency: text(order.currency),
    status,
    url: adminUrl(order, orderId),
    items: lineItems(order),
  });
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
    ...(details === undefined ? {} : { details }),
  };
}

/**
 * The order's edit page in the site's admin (`post.php`, which sites on the order tables of their own
 * redirect to theirs), at the site the order's REST link names (`/wp-json/…`, or `?rest_route=…`).
 */
function adminUrl(order: Json, orderId: string): string | undefined {
  const links = isObject(order._links) ? order._links : {};
  const self = Array.isArray(links.self) && isObject(links.self[0]) ? text(links.self[0].href) : undefined;
  if (self === undefined || !URL.canParse(self)) return undefined;
  const link = new URL(self);
  const restAt = link.pathname.indexOf('/wp-json/');
  if (restAt < 0 && !link.searchParams.has('rest_route')) return undefined;
  const sitePath = (restAt < 0 ? link.pathname : link.pathname.slice(0, restAt)).replace(/\/+$/, '');
  return `${link.origin}${sitePath}/wp-admin/post.php?post=${encodeURIComponent(orderId)}&action=edit`;
}

/** Each line item by its name (WooCommerce's names come HTML-escaped: `&ndash;`) and quantity. */
function lineItems(order: Json): StoreEventItem[] | undefined {
  if (!Array.isArray(order.line_items)) return undefined;
  return order.line_items.flatMap((item) => {
    if (!isObject(item) || typeof item.quantity !== 'number') return [];
    const name = text(item.name);
    return name === undefined ? [] : [{ name: unescapeHtml(name), quantity: item.quantity }];
  });
}

const NAMED_CHARACTERS = new Map<string, string>([
  ['amp', '&'],
  ['lt', '<'],
  ['gt', '>'],
  ['quot', '"'],
  ['apos', "'"],
  ['nbsp', '\u00a0'],
  ['ndash', '\u2013'],
  ['mdash', '\u2014'],
  ['hellip', '\u2026'],
  ['lsquo', '\u2018'],
  ['rsquo', '\u2019'],
  ['ldquo', '\u201c'],
  ['rdquo', '\u201d'],
  ['times', '\u00d7'],
]);

/** The text WordPress escaped for HTML: numeric references, and the named ones its titles hold. */
function unescapeHtml(escaped: string): string {
  return escaped.replace(/&(#x[0-9a-f]{1,6}|#[0-9]{1,7}|[a-z]{2,8});/gi, (reference, name: string) => {
    if (name.startsWith('#')) {
      const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      return code > 0 && code <= 0x10ffff && (code < 0xd800 || code > 0xdfff) ? String.fromCodePoint(code) : reference;
    }
    return NAMED_CHARACTERS.get(name.toLowerCase()) ?? reference;
  });
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}
