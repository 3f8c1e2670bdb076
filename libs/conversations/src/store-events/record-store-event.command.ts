/**
 * `POST /store-events` and the shop webhooks: a store's event on the customer's conversation.
 *
 * 1. The event's receipt, `store-event-<uuid>` per integration and event id, is the dedupe: the first
 *    request appends it at `no_stream`; any later one (a retry, a redelivery, another process) finds it and
 *    is a duplicate. The receipt names the conversation, so a duplicate answers as the first did.
 * 2. The conversation: the one named, else the customer's most recent (customer links); else, where the
 *    event needs action, a new one, claimed in the customer's stream before it starts so that concurrent
 *    events for one new customer start one conversation. A linked conversation that never started (its
 *    starter stopped between link and start) is started by the next event that finds it. Only the
 *    integration's own conversations count: one named that is another's is `404`, as an unknown one is,
 *    and customers are looked for among its own (DESIGN.md, Tenants).
 * 3. Then the conversation command, with event ids derived from the store event: after a crash between
 *    receipt and timeline, the duplicate finishes the work, and nothing is recorded twice.
 *
 * Nothing acknowledged is lost: an event for a customer with no conversation that needs no action stays
 * in its receipt, in the log.
 */
import { Inject } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import {
  ConflictError,
  KeyedLock,
  aggregateStream,
  deterministicUuid,
  handleCommand,
  type CommandContext,
  type Decider,
  type DomainEvent,
} from '@team-inbox/core';
import { EVENT_STORE, type EventStore, type Position } from '@team-inbox/event-store';
import { randomUUID } from 'node:crypto';
import { ConversationCommandCore } from '../commands/conversation-command-core';
import type { Customer, StoreEventDetails } from '../domain/conversation.events';
import { ConversationOwners } from '../customers/conversation-owners';
import {
  CustomerLinkedMeanwhileError,
  CustomerLinks,
  customerStreams,
  type CustomerReference,
} from '../customers/customer-links';

// A type alias, not an interface: its receipt's data must fit the event store's JSON types.
export type StoreEventInput = {
  integrationId: string;
  /** The integration's own id for the event: the same id again is a duplicate. */
  storeEventId: string;
  type: string;
  summary: string;
  requiresAction: boolean;
  customer: { id?: string | null; email?: string | null; name?: string | null };
  conversationId?: string;
  /** What it says of its order: on the receipt and on the timeline; absent where none was sent. */
  details?: StoreEventDetails;
};

export interface StoreEventOutcome {
  conversationId: string | null;
  reopened: boolean;
  duplicate: boolean;
  /** The position of the last event appended, or of the receipt where this appended nothing. */
  position: Position;
}

export type StoreEventReceived = DomainEvent<
  'StoreEventReceived',
  Omit<StoreEventInput, 'conversationId'> & {
    conversationId: string | null;
    /**
     * The conversation was found through the customer's links: where it has not started (its starter
     * stopped between link and start), this event starts it.
     */
    startIfMissing: boolean;
  }
>;

/** A store event's receipt: the first one recorded counts, and any later copy is a duplicate of it. */
export const receiptDecider: Decider<StoreEventReceived | undefined, StoreEventReceived, StoreEventReceived> = {
  initialState: undefined,
  evolve: (receipt, event) => receipt ?? event,
  decide: (received, receipt) => (receipt ? [] : [received]),
  isEvent: (event) => event.type === 'StoreEventReceived',
};

export const storeEventReceiptStreamId = (integrationId: string, storeEventId: string): string =>
  `store-event-${deterministicUuid('store-event', integrationId, storeEventId)}`;

/** A burst from other processes on one customer's stream; in this process they take turns. */
const CLAIM_ATTEMPTS = 10;

export class RecordStoreEventCommand extends Command<StoreEventOutcome> {
  constructor(
    readonly storeEvent: StoreEventInput,
    readonly context: CommandContext,
  ) {
    super();
  }
}

@CommandHandler(RecordStoreEventCommand)
export class RecordStoreEventHandler implements ICommandHandler<RecordStoreEventCommand> {
  /** Store events for one customer take turns in this process, from finding the conversation to recording. */
  private readonly customerTurns = new KeyedLock();

  constructor(
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    private readonly customerLinks: CustomerLinks,
    private readonly owners: ConversationOwners,
    private readonly conversations: ConversationCommandCore,
  ) {}

  async execute({ storeEvent, context }: RecordStoreEventCommand): Promise<StoreEventOutcome> {
    const customer: CustomerReference = { integrationId: storeEvent.integrationId, ...storeEvent.customer };
    const turnKey = customerStreams(customer)[0] ?? storeEvent.conversationId ?? '';
    return this.customerTurns.run(turnKey, () => this.record(storeEvent, customer, context));
  }

