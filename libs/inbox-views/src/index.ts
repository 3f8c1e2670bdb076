export * from './cursor';
export * from './inbox-views.module';
export * from './inbox-views.queries';
export { LiveFeed, type LiveStreamSettings } from './live/live-feed';
