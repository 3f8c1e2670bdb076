/**
 * The OpenAPI document as a client's tools read it, built from the application itself (no server listens):
 * clean by Redocly's recommended rules, complete (every answer's body and headers, every refusal, every
 * parameter), and enough to drive a client: openapi-typescript's types for it compile the seed's story, and
 * stop compiling it when an answer's body is not described.
 */
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { loadAppConfig } from '@team-inbox/config';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import { createApp } from '../apps/inbox-api/src/create-app';
import { temporaryDataDir } from './support/test-app';

interface Reference {
  $ref: string;
}
interface Schema {
  type?: string;
  format?: string;
  nullable?: boolean;
  properties?: Record<string, Schema>;
  required?: string[];
  $ref?: string;
}
interface Response {
  description: string;
  headers?: Record<string, unknown>;
  content?: Record<string, { schema?: Schema }>;
}
interface Parameter {
  name: string;
  in: string;
  required?: boolean;
}
interface Operation {
  operationId: string;
  parameters?: (Parameter | Reference)[];
  requestBody?: unknown;
  responses: Record<string, Response | Reference>;
  security?: Record<string, string[]>[];
}
interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components: {
    schemas: Record<string, Schema>;
    responses: Record<string, Response>;
    parameters: Record<string, Parameter>;
    securitySchemes: Record<string, Record<string, unknown>>;
  };
}

const BIN = join(__dirname, '..', 'node_modules', '.bin');
/** Redocly's recommended rules, and why any of them is off. */
const REDOCLY_CONFIG = join(__dirname, '..', 'redocly.yaml');

