/**
 * What every open `GET /stream` is fed from. The feed follows the log itself, up to where the views are
 * (`ProjectionProgress.progressed`), so a stream carries every change whichever process projected it (two
 * servers on one DATA_DIR share the read models and take turns applying batches). Each event is sent once
 * the views show it, with its log position as the SSE `id`; heartbeats are SSE comments, so a client's
 * `Last-Event-ID` is always a position, and a reconnect resumes exactly after it.
 *
 * A reconnecting stream first catches up from its `Last-Event-ID` in slices of the log, a few milliseconds
 * of them per turn of the event loop for all streams together, and joins the live feed once it has reached
 * it. Slices that many reconnects share (every client resuming after a restart) are read once.
 *
 * A stream ends once its token stops working (checked each time the views show a change to the team), once
 * its client falls too far behind reading it, and at shutdown. How many may be open is bounded, per
 * identity and in total.
 */
import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { CONVERSATION_STREAM_PREFIX } from '@team-inbox/conversations';
import { EVENT_STORE, positionToString, type EventStore, type Position } from '@team-inbox/event-store';
import { ProjectionProgress } from '@team-inbox/projections';
import { PassThrough, type Readable } from 'node:stream';
import { performance } from 'node:perf_hooks';
import type { Subscription } from 'rxjs';

export const LIVE_STREAM_SETTINGS = Symbol('LIVE_STREAM_SETTINGS');

export interface LiveStreamSettings {
  /** Streams one identity (a member, the bootstrap admin) may hold open at once. */
  perIdentity: number;
  /** Streams the server holds open at once. */
  total: number;
  /** How often every stream gets a heartbeat comment. */
  heartbeatMs: number;
}

/** How many missed events a reconnecting client is sent; past that it gets `reset`. */
export const MAX_REPLAYED_EVENTS = 1000;
/** What EventSource clients wait before reconnecting (the SSE `retry` field). */
export const RECONNECT_MS = 1000;
/** Events read from the log at once: one slice of a catch-up. */
const SLICE_EVENTS = 100;
/** How long catch-ups may run before the event loop turns to requests again. */
const CATCH_UP_TURN_MS = 4;
/** Full slices kept for the next reconnect that resumes from the same place. */
const CACHED_SLICES = 128;
/** What a stream may hold unsent for a client that does not read; past it the stream ends (the client resumes). */
const MAX_UNSENT_BYTES = 1024 * 1024;
const RETRY_AFTER_SECONDS = 5;
/** After the log could not be read (the store unavailable), the next try. */
const RETRY_READ_MS = 1000;
const TEAM_STREAM_PREFIX = 'member-';

/** A `/stream` refused: too many open for the caller (429) or for the server (503). */
export class LiveStreamRefused extends Error {
  override readonly name = 'LiveStreamRefused';

  constructor(
    readonly status: 429 | 503,
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}

export interface LiveStreamRequest {
  /** Whose stream it is, for the per-identity bound. */
  identity: string;
  /** Resume after this position (`Last-Event-ID`); from now where unset. */
  after: Position | undefined;
  /** Whether the stream's token still works, asked again each time the team changes. */
  stillAuthorized: () => boolean;
}

/** One open stream, as the HTTP layer sees it: the body to send, and how it ends. */
export interface LiveStream {
  readonly body: Readable;
  /** Ends the stream (the client went away, or the server is stopping). */
  close(): void;
}

/** A slice of the log as a stream needs it: each conversation change's SSE message, in log order. */
interface Slice {
  events: { position: Position; frame: string | undefined; team: boolean }[];
  /** Every conversation change of the slice, as one write. */
  frames: string;
  /** As many events as were asked for: the log goes on past it, and the slice never changes. */
  full: boolean;
}

class OpenStream implements LiveStream {
  readonly body = new PassThrough();
  /** Every event up to here has been sent to this client (or was not for it). */
  sent: Position;
  /** Following the feed; until then, catching up from `sent`. */
  live = false;
  replayed = 0;
  closed = false;

  constructor(
    readonly request: LiveStreamRequest,
    private readonly onClosed: (stream: OpenStream) => void,
    from: Position,
  ) {
    this.sent = from;
    this.body.on('close', () => this.close());
    this.body.on('error', () => this.close());
  }

