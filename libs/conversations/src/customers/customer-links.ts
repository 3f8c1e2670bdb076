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
import {
  KeyedLock,
  aggregateStream,
  deterministicUuid,
  handleCommand,
  type CommandContext,
  type Decider,
  type DomainEvent,
} from '@team-inbox/core';
import { EVENT_STORE, type EventStore, type StreamRevision } from '@team-inbox/event-store';

export type CustomerConversationLinked = DomainEvent<
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

/** A customer stream's links, oldest first. */
export interface CustomerLinksState {
  links: readonly CustomerConversationLinked['data'][];
}

export type LinkCustomerConversation = {
  type: 'LinkConversation';
  conversationId: string;
  customer: CustomerReference;
  /** Only where the stream links no conversation yet. */
  onlyWhereNone: boolean;
};

/**
 * A customer stream's rule: a conversation becomes the customer's most recent by a link, unless it is that
 * already (a retry appends nothing), or, `onlyWhereNone`, unless one is linked.
 */
export const customerLinksDecider: Decider<CustomerLinksState, LinkCustomerConversation, CustomerConversationLinked> = {
  initialState: { links: [] },
  evolve: (state, event) => ({ links: [...state.links, event.data] }),
  decide({ conversationId, customer, onlyWhereNone }, { links }) {
    const mostRecent = links.at(-1)?.conversationId;
    if (mostRecent === conversationId || (onlyWhereNone && mostRecent !== undefined)) return [];
    return [
      {
        type: 'CustomerConversationLinked',
        data: {
          conversationId,
          integrationId: customer.integrationId,
          customerId: customer.id ?? null,
          email: customer.email ?? null,
        },
      },
    ];
  },
  isEvent: (event) => event.type === 'CustomerConversationLinked',
};

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
  revision: StreamRevision | 'no_stream';
}

/** A claim's stream moved since it was read: someone else linked a conversation first. */
export class CustomerLinkedMeanwhileError extends Error {
  override readonly name = 'CustomerLinkedMeanwhileError';
}

@Injectable()
export class CustomerLinks {
  /**
   * Links to one customer stream take turns in this process, so that they append one after another rather
   * than retry against each other (a burst of one customer's store events and starts); another process's
   * are caught by the revision.
   */
  private readonly turns = new KeyedLock();

  constructor(@Inject(EVENT_STORE) private readonly eventStore: EventStore) {}

  async read(streamId: string, linkedBy?: string): Promise<CustomerStreamState> {
    const { state, last } = await aggregateStream(this.eventStore, streamId, customerLinksDecider);
    const links = state.links.filter((link) => linkedBy === undefined || link.integrationId === linkedBy);
    return { streamId, conversationId: links.at(-1)?.conversationId, revision: last?.revision ?? 'no_stream' };
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
   * Links the conversation at the revision read, and fails with CustomerLinkedMeanwhileError where the
   * stream moved since: someone else linked a conversation first.
   */
  async claim(
    state: CustomerStreamState,
    conversationId: string,
    customer: CustomerReference,
    context: CommandContext,
  ): Promise<void> {
    await this.linkIn(state.streamId, conversationId, customer, context, {
      onlyWhereNone: false,
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
      await this.linkIn(streamId, conversationId, customer, context, { onlyWhereNone });
    }
  }

  private async linkIn(
    streamId: string,
    conversationId: string,
    customer: CustomerReference,
    context: CommandContext,
    { onlyWhereNone, expectedRevision }: { onlyWhereNone: boolean; expectedRevision?: StreamRevision | 'no_stream' },
  ): Promise<void> {
    await this.turns.run(streamId, () =>
      handleCommand(
        this.eventStore,
        streamId,
        customerLinksDecider,
        { type: 'LinkConversation', conversationId, customer, onlyWhereNone },
        {
          context,
          // The same link from a retry at the same revision is the same event: the store does not write it twice.
          eventId: (_, stream) =>
            deterministicUuid('customer-link', streamId, conversationId, String(stream.last?.revision ?? 'no_stream')),
          expectedRevision,
          preconditionFailed: () => new CustomerLinkedMeanwhileError(`${streamId} moved since it was read`),
          keptChanging: "Other requests kept linking this customer's conversations at the same moment; retry",
        },
      ),
    );
  }
}
