import { Inject } from '@nestjs/common';
import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { NotFoundError } from '@team-inbox/core';
import { EVENT_STORE, type EventStore } from '@team-inbox/event-store';
import type { ConversationPage, PageWindow } from '../domain/conversation.view';
import { readConversationPage } from '../read-conversation-page';

/**
 * One conversation, read from its own stream (always current; its revision is the ETag): the summary, and
 * a page of its messages and of its timeline, each within its window. `404` where there is none.
 */
export class GetConversationQuery extends Query<ConversationPage> {
  constructor(
    readonly conversationId: string,
    readonly windows: { messages: PageWindow; timeline: PageWindow },
  ) {
    super();
  }
}

@QueryHandler(GetConversationQuery)
export class GetConversationHandler implements IQueryHandler<GetConversationQuery> {
  constructor(@Inject(EVENT_STORE) private readonly eventStore: EventStore) {}

  async execute({ conversationId, windows }: GetConversationQuery): Promise<ConversationPage> {
    const page = await readConversationPage(this.eventStore, conversationId, windows);
    if (!page) throw new NotFoundError(`No conversation ${conversationId}`);
    return page;
  }
}
