/**
 * The embedded event store: one SQLite file (WAL, synchronous=FULL), the default that needs no server.
 *
 * Appends are queued and written together by the log's writer thread (`log-writer-thread.ts`), one
 * transaction, so one fsync, per batch: concurrent commands share commits, and the event loop answers
 * requests while the disk syncs. Each append resolves once its commit is on disk. Reads (streams, the
 * log, subscriptions) go through this thread's own connection, which sees every commit the writer has
 * acknowledged.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { EventStoreClosedError, EventStoreUnavailableError, WrongExpectedRevisionError } from '../errors';
import type {
  AllSubscription,
  AppendOptions,
  AppendResult,
  EventStore,
  JsonObject,
  NewEvent,
  Position,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  SubscribeToAllOptions,
  EventShape,
  RecordedOf,
} from '../event-store';
import { LocalSubscriptions, type LocalLog } from '../local-subscription';
import { validateAppend } from '../validate-append';
import { UNAVAILABLE_CODES, type AppendOutcome, type AppendRefusal, type AppendRequest } from './log-writer';
import { LogWriterThread } from './log-writer-thread';
import { FALLBACK_AUTOCHECKPOINT_PAGES, WalCheckpointer } from './wal-checkpointer';
import { useWalJournal } from './wal-journal';

export type WalCheckpoints = 'own-thread' | 'by-opener' | 'on-commit';

export interface SqliteEventStoreOptions {
  /** The database file; its folder is created if missing. */
  filename: string;
  /**
   * How often an idle live subscription looks for events appended by another process on the same file.
   * Appends through this instance wake subscriptions at once.
   */
  pollIntervalMs?: number;
  /** Events fetched per query while reading or catching up. */
  pageSize?: number;
  /**
   * Who folds the WAL into the file (see `wal-checkpointer.ts`):
   * - `own-thread` (the default): a checkpointer thread this store starts;
   * - `by-opener`: a checkpointer thread of whoever opened the store (the server's read models' one, which
   *   folds both files: one thread fewer); only past `FALLBACK_AUTOCHECKPOINT_PAGES` does a commit fold it;
   * - `on-commit`: SQLite's own, on the committing connection (a reader thread that never commits).
   */
  checkpoints?: WalCheckpoints;
  /**
   * A ceiling on the file, in pages (SQLite's `max_page_count`, per connection): past it an append fails
   * as on a full disk. How the tests fill the disk; an operator may cap the log's size with it too.
   */
  maxPageCount?: number;
  /** Opened only to read (the projector thread's store): no writer thread, and `append` refuses. */
  readOnly?: boolean;
  /**
   * How often the events past their stream's maximum age (`AppendOptions.maxAgeMs`) are swept out, in
   * milliseconds; 0 for never (`removeExpiredEvents` still does it when called). A store opened read-only
   * never sweeps.
   */
  expirySweepIntervalMs?: number;
  /** The time an event's age is measured at, in milliseconds since the epoch: a clock tests can set. */
  now?: () => number;
}

/** Expired events are few beside the rest of the log: a sweep every few minutes keeps it from growing. */
export const DEFAULT_EXPIRY_SWEEP_INTERVAL_MS = 5 * 60 * 1000;
/** Streams looked at per slice of a sweep: each slice is one short transaction between append batches. */
const EXPIRY_SWEEP_SLICE_STREAMS = 100;

/** A row of eventsAfterPosition: position, stream_id, revision, event_id, type, data, metadata, recorded_at. */
type EventTuple = [number, string, number, string, string, string, string, number];

interface EventRow {
  position: number | bigint;
  stream_id: string;
  revision: number | bigint;
  event_id: string;
  type: string;
  data: string;
  metadata: string;
  recorded_at: number | bigint;
}

interface PendingAppend {
  request: AppendRequest;
  resolve: (result: AppendResult) => void;
  reject: (error: unknown) => void;
}

const SCHEMA_VERSION = 1;
const MAX_BATCHES_IN_FLIGHT = 2;

export class SqliteEventStore implements EventStore {
  readonly kind = 'sqlite' as const;
  /** The database file: what a reader in another thread or process opens. */
  readonly filename: string;
  readonly checkpoints: WalCheckpoints;

  private readonly db: Database.Database;
  private readonly pageSize: number;
  private readonly writer: LogWriterThread | undefined;
  private pending: PendingAppend[] = [];
  /** Batches handed to the writer thread and not yet answered, and the last of them. */
  private batchesInFlight = 0;
  private lastBatch: Promise<void> | undefined;
  private commits = 0;
  private appendsCommitted = 0;
  private flushScheduled = false;
  private closed = false;
  private closing: Promise<void> | undefined;
  private readonly checkpointer: WalCheckpointer | undefined;
  private readonly commitListeners = new Set<(durationMs: number, appends: number) => void>();
  private readonly subscriptions: LocalSubscriptions;
  private readonly now: () => number;
  private readonly expirySweepTimer: NodeJS.Timeout | undefined;
  private sweeping: Promise<number> | undefined;