  private async record(
    storeEvent: StoreEventInput,
    customer: CustomerReference,
    context: CommandContext,
  ): Promise<StoreEventOutcome> {
    const receiptStream = storeEventReceiptStreamId(storeEvent.integrationId, storeEvent.storeEventId);
    const earlier = await aggregateStream(this.eventStore, receiptStream, receiptDecider);
    if (earlier.state) return this.finishDuplicate(earlier.state, earlier.last!.position, context);

    const { conversationId, startIfMissing } = await this.findConversation(storeEvent, customer, context);
    const { conversationId: _named, ...received } = storeEvent;
    const receipt: StoreEventReceived = {
      type: 'StoreEventReceived',
      data: { ...received, conversationId, startIfMissing },
    };
    const recorded = await handleCommand(this.eventStore, receiptStream, receiptDecider, receipt, {
      context,
      // A fresh id: the same id would make a concurrent copy's append a retry of this one, and both would win.
      eventId: () => randomUUID(),
      readAs: earlier,
    });
    // The same event, received at the same moment by another request or process: theirs counts.
    if (recorded.events.length === 0) return this.finishDuplicate(recorded.state!, recorded.position!, context);
    return this.finish(receipt, recorded.position!, context, false);
  }

  private async findConversation(
    storeEvent: StoreEventInput,
    customer: CustomerReference,
    context: CommandContext,
  ): Promise<{ conversationId: string | null; startIfMissing: boolean }> {
    if (storeEvent.conversationId) {
      await this.owners.assertVisibleTo(context.actor, storeEvent.conversationId);
      return { conversationId: storeEvent.conversationId, startIfMissing: false };
    }
    const isOwn = async (conversationId: string) => {
      const ownership = await this.owners.ownership(conversationId);
      return !ownership.started || ownership.integrationId === storeEvent.integrationId;
    };
    for (let attempt = 1; attempt <= CLAIM_ATTEMPTS; attempt++) {
      const found = await this.customerLinks.find(customer, isOwn);
      // A shop's order with neither customer id nor email: kept in its receipt, on no conversation.
      if (!found) return { conversationId: null, startIfMissing: false };
      if (found.conversationId) {
        // Found by email: the customer's id (new to us) now finds it too.
        await this.customerLinks.link(found.conversationId, customer, context, { onlyWhereNone: true });
        return { conversationId: found.conversationId, startIfMissing: true };
      }
      if (!storeEvent.requiresAction) return { conversationId: null, startIfMissing: false };

      // Claimed at the revision the look above read: a link made since fails the claim, and the look is taken again.
      const state = found.primary;
      const conversationId = deterministicUuid(
        'conversation',
        'store-event',
        storeEvent.integrationId,
        storeEvent.storeEventId,
      );
      try {
        await this.customerLinks.claim(state, conversationId, customer, context);
        await this.customerLinks.link(conversationId, customer, context);
        return { conversationId, startIfMissing: true };
      } catch (error) {
        if (!(error instanceof CustomerLinkedMeanwhileError)) throw error;
      }
    }
    throw new ConflictError('Other requests kept starting conversations for this customer; retry the store event');
  }

  /**
   * A receipt written before conversations had owners may name another integration's conversation (a store
   * event matched by an email another integration's customer shares): its duplicate neither names that
   * conversation nor touches it, as if it had found none.
   */
  private async finishDuplicate(
    receipt: StoreEventReceived,
    receiptPosition: Position,
    context: CommandContext,
  ): Promise<StoreEventOutcome> {
    const { conversationId, integrationId } = receipt.data;
    if (conversationId !== null) {
      const ownership = await this.owners.ownership(conversationId);
      if (ownership.started && ownership.integrationId !== integrationId) {
        return { conversationId: null, reopened: false, duplicate: true, position: receiptPosition };
      }
    }
    return this.finish(receipt, receiptPosition, context, true);
  }

  private async finish(
    receipt: StoreEventReceived,
    receiptPosition: Position,
    context: CommandContext,
    duplicate: boolean,
  ): Promise<StoreEventOutcome> {
    const { conversationId, startIfMissing, customer, integrationId, storeEventId, type, summary, requiresAction } =
      receipt.data;
    const { details } = receipt.data;
    if (conversationId === null) return { conversationId, reopened: false, duplicate, position: receiptPosition };
    const startedFor: Customer = {
      id: customer.id ?? customer.email?.toLowerCase() ?? '',
      name: customer.name ?? null,
      email: customer.email ?? null,
    };
    const result = await this.conversations.execute(
      {
        type: 'RecordStoreEvent',
        conversationId,
        storeEvent: { integrationId, storeEventId, type, summary, requiresAction, details },
        startWith: startIfMissing ? { customer: startedFor, subject: summary } : undefined,
      },
      context,
      { eventIdSeed: storeEventReceiptStreamId(integrationId, storeEventId) },
    );
    const position = result.appendedTypes.length > 0 ? result.position : receiptPosition;
    return { conversationId, reopened: result.appendedTypes.includes('ConversationReopened'), duplicate, position };
  }
}
