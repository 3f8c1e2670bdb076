/**
 * Every route needs `Authorization: Bearer <token>` unless marked `@Public()`. A missing, malformed,
 * unknown or revoked token is 401; a known token whose role the route does not allow is 403.
 */
import {
  ForbiddenException,
  Inject,
  Injectable,
  UnauthorizedException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { EVENT_STORE, type EventStore } from '@team-inbox/event-store';
import { Projector } from '@team-inbox/projections';
import type { Role } from '../domain/team.events';
import { TeamDirectory } from '../team-directory';
import { tokenIdOf } from '../tokens';
import { ALLOWED_ROLES, PUBLIC_ROUTE, type AuthenticatedRequest } from './access.decorators';

/** How long a request with a token not yet in the read models waits for them to catch up. */
const CATCH_UP_MS = 2000;

interface HttpRequest extends AuthenticatedRequest {
  headers: Record<string, string | string[] | undefined>;
  method: string;
  url: string;
}

@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly directory: TeamDirectory,
    private readonly projector: Projector,
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;

    const request = context.switchToHttp().getRequest<HttpRequest>();
    const token = bearerToken(request.headers.authorization);
    let principal = this.directory.authenticate(token);
    if (!principal && tokenIdOf(token)) {
      // Issued a moment ago by another server on the same log: let the read models catch up, then look again.
      const head = await this.eventStore.headPosition();
      if (head !== undefined && (await this.projector.waitFor(head, CATCH_UP_MS))) {
        principal = this.directory.authenticate(token);
      }
    }
    if (!principal) throw new UnauthorizedException('The bearer token is not valid: it is unknown or has been revoked');
    request.principal = principal;

    const allowed = this.reflector.getAllAndOverride<Role[] | undefined>(ALLOWED_ROLES, targets);
    if (allowed && !allowed.includes(principal.role)) {
      throw new ForbiddenException(
        `The ${principal.role} role may not use ${request.method} ${request.url.split('?')[0]} (allowed: ${allowed.join(', ')})`,
      );
    }
    return true;
  }
}

function bearerToken(header: string | string[] | undefined): string {
  if (header === undefined || header === '') {
    throw new UnauthorizedException('Missing Authorization header: send "Authorization: Bearer <token>"');
  }
  const match = typeof header === 'string' ? /^Bearer ([\x21-\x7e]{1,1024})$/.exec(header) : null;
  if (!match) throw new UnauthorizedException('The Authorization header must be "Bearer <token>"');
  return match[1];
}