  private readonly statements: {
    eventsFromRevision: Database.Statement<[string, bigint, number], EventRow>;
    eventsAfterPosition: Database.Statement<[bigint, number], EventTuple>;
    head: Database.Statement<[], { position: number | bigint | null }>;
    anyStreamWithMaxAge: Database.Statement<[], { found: number | bigint }>;
  };

  constructor(options: SqliteEventStoreOptions) {
    this.pageSize = options.pageSize ?? 1000;
    this.filename = options.filename;
    mkdirSync(dirname(options.filename), { recursive: true });
    this.db = new Database(options.filename);
    this.db.defaultSafeIntegers(true);
    const journalMode = useWalJournal(this.db);
    if (journalMode !== 'wal') {
      this.db.close();
      throw new Error(
        `${options.filename} cannot be opened as a durable event store: journal_mode=${journalMode} (need wal)`,
      );
    }
    this.db.pragma('busy_timeout = 5000');
    this.migrate();
    this.checkpoints = options.checkpoints ?? 'own-thread';
    // Its thread starts with the first append: a server catching up with a long log, where the peak of its
    // memory is, has one thread fewer meanwhile.
    this.writer = options.readOnly
      ? undefined
      : new LogWriterThread(
          {
            filename: options.filename,
            maxPageCount: options.maxPageCount,
            walAutocheckpointPages: this.checkpoints === 'on-commit' ? undefined : FALLBACK_AUTOCHECKPOINT_PAGES,
          },
          commitFailure,
        );
    if (this.checkpoints === 'own-thread') this.checkpointer = new WalCheckpointer([options.filename]);

    this.statements = {
      eventsFromRevision: this.db.prepare(
        'SELECT * FROM events WHERE stream_id = ? AND revision >= ? ORDER BY revision LIMIT ?',
      ),
      // The hot read path (catch-up, rebuild): rows as arrays, and plain numbers, not bigints, for a rowid or
      // a revision, which never near 2^53 (checked in fromTuple).
      eventsAfterPosition: this.db
        .prepare<[bigint, number], EventTuple>(
          `SELECT position, stream_id, revision, event_id, type, data, metadata, recorded_at
             FROM events WHERE position > ? ORDER BY position LIMIT ?`,
        )
        .raw(true)
        .safeIntegers(false),
      head: this.db.prepare('SELECT max(position) AS position FROM events'),
      anyStreamWithMaxAge: this.db.prepare('SELECT 1 AS found FROM stream_max_ages LIMIT 1'),
    };

    const log: LocalLog = {
      readPageAfter: (after, limit) => this.statements.eventsAfterPosition.all(after, limit).map(fromTuple),
      isClosed: () => this.closed,
    };
    this.subscriptions = new LocalSubscriptions(log, {
      pageSize: this.pageSize,
      pollIntervalMs: options.pollIntervalMs ?? 100,
    });

    this.now = options.now ?? Date.now;
    const sweepEvery = options.expirySweepIntervalMs ?? DEFAULT_EXPIRY_SWEEP_INTERVAL_MS;
    if (this.writer && sweepEvery > 0) {
      // A sweep that fails (the file busy with another process's) is tried again at the next one.
      this.expirySweepTimer = setInterval(() => void this.removeExpiredEvents().catch(() => undefined), sweepEvery);
      this.expirySweepTimer.unref();
    }
  }

  async append(streamId: string, events: readonly NewEvent[], options: AppendOptions): Promise<AppendResult> {
    this.assertOpen();
    if (!this.writer) throw new Error(`${this.filename} was opened read-only: it takes no appends`);
    validateAppend(streamId, events, options);
    const request: AppendRequest = {
      streamId,
      expectedRevision: options.expectedRevision,
      // Serialised here, not in the writer thread: a string crosses threads faster than the object it encodes.
      events: events.map(({ id, type, data, metadata }) => ({
        id,
        type,
        data: JSON.stringify(data),
        metadata: JSON.stringify(metadata ?? {}),
      })),
      ...(options.maxAgeMs === undefined ? {} : { maxAgeMs: options.maxAgeMs }),
    };
    return new Promise<AppendResult>((resolve, reject) => {
      this.pending.push({ request, resolve, reject });
      this.scheduleFlush();
    });
  }

