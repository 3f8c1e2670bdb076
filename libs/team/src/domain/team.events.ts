/**
 * The team's facts: `member-<uuid>` (MemberJoined, MemberRemoved, ConversationRead), `integration-<uuid>`
 * (IntegrationRegistered, IntegrationWebhookSecretSet), and `member-email-<uuid>`, which holds an email for one active member at a time
 * so that two concurrent sign-ups with one address cannot both succeed. Tokens are recorded as hashes.
 */
import type { MemberRole } from '@team-inbox/core';

export { MEMBER_ROLES, type MemberRole, type Role } from '@team-inbox/core';

type Event<Type extends string, Data> = { type: Type; data: Data };

export type MemberJoined = Event<
  'MemberJoined',
  { memberId: string; name: string; email: string; role: MemberRole; tokenId: string; tokenHash: string }
>;
export type MemberRemoved = Event<'MemberRemoved', { memberId: string }>;
/**
 * A member has read a conversation up to a log position (as a decimal string: positions are bigints): what
 * happened in it at or before that position is no longer unread for this member. The member's own fact,
 * in the member's stream, so that reading never changes the conversation's revision.
 */
export type ConversationRead = Event<
  'ConversationRead',
  { memberId: string; conversationId: string; position: string }
>;
export type IntegrationRegistered = Event<
  'IntegrationRegistered',
  { integrationId: string; name: string; tokenId: string; tokenHash: string }
>;
/**
 * Where a shop's webhooks are checked: the secret they are signed with (sealed, never in plain text), the
 * one it replaces while a rotation lasts, and the shop they must come from.
 */
export type IntegrationWebhookSecretSet = Event<
  'IntegrationWebhookSecretSet',
  {
    integrationId: string;
    sealedSecret: string;
    previousSealedSecret: string | null;
    /** Until when the previous secret is still accepted (ISO time), or null where it no longer is. */
    previousSecretAcceptedUntil: string | null;
    shopDomain: string | null;
  }
>;
export type MemberEmailClaimed = Event<'MemberEmailClaimed', { memberId: string; email: string }>;
export type MemberEmailReleased = Event<'MemberEmailReleased', { memberId: string }>;

/** A `member-<uuid>` stream's events. */
export type MemberEvent = MemberJoined | MemberRemoved | ConversationRead;
/** A `member-email-<uuid>` stream's events. */
export type MemberEmailEvent = MemberEmailClaimed | MemberEmailReleased;
/** An `integration-<uuid>` stream's events. */
export type IntegrationEvent = IntegrationRegistered | IntegrationWebhookSecretSet;

export type TeamEvent = MemberEvent | MemberEmailEvent | IntegrationEvent;

export const memberStreamId = (memberId: string): string => `member-${memberId}`;
export const integrationStreamId = (integrationId: string): string => `integration-${integrationId}`;
