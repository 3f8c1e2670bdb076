/**
 * The OpenAPI document served at `/docs/openapi.json`. Each route declares what is its own beside its handler
 * (its success body and headers, the refusals only it gives, its parameters); what every route shares
 * because a hook or guard of the server does it for all of them is added here, once, from the routes'
 * metadata: the bearer token and its refusals (401, 403, 429), `X-Request-Id`, `Idempotency-Key` on every
 * POST, the refusals of any body (413, 415), of a malformed request (400) and of an unreachable store (503),
 * and the error body `{statusCode, error, message}` on every refusal.
 */
import type { INestApplication } from '@nestjs/common';
import {
  DocumentBuilder,
  SwaggerModule,
  type OpenAPIObject,
  type OperationObject,
  type ParameterObject,
  type ReferenceObject,
  type ResponseObject,
} from '@nestjs/swagger';
import type { Role } from '@team-inbox/core';
import { ALLOWED_ROLES, PUBLIC_ROUTE } from '@team-inbox/platform';
import { controllerRoutes } from './controller-routes';

const TOKEN_ROLES: readonly Role[] = ['admin', 'agent', 'auditor', 'integration'];
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;
/** Methods whose requests may carry a body, which is then bounded and must be JSON. */
const METHODS_WITH_BODY: ReadonlySet<string> = new Set(['post', 'put', 'patch', 'delete']);
/** Answers without asking the event store anything: never 503. */
const WITHOUT_THE_STORE: ReadonlySet<string> = new Set(['GET /livez']);

const TAGS: Record<string, string> = {
  conversations: 'Commands on a conversation, and one conversation read from its stream (with its ETag)',
  'store events': "A store's events on its customers' conversations",
  inbox: 'The read models: the caller’s inbox, the views and their counts, and live updates',
  audit: 'What auditors replay, read from the event log itself',
  team: 'Members, integrations and who a token stands for',
  webhooks: 'Outbound webhooks and their deliveries',
  operations: 'Probes for load balancers and orchestrators (no token)',
};

const ref = (kind: 'schemas' | 'responses' | 'parameters' | 'headers', name: string): ReferenceObject => ({
  $ref: `#/components/${kind}/${name}`,
});

const errorContent = { 'application/json': { schema: ref('schemas', 'ErrorResponse') } };
const errorHeaders = { 'X-Request-Id': ref('headers', 'X-Request-Id') };
const retryHeaders = { ...errorHeaders, 'Retry-After': ref('headers', 'Retry-After') };

/** The refusals any route of a kind may give, referred to from each operation. */
const SHARED_RESPONSES: Record<string, ResponseObject> = {
  BadRequest: {
    description:
      'A malformed request: a missing, ill-typed or unknown field or query parameter, a malformed id, or a ' +
      'malformed `X-Request-Id` (1 to 200 printable ASCII characters)',
    headers: errorHeaders,
    content: errorContent,
  },
  Unauthorized: {
    description: 'No bearer token, or a malformed, unknown or revoked one',
    headers: errorHeaders,
    content: errorContent,
  },
  Forbidden: {
    description: 'A known token whose role may not use this route',
    headers: errorHeaders,
    content: errorContent,
  },
  TooManyRequests: {
    description:
      'Too many bad tokens from this client: refused on every route that needs a token until `Retry-After` ' +
      'seconds have passed',
    headers: retryHeaders,
    content: errorContent,
  },
  PayloadTooLarge: { description: 'A body over 1 MiB', headers: errorHeaders, content: errorContent },
  UnsupportedMediaType: {
    description: 'A body that is not JSON (`Content-Type: application/json`)',
    headers: errorHeaders,
    content: errorContent,
  },
  IdempotencyKeyReused: {
    description: 'The `Idempotency-Key` was used by this identity for another request (another route or body)',
    headers: errorHeaders,
    content: errorContent,
  },
  ServiceUnavailable: {
    description:
      'The event store cannot be reached, did not answer in time (a command may have been written: send it ' +
      'again with its `Idempotency-Key`) or cannot write; or the server is reading as many bodies as it takes. ' +
      'Nothing was refused for good: retry after `Retry-After` seconds',
    headers: retryHeaders,
    content: errorContent,
  },
};

const SHARED_PARAMETERS: Record<string, ParameterObject> = {
  'X-Request-Id': {
    name: 'X-Request-Id',
    in: 'header',
    required: false,
    description:
      "The request's id, echoed in the answer and on its log line, and the `correlationId` of the events it " +
      'appends unless `X-Correlation-Id` is sent; one is made when none is sent',
    schema: { type: 'string', pattern: '^[\\x21-\\x7e]{1,200}$', example: 'checkout-7f3a' },
  },
  'X-Correlation-Id': {
    name: 'X-Correlation-Id',
    in: 'header',
    required: false,
    description: 'The `correlationId` of the events this request appends (by default, the request id)',
    schema: { type: 'string', pattern: '^[\\x21-\\x7e]{1,200}$' },
  },
  'Idempotency-Key': {
    name: 'Idempotency-Key',
    in: 'header',
    required: false,
    description:
      'The same key from the same identity within 24 hours gets the first answer again (marked ' +
      '`Idempotent-Replayed: true`) and appends nothing more',
    schema: { type: 'string', pattern: '^[\\x20-\\x7e]{1,200}$', example: 'order-1001-reply-1' },
  },
};

