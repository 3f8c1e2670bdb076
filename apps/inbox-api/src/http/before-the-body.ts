/**
 * What is decided before a request's body is read, so that a client cannot pin memory by sending bodies
 * it has no right to send:
 *
 * - a route that needs a token authenticates its caller first (the auth guard's own `authenticate`, with
 *   its answers and its throttle): no token, or one that is not valid, is 401 (429 while the client is
 *   blocked) with the body left unread;
 * - a public route with a body of its own checks (the shop webhooks) refuses from the request's head what
 *   no body could make right (an unknown integration, no secret, no signature), with the answer it would
 *   give after reading the body;
 * - a request for no route at all is 404 with its body unread;
 * - the bodies being read at once stay within a budget of bytes (a body's declared length, or the body
 *   limit where it is chunked): all requests together within the whole budget, bodies from callers without
 *   a token within a smaller part of it, so that they can never take the room of a caller with a token, and
 *   one such client within its share of that part. Past the whole or the public part, 503; past a client's
 *   share, 429; both with Retry-After: the seconds until the oldest body of that budget has been read or
 *   cut off (REQUEST_TIMEOUT_MS), when room is sure to come back.
 *
 * A request refused with its body unread is answered with `Connection: close`: the rest of its body is
 * never waited for.
 */
import {
  HttpException,
  HttpStatus,
  NotFoundException,
  ServiceUnavailableException,
  type INestApplication,
} from '@nestjs/common';
import type { RequestHeadCheck } from '@team-inbox/integrations';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AuthGuard } from '@team-inbox/platform';
import { PUBLIC_ROUTE, assertIdempotencyKeyWellFormed } from '@team-inbox/platform';
import { controllerRoutes } from './controller-routes';

/** Methods whose body Fastify never reads. */
const BODYLESS_METHODS = new Set(['GET', 'HEAD', 'TRACE']);

/** How many clients at least share the public part of the budget: each may hold this fraction of it. */
const PUBLIC_SHARES = 4;

export interface BeforeTheBodyOptions {
  /** Authenticates a request for a route that needs a token; throws the answer that refuses it. */
  guard: Pick<AuthGuard, 'authenticate'>;
  /** `METHOD /path` (Fastify's route path) of every route that needs a token. */
  routesNeedingToken: ReadonlySet<string>;
  /** Public routes' own refusals from a request's head, by Fastify's route path. */
  headChecks: ReadonlyMap<string, RequestHeadCheck>;
  /** The most bytes of bodies read at once, all requests together. */
  bodyBytesInFlight: number;
  /** Of those, the most from callers without a token; less than `bodyBytesInFlight`. */
  publicBodyBytesInFlight: number;
  /** The largest body a request may have (larger ones are 413 before they are read). */
  bodyLimit: number;
  /** The longest a request's body may take to arrive. */
  requestTimeoutMs: number;
}

/** The answer to a body past a budget, given the seconds until the budget has room again. */
type Refusal = (seconds: number) => HttpException;

const ALL_FULL: Refusal = (seconds) =>
  new ServiceUnavailableException(
    `The server is reading as many request bodies as it takes at once: try again in ${seconds} s`,
  );
const PUBLIC_FULL: Refusal = (seconds) =>
  new ServiceUnavailableException(
    `The server is reading as many bodies from callers without a token as it takes at once: try again in ${seconds} s`,
  );
const CLIENT_FULL: Refusal = (seconds) =>
  new HttpException(
    `This client is sending as many bodies without a token at once as one client may: try again in ${seconds} s`,
    HttpStatus.TOO_MANY_REQUESTS,
  );

/** Bytes of bodies being read against one limit, oldest first. */
class BodyBudget {
  private bytes = 0;
  /** A Set keeps the order bodies were taken in: the first is the oldest. */
  private readonly bodies = new Set<InFlightBody>();

  constructor(
    private readonly limit: number,
    readonly refusal: Refusal,
  ) {}

  fits(body: InFlightBody): boolean {
    return this.bytes + body.bytes <= this.limit;
  }

  take(body: InFlightBody): void {
    this.bytes += body.bytes;
    this.bodies.add(body);
  }

