export * from './bootstrap-admin';
export * from './domain/team.events';
export * from './team-directory';
export * from './team.module';
export * from './team.projection';
export { READ_YOUR_WRITES_MS } from './http/members.controller';
