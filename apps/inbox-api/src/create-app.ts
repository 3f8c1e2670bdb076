import { NestFactory, Reflector } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { SwaggerModule } from '@nestjs/swagger';
import { EVENT_STORE, type EventStore } from '@team-inbox/event-store';
import { webhookHeadChecks } from '@team-inbox/integrations';
import { ProjectionProgress } from '@team-inbox/projections';
import { AuthGuard, AuthThrottle, TokenAuthenticator, recordIdempotentAnswers } from '@team-inbox/platform';
import type pino from 'pino';
import { AppModule, type AppModuleOptions } from './app.module';
import { AllExceptionsFilter } from './http/all-exceptions.filter';
import { decideBeforeTheBody, routesNeedingToken } from './http/before-the-body';
import { registerBodyParsers } from './http/body-parsers';
import { answerMalformedRequests } from './http/client-errors';
import { capConnectionsPerClient } from './http/connections-per-client';
import { closeConnectionsOnClose } from './http/graceful-close';
import { BODY_LIMIT_BYTES } from './http/limits';
import { createOpenApiDocument } from './http/openapi';
import { registerSecurityHeaders } from './http/security-headers';
import { answerRequestIds, requestIdOf } from './http/request-id';
import { registerWebUi } from './http/web-ui';
import { createRootLogger, logRequests, PinoNestLogger } from './logging/logging';
import { Metrics } from './metrics/metrics';

export { BODY_LIMIT_BYTES };

/**
 * The web UI is same-origin scripts, styles and API calls only; no page may frame it. Plain http is left as
 * it is (no upgrade-insecure-requests): a local server has no https to upgrade to.
 */
const CONTENT_SECURITY_POLICY = {
  defaultSrc: ["'self'"],
  baseUri: ["'self'"],
  connectSrc: ["'self'"],
  fontSrc: ["'self'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
  imgSrc: ["'self'", 'data:'],
  objectSrc: ["'none'"],
  scriptSrc: ["'self'"],
  scriptSrcAttr: ["'none'"],
  styleSrc: ["'self'"],
};

/** Swagger UI at /docs writes inline styles (a <style> in its page, style attributes as it renders). */
const DOCS_CONTENT_SECURITY_POLICY = { ...CONTENT_SECURITY_POLICY, styleSrc: ["'self'", "'unsafe-inline'"] };

/** What a browser on another origin (CORS_ORIGINS) may send and read. */
const CORS_REQUEST_HEADERS = [
  'Authorization',
  'Content-Type',
  'If-Match',
  'Idempotency-Key',
  'Last-Event-ID',
  'X-Correlation-Id',
  'X-Request-Id',
];
const CORS_RESPONSE_HEADERS = [
  'ETag',
  'Idempotent-Replayed',
  'Location',
  'Retry-After',
  'X-Projection-Position',
  'X-Request-Id',
];

/** The application as `main.ts` starts it; e2e tests start the very same one on a free port. */
export interface CreateAppOptions extends AppModuleOptions {
  /** Where log lines go instead of stdout (tests that read the log). */
  logDestination?: pino.DestinationStream;
  /** Where the built web UI is, instead of the project's dist/web (tests of a server without one). */
  webRoot?: string;
}

export async function createApp(options: CreateAppOptions): Promise<NestFastifyApplication> {
  const logger = createRootLogger(options.config.logLevel, options.logDestination);
  const connections = options.config.connections;
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(options),
    // onProtoPoisoning/onConstructorPoisoning 'error': a body with __proto__ or constructor.prototype is refused.
    new FastifyAdapter({
      bodyLimit: BODY_LIMIT_BYTES,
      onProtoPoisoning: 'error',
      onConstructorPoisoning: 'error',
      // request.ip, by which failed authentications are throttled: the TCP peer unless proxies are configured.
      trustProxy: options.config.trustProxy,
      genReqId: requestIdOf,
      // Node's timeouts on receiving a request (the time to an answer is not limited: /stream lasts).
      requestTimeout: connections.requestTimeoutMs,
      keepAliveTimeout: connections.keepAliveTimeoutMs,
      http: {
        headersTimeout: connections.headersTimeoutMs,
        // How often Node looks for connections past those timeouts: often enough to cut them near on time.
        connectionsCheckingInterval: Math.min(1000, Math.ceil(connections.headersTimeoutMs / 2)),
      },
    }),
    // Nest's body parsers are replaced by ours: shop webhooks need the raw bytes.
    { bufferLogs: true, bodyParser: false },
  );
  const fastify = app.getHttpAdapter().getInstance();
  fastify.server.maxConnections = connections.maxConnections;
  capConnectionsPerClient(fastify.server, connections.maxConnectionsPerClient, options.config.trustProxy);
  // First of the request hooks: every answer carries the request's id, the refusals of the hooks after it too.
  answerRequestIds(fastify);
  // Before any route: the docs' routes take their own policy.
  registerSecurityHeaders(
    fastify,
    {
      contentSecurityPolicy: { useDefaults: false, directives: CONTENT_SECURITY_POLICY },
      frameguard: { action: 'deny' },
    },
    [
      {
        pathPrefix: '/docs',
        options: {
          contentSecurityPolicy: { useDefaults: false, directives: DOCS_CONTENT_SECURITY_POLICY },
          frameguard: { action: 'deny' },
        },
      },
    ],
  );
  // No CORS_ORIGINS: no CORS headers at all, so browsers keep other origins out.
  if (options.config.corsOrigins.length > 0) {
    app.enableCors({
      origin: options.config.corsOrigins,
      methods: ['GET', 'HEAD', 'POST', 'PUT', 'DELETE'],
      allowedHeaders: CORS_REQUEST_HEADERS,
      exposedHeaders: CORS_RESPONSE_HEADERS,
      maxAge: 600,
    });
  }
  // What Node's HTTP parser refuses (before any route or parser) is answered in API.md's JSON too.
  answerMalformedRequests(fastify.server);
  // On close (SIGTERM): connections with nothing accepted on them are cut, answered ones ended.
  closeConnectionsOnClose(fastify);
  // After the CORS and security headers' hooks, so that a refusal carries them.
  decideBeforeTheBody(fastify, {
    guard: new AuthGuard(
      app.get(Reflector),
      app.get(TokenAuthenticator),
      app.get(ProjectionProgress),
      app.get<EventStore>(EVENT_STORE),
      app.get(AuthThrottle),
    ),
    routesNeedingToken: routesNeedingToken(app),
    headChecks: webhookHeadChecks(app),
    bodyBytesInFlight: connections.bodyBytesInFlight,
    publicBodyBytesInFlight: connections.publicBodyBytesInFlight,
    bodyLimit: BODY_LIMIT_BYTES,
    requestTimeoutMs: connections.requestTimeoutMs,
  });
  registerBodyParsers(fastify);
  app.get(Metrics).timeCommands(fastify);
  recordIdempotentAnswers(fastify, app.get<EventStore>(EVENT_STORE));
  logRequests(fastify, logger);
  await registerWebUi(fastify, options.webRoot);
  app.useLogger(new PinoNestLogger(logger));
  // Registered here rather than as a provider so that it also formats the errors Fastify raises before a
  // route runs (a body too large, malformed JSON).
  app.useGlobalFilters(new AllExceptionsFilter());
  SwaggerModule.setup('docs', app, createOpenApiDocument(app), { jsonDocumentUrl: 'docs/openapi.json' });
  return app;
}
