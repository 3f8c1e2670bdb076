/**
 * Routes whose body must reach the handler as the raw bytes, whatever its content type: shop webhooks are
 * signed over those bytes, and are checked before anything parses them.
 */
export const SHOPIFY_WEBHOOK_ROUTE = '/integrations/shopify/:integrationId/webhooks';
export const WOOCOMMERCE_WEBHOOK_ROUTE = '/integrations/woocommerce/:integrationId/webhooks';

export const RAW_BODY_ROUTES: ReadonlySet<string> = new Set([SHOPIFY_WEBHOOK_ROUTE, WOOCOMMERCE_WEBHOOK_ROUTE]);
