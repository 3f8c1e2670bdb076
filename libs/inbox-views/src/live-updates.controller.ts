/**
 * `GET /stream` (API.md): server-sent events, one each time a conversation changes, sent once the views
 * show the change, `{conversationId, position}` with the position as the event id and nothing else
 * carrying an id (heartbeats are comments). A client that reconnects with `Last-Event-ID` gets what it
 * missed first, exactly from there (or a `reset` event, when it missed too much to replay, telling it to
 * reload its views). The event stream is written here rather than by Nest's `@Sse`, which numbers every
 * message, heartbeats included, with a counter of its own.
 */
import {
  BadRequestException,
  Controller,
  Get,
  Headers,
  HttpException,
  Inject,
  Req,
  Res,
  UnauthorizedException,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
} from '@nestjs/swagger';
import { EVENT_STORE, parsePosition, type EventStore, type Position } from '@team-inbox/event-store';
import { TeamDirectory, type Role } from '@team-inbox/team';
import { AllowedRoles, CurrentPrincipal, type Principal } from '@team-inbox/platform';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { LiveFeed, LiveStreamRefused } from './live/live-feed';

const STREAM_ROLES: Role[] = ['agent', 'admin'];

@ApiTags('inbox')
@ApiBearerAuth()
@Controller('stream')
export class LiveUpdatesController {
  constructor(
    private readonly feed: LiveFeed,
    private readonly directory: TeamDirectory,
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
  ) {}

  @Get()
  @AllowedRoles(...STREAM_ROLES)
  @ApiProduces('text/event-stream')
  @ApiOperation({
    summary: 'Server-sent events: a message each time a conversation changes, resumable with Last-Event-ID',
  })
  @ApiHeader({
    name: 'Last-Event-ID',
    required: false,
    description:
      'The `id` of the last message received: the stream resumes exactly after that log position (`0`: from the start)',
    schema: { type: 'string', pattern: '^ *(0|[1-9][0-9]*) *$', example: '1042' },
  })
  @ApiOkResponse({
    description:
      'An event stream that lasts. Each message: `id` its log position, `data` `{"conversationId": "<uuid>", ' +
      '"position": "<position>"}`, sent once the views show the change. A `reset` event (no id) asks the client to ' +
      'reload its views: it missed more than can be replayed. Heartbeats are SSE comments.',
    schema: {
      type: 'string',
      example: 'id: 1042\ndata: {"conversationId":"6f1c0d3e-8a4b-4c2d-9e5f-0a1b2c3d4e5f","position":"1042"}\n\n',
    },
  })
  @ApiBadRequestResponse({ description: '`Last-Event-ID` is no log position of this stream' })
  @ApiTooManyRequestsResponse({
    description: 'The caller holds as many open streams as one identity may (`Retry-After: 5`), or is throttled',
  })
  @ApiServiceUnavailableResponse({
    description: 'The server holds as many streams as it takes (`Retry-After: 5`), or the event store is out',
  })
  async stream(
    @Headers('last-event-id') lastEventId: string | undefined,
    @CurrentPrincipal() principal: Principal,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const after = lastEventId === undefined ? undefined : await this.resumePoint(lastEventId);
    const token = bearerToken(request.headers.authorization);
    const identity = `${principal.actor.type}:${principal.actor.id}`;
    // The same token, asked of the views as they are now: a member removed since the guard let it in is refused.
    const stillAuthorized = (): boolean => {
      const now = token === undefined ? undefined : this.directory.authenticate(token);
      return now !== undefined && `${now.actor.type}:${now.actor.id}` === identity && STREAM_ROLES.includes(now.role);
    };
    if (!stillAuthorized())
      throw new UnauthorizedException('The bearer token is not valid: it is unknown or has been revoked');
    let stream;
    try {
      stream = this.feed.open({ identity, after, stillAuthorized });
    } catch (error) {
      if (!(error instanceof LiveStreamRefused)) throw error;
      void reply.header('retry-after', String(error.retryAfterSeconds));
      throw new HttpException(error.message, error.status);
    }
    // A stream is quiet between heartbeats for as long as it is open: no idle timeout of the socket applies.
    request.raw.socket.setTimeout(0);
    reply.raw.once('close', () => stream.close());
    void reply
      .header('content-type', 'text/event-stream; charset=utf-8')
      .header('cache-control', 'no-cache, no-transform')
      .header('x-accel-buffering', 'no')
      .send(stream.body);
  }

  /** A position this log has: anything else was never an id of this stream. */
  private async resumePoint(lastEventId: string): Promise<Position> {
    const position = parsePosition(lastEventId.trim());
    if (position === undefined || position > ((await this.eventStore.headPosition()) ?? 0n))
      throw new BadRequestException('Last-Event-ID must be an event id this stream sent');
    return position;
  }
}

function bearerToken(header: string | string[] | undefined): string | undefined {
  return typeof header === 'string' ? /^bearer +(\S+)$/i.exec(header)?.[1] : undefined;
}
