/**
 * Helmet's headers on every answer, worked out once at start-up. @fastify/helmet builds helmet's middleware
 * anew on every request, parsing the Content-Security-Policy each time, which a profile under load names;
 * the headers depend only on the route, never on the request, so here they are a table set per request.
 */
import type { FastifyInstance } from 'fastify';
import helmet, { type HelmetOptions } from 'helmet';
import type { IncomingMessage, ServerResponse } from 'node:http';

type HeaderTable = Readonly<Record<string, string>>;

/** The routes, by path prefix, whose answers take other headers than the rest (the docs' inline styles). */
export interface SecurityHeaderOverride {
  pathPrefix: string;
  options: HelmetOptions;
}

export function registerSecurityHeaders(
  fastify: FastifyInstance,
  options: HelmetOptions,
  overrides: readonly SecurityHeaderOverride[] = [],
): void {
  const everywhere = helmetHeaders(options);
  const byPrefix = overrides.map(({ pathPrefix, options: routeOptions }) => ({
    pathPrefix,
    headers: helmetHeaders(routeOptions),
  }));
  // Decided once per route, as it is added; the 404 handler and routes not matched take the general table.
  fastify.addHook('onRoute', (route) => {
    const override = byPrefix.find(
      ({ pathPrefix }) => route.url === pathPrefix || route.url.startsWith(`${pathPrefix}/`),
    );
    if (override) route.config = { ...route.config, securityHeaders: override.headers };
  });
  fastify.addHook('onRequest', (request, reply, done) => {
    const config = request.routeOptions.config as { securityHeaders?: HeaderTable } | undefined;
    reply.headers(config?.securityHeaders ?? everywhere);
    done();
  });
}

/** The headers helmet's middleware sets with these options, read off a response that only records them. */
export function helmetHeaders(options: HelmetOptions): HeaderTable {
  const headers: Record<string, string> = {};
  const recorder = {
    setHeader(name: string, value: string | number | readonly string[]): void {
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
    },
    removeHeader(name: string): void {
      delete headers[name.toLowerCase()];
    },
  };
  // Helmet throws on bad options (since 8.1; it no longer hands errors to the callback).
  helmet(options)({} as IncomingMessage, recorder as unknown as ServerResponse, () => undefined);
  return Object.freeze(headers);
}
