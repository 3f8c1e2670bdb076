import { ConflictError } from '@team-inbox/core';
import { deciderSpecification } from '@team-inbox/core/testing/decider-specification';
import {
  ABANDONED_EMAIL_CLAIM_MS,
  memberEmailDecider,
  type MemberEmailCommand,
  type RecordedMemberEmailEvent,
} from './member-email.decider';
import type { MemberStatus } from './member.decider';

const given = deciderSpecification(memberEmailDecider);
const email = 'ada@example.com';
const now = new Date('2026-12-03T12:00:00.000Z');
const ago = (ms: number) => new Date(now.getTime() - ms);

const claimedBy = (memberId: string, recordedAt = ago(1_000)): RecordedMemberEmailEvent => ({
  type: 'MemberEmailClaimed',
  data: { memberId, email },
  recordedAt,
});
const releasedBy = (memberId: string): RecordedMemberEmailEvent => ({
  type: 'MemberEmailReleased',
  data: { memberId },
});
type Claim = Extract<MemberEmailCommand, { type: 'ClaimMemberEmail' }>;
const claim = (memberId: string, claimant?: { memberId: string; status: MemberStatus }): Claim => ({
  type: 'ClaimMemberEmail',
  memberId,
  email,
  claimant,
  now,
});
const release = (memberId: string): MemberEmailCommand => ({ type: 'ReleaseMemberEmail', memberId });
const taken: RecordedMemberEmailEvent[] = [{ type: 'MemberEmailClaimed', data: { memberId: 'bob', email } }];
const held = 'An active member already has the email ada@example.com';

describe('member email rules', () => {
  describe('claiming', () => {
    it('an email nobody claimed is claimed', () => given([]).when(claim('bob')).then(taken));

    it('is refused while an active member holds it', () =>
      given([claimedBy('ada')])
        .when(claim('bob', { memberId: 'ada', status: 'active' }))
        .thenThrows(ConflictError, held));

    it('names the email as the admin wrote it', () =>
      given([claimedBy('ada')])
        .when({ ...claim('bob', { memberId: 'ada', status: 'active' }), email: 'ADA@example.com' })
        .thenThrows(ConflictError, 'An active member already has the email ADA@example.com'));

    it('an active member holds it however old the claim', () =>
      given([claimedBy('ada', ago(10 * ABANDONED_EMAIL_CLAIM_MS))])
        .when(claim('bob', { memberId: 'ada', status: 'active' }))
        .thenThrows(ConflictError, held));

    it('is taken from a removed member, released or not', () => {
      given([claimedBy('ada')])
        .when(claim('bob', { memberId: 'ada', status: 'removed' }))
        .then(taken);
      given([claimedBy('ada'), releasedBy('ada')])
        .when(claim('bob', { memberId: 'ada', status: 'removed' }))
        .then(taken);
    });

    it('a member joining right now holds it', () =>
      given([claimedBy('ada', ago(ABANDONED_EMAIL_CLAIM_MS - 1))])
        .when(claim('bob', { memberId: 'ada', status: 'none' }))
        .thenThrows(ConflictError, held));

    it('a claim whose member never joined is given up once it is old enough', () =>
      given([claimedBy('ada', ago(ABANDONED_EMAIL_CLAIM_MS))])
        .when(claim('bob', { memberId: 'ada', status: 'none' }))
        .then(taken));

    it('the latest claim decides: a release that lands after it does not free it', () =>
      given([claimedBy('ada'), claimedBy('carl'), releasedBy('ada')])
        .when(claim('bob', { memberId: 'carl', status: 'active' }))
        .thenThrows(ConflictError, held));

    it('a claim by a member whose status was not read (appended since) holds', () =>
      given([
        claimedBy('ada', ago(10 * ABANDONED_EMAIL_CLAIM_MS)),
        claimedBy('carl', ago(10 * ABANDONED_EMAIL_CLAIM_MS)),
      ])
        .when(claim('bob', { memberId: 'ada', status: 'removed' }))
        .thenThrows(ConflictError, held));

    it("this request's own claim, from an attempt that stopped, is claimed already", () =>
      given([claimedBy('bob', ago(10 * ABANDONED_EMAIL_CLAIM_MS))])
        .when(claim('bob'))
        .thenNothingHappened());
  });

  describe('releasing', () => {
    it("frees the member's claim", () =>
      given([claimedBy('ada')])
        .when(release('ada'))
        .then([{ type: 'MemberEmailReleased', data: { memberId: 'ada' } }]));

    it("leaves another member's claim alone", () =>
      given([claimedBy('ada'), claimedBy('bob')])
        .when(release('ada'))
        .thenNothingHappened());

    it('releases once', () =>
      given([claimedBy('ada'), releasedBy('ada')])
        .when(release('ada'))
        .thenNothingHappened());

    it('releases nothing where a release came after the latest claim', () =>
      given([claimedBy('ada'), claimedBy('bob'), releasedBy('ada')])
        .when(release('bob'))
        .thenNothingHappened());

    it('releases nothing where nothing was claimed', () => given([]).when(release('ada')).thenNothingHappened());
  });
});