  async *readStream<Event extends EventShape = EventShape>(
    streamId: string,
    options: ReadStreamOptions = {},
  ): AsyncIterable<RecordedOf<Event>> {
    let fromRevision = options.fromRevision ?? 0n;
    let remaining = options.limit ?? Number.POSITIVE_INFINITY;
    while (remaining > 0) {
      this.assertOpen();
      const page = Math.min(this.pageSize, remaining);
      const rows = this.statements.eventsFromRevision.all(streamId, fromRevision, page);
      for (const row of rows) yield toRecordedEvent(row) as RecordedOf<Event>;
      if (rows.length < page) return;
      remaining -= rows.length;
      fromRevision = BigInt(rows[rows.length - 1].revision) + 1n;
    }
  }

  async *readAll(options: ReadAllOptions = {}): AsyncIterable<RecordedEvent> {
    let after = options.fromPosition ?? 0n;
    let remaining = options.limit ?? Number.POSITIVE_INFINITY;
    while (remaining > 0) {
      this.assertOpen();
      const rows = this.statements.eventsAfterPosition.all(after, Math.min(this.pageSize, remaining));
      for (const row of rows) yield fromTuple(row);
      if (rows.length < this.pageSize) return;
      remaining -= rows.length;
      after = BigInt(rows[rows.length - 1][0]);
    }
  }

  /**
   * Another connection to the file (a writer in another thread) has committed: live subscriptions read now
   * rather than at their next poll.
   */
  notifyAppended(): void {
    this.subscriptions.signal.notify();
  }

  subscribeToAll(options: SubscribeToAllOptions = {}): AllSubscription {
    this.assertOpen();
    return this.subscriptions.subscribe(options);
  }

  /**
   * Called after each commit with how long its transaction took in the writer thread, fsync included: what
   * every append in it waited for (a slow disk shows here first). For the server's metrics.
   */
  onCommit(listener: (durationMs: number, appends: number) => void): () => void {
    this.commitListeners.add(listener);
    return () => this.commitListeners.delete(listener);
  }

  /**
   * Removes the events older than their stream's maximum age, now: the periodic sweep, which also runs on
   * its own every `expirySweepIntervalMs`. It goes through the writer thread a slice of streams at a time,
   * each slice a transaction of its own between append batches, so neither the event loop nor the appends
   * wait for the whole of it. The log's last event stays until another follows it (its position is never
   * handed out again). Resolves with the number of events removed.
   */
  removeExpiredEvents(): Promise<number> {
    this.sweeping ??= this.sweep().finally(() => (this.sweeping = undefined));
    return this.sweeping;
  }

  private async sweep(): Promise<number> {
    const writer = this.writer;
    if (!writer || this.closed || !this.statements.anyStreamWithMaxAge.get()) return 0;
    const now = this.now();
    let removed = 0;
    let afterStreamId: string | undefined = '';
    while (afterStreamId !== undefined && !this.closed) {
      const outcome = await writer.removeExpired({ now, afterStreamId, streams: EXPIRY_SWEEP_SLICE_STREAMS });
      removed += outcome.eventsRemoved;
      afterStreamId = outcome.nextAfterStreamId;
    }
    return removed;
  }

  /** Transactions committed and appends they carried, since open: how well group commit is sharing. */
  stats(): { commits: number; appendsCommitted: number } {
    return { commits: this.commits, appendsCommitted: this.appendsCommitted };
  }

  async headPosition(): Promise<Position | undefined> {
    this.assertOpen();
    const { position } = this.statements.head.get() ?? { position: null };
    return position === null ? undefined : BigInt(position);
  }

  async checkHealth(): Promise<void> {
    if (this.closed) throw new EventStoreUnavailableError('The event store has been closed');
    try {
      this.db.prepare('SELECT 1').get();
    } catch (error) {
      throw new EventStoreUnavailableError('The SQLite event store cannot be read', { cause: error });
    }
    await this.writer?.lastStart(); // and written: the writer thread, once started, has the file open
  }

  /** Appends accepted before close are still written, not dropped; then the threads stop. */
  close(): Promise<void> {
    this.closing ??= this.closeOnce();
    return this.closing;
  }

  private async closeOnce(): Promise<void> {
    this.closed = true;
    clearInterval(this.expirySweepTimer);
    await this.sweeping?.catch(() => undefined); // its slice in flight finishes; no other starts
    for (this.flush(); this.batchesInFlight > 0; this.flush()) await this.lastBatch;
    await this.subscriptions.closeAll();
    await this.writer?.close();
    await this.checkpointer?.close();
    this.db.close();
  }

