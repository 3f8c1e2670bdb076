/**
 * A member's rules (`member-<uuid>`): a member joins once and is removed once. Pure: the handler issues the
 * token, and only its id and hash pass through here.
 */
import { NotFoundError, type Decider } from '@team-inbox/core';
import type { MemberEvent, MemberRole } from './team.events';
import { tokenShownOnce } from './token-shown-once';

export type MemberState =
  { status: 'none' } | { status: 'active' | 'removed'; memberId: string; email: string; tokenHash: string };

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
  | { type: 'RemoveMember'; memberId: string };

export const memberDecider: Decider<MemberState, MemberCommand, MemberEvent> = {
  initialState: { status: 'none' },

  evolve(state, event) {
    switch (event.type) {
      case 'MemberJoined': {
        const { memberId, email, tokenHash } = event.data;
        return { status: 'active', memberId, email, tokenHash };
      }
      case 'MemberRemoved':
        return state.status === 'none' ? state : { ...state, status: 'removed' };
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
    }
  },
};