/** The document as the server serves it, built from the application's controllers. */
export function createOpenApiDocument(app: INestApplication): OpenAPIObject {
  const builder = new DocumentBuilder()
    .setTitle('team-inbox')
    .setDescription(
      "A team's shared customer inbox: the HTTP API, version 1 and the parts of 1.1 the server implements. " +
        'Every error is JSON `{statusCode, error, message}`; no request, however malformed, gets a 500.',
    )
    .setVersion('1')
    .addServer('/', 'This server')
    // Tokens are opaque: 256 random bits, of which the server keeps only a hash.
    .addSecurity('bearer', {
      type: 'http',
      scheme: 'bearer',
      description: "A member's, an integration's or the bootstrap admin's token, as it was shown once",
    });
  for (const [name, description] of Object.entries(TAGS)) builder.addTag(name, description);
  const document = SwaggerModule.createDocument(app, builder.build());
  describeWhatEveryRouteShares(document, routeAccess(app));
  return document;
}

interface RouteAccess {
  public: boolean;
  roles: readonly Role[];
}

/** Each route's access, by `METHOD /path/{param}` as the document names it. */
function routeAccess(app: INestApplication): Map<string, RouteAccess> {
  const { routes, reflector } = controllerRoutes(app);
  const access = new Map<string, RouteAccess>();
  for (const { method, segments, targets } of routes) {
    const path = segments.map((segment) => (segment.startsWith(':') ? `{${segment.slice(1)}}` : segment));
    access.set(`${method} /${path.join('/')}`, {
      public: reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets) ?? false,
      roles: reflector.getAllAndOverride<Role[]>(ALLOWED_ROLES, targets) ?? [],
    });
  }
  return access;
}

function describeWhatEveryRouteShares(document: OpenAPIObject, access: ReadonlyMap<string, RouteAccess>): void {
  const components = (document.components ??= {});
  components.schemas = {
    ...components.schemas,
    ErrorResponse: {
      type: 'object',
      description: 'Every refusal: `message` says what is wrong in words a client developer can act on',
      required: ['statusCode', 'error', 'message'],
      properties: {
        statusCode: { type: 'integer', example: 400 },
        error: { type: 'string', example: 'Bad Request' },
        message: { type: 'string', example: 'assigneeId must be a member id (a UUID) or "me"' },
      },
    },
  };
  components.headers = {
    ...components.headers,
    'X-Request-Id': {
      description: "The request's id: the one sent, else one the server made (a UUID)",
      schema: { type: 'string' },
    },
    'Retry-After': { description: 'Seconds to wait before trying again', schema: { type: 'integer' } },
    'Idempotent-Replayed': {
      description: '`true` where this is the first answer to the `Idempotency-Key`, given again',
      schema: { type: 'string', enum: ['true'] },
    },
  };
  components.responses = { ...components.responses, ...SHARED_RESPONSES };
  components.parameters = { ...components.parameters, ...SHARED_PARAMETERS };

  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of METHODS) {
      const operation = item[method];
      if (operation === undefined) continue;
      const route = `${method.toUpperCase()} ${path}`;
      const routeAccess = access.get(route);
      if (routeAccess === undefined) throw new Error(`The OpenAPI document has ${route}, which no controller serves`);
      describeOperation(operation, method, route, routeAccess);
    }
  }
}

function describeOperation(operation: OperationObject, method: string, route: string, access: RouteAccess): void {
  const parameters = (operation.parameters ??= []);
  const has = (name: string) =>
    parameters.some((parameter) =>
      '$ref' in parameter ? parameter.$ref.endsWith(`/${name}`) : parameter.name.toLowerCase() === name.toLowerCase(),
    );
  const commonHeaders = method === 'post' ? ['Idempotency-Key', 'X-Request-Id'] : ['X-Request-Id'];
  if (METHODS_WITH_BODY.has(method)) commonHeaders.push('X-Correlation-Id');
  for (const name of commonHeaders) if (!has(name)) parameters.push(ref('parameters', name));
  // Every path parameter names a resource by its id, a UUID the server made (its pipe refuses anything else).
  for (const parameter of parameters) {
    if (!('$ref' in parameter) && parameter.in === 'path') parameter.schema = { type: 'string', format: 'uuid' };
  }

  operation.security = access.public ? [] : [{ bearer: [] }];
  const who = access.public
    ? 'No token needed.'
    : `Roles: ${TOKEN_ROLES.filter((role) => access.roles.includes(role)).join(', ')}.`;
  operation.description = operation.description ? `${operation.description}\n\n${who}` : who;

  const responses = operation.responses;
  const shared: [string, string][] = [['400', 'BadRequest']];
  if (!access.public) {
    shared.push(['401', 'Unauthorized']);
    if (TOKEN_ROLES.some((role) => !access.roles.includes(role))) shared.push(['403', 'Forbidden']);
    shared.push(['429', 'TooManyRequests']);
  }
  if (METHODS_WITH_BODY.has(method)) shared.push(['413', 'PayloadTooLarge'], ['415', 'UnsupportedMediaType']);
  if (method === 'post') shared.push(['422', 'IdempotencyKeyReused']);
  if (!WITHOUT_THE_STORE.has(route)) shared.push(['503', 'ServiceUnavailable']);
  for (const [status, name] of shared) responses[status] ??= ref('responses', name);

  // In order of status, the shared ones among the route's own.
  operation.responses = Object.fromEntries(Object.entries(responses).sort(([a], [b]) => a.localeCompare(b)));
  for (const [status, response] of Object.entries(operation.responses)) {
    if (response === undefined || '$ref' in response) continue;
    // A copy: routes declare their headers from shared constants, and these additions are this answer's.
    const headers = (response.headers = { ...response.headers });
    headers['X-Request-Id'] ??= ref('headers', 'X-Request-Id');
    if (status.startsWith('2') && method === 'post')
      headers['Idempotent-Replayed'] ??= ref('headers', 'Idempotent-Replayed');
    if (Number(status) >= 400) {
      response.content ??= errorContent;
      if (status === '429' || status === '503') headers['Retry-After'] ??= ref('headers', 'Retry-After');
    }
  }
}