  write(text: string): void {
    if (this.closed || text === '') return;
    if (this.body.readableLength + this.body.writableLength > MAX_UNSENT_BYTES) return this.close();
    this.body.write(text);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.body.end();
    this.onClosed(this);
  }
}

@Injectable()
export class LiveFeed implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger('LiveFeed');
  private readonly streams = new Set<OpenStream>();
  private readonly openByIdentity = new Map<string, number>();
  /** Every event up to here has been handed to the live streams. */
  private position: Position = 0n;
  private following: Subscription | undefined;
  private reading = false;
  private readonly catchingUp: OpenStream[] = [];
  private catchUpsRunning = false;
  private readonly slices = new Map<Position, Slice>();
  private heartbeat: NodeJS.Timeout | undefined;
  private stopping = false;

  constructor(
    private readonly progress: ProjectionProgress,
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    @Inject(LIVE_STREAM_SETTINGS) private readonly settings: LiveStreamSettings,
  ) {}

  onModuleInit(): void {
    this.position = this.progress.checkpoint;
    this.following = this.progress.progressed.subscribe(() => this.follow());
  }

  /** Throws `LiveStreamRefused` past the bounds. */
  open(request: LiveStreamRequest): LiveStream {
    if (this.stopping) throw new LiveStreamRefused(503, 'The server is shutting down: reconnect in a moment', 1);
    const mine = this.openByIdentity.get(request.identity) ?? 0;
    if (mine >= this.settings.perIdentity) {
      throw new LiveStreamRefused(
        429,
        `Too many open streams for this caller (at most ${this.settings.perIdentity}): close one, or try again later`,
        RETRY_AFTER_SECONDS,
      );
    }
    if (this.streams.size >= this.settings.total) {
      throw new LiveStreamRefused(
        503,
        `The server holds as many streams as it takes (${this.settings.total}): try again later`,
        RETRY_AFTER_SECONDS,
      );
    }
    if (this.streams.size === 0) this.position = this.maxPosition(this.position, this.progress.checkpoint);
    const stream = new OpenStream(request, (closed) => this.forget(closed), request.after ?? this.position);
    this.streams.add(stream);
    this.openByIdentity.set(request.identity, mine + 1);
    stream.write(`retry: ${RECONNECT_MS}\n\n`);
    if (stream.sent >= this.position) stream.live = true;
    else this.catchingUp.push(stream);
    this.heartbeat ??= setInterval(() => this.beat(), this.settings.heartbeatMs).unref();
    void this.runCatchUps();
    this.follow();
    return stream;
  }

  /** Open streams: for the metrics and the tests. */
  get openStreams(): number {
    return this.streams.size;
  }

  /** Shutdown: every stream ends (its client reconnects elsewhere, or later), and no new one opens. */
  beforeApplicationShutdown(): void {
    this.stopping = true;
    this.following?.unsubscribe();
    clearInterval(this.heartbeat);
    this.endAll();
  }

  /** Ends every open stream; their clients reconnect, resuming where each left off. */
  endAll(): void {
    for (const stream of [...this.streams]) stream.close();
  }

  private forget(stream: OpenStream): void {
    if (!this.streams.delete(stream)) return;
    const left = (this.openByIdentity.get(stream.request.identity) ?? 1) - 1;
    if (left > 0) this.openByIdentity.set(stream.request.identity, left);
    else this.openByIdentity.delete(stream.request.identity);
    if (this.streams.size === 0) {
      clearInterval(this.heartbeat);
      this.heartbeat = undefined;
    }
  }

  private beat(): void {
    for (const stream of this.streams) stream.write(': heartbeat\n\n');
  }

  /** Reads the log up to where the views are now, and hands each slice to the live streams. */
  private follow(): void {
    if (this.streams.size === 0) {
      // Nobody to tell: a stream opened later starts from where the views are then.
      this.position = this.maxPosition(this.position, this.progress.checkpoint);
      return;
    }
    if (this.reading || this.stopping) return;
    this.reading = true;
    void this.readToCheckpoint().then(
      () => {
        this.reading = false;
        // The views moved on while the last slice was handed out: once more, a turn later.
        if (!this.stopping && this.position < this.progress.checkpoint) setImmediate(() => this.follow());
      },
      (error: unknown) => {
        this.reading = false;
        this.logger.error('The live feed could not read the log; it tries again', error);
        if (!this.stopping) setTimeout(() => this.follow(), RETRY_READ_MS).unref();
      },
    );
  }

