/**
 * What is decided before a request's body is read, so that a client cannot pin memory by sending bodies
 * it has no right to send:
 *
 * - a route that needs a token authenticates its caller first (the auth guard's own `authenticate`, with
 *   its answers and its throttle): no token, or one that is not valid, is 401 (429 while the client is
 *   blocked) with the body left unread;
 * - a request for no route at all is 404 with its body unread;
 * - the bodies being read at once, all requests together, stay within a budget of bytes (a body's declared
 *   length, or the body limit where it is chunked): past it, 503 with Retry-After. This is the bound of the
 *   shop webhook routes, which are public (signed over the raw body, so read before they can be checked),
 *   and of clients with a token.
 *
 * A request refused with its body unread is answered with `Connection: close`: the rest of its body is
 * never waited for.
 */
import { NotFoundException, RequestMethod, ServiceUnavailableException, type INestApplication } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { DiscoveryService, MetadataScanner, ModulesContainer, Reflector } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AuthGuard } from '@team-inbox/team';
import { PUBLIC_ROUTE } from '@team-inbox/team';

/** Methods whose body Fastify never reads. */
const BODYLESS_METHODS = new Set(['GET', 'HEAD', 'TRACE']);

export interface BeforeTheBodyOptions {
  /** Authenticates a request for a route that needs a token; throws the answer that refuses it. */
  guard: Pick<AuthGuard, 'authenticate'>;
  /** `METHOD /path` (Fastify's route path) of every route that needs a token. */
  routesNeedingToken: ReadonlySet<string>;
  /** The most bytes of bodies read at once, all requests together. */
  bodyBytesInFlight: number;
  /** The largest body a request may have (larger ones are 413 before they are read). */
  bodyLimit: number;
}

export function decideBeforeTheBody(fastify: FastifyInstance, options: BeforeTheBodyOptions): void {
  let bytesInFlight = 0;

  // Any of the route paths computed from the controllers that Fastify does not serve would go unchecked
  // here: the start fails instead.
  fastify.addHook('onReady', (done) => {
    const missing = [...options.routesNeedingToken].filter((route) => {
      const [method, url] = route.split(' ');
      return !fastify.hasRoute({ method, url });
    });
    done(missing.length === 0 ? undefined : new Error(`Routes needing a token not served: ${missing.join(', ')}`));
  });

  fastify.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const withBody = hasBody(request);
    try {
      if (request.is404) {
        // Nest's own answer for no route, given before the body rather than after it.
        if (withBody) throw new NotFoundException(`Cannot ${request.method} ${request.url}`);
        return;
      }
      if (options.routesNeedingToken.has(`${request.method} ${request.routeOptions.url}`)) {
        (request as FastifyRequest & { principal?: unknown }).principal = await options.guard.authenticate(
          request,
          reply,
        );
      }
      if (!withBody) return;
      const declared = Number(request.headers['content-length']);
      const bytes = Math.min(Number.isSafeInteger(declared) ? declared : options.bodyLimit, options.bodyLimit);
      if (bytesInFlight + bytes > options.bodyBytesInFlight) {
        reply.header('retry-after', '1');
        throw new ServiceUnavailableException(
          'The server is reading as many request bodies as it takes at once: try again in 1 s',
        );
      }
      bytesInFlight += bytes;
      // Held until the answer is sent (or the connection is lost): the parsed body lives that long.
      reply.raw.once('close', () => (bytesInFlight -= bytes));
    } catch (refusal) {
      if (withBody) reply.header('connection', 'close');
      throw refusal;
    }
  });
}

/** Whether Fastify would read a body for this request. */
function hasBody(request: FastifyRequest): boolean {
  if (BODYLESS_METHODS.has(request.method)) return false;
  const length = request.headers['content-length'];
  return request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/**
 * `METHOD /path` of each controller route that is not `@Public()`, as Fastify names its route (the
 * controller's path and the method's, joined).
 */
export function routesNeedingToken(app: INestApplication): Set<string> {
  const reflector = app.get(Reflector);
  const discovery = new DiscoveryService(app.get(ModulesContainer));
  const scanner = new MetadataScanner();
  const routes = new Set<string>();
  for (const { metatype } of discovery.getControllers()) {
    if (typeof metatype !== 'function') continue;
    const prefix = (Reflect.getMetadata(PATH_METADATA, metatype) as string | undefined) ?? '';
    const prototype = metatype.prototype as Record<string, unknown>;
    for (const name of scanner.getAllMethodNames(prototype)) {
      const handler = prototype[name] as () => unknown;
      const path = Reflect.getMetadata(PATH_METADATA, handler) as string | undefined;
      if (path === undefined) continue;
      if (reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, [handler, metatype])) continue;
      const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod];
      const segments = [prefix, path].flatMap((part) => part.split('/')).filter((segment) => segment !== '');
      routes.add(`${method} /${segments.join('/')}`);
    }
  }
  return routes;
}
