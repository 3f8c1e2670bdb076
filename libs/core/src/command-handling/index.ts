export * from './decider';
export * from './fold-cache';
export * from './handle-command';
export * from './idempotency-policy';
