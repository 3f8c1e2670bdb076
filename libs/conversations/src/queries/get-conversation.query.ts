import { Inject } from '@nestjs/common';
import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { NotFoundError } from '@team-inbox/core';
import type Database from 'better-sqlite3';
import { EVENT_STORE, type EventStore } from '@team-inbox/event-store';
import { READ_MODEL_DB } from '@team-inbox/projections';
import { ConversationOwners } from '../customers/conversation-owners';
import { CustomerConversations } from '../customers/customer-conversations';
import type { ConversationPageWithCustomer, PageWindow } from '../domain/conversation.view';
import { readConversationPage } from '../read-conversation-page';

/**
 * One conversation, read from its own stream (always current; its revision is the ETag): the summary, and
 * a page of its messages and of its timeline, each within its window; beside them the customer's other
 * conversations, from the read models. `404` where there is none.
 */
export class GetConversationQuery extends Query<ConversationPageWithCustomer> {
  constructor(
    readonly conversationId: string,
    readonly windows: { messages: PageWindow; timeline: PageWindow },
    /** The caller, where they read (`readerOf`): the customer's other conversations carry `unread` for them. */
    readonly readerId?: string,
  ) {
    super();
  }
}

@QueryHandler(GetConversationQuery)
export class GetConversationHandler implements IQueryHandler<GetConversationQuery> {
  private readonly customerConversations: CustomerConversations;

  constructor(
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    @Inject(READ_MODEL_DB) readModels: Database.Database,
    owners: ConversationOwners,
  ) {
    this.customerConversations = new CustomerConversations(readModels, owners);
  }

  async execute({ conversationId, windows, readerId }: GetConversationQuery): Promise<ConversationPageWithCustomer> {
    const page = await readConversationPage(this.eventStore, conversationId, windows);
    if (!page) throw new NotFoundError(`No conversation ${conversationId}`);
    const customer = { id: page.id, customerId: page.customer.id };
    const customerConversations = await this.customerConversations.of(customer, readerId);
    return { ...page, customerConversations };
  }
}