describe('the OpenAPI document', () => {
  let text: string;
  let document: OpenApiDocument;
  let dir: string;

  beforeAll(async () => {
    const data = temporaryDataDir();
    const config = loadAppConfig({ LOG_LEVEL: 'silent', DATA_DIR: data.dir });
    const app: NestFastifyApplication = await createApp({ config });
    try {
      await app.init();
      await app.getHttpAdapter().getInstance().ready();
      const response = await app.inject({ method: 'GET', url: '/docs/openapi.json' });
      expect(response.statusCode).toBe(200);
      text = response.body;
    } finally {
      await app.close();
      data.remove();
    }
    document = JSON.parse(text) as OpenApiDocument;
    dir = mkdtempSync(join(tmpdir(), 'team-inbox-openapi-'));
    writeFileSync(join(dir, 'openapi.json'), text);
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const operations = (): [string, Operation][] =>
    Object.entries(document.paths).flatMap(([path, item]) =>
      Object.entries(item).map(([method, operation]): [string, Operation] => [
        `${method.toUpperCase()} ${path}`,
        operation,
      ]),
    );
  const resolve = (response: Response | Reference): Response =>
    '$ref' in response ? document.components.responses[response.$ref.split('/').pop()!] : response;
  const parameterNames = (operation: Operation): string[] =>
    (operation.parameters ?? []).map((parameter) =>
      '$ref' in parameter ? document.components.parameters[parameter.$ref.split('/').pop()!].name : parameter.name,
    );

  it("lints clean by Redocly's recommended rules (redocly.yaml): no error, no warning", () => {
    const problems = redoclyLint(join(dir, 'openapi.json'));
    expect(problems).toEqual([]);
  });

  it('gives every answer a body schema, every refusal the error body, and every route its refusals', () => {
    const incomplete: string[] = [];
    for (const [route, operation] of operations()) {
      const statuses = Object.keys(operation.responses);
      const successes = statuses.filter((status) => status.startsWith('2'));
      if (successes.length !== 1) incomplete.push(`${route}: ${successes.length} success statuses`);
      for (const status of successes) {
        const response = resolve(operation.responses[status]);
        if (status !== '204' && !Object.values(response.content ?? {}).some(({ schema }) => schema !== undefined)) {
          incomplete.push(`${route}: ${status} has no body schema`);
        }
        if (response.headers?.['X-Request-Id'] === undefined)
          incomplete.push(`${route}: ${status} without X-Request-Id`);
      }
      for (const status of statuses.filter((status) => Number(status) >= 400)) {
        const schema = resolve(operation.responses[status]).content?.['application/json']?.schema;
        const errorShaped =
          schema?.$ref === '#/components/schemas/ErrorResponse' ||
          ['statusCode', 'error', 'message'].every((field) => schemaFields(document, schema).includes(field));
        if (!errorShaped) incomplete.push(`${route}: ${status} is not {statusCode, error, message}`);
      }
      if (!statuses.includes('400')) incomplete.push(`${route}: no 400`);
      if (route.includes('{') && !statuses.includes('404')) incomplete.push(`${route}: a path parameter but no 404`);
      if (operation.security === undefined) incomplete.push(`${route}: no security declared`);
      if (operation.security?.length && !['401', '429'].every((status) => statuses.includes(status))) {
        incomplete.push(`${route}: a token but not its 401 and 429`);
      }
      if (!parameterNames(operation).includes('X-Request-Id')) incomplete.push(`${route}: no X-Request-Id parameter`);
      if (route.startsWith('POST ') && !parameterNames(operation).includes('Idempotency-Key')) {
        incomplete.push(`${route}: no Idempotency-Key parameter`);
      }
    }
    expect(incomplete).toEqual([]);
  });

  it("declares the headers and parameters API.md names, the stream's media types, and opaque bearer tokens", () => {
    const operation = (route: string): Operation => {
      const [method, path] = route.split(' ');
      return document.paths[path][method.toLowerCase()];
    };
    const headersOf = (route: string, status: string) =>
      Object.keys(resolve(operation(route).responses[status]).headers ?? {});

    expect(headersOf('GET /conversations/{id}', '200')).toContain('ETag');
    expect(headersOf('POST /conversations', '201')).toEqual(expect.arrayContaining(['ETag', 'Location']));
    for (const command of ['assign', 'unassign', 'close', 'reopen', 'messages']) {
      const route = `POST /conversations/{id}/${command}`;
      expect(parameterNames(operation(route))).toContain('If-Match');
      expect(Object.keys(operation(route).responses)).toEqual(expect.arrayContaining(['404', '409', '412', '422']));
      expect(headersOf(route, command === 'messages' ? '201' : '200')).toEqual(
        expect.arrayContaining(['ETag', 'Idempotent-Replayed', 'X-Request-Id']),
      );
    }
    expect(headersOf('POST /conversations/{id}/assign', '412')).toContain('ETag');
    for (const view of ['GET /inbox', 'GET /inbox/counts', 'GET /conversations']) {
      expect(headersOf(view, '200')).toContain('X-Projection-Position');
    }
    expect(headersOf('GET /members', '200')).toEqual(expect.arrayContaining(['X-Next-Cursor', 'Link']));
    expect(headersOf('GET /conversations/{id}/history', '200')).toContain('Link');
    expect(headersOf('GET /stream', '429')).toContain('Retry-After');
    expect(parameterNames(operation('GET /stream')).map((name) => name.toLowerCase())).toContain('last-event-id');
    expect(Object.keys(resolve(operation('GET /audit/assignments').responses['200']).content ?? {})).toEqual([
      'application/x-ndjson',
    ]);
    expect(Object.keys(resolve(operation('GET /stream').responses['200']).content ?? {})).toEqual([
      'text/event-stream',
    ]);

    expect(document.components.schemas.StoreEventAcceptedResponse.properties?.conversationId).toMatchObject({
      type: 'string',
      format: 'uuid',
      nullable: true,
    });
    expect(document.components.securitySchemes.bearer).toEqual(
      expect.objectContaining({ type: 'http', scheme: 'bearer' }),
    );
    expect(document.components.securitySchemes.bearer).not.toHaveProperty('bearerFormat');
    expect(operation('GET /health').security).toEqual([]);
  });

  it("generates, with openapi-typescript, a client whose types compile the seed's story", () => {
    expect(compileStory(join(dir, 'client'), text)).toEqual([]);
  });

  it('and whose types refuse the story where an answer has no body schema', () => {
    const withoutBody = JSON.parse(text) as OpenApiDocument;
    delete (withoutBody.paths['/conversations/{id}/assign'].post.responses['200'] as Response).content;
    const errors = compileStory(join(dir, 'client-without-body'), JSON.stringify(withoutBody));
    expect(errors.join('\n')).toMatch(/assigneeId/);
  });
});

/** The fields a schema names, its own or through a `$ref`. */
function schemaFields(document: OpenApiDocument, schema: Schema | undefined): string[] {
  const resolved = schema?.$ref ? document.components.schemas[schema.$ref.split('/').pop()!] : schema;
  return Object.keys(resolved?.properties ?? {});
}

interface RedoclyProblem {
  ruleId: string;
  severity: 'error' | 'warn';
  message: string;
  location: { pointer?: string }[];
}

/** Redocly CLI's recommended rules over a document: each problem as `severity rule: message (where)`. */
function redoclyLint(file: string): string[] {
  let output: string;
  try {
    output = execFileSync(join(BIN, 'redocly'), ['lint', `--config=${REDOCLY_CONFIG}`, '--format=json', file], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      // No usage report and no look-up of newer versions: the check needs nothing from the network.
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
    });
  } catch (error) {
    // A document with errors exits non-zero, its report on stdout all the same.
    output = (error as { stdout?: string }).stdout ?? '';
    if (output === '') throw error;
  }
  const report = JSON.parse(output) as { problems: RedoclyProblem[] };
  return report.problems.map(
    ({ severity, ruleId, message, location }) =>
      `${severity} ${ruleId}: ${message} (${location.map(({ pointer }) => pointer).join(', ')})`,
  );
}

/**
 * The seed's story as a client writes it against openapi-typescript's `paths`, through a small typed fetch
 * wrapper: an admin registers a store and adds an agent, the store posts an order that needs action, the agent
 * finds the conversation in the inbox, reads it, assigns it to herself at the revision she read, replies and
 * closes it. Only compiled: the seed story spec runs it for real.
 */
const STORY = `
import type { paths } from './schema';

type Method = 'get' | 'post' | 'put' | 'delete';
type Operation<P extends keyof paths, M extends Method> = NonNullable<paths[P][M]>;
type Success = 200 | 201 | 202;
type Json<R> = R extends { content: { 'application/json': infer Body } } ? Body : never;
type Answer<O> = O extends { responses: infer R } ? { [S in keyof R]: S extends Success ? Json<R[S]> : never }[keyof R] : never;
type AnswerHeaders<O> = O extends { responses: infer R }
  ? { [S in keyof R]: S extends Success ? (R[S] extends { headers: infer H } ? H : never) : never }[keyof R]
  : never;
/** A header the document declares on the answer (an undeclared one is \`unknown\` there). */
type DeclaredHeader<O, Name extends string> = unknown extends AnswerHeaders<O>[Name & keyof AnswerHeaders<O>] ? never : Name;
type RequestParameters<O> = O extends { parameters: infer P } ? P : {};
type RequestBody<O> = O extends { requestBody: { content: { 'application/json': infer Body } } }
  ? { body: Body }
  : O extends { requestBody?: { content: { 'application/json': infer Body } } }
    ? { body?: Body }
    : {};
type Request<O> = RequestParameters<O> & RequestBody<O>;

interface Answered<O> {
  status: number;
  body: Answer<O>;
  headers: Headers;
}

const BASE_URL = 'http://localhost:3000';

async function call<P extends keyof paths, M extends Method>(
  token: string,
  method: M,
  path: P,
  request: Request<Operation<P, M>>,
): Promise<Answered<Operation<P, M>>> {
  const parts = request as unknown as {
    path?: Record<string, string>;
    query?: Record<string, string | number | undefined>;
    header?: Record<string, string | undefined>;
    body?: unknown;
  };
  let url = String(path).replace(/\\{(\\w+)\\}/g, (_, name: string) => encodeURIComponent(parts.path?.[name] ?? ''));
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(parts.query ?? {})) if (value !== undefined) query.set(name, String(value));
  if ([...query].length > 0) url += '?' + query.toString();
  const headers: Record<string, string> = { authorization: 'Bearer ' + token };
  for (const [name, value] of Object.entries(parts.header ?? {})) if (value !== undefined) headers[name] = value;
  if (parts.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(BASE_URL + url, {
    method: method.toUpperCase(),
    headers,
    body: parts.body === undefined ? undefined : JSON.stringify(parts.body),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Answer<Operation<P, M>> };
}

function header<O, Name extends string>(answer: Answered<O>, name: Name & DeclaredHeader<O, Name>): string {
  const value = answer.headers.get(name);
  if (value === null) throw new Error('No ' + name + ' header');
  return value;
}

export async function seedStory(adminToken: string): Promise<'closed'> {
  const shop = await call(adminToken, 'post', '/integrations', { body: { name: 'Shop' } });
  const agent = await call(adminToken, 'post', '/members', {
    body: { name: 'Grace Hopper', email: 'grace@example.com', role: 'agent' },
  });
  const memberId: string = agent.body.id;

  const order = await call(shop.body.token, 'post', '/store-events', {
    header: { 'Idempotency-Key': 'order-1001' },
    body: {
      id: 'order-1001',
      type: 'order.created',
      customer: { id: 'customer-7', email: 'ada@example.com' },
      requiresAction: true,
      summary: 'Order #1001 placed',
    },
  });
  const conversationId: string | null = order.body.conversationId;
  if (conversationId === null) throw new Error('The order needed action: it has a conversation');

  const inbox = await call(agent.body.token, 'get', '/inbox', { query: { minPosition: order.body.position } });
  const waiting: number = inbox.body.counts.unassigned;
  const listed = inbox.body.items.find((summary) => summary.id === conversationId);
  if (listed === undefined || listed.assigneeId !== null || waiting < 1) throw new Error('Not in the queue');
  const shown: string = header(inbox, 'X-Projection-Position');

  const read = await call(agent.body.token, 'get', '/conversations/{id}', {
    path: { id: conversationId },
    query: { messagesLimit: 20 },
  });
  const etag = header(read, 'ETag');
  const orderEntry = read.body.timeline.find((entry) => entry.type === 'store_event');
  const revision: number = read.body.revision;

  const assigned = await call(agent.body.token, 'post', '/conversations/{id}/assign', {
    path: { id: conversationId },
    header: { 'If-Match': etag },
    body: { assigneeId: 'me' },
  });
  const assignee: string | null = assigned.body.assigneeId;
  const position: string = assigned.body.position;

  const reply = await call(agent.body.token, 'post', '/conversations/{id}/messages', {
    path: { id: conversationId },
    header: { 'Idempotency-Key': 'reply-1', 'If-Match': header(assigned, 'ETag') },
    body: { body: 'It ships today.' },
  });
  const messageId: string = reply.body.messageId;

  const closed = await call(agent.body.token, 'post', '/conversations/{id}/close', { path: { id: conversationId } });
  if (closed.body.status !== 'closed') throw new Error('Still open');
  void [memberId, shown, orderEntry?.summary, revision, assignee === memberId, position, messageId];
  return closed.body.status;
}
`;

/** Generates openapi-typescript's types for a document into `dir` and compiles the story against them. */
function compileStory(dir: string, documentText: string): string[] {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'openapi.json'), documentText);
  execFileSync(join(BIN, 'openapi-typescript'), [join(dir, 'openapi.json'), '--output', join(dir, 'schema.d.ts')], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  writeFileSync(join(dir, 'story.ts'), STORY);
  const program = ts.createProgram([join(dir, 'story.ts')], {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.CommonJS,
    lib: ['lib.es2022.full.d.ts'],
    types: [],
    // The story is what is checked; the libraries' declarations and the generated ones are taken as they are.
    skipLibCheck: true,
  });
  return ts
    .getPreEmitDiagnostics(program)
    .map((diagnostic) => ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
}
