import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { ShopifyWebhooksController } from './shopify/shopify-webhooks.controller';
import { InboundWebhooks } from './verification/inbound-webhooks';
import { WooCommerceWebhooksController } from './woocommerce/woocommerce-webhooks.controller';

/** Shops' own webhooks (Shopify, WooCommerce), received as they send them, as store events. */
@Module({
  imports: [CqrsModule],
  controllers: [ShopifyWebhooksController, WooCommerceWebhooksController],
  providers: [InboundWebhooks],
  exports: [InboundWebhooks],
})
export class IntegrationsModule {}
