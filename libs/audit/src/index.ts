export * from './audit.controller';
export * from './audit.module';
export * from './audit.queries';
