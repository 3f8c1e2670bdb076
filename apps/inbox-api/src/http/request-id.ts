/**
 * `X-Request-Id`: the client's own, where it sends one of 1 to 200 printable ASCII characters, else one the
 * server makes. It is answered on every response, is the `id` of the request's log line, and is the
 * correlation id of the events the request appends unless it sends `X-Correlation-Id`
 * (`requestContext`). One that is sent but malformed is refused, naming it: a client that sends its own
 * wants to find it again.
 */
import { BadRequestException } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';
import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

const REQUEST_ID = /^[\x21-\x7e]{1,200}$/;

/** Fastify's `genReqId`. */
export function requestIdOf(request: { headers: IncomingHttpHeaders }): string {
  const sent = request.headers['x-request-id'];
  return typeof sent === 'string' && REQUEST_ID.test(sent) ? sent : randomUUID();
}

export function answerRequestIds(fastify: FastifyInstance): void {
  // A callback, not an async hook: every request passes here, and a promise apiece is not free.
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.header('x-request-id', request.id);
    const sent = request.headers['x-request-id'];
    if (sent !== undefined && (typeof sent !== 'string' || !REQUEST_ID.test(sent))) {
      done(new BadRequestException('X-Request-Id must be 1 to 200 printable ASCII characters, without spaces'));
      return;
    }
    done();
  });
}