  private async readToCheckpoint(): Promise<void> {
    while (this.streams.size > 0) {
      const upTo = this.progress.checkpoint;
      const from = this.position;
      if (from >= upTo) return;
      const slice = await this.readSlice(from);
      // Moved meanwhile (the last stream closed and a new one opened from the views' checkpoint): read again.
      if (this.position !== from) continue;
      const { through, events } = this.cover(slice, upTo);
      const frames = events.length === slice.events.length ? slice.frames : joinFrames(events);
      let teamChanged = false;
      for (const stream of this.streams) {
        if (!stream.live || stream.sent >= through) continue;
        // A stream that resumed from a position the feed had not reached yet takes only what follows it.
        const sent = stream.sent;
        stream.write(sent === from ? frames : joinFrames(events.filter((event) => event.position > sent)));
        stream.sent = through;
      }
      for (const event of events) teamChanged ||= event.team;
      this.position = through;
      if (teamChanged) this.endRevoked();
      if (slice.full) await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /** A stream whose token no longer works (its member removed) ends now. */
  private endRevoked(): void {
    for (const stream of [...this.streams]) {
      let authorized = false;
      try {
        authorized = stream.request.stillAuthorized();
      } catch (error) {
        this.logger.error('A stream could not be checked against the team; it ends', error);
      }
      if (!authorized) stream.close();
    }
  }

  /**
   * Catch-ups, one slice at a time in turn, for a few milliseconds a turn of the event loop: however many
   * clients reconnect at once, requests are answered in between.
   */
  private async runCatchUps(): Promise<void> {
    if (this.catchUpsRunning) return;
    this.catchUpsRunning = true;
    try {
      let turnStarted = performance.now();
      while (this.catchingUp.length > 0) {
        const stream = this.catchingUp.shift()!;
        if (stream.closed) continue;
        try {
          await this.catchUpSlice(stream);
        } catch (error) {
          this.logger.error('A stream could not read what it missed; it ends (its client resumes)', error);
          stream.close();
        }
        if (!stream.live && !stream.closed) this.catchingUp.push(stream);
        if (performance.now() - turnStarted >= CATCH_UP_TURN_MS) {
          await new Promise((resolve) => setImmediate(resolve));
          turnStarted = performance.now();
        }
      }
    } finally {
      this.catchUpsRunning = false;
    }
  }

  private async catchUpSlice(stream: OpenStream): Promise<void> {
    // Where the feed is before the read: every event up to it is in the log by then.
    const upTo = this.position;
    if (stream.sent < upTo) {
      const slice = await this.readSlice(stream.sent);
      const { through, events } = this.cover(slice, upTo);
      stream.replayed += events.length;
      if (stream.replayed > MAX_REPLAYED_EVENTS) {
        // Too far behind to replay: the client reloads its views, and resumes from where the feed is.
        stream.sent = this.position;
        stream.write(
          `event: reset\nid: ${positionToString(stream.sent)}\ndata: ${JSON.stringify({ reason: 'too far behind' })}\n\n`,
        );
      } else {
        stream.write(events.length === slice.events.length ? slice.frames : joinFrames(events));
        stream.sent = through;
      }
    }
    // No turn between this check and joining: the feed hands out nothing past `position` meanwhile.
    if (!stream.closed && stream.sent >= this.position) stream.live = true;
  }

  /** The slice's events up to `upTo`, and how far that covers the log. */
  private cover(slice: Slice, upTo: Position): { through: Position; events: Slice['events'] } {
    const events = slice.events.filter((event) => event.position <= upTo);
    const last = slice.events[slice.events.length - 1];
    // A slice that is not full held every event there was past its start: all up to `upTo` among them.
    const through = slice.full && last.position < upTo ? last.position : upTo;
    return { through, events };
  }

  private async readSlice(after: Position): Promise<Slice> {
    const cached = this.slices.get(after);
    if (cached) return cached;
    const events: Slice['events'] = [];
    for await (const event of this.eventStore.readAll({ fromPosition: after, limit: SLICE_EVENTS })) {
      const isConversation = event.streamId.startsWith(CONVERSATION_STREAM_PREFIX);
      const position = positionToString(event.position);
      const data = isConversation
        ? JSON.stringify({ conversationId: event.streamId.slice(CONVERSATION_STREAM_PREFIX.length), position })
        : undefined;
      events.push({
        position: event.position,
        frame: data === undefined ? undefined : `id: ${position}\ndata: ${data}\n\n`,
        team: event.streamId.startsWith(TEAM_STREAM_PREFIX),
      });
    }
    const slice: Slice = { events, frames: joinFrames(events), full: events.length === SLICE_EVENTS };
    if (slice.full) {
      // The log only grows: a full slice reads the same for good.
      if (this.slices.size >= CACHED_SLICES) this.slices.delete(this.slices.keys().next().value!);
      this.slices.set(after, slice);
    }
    return slice;
  }

  private maxPosition(a: Position, b: Position): Position {
    return a > b ? a : b;
  }
}

function joinFrames(events: Slice['events']): string {
  let frames = '';
  for (const event of events) if (event.frame !== undefined) frames += event.frame;
  return frames;
}
