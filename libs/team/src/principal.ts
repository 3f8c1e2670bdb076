import type { Actor } from '@team-inbox/core';
import type { Role } from './domain/team.events';

/** Who is calling: an authenticated token's owner. */
export interface Principal {
  actor: Actor;
  role: Role;
  name: string;
}
