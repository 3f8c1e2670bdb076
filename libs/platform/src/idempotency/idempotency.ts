/**
 * `Idempotency-Key` on any POST (API.md): the same key from the same identity, within 24 hours, gets the
 * first response's status and body, and appends nothing more.
 *
 * The response is recorded in the event log, in a stream per identity and key, so it holds across restarts
 * and across server processes sharing the log. Only a success is recorded: a refused request appended
 * nothing, so running it again appends nothing either, and a refusal leaves no trace in the log.
 *
 * A record expires 24 hours after it was written: from then on the key is new again, and the record's
 * stream is created with that maximum age, so the store removes it (the embedded store in a periodic sweep,
 * EventStoreDB by the stream's `$maxAge`). Nothing but this guard reads these streams. The time is the
 * injected `Clock`'s.
 *
 * Two copies of one request in flight at once both run, and the command handlers make the second append
 * nothing: the ids of the events (and of what they create) derive from the key, so either the event store
 * sees the same ids at the same revision (a no-op), or the handler finds the first copy's events already in
 * the stream and answers from them. The same holds for a retry after a crash between the command's append
 * and the recording of its response.
 *
 * A guard and a Fastify hook rather than a Nest interceptor: an interceptor puts every request of its routes
 * through an RxJS pipeline and its async resources, a large share of a command's cost, where most requests
 * carry no key. The guard (after the auth guard, so a bad token is still 401 first) checks the key and looks the
 * record up; the hook records the answer as it is sent.
 */
import {
  BadRequestException,
  Catch,
  ConflictException,
  Inject,
  Injectable,
  Logger,
  Post,
  UnprocessableEntityException,
  UseFilters,
  UseGuards,
  applyDecorators,
  type ArgumentsHost,
  type CanActivate,
  type ExceptionFilter,
  type ExecutionContext,
} from '@nestjs/common';
import {
  CLOCK,
  IDEMPOTENCY_WINDOW_MS,
  deterministicUuid,
  type Actor,
  type Clock,
  type DomainEvent,
} from '@team-inbox/core';
import { JSON_CONTENT_TYPE } from '../http/json-content-type';
import { EVENT_STORE, collect, type EventStore } from '@team-inbox/event-store';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { createHash, randomUUID } from 'node:crypto';
import type { AuthenticatedRequest } from '../auth/access.decorators';

const KEY_PATTERN = /^[\x20-\x7e]{1,200}$/;

/** `400` where an `Idempotency-Key` is sent and is not 1 to 200 printable ASCII characters. */
export function assertIdempotencyKeyWellFormed(headers: Record<string, string | string[] | undefined>): void {
  const key = headers['idempotency-key'];
  if (key !== undefined && (typeof key !== 'string' || !KEY_PATTERN.test(key))) {
    throw new BadRequestException('Idempotency-Key must be 1 to 200 printable ASCII characters');
  }
}

type CompletedData = {
  status: number;
  body: string;
  fingerprint: string;
  headers: Record<string, string>;
  /** Fields of the body not kept (secrets shown once): a replay cannot give them back. */
  withheld: string[];
};

/** Response fields never written to the log: a token is kept only as a hash, a webhook secret only sealed. */
const SECRET_FIELDS = ['token', 'secret'];

type IdempotentRequestCompleted = DomainEvent<'IdempotentRequestCompleted', CompletedData>;

/** What the guard leaves on a keyed request that runs, for the hook to record its answer by. */
interface PendingRecord {
  streamId: string;
  fingerprint: string;
}

const PENDING_RECORD = Symbol('idempotency record');

type Request = FastifyRequest & AuthenticatedRequest & { [PENDING_RECORD]?: PendingRecord };

/** `@Post(path)` that honours `Idempotency-Key`: every POST route of the API is declared so. */
export function IdempotentPost(path?: string): MethodDecorator {
  return applyDecorators(Post(path), UseGuards(IdempotencyGuard), UseFilters(ReplayFilter));
}

/** The first answer to a key, given again: thrown by the guard, the one way it has to answer in its place. */
class Replay extends Error {
  constructor(readonly completed: CompletedData) {
    super('Idempotency-Key: the first answer, replayed');
  }
}

@Injectable()
class IdempotencyGuard implements CanActivate {
  constructor(
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const request = context.switchToHttp().getRequest<Request>();
    assertIdempotencyKeyWellFormed(request.headers);
    const key = request.headers['idempotency-key'];
    if (typeof key !== 'string') return true;
    if (!request.principal) return true; // a public route has no identity to scope a key to
    return this.lookUp(request, request.principal.actor, key);
  }

