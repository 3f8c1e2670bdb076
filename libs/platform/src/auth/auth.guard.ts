/**
 * Every route needs `Authorization: Bearer <token>` unless marked `@Public()`. A missing, malformed,
 * unknown or revoked token is 401; a known token whose role the route does not allow is 403. A client
 * (by `request.ip`) that presented too many bad tokens gets 429 with `Retry-After` for a while, on every
 * route that needs a token, even with a good one (AuthThrottle). The scheme is case-insensitive (RFC 9110).
 *
 * `authenticate` is also called before a request's body is read (the app's onRequest hook), so that a
 * caller without a valid token is refused before sending it; the guard then finds the principal set.
 */
import {
  ForbiddenException,
  HttpException,
  HttpStatus,
  Inject,
  Injectable,
  UnauthorizedException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { EVENT_STORE, type EventStore } from '@team-inbox/event-store';
import { ProjectionProgress } from '@team-inbox/projections';
import type { Role } from '@team-inbox/core';
import type { Principal } from '../principal';
import { tokenIdOf } from '../tokens';
import { ALLOWED_ROLES, PUBLIC_ROUTE, type AuthenticatedRequest } from './access.decorators';
import { AuthThrottle } from './auth-throttle';
import { TokenAuthenticator } from './token-authenticator';

/** How long a request with a token not yet in the read models waits for them to catch up. */
const CATCH_UP_MS = 2000;

export interface HttpRequest extends AuthenticatedRequest {
  headers: Record<string, string | string[] | undefined>;
  method: string;
  url: string;
  ip: string;
}

export interface HttpReply {
  header(name: string, value: string): unknown;
}

@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly directory: TokenAuthenticator,
    private readonly projector: ProjectionProgress,
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    private readonly throttle: AuthThrottle,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;

    const request = context.switchToHttp().getRequest<HttpRequest>();
    const principal =
      request.principal ?? (await this.authenticate(request, context.switchToHttp().getResponse<HttpReply>()));
    request.principal = principal;

    const allowed = this.reflector.getAllAndOverride<Role[] | undefined>(ALLOWED_ROLES, targets);
    if (allowed && !allowed.includes(principal.role)) {
      throw new ForbiddenException(
        `The ${principal.role} role may not use ${request.method} ${request.url.split('?')[0]} (allowed: ${allowed.join(', ')})`,
      );
    }
    return true;
  }

  /**
   * The caller by its `Authorization` header, or the exception that refuses it: 401 for a missing,
   * malformed, unknown or revoked token, 429 (with Retry-After on `reply`) while the client is blocked.
   */
  async authenticate(request: HttpRequest, reply: HttpReply): Promise<Principal> {
    this.refuseIfBlocked(reply, request.ip);
    const header = request.headers.authorization;
    if (header === undefined || header === '') {
      // No credentials is not a guess: not counted.
      throw new UnauthorizedException('Missing Authorization header: send "Authorization: Bearer <token>"');
    }
    const token = typeof header === 'string' ? /^bearer +([\x21-\x7e]{1,1024})$/i.exec(header)?.[1] : undefined;
    if (token === undefined) {
      this.throttle.recordFailure(request.ip);
      throw new UnauthorizedException('The Authorization header must be "Bearer <token>"');
    }
    let principal = this.directory.authenticate(token);
    if (!principal) {
      // Counted at once, before the wait below, so that concurrent guesses cannot pass the limit together.
      this.throttle.recordFailure(request.ip);
      principal = await this.afterCatchingUp(token);
      if (!principal)
        throw new UnauthorizedException('The bearer token is not valid: it is unknown or has been revoked');
      // Found after all (issued a moment ago on another server; the failure stays counted), but not confirmed
      // to a client blocked meanwhile.
      this.refuseIfBlocked(reply, request.ip);
    }
    return principal;
  }

  /** 429 with Retry-After while the client is blocked for failed authentications. */
  private refuseIfBlocked(reply: HttpReply, client: string): void {
    const blockedMs = this.throttle.blockedFor(client);
    if (blockedMs === 0) return;
    const seconds = Math.ceil(blockedMs / 1000);
    reply.header('retry-after', String(seconds));
    throw new HttpException(
      `Too many failed authentications from this client: try again in ${seconds} s`,
      HttpStatus.TOO_MANY_REQUESTS,
    );
  }

  /** A token issued a moment ago by another server on the same log: found once the read models catch up. */
  private async afterCatchingUp(token: string): Promise<Principal | undefined> {
    if (!tokenIdOf(token)) return undefined;
    const head = await this.eventStore.headPosition();
    if (head === undefined || !(await this.projector.waitFor(head, CATCH_UP_MS))) return undefined;
    return this.directory.authenticate(token);
  }
}
