import type { AppConfig } from '@team-inbox/config';

export type OutboundWebhooksConfig = AppConfig['outboundWebhooks'];

/** Nest injection token for `AppConfig.outboundWebhooks`. */
export const OUTBOUND_WEBHOOKS_CONFIG = Symbol('OUTBOUND_WEBHOOKS_CONFIG');
