/**
 * Which conversations a customer has, held in the event log so that finding "the customer's most recent
 * conversation" cannot race: `customer-<uuid>` per integration and customer id (a store's customer 7 is
 * not a chat widget's customer 7), and `customer-email-<uuid>` per email, case-insensitive, across
 * integrations. Each holds `CustomerConversationLinked` events; the last one names the most recent
 * conversation. A conversation started for a store event claims its link at the revision read, so of two
 * store events for a new customer only one starts a conversation; the other finds it.
 */
import { Inject, Injectable } from '@nestjs/common';
import { deterministicUuid, eventMetadata, type CommandContext } from '@team-inbox/core';
import { EVENT_STORE, collect, type EventStore } from '@team-inbox/event-store';

type Event<Type extends string, Data> = { type: Type; data: Data };

export type CustomerConversationLinked = Event<
  'CustomerConversationLinked',
  { conversationId: string; integrationId: string; customerId: string | null; email: string | null }
>;

/** A customer as a channel or store names it: its own id, and an email where it knows one. */
export interface CustomerReference {
  integrationId: string;
  id?: string | null;
  email?: string | null;
}

export const customerStreamId = (integrationId: string, customerId: string): string =>
  `customer-${deterministicUuid('customer', integrationId, customerId)}`;

export const customerEmailStreamId = (email: string): string =>
  `customer-email-${deterministicUuid('customer-email', email.trim().toLowerCase())}`;

/** The streams that name this customer, most specific first: the id, then the email. */
export function customerStreams(customer: CustomerReference): string[] {
  const streams: string[] = [];
  if (customer.id) streams.push(customerStreamId(customer.integrationId, customer.id));
  if (customer.email) streams.push(customerEmailStreamId(customer.email));
  return streams;
}

export interface CustomerStreamState {
  streamId: string;
  /** The most recent conversation linked, if any. */
  conversationId: string | undefined;
  /** The stream's revision as read: what a claim must append at. */
  revision: bigint | 'no_stream';
  linked: ReadonlySet<string>;
}

@Injectable()
export class CustomerLinks {
  constructor(@Inject(EVENT_STORE) private readonly eventStore: EventStore) {}

  async read(streamId: string): Promise<CustomerStreamState> {
    const events = await collect(this.eventStore.readStream(streamId));
    const links = events.filter((event) => event.type === 'CustomerConversationLinked');
    const ids = links.map((event) => (event.data as CustomerConversationLinked['data']).conversationId);
    return {
      streamId,
      conversationId: ids.at(-1),
      revision: events.at(-1)?.revision ?? 'no_stream',
      linked: new Set(ids),
    };
  }

  /** The customer's most recent conversation: by its id, else by its email. */
  async mostRecentConversation(customer: CustomerReference): Promise<string | undefined> {
    for (const streamId of customerStreams(customer)) {
      const { conversationId } = await this.read(streamId);
      if (conversationId) return conversationId;
    }
    return undefined;
  }

  /**
   * Links the conversation at the revision read, and fails with WrongExpectedRevisionError where the
   * stream moved since: someone else linked a conversation first.
   */
  async claim(
    state: CustomerStreamState,
    conversationId: string,
    customer: CustomerReference,
    context: CommandContext,
  ): Promise<void> {
    await this.eventStore.append(state.streamId, [this.linkEvent(state, conversationId, customer, context)], {
      expectedRevision: state.revision,
    });
  }

  /**
   * Makes the conversation the customer's most recent under every stream that names the customer, where
   * it is not linked there already (`onlyWhereNone`: only where no conversation is). Safe to repeat: a
   * retry finds its links and appends nothing.
   */
  async link(
    conversationId: string,
    customer: CustomerReference,
    context: CommandContext,
    { onlyWhereNone = false } = {},
  ): Promise<void> {
    for (const streamId of customerStreams(customer)) {
      const state = await this.read(streamId);
      if (state.conversationId === conversationId || (onlyWhereNone && state.conversationId)) continue;
      await this.eventStore.append(streamId, [this.linkEvent(state, conversationId, customer, context)], {
        expectedRevision: 'any',
      });
    }
  }

  private linkEvent(
    state: CustomerStreamState,
    conversationId: string,
    customer: CustomerReference,
    context: CommandContext,
  ) {
    const linked: CustomerConversationLinked = {
      type: 'CustomerConversationLinked',
      data: {
        conversationId,
        integrationId: customer.integrationId,
        customerId: customer.id ?? null,
        email: customer.email ?? null,
      },
    };
    return {
      // The same link from a retry at the same revision is the same event: the store does not write it twice.
      id: deterministicUuid('customer-link', state.streamId, conversationId, String(state.revision)),
      ...linked,
      metadata: eventMetadata(context),
    };
  }
}
