/** The port itself is the domain's (libs/core): this library holds its adapters. */
export * from '@team-inbox/core/event-store/event-store.port';
