import type { Actor, Role } from '@team-inbox/core';

/** Who is calling: an authenticated token's owner. */
export interface Principal {
  actor: Actor;
  role: Role;
  name: string;
}
