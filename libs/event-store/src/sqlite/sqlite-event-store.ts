/**
 * The embedded event store: one SQLite file (WAL, synchronous=FULL), the default that needs no server.
 *
 * Appends are queued and written together, one transaction (so one fsync) per batch, by a writer thread:
 * concurrent commands share commits, and while one commit waits for the disk the event loop goes on and
 * the next batch gathers. Each append inside that transaction is all or nothing (a savepoint
 * where it has several events), so a refused append leaves its neighbours untouched. Positions are SQLite rowids: assigned under the single
 * write lock and never reused (nothing is deleted), so a reader that has seen position p never later
 * finds a new event below p.
 */
import type Database from 'better-sqlite3';
import { EventStoreClosedError, EventStoreUnavailableError, WrongExpectedRevisionError } from '../errors';
import type {
  ActualRevision,
  AllSubscription,
  AppendOptions,
  AppendResult,
  EventStore,
  ExpectedRevision,
  JsonObject,
  NewEvent,
  Position,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  SubscribeToAllOptions,
} from '../event-store';
import { LocalSubscriptions, type LocalLog } from '../local-subscription';
import { validateAppend } from '../validate-append';
import { openEventsDatabase } from './sqlite-database';
import type { WireAppend, WireOutcome } from './sqlite-writer';
import { SqliteWriterThread } from './sqlite-writer-thread';
import { FALLBACK_AUTOCHECKPOINT_PAGES, WalCheckpointer } from './wal-checkpointer';

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
   * Checkpoint the WAL from a worker thread (the default), rather than on the committing connection:
   * see `wal-checkpointer.ts`.
   */
  backgroundCheckpoints?: boolean;
}

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
  wire: WireAppend;
  streamId: string;
  expectedRevision: ExpectedRevision;
  resolve: (result: AppendResult) => void;
  reject: (error: unknown) => void;
}

export class SqliteEventStore implements EventStore {
  readonly kind = 'sqlite' as const;

  /** The reading connection; writes go through the writer thread's own. */
  private readonly db: Database.Database;
  private readonly writer: SqliteWriterThread;
  private readonly pageSize: number;
  private pending: PendingAppend[] = [];
  private flushScheduled = false;
  private inFlight: Promise<void> | undefined;
  private closed = false;
  private checkpointer: WalCheckpointer | undefined;
  private readonly subscriptions: LocalSubscriptions;
  private commits = 0;
  private appendsCommitted = 0;

  private readonly statements: {
    eventsFromRevision: Database.Statement<[string, bigint, number], EventRow>;
    eventsAfterPosition: Database.Statement<[bigint, number], EventTuple>;
    head: Database.Statement<[], { position: number | bigint | null }>;
  };

  constructor(options: SqliteEventStoreOptions) {
    this.pageSize = options.pageSize ?? 1000;
    this.db = openEventsDatabase(options.filename);
    const background = options.backgroundCheckpoints ?? true;
    this.writer = new SqliteWriterThread(options.filename, background ? FALLBACK_AUTOCHECKPOINT_PAGES : undefined);
    if (background) this.checkpointer = new WalCheckpointer([options.filename]);

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
    };

    const log: LocalLog = {
      readPageAfter: (after, limit) => this.statements.eventsAfterPosition.all(after, limit).map(fromTuple),
      isClosed: () => this.closed,
    };
    this.subscriptions = new LocalSubscriptions(log, {
      pageSize: this.pageSize,
      pollIntervalMs: options.pollIntervalMs ?? 100,
    });
  }

  async append(streamId: string, events: readonly NewEvent[], options: AppendOptions): Promise<AppendResult> {
    this.assertOpen();
    validateAppend(streamId, events);
    const { expectedRevision } = options;
    const wire: WireAppend = {
      streamId,
      events: events.map((event) => ({
        id: event.id,
        type: event.type,
        data: JSON.stringify(event.data),
        metadata: JSON.stringify(event.metadata ?? {}),
      })),
      expected: typeof expectedRevision === 'bigint' ? expectedRevision.toString() : expectedRevision,
    };
    return new Promise<AppendResult>((resolve, reject) => {
      this.pending.push({ wire, streamId, expectedRevision, resolve, reject });
      if (!this.flushScheduled && !this.inFlight) {
        this.flushScheduled = true;
        // setImmediate, not a microtask: requests whose I/O completes in this loop turn join the batch.
        setImmediate(() => void this.flush());
      }
    });
  }

  async *readStream(streamId: string, options: ReadStreamOptions = {}): AsyncIterable<RecordedEvent> {
    let fromRevision = options.fromRevision ?? 0n;
    for (;;) {
      this.assertOpen();
      const rows = this.statements.eventsFromRevision.all(streamId, fromRevision, this.pageSize);
      for (const row of rows) yield toRecordedEvent(row);
      if (rows.length < this.pageSize) return;
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

  subscribeToAll(options: SubscribeToAllOptions = {}): AllSubscription {
    this.assertOpen();
    return this.subscriptions.subscribe(options);
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
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // What was accepted before close is still written, not dropped.
    while (this.inFlight || this.pending.length > 0) await (this.inFlight ?? this.flush());
    await this.writer.close();
    await this.subscriptions.closeAll();
    await this.checkpointer?.close();
    this.db.close();
  }

  /** Sends what is queued to the writer; the next batch gathers while this one commits. */
  private flush(): Promise<void> | undefined {
    this.flushScheduled = false;
    if (this.inFlight || this.pending.length === 0) return this.inFlight;
    const batch = this.pending;
    this.pending = [];
    this.inFlight = this.writer
      .commit(batch.map((append) => append.wire))
      .then((result) => {
        if (!result.ok) {
          const failure = result.unavailable
            ? new EventStoreUnavailableError(`The SQLite event store cannot write: ${result.message}`)
            : new Error(result.message);
          for (const append of batch) append.reject(failure);
          return;
        }
        this.commits++;
        result.outcomes.forEach((outcome, index) => settle(batch[index], outcome));
        const committed = result.outcomes.filter((outcome) => outcome.ok).length;
        this.appendsCommitted += committed;
        if (committed > 0) this.subscriptions.signal.notify();
      })
      .finally(() => {
        this.inFlight = undefined;
        if (this.pending.length > 0) void this.flush();
      });
    return this.inFlight;
  }

  private assertOpen(): void {
    if (this.closed) throw new EventStoreClosedError();
  }
}

function settle(append: PendingAppend, outcome: WireOutcome): void {
  if (outcome.ok) {
    append.resolve({ nextRevision: BigInt(outcome.nextRevision), position: BigInt(outcome.position) });
  } else if (outcome.kind === 'wrong_expected_revision') {
    const actual: ActualRevision = outcome.actual === 'no_stream' ? 'no_stream' : BigInt(outcome.actual);
    append.reject(new WrongExpectedRevisionError(append.streamId, append.expectedRevision, actual));
  } else {
    append.reject(new Error(outcome.message));
  }
}

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
