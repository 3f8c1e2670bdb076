/**
 * Routes whose body must reach the handler as the raw bytes, whatever its content type: shop webhooks are
 * signed over those bytes, and are checked before anything parses them.
 */
export const RAW_BODY_ROUTES: ReadonlySet<string> = new Set([
  '/integrations/shopify/:integrationId/webhooks',
  '/integrations/woocommerce/:integrationId/webhooks',
]);
