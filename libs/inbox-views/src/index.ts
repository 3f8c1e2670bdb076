export * from './cursor';
export * from './inbox-views.module';
export * from './inbox-views.queries';
