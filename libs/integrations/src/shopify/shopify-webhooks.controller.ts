/**
 * `POST /integrations/shopify/:integrationId/webhooks`: where a shop's webhook subscriptions point.
 *
 * The signature (`X-Shopify-Hmac-Sha256`) is checked on the raw bytes before anything parses them. The
 * dedupe key of `orders/create` is its order id (see shopify-orders.ts); of the other topics,
 * `X-Shopify-Event-Id` where sent (Shopify's advice: one event reaches each subscription with its own
 * webhook id), else `X-Shopify-Webhook-Id`, the same on every retry of a delivery. Each header is read
 * under its prefix-less name too (`shopify-hmac-sha256`, `shopify-topic`, ...), as Shopify's event
 * deliveries send them and @shopify/shopify-api reads them, that name first. The answer is quick: one
 * command, well inside Shopify's 5 seconds; a topic it does not act on is acknowledged, so that Shopify
 * does not retry it and then drop the subscription.
 */
import { Controller, HttpCode, Param, Req } from '@nestjs/common';
import { ApiExcludeEndpoint } from '@nestjs/swagger';
import { IdempotentPost, Public } from '@team-inbox/platform';
import { INTEGRATION_ID_PIPE, InboundWebhooks, headerValue, rawBodyOf } from '../verification/inbound-webhooks';
import { parseWebhookBody } from '../verification/json-with-large-integers';
import { SHOPIFY_ORDER_TOPICS, isShopifyOrderTopic, shopifyOrderEvent, shopifyTopic } from './shopify-orders';

type WebhookRequest = { headers: Record<string, string | string[] | undefined>; body?: unknown };

/** A Shopify header by its name without prefix (`hmac-sha256`): `shopify-<name>`, else `x-shopify-<name>`. */
const shopifyHeader = (request: WebhookRequest, name: string): string | undefined =>
  headerValue(request, `shopify-${name}`) ?? headerValue(request, `x-shopify-${name}`);

@Controller('integrations/shopify')
export class ShopifyWebhooksController {
  constructor(private readonly webhooks: InboundWebhooks) {}

  /** Before the body is read: what `receive` would refuse whatever the body (see InboundWebhooks.verifyHead). */
  refuseBeforeTheBody(integrationId: string, request: WebhookRequest): Promise<void> {
    return this.webhooks.verifyHead('shopify', integrationId, shopifyHeader(request, 'hmac-sha256'));
  }

  @IdempotentPost(':integrationId/webhooks')
  @Public()
  @HttpCode(200)
  @ApiExcludeEndpoint()
  async receive(@Param('integrationId', INTEGRATION_ID_PIPE) integrationId: string, @Req() request: WebhookRequest) {
    const body = rawBodyOf(request);
    const integration = this.webhooks.verify('shopify', integrationId, body, shopifyHeader(request, 'hmac-sha256'));
    const shopDomain = shopifyHeader(request, 'shop-domain');
    this.webhooks.checkShop('shopify', integration, shopDomain);

    const topicHeader = shopifyHeader(request, 'topic');
    const topic = topicHeader && shopifyTopic(topicHeader);
    const deliveryId = shopifyHeader(request, 'event-id') ?? shopifyHeader(request, 'webhook-id');
    if (!topic || !deliveryId) {
      throw this.webhooks.malformed(
        'shopify',
        'A Shopify webhook carries X-Shopify-Topic and X-Shopify-Webhook-Id headers',
      );
    }
    if (!isShopifyOrderTopic(topic)) return this.webhooks.ignore('shopify', topic, SHOPIFY_ORDER_TOPICS);
    const storeEvent = shopifyOrderEvent(topic, parseWebhookBody(body), deliveryId, shopDomain);
    if (!storeEvent)
      throw this.webhooks.malformed('shopify', `A ${topic} webhook's body is an order object with an id`);
    return this.webhooks.record('shopify', integration, storeEvent, request);
  }
}
