/** The roles a token carries: a member's (given when added) or an integration's. */
export type MemberRole = 'admin' | 'agent' | 'auditor';
export const MEMBER_ROLES: readonly MemberRole[] = ['agent', 'admin', 'auditor'];

export type Role = MemberRole | 'integration';
