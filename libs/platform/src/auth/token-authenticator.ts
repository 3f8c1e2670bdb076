import type { Principal } from '../principal';

/**
 * Who a bearer token stands for, as the team's read models know it now: the guard's one question to the
 * feature that issues tokens (the team provides it), so the platform does not depend on that feature.
 */
export abstract class TokenAuthenticator {
  /** The token's owner, or undefined for a token that is unknown (not yet, or any more). */
  abstract authenticate(token: string): Principal | undefined;
}
