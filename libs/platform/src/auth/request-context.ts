import type { CommandContext } from '@team-inbox/core';
import { randomUUID } from 'node:crypto';
import type { Principal } from '../principal';

interface RequestLike {
  headers: Record<string, string | string[] | undefined>;
  /** The request's id (`X-Request-Id`, sent or made), where the server gave it one. */
  id?: string;
}

const CORRELATION_ID = /^[\x21-\x7e]{1,200}$/;

/** The command context of an HTTP request: who, when, and the ids that tie its events together. */
export function requestContext(principal: Principal, request: RequestLike): CommandContext {
  const correlation = request.headers['x-correlation-id'];
  const key = request.headers['idempotency-key'];
  return {
    actor: principal.actor,
    occurredAt: new Date(),
    correlationId:
      typeof correlation === 'string' && CORRELATION_ID.test(correlation) ? correlation : (request.id ?? randomUUID()),
    idempotencyKey: typeof key === 'string' ? key : undefined,
  };
}
