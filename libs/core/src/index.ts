export * from './actor';
export * from './event-metadata';
export * from './domain-errors';
export * from './deterministic-id';
export * from './keyed-lock';
export * from './trim-string';
export * from './roles';
export * from './clock';
