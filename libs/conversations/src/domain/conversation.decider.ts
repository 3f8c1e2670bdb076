/**
 * The rules of a conversation, as a decider: `decide(command, state)` gives the events a command causes,
 * `evolve(state, event)` folds them. Pure: no framework, no store, no clock. The rules are the help
 * article's: an unassigned conversation is taken by whoever replies; a customer's message reopens a closed
 * one and keeps its assignee; a command that changes nothing appends nothing.
 */
import { ConflictError, NotFoundError } from '@team-inbox/core';
import type { ConversationEvent, Customer, MessageAuthor, StoreEventDetails } from './conversation.events';

export type ConversationState =
  | { status: 'none' }
  | {
      status: 'open' | 'closed';
      conversationId: string;
      customerId: string;
      assigneeId: string | null;
      /** `storeEventKey`s already on the timeline: a store event is recorded once. */
      storeEvents: ReadonlySet<string>;
    };

/** A store event as the integration sent it; `details` only where it sent some. */
export interface StoreEvent {
  integrationId: string;
  storeEventId: string;
  type: string;
  summary: string;
  requiresAction: boolean;
  details?: StoreEventDetails;
}

export const storeEventKey = (event: { integrationId: string; storeEventId: string }): string =>
  `${event.integrationId}/${event.storeEventId}`;

export const initialState: ConversationState = { status: 'none' };

export type ConversationCommand =
  | {
      type: 'StartConversation';
      conversationId: string;
      customer: Customer;
      subject: string | null;
      messageId: string;
      body: string;
      /** The integration whose customer this is, recorded on ConversationStarted. */
      integrationId?: string;
    }
  | { type: 'PostCustomerMessage'; conversationId: string; messageId: string; body: string }
  | { type: 'ReplyToConversation'; conversationId: string; memberId: string; messageId: string; body: string }
  | { type: 'AssignConversation'; conversationId: string; assigneeId: string }
  | { type: 'UnassignConversation'; conversationId: string }
  /** A removed member's conversations: only where that member is still the assignee. */
  | { type: 'UnassignRemovedMember'; conversationId: string; memberId: string }
  | { type: 'CloseConversation'; conversationId: string }
  | { type: 'ReopenConversation'; conversationId: string }
  /**
   * On the timeline; reopens a closed conversation where it needs action. `startWith`: a conversation the
   * customer was given for this event, started by it where nothing started it yet.
   */
  | {
      type: 'RecordStoreEvent';
      conversationId: string;
      storeEvent: StoreEvent;
      startWith?: { customer: Customer; subject: string | null };
    };

export function evolve(state: ConversationState, event: ConversationEvent): ConversationState {
  switch (event.type) {
    case 'ConversationStarted':
      return {
        status: 'open',
        conversationId: event.data.conversationId,
        customerId: event.data.customer.id,
        assigneeId: null,
        storeEvents: new Set(),
      };
    case 'ConversationAssigned':
      return state.status === 'none' ? state : { ...state, assigneeId: event.data.assigneeId };
    case 'ConversationUnassigned':
      return state.status === 'none' ? state : { ...state, assigneeId: null };
    case 'ConversationClosed':
      return state.status === 'none' ? state : { ...state, status: 'closed' };
    case 'ConversationReopened':
      return state.status === 'none' ? state : { ...state, status: 'open' };
    case 'StoreEventRecorded':
      return state.status === 'none'
        ? state
        : { ...state, storeEvents: new Set(state.storeEvents).add(storeEventKey(event.data)) };
    case 'MessageSent':
      return state;
  }
}

export function decide(command: ConversationCommand, state: ConversationState): ConversationEvent[] {
  const conversationId = command.conversationId;
  if (command.type === 'RecordStoreEvent' && state.status === 'none' && command.startWith) {
    const integrationId = command.storeEvent.integrationId;
    return [
      { type: 'ConversationStarted', data: { conversationId, ...command.startWith, integrationId } },
      storeEventRecorded(conversationId, command.storeEvent),
    ];
  }
  if (command.type === 'StartConversation') {
    if (state.status !== 'none') throw new ConflictError(`Conversation ${conversationId} has already started`);
    const { customer, subject, integrationId } = command;
    return [
      {
        type: 'ConversationStarted',
        data: { conversationId, customer, subject, ...(integrationId === undefined ? {} : { integrationId }) },
      },
      messageSent(conversationId, command.messageId, { type: 'customer', id: command.customer.id }, command.body),
    ];
  }
  if (state.status === 'none') throw new NotFoundError(`No conversation ${conversationId}`);

  switch (command.type) {
    case 'PostCustomerMessage': {
      const message = messageSent(
        conversationId,
        command.messageId,
        { type: 'customer', id: state.customerId },
        command.body,
      );
      if (state.status === 'open') return [message];
      return [
        { type: 'ConversationReopened', data: { conversationId, reason: 'customer_replied', storeEventId: null } },
        message,
      ];
    }
    case 'ReplyToConversation': {
      const reply = messageSent(
        conversationId,
        command.messageId,
        { type: 'member', id: command.memberId },
        command.body,
      );
      if (state.assigneeId !== null) return [reply];
      return [
        {
          type: 'ConversationAssigned',
          data: { conversationId, assigneeId: command.memberId, previousAssigneeId: null, reason: 'replied' },
        },
        reply,
      ];
    }
    case 'AssignConversation':
      if (state.assigneeId === command.assigneeId) return [];
      return [
        {
          type: 'ConversationAssigned',
          data: {
            conversationId,
            assigneeId: command.assigneeId,
            previousAssigneeId: state.assigneeId,
            reason: 'manual',
          },
        },
      ];
    case 'UnassignConversation':
      if (state.assigneeId === null) return [];
      return [
        {
          type: 'ConversationUnassigned',
          data: { conversationId, previousAssigneeId: state.assigneeId, reason: 'manual' },
        },
      ];
    case 'UnassignRemovedMember':
      if (state.assigneeId !== command.memberId) return [];
      return [
        {
          type: 'ConversationUnassigned',
          data: { conversationId, previousAssigneeId: command.memberId, reason: 'member_removed' },
        },
      ];
    case 'CloseConversation':
      return state.status === 'closed' ? [] : [{ type: 'ConversationClosed', data: { conversationId } }];
    case 'ReopenConversation':
      return state.status === 'open'
        ? []
        : [{ type: 'ConversationReopened', data: { conversationId, reason: 'manual', storeEventId: null } }];
    case 'RecordStoreEvent': {
      const { storeEvent } = command;
      if (state.storeEvents.has(storeEventKey(storeEvent))) return [];
      const recorded = storeEventRecorded(conversationId, storeEvent);
      if (!storeEvent.requiresAction || state.status === 'open') return [recorded];
      return [
        recorded,
        {
          type: 'ConversationReopened',
          data: { conversationId, reason: 'store_event', storeEventId: storeEvent.storeEventId },
        },
      ];
    }
  }
}

/** The event as the store sent it: `details` only where it sent some, so an event without them reads as before. */
function storeEventRecorded(conversationId: string, storeEvent: StoreEvent): ConversationEvent {
  const { details, ...event } = storeEvent;
  return {
    type: 'StoreEventRecorded',
    data: { conversationId, ...event, ...(details === undefined ? {} : { details }) },
  };
}

function messageSent(
  conversationId: string,
  messageId: string,
  author: MessageAuthor,
  body: string,
): ConversationEvent {
  return { type: 'MessageSent', data: { conversationId, messageId, author, body } };
}

export const conversationDecider = { initialState, evolve, decide };
