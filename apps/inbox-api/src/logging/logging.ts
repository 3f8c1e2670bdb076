/**
 * The server's log: pino, one JSON line per entry, with Nest's own messages and one line per request.
 *
 * The request line is written from a Fastify hook, from the request and reply Fastify already has. (It was
 * pino-http run as Nest middleware, with the request's logger kept in an AsyncLocalStorage: a child logger,
 * an async resource and a promise hook on every request, whatever the level; about a tenth of the server's
 * CPU under load.)
 */
import type { LoggerService } from '@nestjs/common';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import pino from 'pino';
import { inspect } from 'node:util';

/** Tokens and webhook signatures travel in headers: never let them reach a log line. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-shopify-hmac-sha256"]',
  'req.headers["shopify-hmac-sha256"]',
  'req.headers["x-wc-webhook-signature"]',
];

export function createRootLogger(level: pino.LevelWithSilent, destination?: pino.DestinationStream): pino.Logger {
  return pino(
    { level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } },
    // Synchronous writes: the last lines before an exit (shutdown, a fatal error) are not lost.
    destination ?? pino.destination({ dest: 1, sync: true }),
  );
}

/**
 * A line per answered request: `request completed` at info, or `request errored` at error for a 5xx. Only
 * where that level is on: at warn, a request costs the log nothing.
 *
 * Short by default: the request's id, method, route and path, its status and time. The headers both ways,
 * the query string (a search's words are the customers' own) and the client's address only at `debug`.
 */
export function logRequests(fastify: FastifyInstance, logger: pino.Logger): void {
  fastify.addHook('onResponse', (request, reply, done) => {
    const level = reply.statusCode >= 500 ? 'error' : 'info';
    if (logger.isLevelEnabled(level)) {
      const full = logger.isLevelEnabled('debug');
      const fields = {
        req: full ? fullRequestFields(request) : requestFields(request),
        res: full ? { statusCode: reply.statusCode, headers: reply.getHeaders() } : { statusCode: reply.statusCode },
        responseTime: Math.round(reply.elapsedTime * 100) / 100,
      };
      logger[level](fields, level === 'error' ? 'request errored' : 'request completed');
    }
    done();
  });
}

function requestFields(request: FastifyRequest) {
  const queryAt = request.url.indexOf('?');
  return {
    id: request.id,
    method: request.method,
    route: request.routeOptions.url,
    url: queryAt < 0 ? request.url : request.url.slice(0, queryAt),
  };
}

function fullRequestFields(request: FastifyRequest) {
  return {
    ...requestFields(request),
    url: request.url,
    headers: request.headers,
    remoteAddress: request.ip,
    remotePort: request.socket.remotePort,
  };
}

type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

/**
 * Nest's own start-up lines (each module loaded, each route mapped): what a person starting the server
 * needs none of, so they are written at `debug`.
 */
const NEST_START_UP_CONTEXTS = new Set([
  'NestFactory',
  'InstanceLoader',
  'RoutesResolver',
  'RouterExplorer',
  'NestApplication',
]);

/**
 * Nest's logger (`new Logger('Context').log(…)`, and Nest's own start-up lines) onto pino. Nest passes the
 * logger's context last; an Error among the arguments is logged as `err`, with its stack.
 */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: pino.Logger) {}

  log(message: unknown, ...optionalParams: unknown[]): void {
    const context = optionalParams.at(-1);
    const startUp = typeof context === 'string' && NEST_START_UP_CONTEXTS.has(context);
    this.write(startUp ? 'debug' : 'info', message, optionalParams);
  }
  error(message: unknown, ...optionalParams: unknown[]): void {
    this.write('error', message, optionalParams);
  }
  warn(message: unknown, ...optionalParams: unknown[]): void {
    this.write('warn', message, optionalParams);
  }
  debug(message: unknown, ...optionalParams: unknown[]): void {
    this.write('debug', message, optionalParams);
  }
  verbose(message: unknown, ...optionalParams: unknown[]): void {
    this.write('trace', message, optionalParams);
  }
  fatal(message: unknown, ...optionalParams: unknown[]): void {
    this.write('fatal', message, optionalParams);
  }

  private write(level: LogLevel, message: unknown, optionalParams: unknown[]): void {
    if (!this.logger.isLevelEnabled(level)) return;
    const params = optionalParams.filter((param) => param !== undefined);
    const context = params.length > 0 && typeof params[params.length - 1] === 'string' ? params.pop() : undefined;
    const error = [message, ...params].find((param): param is Error => param instanceof Error);
    const fields: Record<string, unknown> = {};
    if (context !== undefined) fields.context = context;
    if (error !== undefined) fields.err = error;
    // What else Nest passes: a stack as a string (error(message, stack, context)), or values to show.
    const rest = params.filter((param) => param !== error);
    if (rest.length > 0) fields.details = rest.map((param) => (typeof param === 'string' ? param : inspect(param)));
    const text = typeof message === 'string' ? message : message instanceof Error ? message.message : inspect(message);
    this.logger[level](fields, text);
  }
}
