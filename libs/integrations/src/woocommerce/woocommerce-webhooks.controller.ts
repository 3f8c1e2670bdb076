/**
 * `POST /integrations/woocommerce/:integrationId/webhooks`: a WooCommerce webhook's delivery URL.
 *
 * When a shop saves the webhook, WooCommerce pings the URL with a form-encoded `webhook_id=N` and no
 * signature, and saves it only where the answer is exactly 200. Deliveries carry
 * `X-WC-Webhook-Signature`, checked on the raw bytes before anything parses them.
 */
import { Controller, HttpCode, Param, Req } from '@nestjs/common';
import { ApiExcludeEndpoint } from '@nestjs/swagger';
import { IdempotentPost, Public } from '@team-inbox/platform';
import { INTEGRATION_ID_PIPE, InboundWebhooks, headerValue, rawBodyOf } from '../verification/inbound-webhooks';
import { parseWebhookBody } from '../verification/json-with-large-integers';
import { WOOCOMMERCE_ORDER_TOPICS, isWooCommerceOrderTopic, wooCommerceOrderEvent } from './woocommerce-orders';

type WebhookRequest = { headers: Record<string, string | string[] | undefined>; body?: unknown };

const PING = /^webhook_id=\d{1,20}$/;
/** The longest body that may be a ping: `webhook_id=` and 20 digits, with room for the whitespace trimmed. */
const PING_MAX_BYTES = 64;

@Controller('integrations/woocommerce')
export class WooCommerceWebhooksController {
  constructor(private readonly webhooks: InboundWebhooks) {}

  /**
   * Before the body is read: what `receive` would refuse whatever the body (see InboundWebhooks.verifyHead).
   * An unsigned request whose body may be a ping (`declaredBodyBytes` small enough, or not declared) is left
   * for `receive`.
   */
  refuseBeforeTheBody(
    integrationId: string,
    request: WebhookRequest,
    declaredBodyBytes: number | undefined,
  ): Promise<void> {
    const mayBePing = declaredBodyBytes === undefined || declaredBodyBytes <= PING_MAX_BYTES;
    return this.webhooks.verifyHead(
      'woocommerce',
      integrationId,
      headerValue(request, 'x-wc-webhook-signature'),
      mayBePing,
    );
  }

  @IdempotentPost(':integrationId/webhooks')
  @Public()
  @HttpCode(200)
  @ApiExcludeEndpoint()
  async receive(@Param('integrationId', INTEGRATION_ID_PIPE) integrationId: string, @Req() request: WebhookRequest) {
    const body = rawBodyOf(request);
    const signature = headerValue(request, 'x-wc-webhook-signature');
    if (signature === undefined && body.length <= PING_MAX_BYTES && PING.test(body.toString('latin1').trim())) {
      // Unsigned, and nothing is recorded: the answer only tells the shop the URL is right.
      this.webhooks.integration(integrationId);
      this.webhooks.count('woocommerce', 'ping');
      return { received: true, ping: true };
    }
    const integration = this.webhooks.verify('woocommerce', integrationId, body, signature);
    this.webhooks.checkShop('woocommerce', integration, hostOf(headerValue(request, 'x-wc-webhook-source')));

    const topic = headerValue(request, 'x-wc-webhook-topic');
    if (!topic)
      throw this.webhooks.malformed('woocommerce', 'A WooCommerce webhook carries an X-WC-Webhook-Topic header');
    if (!isWooCommerceOrderTopic(topic)) return this.webhooks.ignore('woocommerce', topic, WOOCOMMERCE_ORDER_TOPICS);
    const storeEvent = wooCommerceOrderEvent(topic, parseWebhookBody(body), body);
    if (!storeEvent) {
      throw this.webhooks.malformed('woocommerce', `A ${topic} webhook's body is an order object with an id`);
    }
    return this.webhooks.record('woocommerce', integration, storeEvent, request);
  }
}

/** X-WC-Webhook-Source is the shop's home URL, `https://shop.example.com/`: its host (and port) is the shop. */
function hostOf(source: string | undefined): string | undefined {
  if (!source) return undefined;
  try {
    return new URL(source).host;
  } catch {
    return undefined;
  }
}
