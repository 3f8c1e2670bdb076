/**
 * Which conversations a customer has, held in the event log so that finding "the customer's most recent
 * conversation" cannot race: `customer-<uuid>` per integration and customer id (a store's customer 7 is
 * not a chat widget's customer 7), and `customer-email-<uuid>` per integration and email, case-insensitive
 * (an integration's customers are its own: DESIGN.md, Tenants). Each holds `CustomerConversationLinked`
 * events; the last one names the most recent conversation. A conversation started for a store event claims
 * its link at the revision read, so of two store events for a new customer only one starts a conversation;
 * the other finds it.
 *
 * Logs written before emails were matched per integration hold one email stream across integrations
 * (`legacyCustomerEmailStreamId`): it is still read, after the integration's own streams find nothing, for
 * the links that integration wrote. Whatever a link names, a conversation is found only where it is the
 * integration's own (`isOwn`): links written before conversations had owners can name another's.
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

export const customerEmailStreamId = (integrationId: string, email: string): string =>
  `customer-email-${deterministicUuid('customer-email', integrationId, email.trim().toLowerCase())}`;

/** The email stream every integration shared before emails were matched per integration: read, never written. */
export const legacyCustomerEmailStreamId = (email: string): string =>
  `customer-email-${deterministicUuid('customer-email', email.trim().toLowerCase())}`;

/** The streams that name this customer, most specific first: the id, then the email. */
export function customerStreams(customer: CustomerReference): string[] {
  const streams: string[] = [];
  if (customer.id) streams.push(customerStreamId(customer.integrationId, customer.id));
  if (customer.email) streams.push(customerEmailStreamId(customer.integrationId, customer.email));
  return streams;
}

/** Whether a linked conversation is the integration's own: started as its customer's, or not started yet. */
export type IsOwnConversation = (conversationId: string) => Promise<boolean>;

export interface FoundConversation {
  /** The customer's most recent conversation that is the integration's own, if any. */
  conversationId: string | undefined;
  /** The customer's first stream as read: where a new conversation claims its link. */
  primary: CustomerStreamState;
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

  async read(streamId: string, linkedBy?: string): Promise<CustomerStreamState> {
    const events = await collect(this.eventStore.readStream(streamId));
    const links = events
      .filter((event) => event.type === 'CustomerConversationLinked')
      .map((event) => event.data as CustomerConversationLinked['data'])
      .filter((link) => linkedBy === undefined || link.integrationId === linkedBy);
    const ids = links.map((link) => link.conversationId);
    return {
      streamId,
      conversationId: ids.at(-1),
      revision: events.at(-1)?.revision ?? 'no_stream',
      linked: new Set(ids),
    };
  }

  /**
   * The customer's most recent conversation of the integration's own: by its id, else by its email, else
   * by the links the integration wrote in the shared email stream of older logs.
   */
  async find(customer: CustomerReference, isOwn: IsOwnConversation): Promise<FoundConversation | undefined> {
    const [primaryStream, ...others] = customerStreams(customer);
    if (primaryStream === undefined) return undefined;
    const primary = await this.read(primaryStream);
    const found = (conversationId: string | undefined) => ({ conversationId, primary });
    if (primary.conversationId && (await isOwn(primary.conversationId))) return found(primary.conversationId);
    for (const streamId of others) {
      const { conversationId } = await this.read(streamId);
      if (conversationId && (await isOwn(conversationId))) return found(conversationId);
    }
    if (customer.email) {
      const legacy = await this.read(legacyCustomerEmailStreamId(customer.email), customer.integrationId);
      if (legacy.conversationId && (await isOwn(legacy.conversationId))) return found(legacy.conversationId);
    }
    return found(undefined);
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
