/** Who did something: recorded on every event, checked on every request. */
export type ActorType = 'member' | 'integration' | 'admin' | 'system';

export interface Actor {
  type: ActorType;
  id: string;
}

/** The identity the bootstrap admin token stands for. It is no team member: it cannot be assigned. */
export const BOOTSTRAP_ADMIN: Actor = { type: 'admin', id: 'bootstrap-admin' };

/** Work the server does of itself (a process manager's commands). */
export function systemActor(process: string): Actor {
  return { type: 'system', id: process };
}
