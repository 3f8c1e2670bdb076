/**
 * A member's rules (`member-<uuid>`): a member joins once and is removed once, and reads conversations, each
 * up to a position that only moves forward. Pure: the handler issues the token, and only its id and hash
 * pass through here; the handler also says where the conversation read is (its last event's position).
 */
import { NotFoundError, type Decider } from '@team-inbox/core';
import type { MemberEvent, MemberRole } from './team.events';
import { tokenShownOnce } from './token-shown-once';

export type MemberState =
  | { status: 'none' }
  | {
      status: 'active' | 'removed';
      memberId: string;
      email: string;
      tokenHash: string;
      /** How far the member has read each conversation it has read: conversation id to log position. */
      readUpTo: ReadonlyMap<string, bigint>;
    };

export type MemberStatus = MemberState['status'];

export type MemberCommand =
  | {
      type: 'JoinMember';
      memberId: string;
      name: string;
      email: string;
      role: MemberRole;
      tokenId: string;
      tokenHash: string;
    }
  | { type: 'RemoveMember'; memberId: string }
  /** `position`: where the member has read the conversation up to, at most its last event's (the handler's). */
  | { type: 'ReadConversation'; memberId: string; conversationId: string; position: bigint };

export const memberDecider: Decider<MemberState, MemberCommand, MemberEvent> = {
  initialState: { status: 'none' },

  evolve(state, event) {
    switch (event.type) {
      case 'MemberJoined': {
        const { memberId, email, tokenHash } = event.data;
        return { status: 'active', memberId, email, tokenHash, readUpTo: new Map() };
      }
      case 'MemberRemoved':
        return state.status === 'none' ? state : { ...state, status: 'removed' };
      case 'ConversationRead': {
        if (state.status === 'none') return state;
        const readUpTo = new Map(state.readUpTo).set(event.data.conversationId, BigInt(event.data.position));
        return { ...state, readUpTo };
      }
    }
  },

  decide(command, state) {
    switch (command.type) {
      case 'JoinMember': {
        // The member exists: made by an earlier attempt of this request, whose token was shown then.
        if (state.status !== 'none') throw tokenShownOnce('member');
        const { memberId, name, email, role, tokenId, tokenHash } = command;
        return [{ type: 'MemberJoined', data: { memberId, name, email, role, tokenId, tokenHash } }];
      }
      case 'RemoveMember':
        if (state.status !== 'active') throw new NotFoundError(`No active member ${command.memberId}`);
        return [{ type: 'MemberRemoved', data: { memberId: command.memberId } }];
      case 'ReadConversation': {
        if (state.status !== 'active') throw new NotFoundError(`No active member ${command.memberId}`);
        const { memberId, conversationId, position } = command;
        // Read as far already (or further): nothing new is read, and reading is not undone.
        if (position <= (state.readUpTo.get(conversationId) ?? -1n)) return [];
        return [{ type: 'ConversationRead', data: { memberId, conversationId, position: position.toString() } }];
      }
    }
  },
};