  giveBack(body: InFlightBody): void {
    if (this.bodies.delete(body)) this.bytes -= body.bytes;
  }

  isEmpty(): boolean {
    return this.bodies.size === 0;
  }

  /** Whole seconds until the oldest body must have been read or cut off, freeing its room; at least 1. */
  secondsUntilRoom(now: number, requestTimeoutMs: number): number {
    const oldest = this.bodies.values().next().value;
    if (oldest === undefined) return 1;
    return Math.max(1, Math.ceil((oldest.since + requestTimeoutMs - now) / 1000));
  }
}

interface InFlightBody {
  bytes: number;
  since: number;
}

export function decideBeforeTheBody(fastify: FastifyInstance, options: BeforeTheBodyOptions): void {
  const total = new BodyBudget(options.bodyBytesInFlight, ALL_FULL);
  const publicPart = new BodyBudget(options.publicBodyBytesInFlight, PUBLIC_FULL);
  // At least one body of the largest size, where the public part holds one.
  const clientShare = Math.max(
    Math.floor(options.publicBodyBytesInFlight / PUBLIC_SHARES),
    Math.min(options.bodyLimit, options.publicBodyBytesInFlight),
  );
  /** Public bodies being read, by client (request.ip); a client with none has no entry. */
  const clients = new Map<string, BodyBudget>();

  // Any of the route paths computed from the controllers that Fastify does not serve would go unchecked
  // here: the start fails instead.
  fastify.addHook('onReady', (done) => {
    const routes = [...options.routesNeedingToken, ...[...options.headChecks.keys()].map((url) => `POST ${url}`)];
    const missing = routes.filter((route) => {
      const [method, url] = route.split(' ');
      return !fastify.hasRoute({ method, url });
    });
    done(
      missing.length === 0 ? undefined : new Error(`Routes checked before the body not served: ${missing.join(', ')}`),
    );
  });

  fastify.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const withBody = hasBody(request);
    try {
      if (request.is404) {
        // Nest's own answer for no route, given before the body rather than after it.
        if (withBody) throw new NotFoundException(`Cannot ${request.method} ${request.url}`);
        return;
      }
      const route = request.routeOptions.url ?? '';
      const withToken = options.routesNeedingToken.has(`${request.method} ${route}`);
      if (withToken) {
        (request as FastifyRequest & { principal?: unknown }).principal = await options.guard.authenticate(
          request,
          reply,
        );
      }
      if (!withBody) return;
      const declared = Number(request.headers['content-length']);
      const declaredBodyBytes = Number.isSafeInteger(declared) ? declared : undefined;
      const headCheck = withToken ? undefined : options.headChecks.get(route);
      if (headCheck) {
        // A malformed key is refused first on these routes too, as the idempotency guard refuses it on others.
        assertIdempotencyKeyWellFormed(request.headers);
        await headCheck({ params: request.params, headers: request.headers, declaredBodyBytes });
      }

      const body: InFlightBody = {
        bytes: Math.min(declaredBodyBytes ?? options.bodyLimit, options.bodyLimit),
        since: Date.now(),
      };
      const client = request.ip;
      const clientBudget = withToken ? undefined : (clients.get(client) ?? new BodyBudget(clientShare, CLIENT_FULL));
      const budgets = clientBudget ? [clientBudget, publicPart, total] : [total];
      const full = budgets.find((budget) => !budget.fits(body));
      if (full) {
        const seconds = full.secondsUntilRoom(body.since, options.requestTimeoutMs);
        reply.header('retry-after', String(seconds));
        throw full.refusal(seconds);
      }
      for (const budget of budgets) budget.take(body);
      if (clientBudget) clients.set(client, clientBudget);
      // Held until the answer is sent (or the connection is lost): the parsed body lives that long.
      reply.raw.once('close', () => {
        for (const budget of budgets) budget.giveBack(body);
        if (clientBudget?.isEmpty()) clients.delete(client);
      });
    } catch (refused) {
      if (withBody) reply.header('connection', 'close');
      throw refused;
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
  const { routes, reflector } = controllerRoutes(app);
  return new Set(
    routes
      .filter(({ targets }) => !reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets))
      .map(({ method, segments }) => `${method} /${segments.join('/')}`),
  );
}
