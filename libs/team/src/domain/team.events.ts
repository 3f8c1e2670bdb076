/**
 * The team's facts: `member-<uuid>` (MemberJoined, MemberRemoved), `integration-<uuid>`
 * (IntegrationRegistered), and `member-email-<uuid>`, which holds an email for one active member at a time
 * so that two concurrent sign-ups with one address cannot both succeed. Tokens are recorded as hashes.
 */
export type MemberRole = 'admin' | 'agent' | 'auditor';
export const MEMBER_ROLES: readonly MemberRole[] = ['agent', 'admin', 'auditor'];

export type Role = MemberRole | 'integration';

type Event<Type extends string, Data> = { type: Type; data: Data };

export type MemberJoined = Event<
  'MemberJoined',
  { memberId: string; name: string; email: string; role: MemberRole; tokenId: string; tokenHash: string }
>;
export type MemberRemoved = Event<'MemberRemoved', { memberId: string }>;
export type IntegrationRegistered = Event<
  'IntegrationRegistered',
  { integrationId: string; name: string; tokenId: string; tokenHash: string }
>;
export type MemberEmailClaimed = Event<'MemberEmailClaimed', { memberId: string; email: string }>;
export type MemberEmailReleased = Event<'MemberEmailReleased', { memberId: string }>;

export type TeamEvent = MemberJoined | MemberRemoved | IntegrationRegistered | MemberEmailClaimed | MemberEmailReleased;

export const memberStreamId = (memberId: string): string => `member-${memberId}`;
export const integrationStreamId = (integrationId: string): string => `integration-${integrationId}`;
