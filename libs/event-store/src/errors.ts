export * from '@team-inbox/core/event-store/event-store.errors';
