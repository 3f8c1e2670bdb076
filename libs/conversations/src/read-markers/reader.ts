import type { Principal } from '@team-inbox/platform';

/**
 * The member whose read marks the caller's answers carry `unread` by: an agent or admin who is a team
 * member, those who may read a conversation (`POST /conversations/:id/read`). Others (the bootstrap admin,
 * who is no member; an auditor; an integration) get no `unread`.
 */
export function readerOf({ actor, role }: Principal): string | undefined {
  return actor.type === 'member' && (role === 'agent' || role === 'admin') ? actor.id : undefined;
}
