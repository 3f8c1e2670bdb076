export * from './projection';
export * from './projector';
export * from './read-model-database';
export * from './projections.module';
export * from './process-managers';
export * from './position-waiters';
export * from './checkpointed-subscriber';
export * from './rebuild';
