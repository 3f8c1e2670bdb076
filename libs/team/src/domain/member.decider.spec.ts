import { ConflictError, NotFoundError } from '@team-inbox/core';
import { deciderSpecification } from '@team-inbox/core/testing/decider-specification';
import { memberDecider, type MemberCommand } from './member.decider';
import type { MemberEvent } from './team.events';

const given = deciderSpecification(memberDecider);
const memberId = 'member-0000-4000-8000-000000000001';
const profile = { memberId, name: 'Ada', email: 'ada@example.com', role: 'agent' as const };
const token = { tokenId: 'token-1', tokenHash: 'hash-1' };

const join: MemberCommand = { type: 'JoinMember', ...profile, ...token };
const joined: MemberEvent = { type: 'MemberJoined', data: { ...profile, ...token } };
const removed: MemberEvent = { type: 'MemberRemoved', data: { memberId } };
const remove: MemberCommand = { type: 'RemoveMember', memberId };

describe('member rules', () => {
  describe('joining', () => {
    it('a member joins with the hash of the token the handler issued', () => given([]).when(join).then([joined]));

    it('joins once: a second join is an earlier attempt whose token was shown then', () =>
      given([joined])
        .when({ ...join, tokenId: 'token-2', tokenHash: 'hash-2' })
        .thenThrows(ConflictError, /created the member, and its token is shown only once/));

    it('a removed member does not join again under its id', () =>
      given([joined, removed])
        .when(join)
        .thenThrows(ConflictError, /token is shown only once/));
  });

  describe('removal', () => {
    it('removes an active member', () => given([joined]).when(remove).then([removed]));

    it('a member removed already is not found', () =>
      given([joined, removed]).when(remove).thenThrows(NotFoundError, `No active member ${memberId}`));

    it('nor is one that never joined', () =>
      given([]).when(remove).thenThrows(NotFoundError, `No active member ${memberId}`));
  });

  describe('reading a conversation', () => {
    const conversationId = 'conversation-0000-4000-8000-000000000001';
    const otherConversationId = 'conversation-0000-4000-8000-000000000002';
    const read = (position: bigint, conversation = conversationId): MemberCommand => ({
      type: 'ReadConversation',
      memberId,
      conversationId: conversation,
      position,
    });
    const wasRead = (position: bigint, conversation = conversationId): MemberEvent => ({
      type: 'ConversationRead',
      data: { memberId, conversationId: conversation, position: position.toString() },
    });

    it('an active member reads a conversation up to a position', () =>
      given([joined])
        .when(read(42n))
        .then([wasRead(42n)]));

    it('reads further on: a later position is read again', () =>
      given([joined, wasRead(42n)])
        .when(read(57n))
        .then([wasRead(57n)]));

    it('reading again at the same position changes nothing', () =>
      given([joined, wasRead(42n)])
        .when(read(42n))
        .thenNothingHappened());

    it('reading again at an older position changes nothing: reading is not undone', () =>
      given([joined, wasRead(42n)])
        .when(read(7n))
        .thenNothingHappened());

    it("each conversation has its own mark: another's further read does not cover this one", () =>
      given([joined, wasRead(900n, otherConversationId)])
        .when(read(42n))
        .then([wasRead(42n)]));

    it('a removed member reads nothing', () =>
      given([joined, removed]).when(read(42n)).thenThrows(NotFoundError, `No active member ${memberId}`));

    it('nor does one that never joined', () =>
      given([]).when(read(42n)).thenThrows(NotFoundError, `No active member ${memberId}`));
  });
});
