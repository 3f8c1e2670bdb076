/**
 * Which integration a conversation belongs to (DESIGN.md, Tenants): an integration acts only on its own
 * customers' conversations, and another's is `404`, told apart from one that does not exist by nothing. So
 * both are answered here, before anything else is read or waited for (the conversation's turn, its
 * remembered state, an `If-Match` check that would show its summary), with the same one read: the stream's
 * first event, whatever follows it.
 */
import { Inject, Injectable } from '@nestjs/common';
import { NotFoundError, type Actor } from '@team-inbox/core';
import { EVENT_STORE, collect, type EventStore } from '@team-inbox/event-store';
import { conversationOwner, conversationStreamId } from '../domain/conversation.events';

export type ConversationOwnership = { started: false } | { started: true; integrationId: string | null };

@Injectable()
export class ConversationOwners {
  constructor(@Inject(EVENT_STORE) private readonly eventStore: EventStore) {}

  async ownership(conversationId: string): Promise<ConversationOwnership> {
    const [first] = await collect(this.eventStore.readStream(conversationStreamId(conversationId), { limit: 1 }));
    if (first?.type !== 'ConversationStarted') return { started: false };
    return { started: true, integrationId: conversationOwner(first) };
  }

  /**
   * Where `actor` is an integration: `404 No conversation <id>` unless the conversation has started and is
   * one of its customers'. Members (and the admin) see every conversation, and pass without a read.
   */
  async assertVisibleTo(actor: Actor, conversationId: string): Promise<void> {
    if (actor.type !== 'integration') return;
    const ownership = await this.ownership(conversationId);
    if (!ownership.started || ownership.integrationId !== actor.id) {
      throw new NotFoundError(`No conversation ${conversationId}`);
    }
  }
}
