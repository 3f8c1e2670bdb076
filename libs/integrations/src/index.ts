export * from './integrations.module';
export * from './raw-body-routes';
export * from './verification/hmac-signature';
export * from './verification/inbound-webhooks';
export * from './verification/json-with-large-integers';
export * from './webhook-head-checks';
