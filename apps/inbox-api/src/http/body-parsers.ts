/**
 * The body parsers, registered here instead of Nest's so that shop webhook routes get their body as the
 * raw bytes, of any content type, for their signature check (RAW_BODY_ROUTES). Every other route takes JSON
 * only, parsed as Fastify parses it (a `__proto__` or `constructor.prototype` key refused) and nested at
 * most MAX_NESTING deep; any other content type is 415.
 */
import { BadRequestException, UnsupportedMediaTypeException } from '@nestjs/common';
import { RAW_BODY_ROUTES } from '@team-inbox/integrations';
import type { FastifyInstance, FastifyRequest } from 'fastify';

/**
 * No request of the API nests deeper than a few levels. A body that nests far deeper (a 1 MiB `[[[[…]]]]`)
 * is refused as it is parsed: what reads it after (the idempotency fingerprint, class-transformer, the
 * validation) recurses, and would exhaust the stack.
 */
export const MAX_NESTING = 32;

export function registerBodyParsers(fastify: FastifyInstance): void {
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  const wantsRawBody = (request: FastifyRequest): boolean => RAW_BODY_ROUTES.has(request.routeOptions.url ?? '');

  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    if (wantsRawBody(request)) done(null, body);
    else
      void parseJson(request, (body as Buffer).toString('utf8'), (error, value: unknown) =>
        error ? done(error, undefined) : done(nestingError(value), value),
      );
  });
  fastify.addContentTypeParser('*', { parseAs: 'buffer' }, (request, body, done) => {
    if (wantsRawBody(request)) done(null, body);
    else
      done(
        new UnsupportedMediaTypeException(
          `Content-Type ${request.headers['content-type'] ?? '(none)'} is not accepted: send JSON (application/json)`,
        ),
        undefined,
      );
  });
}

/** An error where the value nests deeper than MAX_NESTING; walked without recursion, for that reason. */
function nestingError(value: unknown): Error | null {
  const pending: { value: unknown; depth: number }[] = [{ value, depth: 0 }];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    if (next.value === null || typeof next.value !== 'object') continue;
    if (next.depth >= MAX_NESTING) {
      return new BadRequestException(
        `The body nests objects or arrays more than ${MAX_NESTING} levels deep; no request of this API does`,
      );
    }
    for (const child of Object.values(next.value)) pending.push({ value: child, depth: next.depth + 1 });
  }
  return null;
}
