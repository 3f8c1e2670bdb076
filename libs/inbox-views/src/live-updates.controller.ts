/**
 * `GET /stream` (API.md): server-sent events, one each time a conversation changes, sent once the views
 * show the change, `{conversationId, position}` with the position as the event id. A client that
 * reconnects with `Last-Event-ID` gets what it missed first (or a `reset` event, when it missed too much to
 * replay, telling it to reload its views).
 */
import { BadRequestException, Controller, Headers, Inject, Sse, type MessageEvent } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CONVERSATION_STREAM_PREFIX } from '@team-inbox/conversations';
import { EVENT_STORE, parsePosition, positionToString, type EventStore, type Position } from '@team-inbox/event-store';
import { ProjectionProgress, type AppliedEvent } from '@team-inbox/projections';
import { AllowedRoles } from '@team-inbox/team';
import { Observable, interval, map, merge } from 'rxjs';

/** How many missed events a reconnecting client is sent; past that it gets `reset`. */
export const MAX_REPLAYED_EVENTS = 1000;
export const HEARTBEAT_MS = 15_000;

@ApiTags('inbox')
@ApiBearerAuth()
@Controller('stream')
export class LiveUpdatesController {
  constructor(
    private readonly projector: ProjectionProgress,
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
  ) {}

  @Sse()
  @AllowedRoles('agent', 'admin')
  stream(@Headers('last-event-id') lastEventId: string | undefined): Observable<MessageEvent> {
    let resumeAfter: Position | undefined;
    if (lastEventId !== undefined) {
      resumeAfter = parsePosition(lastEventId.trim());
      if (resumeAfter === undefined)
        throw new BadRequestException('Last-Event-ID must be an event id this stream sent');
    }
    const heartbeat = interval(HEARTBEAT_MS).pipe(map((): MessageEvent => ({ type: 'heartbeat', data: '' })));
    return merge(this.changes(resumeAfter), heartbeat);
  }

  private changes(resumeAfter: Position | undefined): Observable<MessageEvent> {
    return new Observable<MessageEvent>((subscriber) => {
      let delivered = resumeAfter ?? this.projector.checkpoint;
      let replaying = resumeAfter !== undefined;
      const held: AppliedEvent[] = [];
      const send = (event: AppliedEvent): void => {
        if (event.position <= delivered || !event.streamId.startsWith(CONVERSATION_STREAM_PREFIX)) return;
        delivered = event.position;
        const conversationId = event.streamId.slice(CONVERSATION_STREAM_PREFIX.length);
        subscriber.next({
          id: positionToString(event.position),
          data: { conversationId, position: positionToString(event.position) },
        });
      };
      // Live events are held while the replay runs, so that none falls between the two.
      const live = this.projector.applied.subscribe((event) => (replaying ? held.push(event) : send(event)));
      if (replaying) {
        void this.replay(resumeAfter!, send, () =>
          subscriber.next({ type: 'reset', data: { reason: 'too far behind' } }),
        )
          .catch((error: unknown) => subscriber.error(error))
          .finally(() => {
            replaying = false;
            held.forEach(send);
          });
      }
      return () => live.unsubscribe();
    });
  }

  /** Sends what was applied after `after`, up to where the views are now. */
  private async replay(after: Position, send: (event: AppliedEvent) => void, reset: () => void): Promise<void> {
    const upTo = this.projector.checkpoint;
    let count = 0;
    for await (const event of this.eventStore.readAll({ fromPosition: after, limit: MAX_REPLAYED_EVENTS + 1 })) {
      if (event.position > upTo) return;
      if (++count > MAX_REPLAYED_EVENTS) return reset();
      send(event);
    }
  }
}
