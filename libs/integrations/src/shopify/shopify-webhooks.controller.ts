/**
 * `POST /integrations/shopify/:integrationId/webhooks`: where a shop's webhook subscriptions point.
 *
 * The signature (`X-Shopify-Hmac-Sha256`) is checked on the raw bytes before anything parses them. The
 * dedupe key is `X-Shopify-Event-Id` where sent (Shopify's advice: one event reaches each subscription
 * with its own webhook id), else `X-Shopify-Webhook-Id`, the same on every retry of a delivery. The answer
 * is quick: one command, well inside Shopify's 5 seconds; a topic it does not act on is acknowledged, so
 * that Shopify does not retry it and then drop the subscription.
 */
import { Controller, HttpCode, Param, ParseUUIDPipe, Req } from '@nestjs/common';
import { ApiExcludeEndpoint } from '@nestjs/swagger';
import { IdempotentPost, Public } from '@team-inbox/team';
import { InboundWebhooks, headerValue, rawBodyOf } from '../verification/inbound-webhooks';
import { parseWebhookBody } from '../verification/json-with-large-integers';
import { SHOPIFY_ORDER_TOPICS, isShopifyOrderTopic, shopifyOrderEvent } from './shopify-orders';

type WebhookRequest = { headers: Record<string, string | string[] | undefined>; body?: unknown };

@Controller('integrations/shopify')
export class ShopifyWebhooksController {
  constructor(private readonly webhooks: InboundWebhooks) {}

  @IdempotentPost(':integrationId/webhooks')
  @Public()
  @HttpCode(200)
  @ApiExcludeEndpoint()
  async receive(
    @Param('integrationId', new ParseUUIDPipe({ errorHttpStatusCode: 400 })) integrationId: string,
    @Req() request: WebhookRequest,
  ) {
    const body = rawBodyOf(request);
    const integration = this.webhooks.verify(
      'shopify',
      integrationId,
      body,
      headerValue(request, 'x-shopify-hmac-sha256'),
    );
    this.webhooks.checkShop('shopify', integration, headerValue(request, 'x-shopify-shop-domain'));

    const topic = headerValue(request, 'x-shopify-topic');
    const deliveryId = headerValue(request, 'x-shopify-event-id') ?? headerValue(request, 'x-shopify-webhook-id');
    if (!topic || !deliveryId) {
      throw this.webhooks.malformed(
        'shopify',
        'A Shopify webhook carries X-Shopify-Topic and X-Shopify-Webhook-Id headers',
      );
    }
    if (!isShopifyOrderTopic(topic)) return this.webhooks.ignore('shopify', topic, SHOPIFY_ORDER_TOPICS);
    const storeEvent = shopifyOrderEvent(topic, parseWebhookBody(body));
    if (!storeEvent)
      throw this.webhooks.malformed('shopify', `A ${topic} webhook's body is an order object with an id`);
    return this.webhooks.record('shopify', integration, { ...storeEvent, storeEventId: deliveryId }, request);
  }
}
