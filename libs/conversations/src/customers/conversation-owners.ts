/**
 * Which integration a conversation belongs to (DESIGN.md, Tenants): an integration acts only on its own
 * customers' conversations, and another's is `404`, told apart from one that does not exist by nothing. So
 * both are answered here, before anything else is read or waited for (the conversation's turn, its
 * remembered state, an `If-Match` check that would show its summary), with the same one read: the stream's
 * first event, whatever follows it.
 *
 * A conversation's first event never changes, so its owner is remembered once read (a bounded number of
 * them, least recently used dropped first), and an integration's next message on its own conversation reads
 * nothing. Only that answer is taken from memory: another integration's conversation is read again before
 * its `404`, as one that does not exist is, so what this process happens to remember cannot be timed.
 */
import { Inject, Injectable } from '@nestjs/common';
import { NotFoundError, type Actor } from '@team-inbox/core';
import { EVENT_STORE, collect, type EventStore } from '@team-inbox/event-store';
import { conversationOwner, conversationStreamId } from '../domain/conversation.events';

export type ConversationOwnership = { started: false } | { started: true; integrationId: string | null };

/** How many conversations' owners are remembered: a few hundred kB. */
export const REMEMBERED_OWNERS = 10_000;

@Injectable()
export class ConversationOwners {
  /** Started conversations' owners (`null`: started before conversations had owners), by conversation id. */
  private readonly remembered = new Map<string, string | null>();

  constructor(@Inject(EVENT_STORE) private readonly eventStore: EventStore) {}

  async ownership(conversationId: string): Promise<ConversationOwnership> {
    const [first] = await collect(this.eventStore.readStream(conversationStreamId(conversationId), { limit: 1 }));
    if (first?.type !== 'ConversationStarted') return { started: false };
    const integrationId = conversationOwner(first);
    this.remember(conversationId, integrationId);
    return { started: true, integrationId };
  }

  /**
   * The owner for a member's read (members see every conversation, so nothing here can be timed): from
   * memory where this process read it before, else read and remembered.
   */
  async ownerForMember(conversationId: string): Promise<ConversationOwnership> {
    if (this.remembered.has(conversationId)) {
      const integrationId = this.remembered.get(conversationId)!;
      this.remember(conversationId, integrationId);
      return { started: true, integrationId };
    }
    return this.ownership(conversationId);
  }

  /**
   * Where `actor` is an integration: `404 No conversation <id>` unless the conversation has started and is
   * one of its customers'. Members (and the admin) see every conversation, and pass without a read.
   */
  async assertVisibleTo(actor: Actor, conversationId: string): Promise<void> {
    if (actor.type !== 'integration') return;
    if (this.remembered.get(conversationId) === actor.id) {
      this.remember(conversationId, actor.id);
      return;
    }
    const ownership = await this.ownership(conversationId);
    if (!ownership.started || ownership.integrationId !== actor.id) {
      throw new NotFoundError(`No conversation ${conversationId}`);
    }
  }

  private remember(conversationId: string, integrationId: string | null): void {
    this.remembered.delete(conversationId); // re-inserted last: the most recently used
    this.remembered.set(conversationId, integrationId);
    if (this.remembered.size > REMEMBERED_OWNERS) this.remembered.delete(this.remembered.keys().next().value!);
  }
}
