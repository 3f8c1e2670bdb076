/**
 * The body parsers, registered here instead of Nest's so that shop webhook routes get their body as the
 * raw bytes, of any content type, for their signature check (RAW_BODY_ROUTES). Every other route takes JSON
 * only, parsed as Fastify parses it (a `__proto__` or `constructor.prototype` key refused); any other
 * content type is 415.
 */
import { UnsupportedMediaTypeException } from '@nestjs/common';
import { RAW_BODY_ROUTES } from '@team-inbox/integrations';
import type { FastifyInstance, FastifyRequest } from 'fastify';

export function registerBodyParsers(fastify: FastifyInstance): void {
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  const wantsRawBody = (request: FastifyRequest): boolean => RAW_BODY_ROUTES.has(request.routeOptions.url ?? '');

  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    if (wantsRawBody(request)) done(null, body);
    else void parseJson(request, (body as Buffer).toString('utf8'), done);
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
