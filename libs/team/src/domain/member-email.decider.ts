/**
 * An email's reservation (`member-email-<uuid>`): it holds an address for one member at a time, so that two
 * admins adding the same address at once cannot both succeed.
 *
 * The latest claim decides, whatever releases follow it: a release appended late cannot free a newer claim.
 * A claim holds while its member is active, and, for a member that has not joined, until it is
 * ABANDONED_EMAIL_CLAIM_MS old (the process that claimed it stopped before the join); a removed member's
 * claim is free to take. The claimant's status is another stream's, and the time is the clock's: the
 * handler reads both and passes them in the command, so these rules stay pure.
 */
import { ConflictError, type Decider } from '@team-inbox/core';
import type { MemberStatus } from './member.decider';
import type { MemberEmailEvent } from './team.events';

/** A claim whose member never joined (its process stopped in between) is given up after this long. */
export const ABANDONED_EMAIL_CLAIM_MS = 60_000;

/** The stream's events as they are folded: recorded, with the time the store took them (a claim ages by it). */
export type RecordedMemberEmailEvent = MemberEmailEvent & { recordedAt?: Date };

export interface MemberEmailState {
  /** The latest claim, and when it was recorded (unknown: it is not taken for abandoned). */
  claim: { memberId: string; claimedAt: Date | undefined } | undefined;
  /** A release was appended after the latest claim: there is nothing left to release. */
  releasedSince: boolean;
}

export type MemberEmailCommand =
  | {
      type: 'ClaimMemberEmail';
      memberId: string;
      /** As the admin wrote it: the stream is named by its lower case. */
      email: string;
      /**
       * The status of the member holding the latest claim, read before the command. A claim found here by
       * another member (appended since) is taken to hold.
       */
      claimant: { memberId: string; status: MemberStatus } | undefined;
      now: Date;
    }
  | { type: 'ReleaseMemberEmail'; memberId: string };

export const memberEmailDecider: Decider<MemberEmailState, MemberEmailCommand, RecordedMemberEmailEvent> = {
  initialState: { claim: undefined, releasedSince: false },
  isEvent: (event) => event.type === 'MemberEmailClaimed' || event.type === 'MemberEmailReleased',

  evolve(state, event) {
    switch (event.type) {
      case 'MemberEmailClaimed':
        return { claim: { memberId: event.data.memberId, claimedAt: event.recordedAt }, releasedSince: false };
      case 'MemberEmailReleased':
        return { ...state, releasedSince: true };
    }
  },

  decide(command, { claim, releasedSince }) {
    switch (command.type) {
      case 'ClaimMemberEmail': {
        const { memberId, email } = command;
        if (claim?.memberId === memberId) return []; // this request's own claim, from an attempt that stopped
        if (claim && claimHolds(claim, command)) {
          throw new ConflictError(`An active member already has the email ${email}`);
        }
        return [{ type: 'MemberEmailClaimed', data: { memberId, email } }];
      }
      case 'ReleaseMemberEmail':
        // Only the member holding the latest claim releases it, and only once.
        if (claim?.memberId !== command.memberId || releasedSince) return [];
        return [{ type: 'MemberEmailReleased', data: { memberId: command.memberId } }];
    }
  },
};

function claimHolds(
  claim: NonNullable<MemberEmailState['claim']>,
  { claimant, now }: Extract<MemberEmailCommand, { type: 'ClaimMemberEmail' }>,
): boolean {
  if (claimant?.memberId !== claim.memberId) return true; // a claimant whose status was not read
  if (claimant.status === 'active') return true;
  if (claimant.status === 'removed') return false; // removed before its email was released
  return claim.claimedAt === undefined || now.getTime() - claim.claimedAt.getTime() < ABANDONED_EMAIL_CLAIM_MS;
}
