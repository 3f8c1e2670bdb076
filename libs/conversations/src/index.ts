export * from './conversation-command';
export * from './conversation-summaries.projection';
export * from './conversations.module';
export * from './domain/conversation.decider';
export * from './domain/conversation.events';
export * from './domain/conversation.view';
export * from './customers/customer-links';
export * from './store-events/record-store-event.command';
