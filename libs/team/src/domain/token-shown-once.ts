import { ConflictError } from '@team-inbox/core';

/**
 * A token is handed out once, by the request that created its member or integration: a retry of that
 * request, or a second copy of it, finds the thing made and cannot show the token again (only its hash
 * was kept).
 */
export function tokenShownOnce(what: 'member' | 'integration'): ConflictError {
  return new ConflictError(
    `An earlier attempt of this request created the ${what}, and its token is shown only once: remove it and add it anew if the token was lost`,
  );
}
