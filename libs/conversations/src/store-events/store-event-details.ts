/**
 * The bounds of a store event's `details`, one set for both ways in: `POST /store-events` refuses details
 * past them (400 naming the field), and the shop webhooks' receivers keep what fits of a shop's order (a
 * long name cut, the first lines kept, a field that cannot fit left out). So every recorded event's details
 * stay a few kilobytes, whoever sent them.
 */
import type { StoreEventDetails, StoreEventItem } from '../domain/conversation.events';

export const STORE_EVENT_DETAILS_LIMITS = {
  orderNumberCharacters: 100,
  statusCharacters: 100,
  urlCharacters: 2_000,
  items: 100,
  itemNameCharacters: 300,
  quantity: 1_000_000,
} as const;

/** A decimal amount as text: money kept exact, never a float. */
export const DECIMAL_AMOUNT = /^-?[0-9]{1,15}(\.[0-9]{1,6})?$/;
/** An ISO 4217 code, upper case. */
export const CURRENCY_CODE = /^[A-Z]{3}$/;

/** An absolute http or https URL within the bounds: a link an agent can open, nothing else (no `javascript:`). */
export function isHttpUrl(text: string): boolean {
  if (text.length > STORE_EVENT_DETAILS_LIMITS.urlCharacters || !URL.canParse(text)) return false;
  const { protocol } = new URL(text);
  return protocol === 'http:' || protocol === 'https:';
}

/** What a receiver read from a shop's order, before the bounds. */
export interface OrderDetailsCandidate {
  orderNumber?: string;
  total?: string;
  currency?: string;
  status?: string;
  url?: string;
  items?: readonly StoreEventItem[];
}

/**
 * The details of a shop's order, each field kept where it fits and left out where it cannot (a total that
 * is no decimal amount, a URL that is not http or https); undefined where nothing is left.
 */
export function detailsWithinBounds(candidate: OrderDetailsCandidate): StoreEventDetails | undefined {
  const limits = STORE_EVENT_DETAILS_LIMITS;
  const details: StoreEventDetails = {};
  const orderNumber = cut(candidate.orderNumber, limits.orderNumberCharacters);
  if (orderNumber !== undefined) details.orderNumber = orderNumber;
  if (candidate.total !== undefined && DECIMAL_AMOUNT.test(candidate.total)) details.total = candidate.total;
  const currency = candidate.currency?.toUpperCase();
  if (currency !== undefined && CURRENCY_CODE.test(currency)) details.currency = currency;
  const status = cut(candidate.status, limits.statusCharacters);
  if (status !== undefined) details.status = status;
  if (candidate.url !== undefined && isHttpUrl(candidate.url)) details.url = candidate.url;
  if (candidate.items !== undefined) {
    details.items = candidate.items
      .flatMap(({ name, quantity }) => {
        const kept = cut(name, limits.itemNameCharacters);
        const countable = Number.isInteger(quantity) && quantity >= 0 && quantity <= limits.quantity;
        return kept !== undefined && countable ? [{ name: kept, quantity }] : [];
      })
      .slice(0, limits.items);
  }
  return Object.keys(details).length > 0 ? details : undefined;
}

/** Trimmed, and cut to `max` characters with an ellipsis; undefined where nothing is left. */
function cut(text: string | undefined, max: number): string | undefined {
  const trimmed = text?.trim();
  if (!trimmed) return undefined;
  const characters = Array.from(trimmed);
  return characters.length <= max ? trimmed : `${characters.slice(0, max - 1).join('')}…`;
}
