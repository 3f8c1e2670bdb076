import { ConflictError, NotFoundError } from '@team-inbox/core';
import { deciderSpecification } from '@team-inbox/core/testing/decider-specification';
import { conversationDecider } from './conversation.decider';
import type { ConversationEvent } from './conversation.events';

const given = deciderSpecification(conversationDecider);
const conversationId = 'c0nversation-0000-4000-8000-000000000001';
const customer = { id: 'cust-42', name: 'Ada', email: 'ada@example.com' };
const alice = 'member-alice';
const bob = 'member-bob';

const started: ConversationEvent[] = [
  { type: 'ConversationStarted', data: { conversationId, customer, subject: 'Where is my order?' } },
  {
    type: 'MessageSent',
    data: { conversationId, messageId: 'm1', author: { type: 'customer', id: 'cust-42' }, body: 'Hello' },
  },
];
const assignedTo = (assigneeId: string, previousAssigneeId: string | null = null): ConversationEvent => ({
  type: 'ConversationAssigned',
  data: { conversationId, assigneeId, previousAssigneeId, reason: 'manual' },
});
const closed: ConversationEvent = { type: 'ConversationClosed', data: { conversationId } };

describe('conversation rules', () => {
  describe('starting', () => {
    it("a customer's first message starts an open, unassigned conversation", () =>
      given([])
        .when({
          type: 'StartConversation',
          conversationId,
          customer,
          subject: 'Where is my order?',
          messageId: 'm1',
          body: 'Hello',
        })
        .then(started));

    it("records whose customer it is: the integration's that started it", () =>
      given([])
        .when({
          type: 'StartConversation',
          conversationId,
          customer,
          subject: null,
          messageId: 'm1',
          body: 'Hello',
          integrationId: 'chat-1',
        })
        .then([
          { type: 'ConversationStarted', data: { conversationId, customer, subject: null, integrationId: 'chat-1' } },
          started[1],
        ]));

    it('a conversation starts once', () =>
      given(started)
        .when({ type: 'StartConversation', conversationId, customer, subject: null, messageId: 'm9', body: 'Again' })
        .thenThrows(ConflictError, /already started/));
  });

  describe("a customer's message", () => {
    const message = {
      type: 'PostCustomerMessage' as const,
      conversationId,
      messageId: 'm2',
      body: 'Any news?',
    };
    const sent: ConversationEvent = {
      type: 'MessageSent',
      data: { conversationId, messageId: 'm2', author: { type: 'customer', id: 'cust-42' }, body: 'Any news?' },
    };

    it('is added to an open conversation', () => given(started).when(message).then([sent]));

    it('reopens a closed conversation first, keeping its assignee', () =>
      given([...started, assignedTo(alice), closed])
        .when(message)
        .then([
          { type: 'ConversationReopened', data: { conversationId, reason: 'customer_replied', storeEventId: null } },
          sent,
        ]));

    it('cannot go to a conversation that does not exist', () =>
      given([]).when(message).thenThrows(NotFoundError, `No conversation ${conversationId}`));
  });

  describe("a member's reply", () => {
    const reply = (memberId: string) => ({
      type: 'ReplyToConversation' as const,
      conversationId,
      memberId,
      messageId: 'r1',
      body: 'On its way!',
    });
    const replied = (memberId: string): ConversationEvent => ({
      type: 'MessageSent',
      data: { conversationId, messageId: 'r1', author: { type: 'member', id: memberId }, body: 'On its way!' },
    });

    it('assigns an unassigned conversation to its author', () =>
      given(started)
        .when(reply(alice))
        .then([
          {
            type: 'ConversationAssigned',
            data: { conversationId, assigneeId: alice, previousAssigneeId: null, reason: 'replied' },
          },
          replied(alice),
        ]));

    it("leaves someone else's assignment alone", () =>
      given([...started, assignedTo(bob)])
        .when(reply(alice))
        .then([replied(alice)]));

    it('leaves a closed conversation closed', () =>
      given([...started, assignedTo(alice), closed])
        .when(reply(alice))
        .then([replied(alice)]));
  });

  describe('assigning', () => {
    it('assigns an unassigned conversation', () =>
      given(started)
        .when({ type: 'AssignConversation', conversationId, assigneeId: alice })
        .then([assignedTo(alice)]));

    it('reassigns from someone else, naming who had it', () =>
      given([...started, assignedTo(alice)])
        .when({ type: 'AssignConversation', conversationId, assigneeId: bob })
        .then([assignedTo(bob, alice)]));

    it('does nothing where the member is the assignee already', () =>
      given([...started, assignedTo(alice)])
        .when({ type: 'AssignConversation', conversationId, assigneeId: alice })
        .thenNothingHappened());

    it('assigns a closed conversation without reopening it', () =>
      given([...started, closed])
        .when({ type: 'AssignConversation', conversationId, assigneeId: alice })
        .then([assignedTo(alice)]));
  });

  describe('unassigning', () => {
    it('returns the conversation to the unassigned queue', () =>
      given([...started, assignedTo(alice)])
        .when({ type: 'UnassignConversation', conversationId })
        .then([
          { type: 'ConversationUnassigned', data: { conversationId, previousAssigneeId: alice, reason: 'manual' } },
        ]));

    it('does nothing where unassigned', () =>
      given(started).when({ type: 'UnassignConversation', conversationId }).thenNothingHappened());

    it("unassigns a removed member's conversation, with that reason", () =>
      given([...started, assignedTo(alice)])
        .when({ type: 'UnassignRemovedMember', conversationId, memberId: alice })
        .then([
          {
            type: 'ConversationUnassigned',
            data: { conversationId, previousAssigneeId: alice, reason: 'member_removed' },
          },
        ]));

    it('leaves a conversation alone that someone else has taken since the member was removed', () =>
      given([...started, assignedTo(alice), assignedTo(bob, alice)])
        .when({ type: 'UnassignRemovedMember', conversationId, memberId: alice })
        .thenNothingHappened());
  });

  describe('closing and reopening', () => {
    it('closes an open conversation, keeping its assignee', () =>
      given([...started, assignedTo(alice)])
        .when({ type: 'CloseConversation', conversationId })
        .then([closed]));

    it('does nothing where closed already', () =>
      given([...started, closed])
        .when({ type: 'CloseConversation', conversationId })
        .thenNothingHappened());

    it('reopens a closed conversation by hand', () =>
      given([...started, closed])
        .when({ type: 'ReopenConversation', conversationId })
        .then([{ type: 'ConversationReopened', data: { conversationId, reason: 'manual', storeEventId: null } }]));

    it('does nothing where open', () =>
      given(started).when({ type: 'ReopenConversation', conversationId }).thenNothingHappened());

    it.each(['AssignConversation', 'UnassignConversation', 'CloseConversation', 'ReopenConversation'] as const)(
      '%s on a conversation that does not exist is not found',
      (type) =>
        given([])
          .when(type === 'AssignConversation' ? { type, conversationId, assigneeId: alice } : { type, conversationId })
          .thenThrows(NotFoundError),
    );
  });

  describe('a store event', () => {
    const orderPlaced = {
      integrationId: 'shop-1',
      storeEventId: 'order-1001-created',
      type: 'orders/create',
      summary: 'Order #1001 placed: confirm and ship it',
      requiresAction: true,
    };
    const orderPaid = { ...orderPlaced, storeEventId: 'order-1001-paid', type: 'orders/paid', requiresAction: false };
    const record = (storeEvent: typeof orderPlaced) =>
      ({ type: 'RecordStoreEvent', conversationId, storeEvent }) as const;
    const recorded = (storeEvent: typeof orderPlaced): ConversationEvent => ({
      type: 'StoreEventRecorded',
      data: { conversationId, ...storeEvent },
    });

    it('goes on the timeline of an open conversation', () =>
      given(started)
        .when(record(orderPlaced))
        .then([recorded(orderPlaced)]));

    it('that needs action reopens a closed conversation, with that reason, keeping its assignee', () =>
      given([...started, assignedTo(alice), closed])
        .when(record(orderPlaced))
        .then([
          recorded(orderPlaced),
          {
            type: 'ConversationReopened',
            data: { conversationId, reason: 'store_event', storeEventId: 'order-1001-created' },
          },
        ]));

    it('that needs no action leaves a closed conversation closed', () =>
      given([...started, closed])
        .when(record(orderPaid))
        .then([recorded(orderPaid)]));

    it('is recorded once: the same event again changes nothing', () =>
      given([...started, recorded(orderPlaced), closed])
        .when(record(orderPlaced))
        .thenNothingHappened());

    it('with the same id from another integration is another event', () =>
      given([...started, recorded(orderPlaced)])
        .when(record({ ...orderPlaced, integrationId: 'shop-2' }))
        .then([recorded({ ...orderPlaced, integrationId: 'shop-2' })]));

    it("starts the conversation it was given for a customer who had none, as the store's customer", () =>
      given([])
        .when({ ...record(orderPlaced), startWith: { customer, subject: 'Order #1001' } })
        .then([
          {
            type: 'ConversationStarted',
            data: { conversationId, customer, subject: 'Order #1001', integrationId: 'shop-1' },
          },
          recorded(orderPlaced),
        ]));

    it("carries the store's details of the order onto the timeline as they were sent", () => {
      const details = {
        orderNumber: '#1001',
        total: '59.00',
        currency: 'EUR',
        status: 'paid',
        url: 'https://shop.example.com/admin/orders/1001',
        items: [{ name: 'Blue scarf', quantity: 2 }],
      };
      given(started)
        .when({ type: 'RecordStoreEvent', conversationId, storeEvent: { ...orderPlaced, details } })
        .then([{ type: 'StoreEventRecorded', data: { conversationId, ...orderPlaced, details } }]);
    });

    it('for a conversation that does not exist, with nothing to start it with, is not found', () =>
      given([]).when(record(orderPlaced)).thenThrows(NotFoundError));
  });
});
