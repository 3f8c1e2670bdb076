/**
 * The shop webhook routes are public and signed over their raw body, so their body is read before it can be
 * checked. What their path and headers alone decide (an unknown integration, no secret, no signature) is
 * decided before that, by the server's hook that runs before any body is read.
 */
import type { Type } from '@nestjs/common';
import { SHOPIFY_WEBHOOK_ROUTE, WOOCOMMERCE_WEBHOOK_ROUTE } from './raw-body-routes';
import { ShopifyWebhooksController } from './shopify/shopify-webhooks.controller';
import { WooCommerceWebhooksController } from './woocommerce/woocommerce-webhooks.controller';

/** A request as it is before its body: its route's parameters, its headers and the body's declared length. */
export interface RequestHead {
  params: unknown;
  headers: Record<string, string | string[] | undefined>;
  /** Content-Length; undefined where the body is chunked. */
  declaredBodyBytes: number | undefined;
}

/** Throws the answer that refuses the request; resolves where its body is to be read. */
export type RequestHeadCheck = (head: RequestHead) => Promise<void>;

/** Each webhook route's check, by Fastify's route path; `app` resolves the controllers Nest made. */
export function webhookHeadChecks(app: { get<T>(type: Type<T>): T }): ReadonlyMap<string, RequestHeadCheck> {
  const shopify = app.get(ShopifyWebhooksController);
  const wooCommerce = app.get(WooCommerceWebhooksController);
  return new Map<string, RequestHeadCheck>([
    [SHOPIFY_WEBHOOK_ROUTE, (head) => shopify.refuseBeforeTheBody(integrationIdOf(head), head)],
    [
      WOOCOMMERCE_WEBHOOK_ROUTE,
      (head) => wooCommerce.refuseBeforeTheBody(integrationIdOf(head), head, head.declaredBodyBytes),
    ],
  ]);
}

function integrationIdOf(head: RequestHead): string {
  const { integrationId } = (head.params ?? {}) as { integrationId?: unknown };
  return typeof integrationId === 'string' ? integrationId : '';
}