  private async lookUp(request: Request, actor: Actor, key: string): Promise<boolean> {
    const streamId = `idempotency-${deterministicUuid('idempotency', actor.type, actor.id, key)}`;
    const fingerprint = fingerprintOf(request);
    const recorded = (await collect(this.eventStore.readStream<IdempotentRequestCompleted>(streamId))).at(-1);
    if (recorded && this.clock.now() - recorded.recordedAt.getTime() < IDEMPOTENCY_WINDOW_MS) {
      const completed = recorded.data;
      if (completed.fingerprint !== fingerprint) throw reusedKey(key);
      if (completed.withheld?.length) throw secretNotReplayed(completed);
      throw new Replay(completed);
    }
    request[PENDING_RECORD] = { streamId, fingerprint };
    return true;
  }
}

@Catch(Replay)
class ReplayFilter implements ExceptionFilter {
  catch({ completed }: Replay, host: ArgumentsHost): void {
    void host
      .switchToHttp()
      .getResponse<FastifyReply>()
      .status(completed.status)
      .headers({ ...completed.headers, 'idempotent-replayed': 'true' })
      .type(JSON_CONTENT_TYPE)
      .send(completed.body);
  }
}

/**
 * Records a keyed request's successful answer before it is sent (a refusal is not recorded). If the record
 * cannot be written the answer stands: a concurrent copy recorded first (its effects and ours are the same
 * events, see above), or the store failed after the command succeeded and a retry finds its events.
 */
export function recordIdempotentAnswers(fastify: FastifyInstance, eventStore: EventStore): void {
  const logger = new Logger('Idempotency');
  fastify.addHook('onSend', (request: Request, reply, payload, done) => {
    const pending = request[PENDING_RECORD];
    if (!pending || reply.statusCode < 200 || reply.statusCode >= 300) return done(null, payload);
    const { kept, withheld } = withholdSecrets(typeof payload === 'string' && payload !== '' ? payload : 'null');
    const data: CompletedData = {
      status: reply.statusCode,
      body: kept,
      fingerprint: pending.fingerprint,
      headers: pickHeaders(reply),
      withheld,
    };
    const completed: IdempotentRequestCompleted = { type: 'IdempotentRequestCompleted', data };
    // After whatever the stream holds: a record past its window (expired, perhaps removed already), or the
    // record of a copy of this request that ran at the same moment, whose answer is the same (see above).
    // The guard replays the latest.
    eventStore
      // No metadata: a record is no event of the request's command (its idempotency key and correlation
      // id are what tie a command's events together, in the log and in the crash rounds' checks).
      .append(pending.streamId, [{ id: randomUUID(), ...completed }], {
        expectedRevision: 'any',
        maxAgeMs: IDEMPOTENCY_WINDOW_MS,
      })
      .catch((error: unknown) => logger.warn(`Idempotency record not written: ${String(error)}`))
      .finally(() => done(null, payload));
  });
}

function secretNotReplayed(completed: CompletedData): ConflictException {
  const { id } = JSON.parse(completed.body) as { id?: string };
  return new ConflictException(
    `This request succeeded before (${id ?? 'see the log'}), and its ${completed.withheld.join(', ')} was shown only in that first response: remove what it created and add it anew if it was lost`,
  );
}

/** The answer's JSON without the secrets in it. */
function withholdSecrets(json: string): { kept: string; withheld: string[] } {
  const body = JSON.parse(json) as unknown;
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return { kept: json, withheld: [] };
  const kept: Record<string, unknown> = { ...(body as Record<string, unknown>) };
  const withheld = SECRET_FIELDS.filter((field) => field in kept);
  for (const field of withheld) delete kept[field];
  return { kept: withheld.length > 0 ? JSON.stringify(kept) : json, withheld };
}

function reusedKey(key: string): UnprocessableEntityException {
  return new UnprocessableEntityException(
    `Idempotency-Key "${key}" was already used for a different request (another route or body); use a new key`,
  );
}

/** The request a key stands for: method, path and body, with the body's keys in a stable order. */
function fingerprintOf(request: FastifyRequest): string {
  const path = request.url.split('?')[0];
  return createHash('sha256')
    .update(`${request.method} ${path} ${stableJson(request.body)}`)
    .digest('hex');
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** The response headers worth replaying (ETag, Location). */
function pickHeaders(reply: FastifyReply): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name of ['etag', 'location']) {
    const value = reply.getHeader(name);
    if (typeof value === 'string') headers[name] = value;
  }
  return headers;
}
