/**
 * `Idempotency-Key` on any POST (API.md): the same key from the same identity, within 24 hours, gets the
 * first response's status and body, and appends nothing more.
 *
 * The response is recorded in the event log, in a stream per identity and key, so it holds across restarts
 * and across server processes sharing the log. Only a success is recorded: a refused request appended
 * nothing, so running it again appends nothing either, and a refusal leaves no trace in the log.
 *
 * Two copies of one request in flight at once both run, and the command handlers make the second append
 * nothing: the ids of the events (and of what they create) derive from the key, so either the event store
 * sees the same ids at the same revision (a no-op), or the handler finds the first copy's events already in
 * the stream and answers from them. The same holds for a retry after a crash between the command's append
 * and the recording of its response.
 *
 * On the POST routes only (`@IdempotentPost`), not the whole app: an interceptor puts each request it covers
 * through Nest's RxJS pipeline and its async resources; over the queries too, that was a tenth of the mixed
 * load's throughput.
 */
import {
  BadRequestException,
  ConflictException,
  Inject,
  Injectable,
  Logger,
  Post,
  UnprocessableEntityException,
  UseInterceptors,
  applyDecorators,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import type { Actor } from '@team-inbox/core';
import { IDEMPOTENCY_WINDOW_MS, deterministicUuid } from '@team-inbox/core';
import {
  EVENT_STORE,
  WrongExpectedRevisionError,
  collect,
  type EventStore,
  type RecordedEvent,
} from '@team-inbox/event-store';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { createHash, randomUUID } from 'node:crypto';
import { from, lastValueFrom, type Observable } from 'rxjs';
import type { AuthenticatedRequest } from '../auth/access.decorators';

const KEY_PATTERN = /^[\x20-\x7e]{1,200}$/;

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

type Request = FastifyRequest & AuthenticatedRequest;

@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  private readonly logger = new Logger('Idempotency');

  constructor(@Inject(EVENT_STORE) private readonly eventStore: EventStore) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<Request>();
    const header = request.headers['idempotency-key'];
    if (header === undefined) return next.handle();
    if (typeof header !== 'string' || !KEY_PATTERN.test(header)) {
      throw new BadRequestException('Idempotency-Key must be 1 to 200 printable ASCII characters');
    }
    if (!request.principal) return next.handle(); // a public route has no identity to scope a key to
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    return from(
      this.run(request.principal.actor, header, fingerprintOf(request), reply, () => lastValueFrom(next.handle())),
    );
  }

  private async run(
    actor: Actor,
    key: string,
    fingerprint: string,
    reply: FastifyReply,
    execute: () => Promise<unknown>,
  ): Promise<unknown> {
    const streamId = `idempotency-${deterministicUuid('idempotency', actor.type, actor.id, key)}`;
    const recorded = (await collect(this.eventStore.readStream(streamId))).at(-1);
    const fresh = recorded && Date.now() - recorded.recordedAt.getTime() < IDEMPOTENCY_WINDOW_MS;
    if (recorded && fresh) return replay(recorded, fingerprint, key, reply);

    const body = await execute(); // a refusal throws here: nothing is recorded
    const { kept, withheld } = withholdSecrets(body);
    const data: CompletedData = {
      status: reply.statusCode,
      body: JSON.stringify(kept ?? null),
      fingerprint,
      headers: pickHeaders(reply),
      withheld,
    };
    try {
      await this.eventStore.append(streamId, [{ id: randomUUID(), type: 'IdempotentRequestCompleted', data }], {
        expectedRevision: recorded?.revision ?? 'no_stream',
      });
    } catch (error) {
      // A concurrent copy recorded first (its effects and ours are the same events, see above); or the
      // store failed after the command succeeded: the answer stands, and a retry finds the command's events.
      if (!(error instanceof WrongExpectedRevisionError))
        this.logger.warn(`Idempotency record not written: ${String(error)}`);
    }
    return body;
  }
}

/** `@Post(path)` that honours `Idempotency-Key`: every POST route of the API is declared so. */
export function IdempotentPost(path?: string): MethodDecorator {
  return applyDecorators(Post(path), UseInterceptors(IdempotencyInterceptor));
}

function replay(completed: RecordedEvent, fingerprint: string, key: string, reply: FastifyReply): unknown {
  const data = completed.data as unknown as CompletedData;
  if (data.fingerprint !== fingerprint) throw reusedKey(key);
  if (data.withheld?.length) {
    const { id } = JSON.parse(data.body) as { id?: string };
    throw new ConflictException(
      `This request succeeded before (${id ?? 'see the log'}), and its ${data.withheld.join(', ')} was shown only in that first response: remove what it created and add it anew if it was lost`,
    );
  }
  void reply.status(data.status).headers({ ...data.headers, 'idempotent-replayed': 'true' });
  return JSON.parse(data.body) as unknown;
}

function withholdSecrets(body: unknown): { kept: unknown; withheld: string[] } {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return { kept: body, withheld: [] };
  const kept: Record<string, unknown> = { ...(body as Record<string, unknown>) };
  const withheld = SECRET_FIELDS.filter((field) => field in kept);
  for (const field of withheld) delete kept[field];
  return { kept, withheld };
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
