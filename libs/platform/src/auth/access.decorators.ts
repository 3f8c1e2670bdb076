import { SetMetadata, createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Role } from '@team-inbox/core';
import type { Principal } from '../principal';

export const PUBLIC_ROUTE = 'team-inbox:public';
export const ALLOWED_ROLES = 'team-inbox:roles';

/** No token needed (health checks, the API docs). */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(PUBLIC_ROUTE, true);

/** The roles that may use a route (API.md's table); a known token of another role gets 403. */
export const AllowedRoles = (...roles: Role[]): MethodDecorator & ClassDecorator => SetMetadata(ALLOWED_ROLES, roles);

export interface AuthenticatedRequest {
  principal?: Principal;
}

/** The caller, as the auth guard authenticated it. */
export const CurrentPrincipal = createParamDecorator((_: unknown, context: ExecutionContext): Principal => {
  const principal = context.switchToHttp().getRequest<AuthenticatedRequest>().principal;
  if (!principal) throw new Error('CurrentPrincipal used on a route without authentication');
  return principal;
});