  /**
   * Hands what is pending to the writer thread as one batch. Up to two are in flight: the thread starts on
   * the next as soon as it has committed one, while this thread answers the first.
   */
  private flush(): void {
    this.flushScheduled = false;
    const writer = this.writer;
    if (!writer || this.batchesInFlight >= MAX_BATCHES_IN_FLIGHT || this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    this.batchesInFlight++;
    this.lastBatch = writer
      .write(batch.map((append) => append.request))
      .then(
        ({ outcomes, durationMs }) => this.answer(batch, outcomes, durationMs),
        (error: unknown) => {
          for (const append of batch) append.reject(error);
        },
      )
      .finally(() => {
        this.batchesInFlight--;
        if (this.pending.length > 0) this.scheduleFlush();
      });
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    // setImmediate, not a microtask: requests whose I/O completes in this loop turn join the batch.
    setImmediate(() => this.flush());
  }

  private answer(batch: PendingAppend[], outcomes: AppendOutcome[], durationMs: number): void {
    this.commits++;
    outcomes.forEach((outcome, index) => {
      if (outcome.ok) {
        this.appendsCommitted++;
        batch[index].resolve(outcome.result);
      } else batch[index].reject(refusalError(outcome.refusal));
    });
    if (outcomes.some((outcome) => outcome.ok)) this.subscriptions.signal.notify();
    // Last, once every append has its answer: a listener cannot hold one up.
    for (const listener of this.commitListeners) listener(durationMs, batch.length);
  }

  private assertOpen(): void {
    if (this.closed) throw new EventStoreClosedError();
  }

  private migrate(): void {
    const version = Number(this.db.pragma('user_version', { simple: true }));
    if (version > SCHEMA_VERSION) {
      throw new Error(`The event store file has schema version ${version}; this build knows up to ${SCHEMA_VERSION}`);
    }
    if (version === SCHEMA_VERSION) {
      // Added beside the events without a new schema version: a build from before it opens the file still,
      // and leaves it alone (its sweep does not run, and nothing expires).
      if (!this.db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'stream_max_ages'").get()) {
        this.db.exec(STREAM_MAX_AGES_TABLE);
      }
      return;
    }
    this.db.exec(`
      BEGIN IMMEDIATE;
      CREATE TABLE IF NOT EXISTS events (
        position    INTEGER PRIMARY KEY,
        stream_id   TEXT    NOT NULL,
        revision    INTEGER NOT NULL,
        event_id    TEXT    NOT NULL,
        type        TEXT    NOT NULL,
        data        TEXT    NOT NULL,
        metadata    TEXT    NOT NULL,
        recorded_at INTEGER NOT NULL
      );
      CREATE UNIQUE INDEX IF NOT EXISTS events_by_stream ON events (stream_id, revision);
      ${STREAM_MAX_AGES_TABLE}
      -- No index on event_id: every index page an append dirties is written to the WAL and fsynced, and the
      -- only lookup by id (a retried append, found where it conflicts) reads one stream through events_by_stream.
      PRAGMA user_version = ${SCHEMA_VERSION};
      COMMIT;
    `);
  }
}

/** The streams whose events expire (`AppendOptions.maxAgeMs`), by name: what the sweep walks. */
const STREAM_MAX_AGES_TABLE = `
  CREATE TABLE IF NOT EXISTS stream_max_ages (
    stream_id  TEXT    PRIMARY KEY,
    max_age_ms INTEGER NOT NULL
  ) WITHOUT ROWID;`;

function fromTuple([position, streamId, revision, id, type, data, metadata, recordedAt]: EventTuple): RecordedEvent {
  if (!Number.isSafeInteger(position)) {
    throw new RangeError(`Position ${position} is past what a JavaScript number holds exactly`);
  }
  return {
    id,
    streamId,
    type,
    revision: BigInt(revision),
    position: BigInt(position),
    data: JSON.parse(data) as JsonObject,
    metadata: JSON.parse(metadata) as JsonObject,
    recordedAt: new Date(recordedAt),
  };
}

function toRecordedEvent(row: EventRow): RecordedEvent {
  return {
    id: row.event_id,
    streamId: row.stream_id,
    type: row.type,
    revision: BigInt(row.revision),
    position: BigInt(row.position),
    data: JSON.parse(row.data) as JsonObject,
    metadata: JSON.parse(row.metadata) as JsonObject,
    recordedAt: new Date(Number(row.recorded_at)),
  };
}

/** The error each append of a failed commit is rejected with: none of them was written. */
function commitFailure(message: string, code: string): Error {
  const cause = Object.assign(new Error(message), { code });
  return UNAVAILABLE_CODES.test(code)
    ? new EventStoreUnavailableError(`The SQLite event store cannot write: ${message}`, { cause })
    : cause;
}

/** The writer thread's refusal of one append, as the error its caller is rejected with. */
function refusalError(refusal: AppendRefusal): Error {
  if (refusal.kind === 'wrong-revision') {
    return new WrongExpectedRevisionError(refusal.streamId, refusal.expectedRevision, refusal.actualRevision);
  }
  return Object.assign(new Error(refusal.message), { name: refusal.name, code: refusal.code });
}
