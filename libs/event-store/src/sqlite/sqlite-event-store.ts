/**
 * The embedded event store: one SQLite file (WAL, synchronous=FULL), the default that needs no server.
 *
 * Appends are queued and written together, one transaction (so one fsync) per turn of the event loop:
 * concurrent commands share commits. Each append inside that transaction is all or nothing (a savepoint
 * where it has several events), so a refused append leaves its neighbours untouched. Positions are SQLite rowids: assigned under the single
 * write lock and never reused (nothing is deleted), so a reader that has seen position p never later
 * finds a new event below p.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
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
import { FALLBACK_AUTOCHECKPOINT_PAGES, WalCheckpointer } from './wal-checkpointer';

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
  streamId: string;
  events: readonly NewEvent[];
  expectedRevision: ExpectedRevision;
  resolve: (result: AppendResult) => void;
  reject: (error: unknown) => void;
}

type AppendOutcome = { ok: true; result: AppendResult } | { ok: false; error: unknown };

const SCHEMA_VERSION = 1;
const SYNCHRONOUS_FULL = 2;

/** SQLite result codes meaning the store cannot take writes now, rather than that the append is wrong. */
const UNAVAILABLE_CODES = /^SQLITE_(FULL|IOERR|BUSY|LOCKED|CANTOPEN|READONLY|CORRUPT|NOTADB|PROTOCOL)/;

export class SqliteEventStore implements EventStore {
  readonly kind = 'sqlite' as const;
  /** The database file: what a reader in another thread or process opens. */
  readonly filename: string;
  readonly checkpoints: WalCheckpoints;

  private readonly db: Database.Database;
  private readonly pageSize: number;
  private pending: PendingAppend[] = [];
  private commits = 0;
  private appendsCommitted = 0;
  private flushScheduled = false;
  private closed = false;
  private readonly checkpointer: WalCheckpointer | undefined;
  private readonly commitListeners = new Set<(durationMs: number, appends: number) => void>();
  private readonly subscriptions: LocalSubscriptions;

  private readonly statements: {
    currentRevision: Database.Statement<[string], { revision: number | bigint }>;
    findEventInStream: Database.Statement<[string, string], { revision: number | bigint }>;
    eventsFromRevision: Database.Statement<[string, bigint, number], EventRow>;
    eventsAfterPosition: Database.Statement<[bigint, number], EventTuple>;
    insert: Database.Statement<[string, bigint, string, string, string, string, number]>;
    head: Database.Statement<[], { position: number | bigint | null }>;
  };
  private readonly appendInSavepoint: (append: PendingAppend) => AppendResult;
  private readonly appendBatch: Database.Transaction<(batch: PendingAppend[]) => AppendOutcome[]>;

  constructor(options: SqliteEventStoreOptions) {
    this.pageSize = options.pageSize ?? 1000;
    this.filename = options.filename;
    mkdirSync(dirname(options.filename), { recursive: true });
    this.db = new Database(options.filename);
    this.db.defaultSafeIntegers(true);
    const journalMode = String(this.db.pragma('journal_mode = WAL', { simple: true }));
    // FULL: a commit is on disk before append resolves. NORMAL would lose the last commits on power loss.
    this.db.pragma('synchronous = FULL');
    const synchronous = Number(this.db.pragma('synchronous', { simple: true }));
    if (journalMode !== 'wal' || synchronous !== SYNCHRONOUS_FULL) {
      this.db.close();
      throw new Error(
        `${options.filename} cannot be opened as a durable event store: journal_mode=${journalMode}, synchronous=${synchronous} (need wal and 2, FULL)`,
      );
    }
    this.db.pragma('busy_timeout = 5000');
    this.migrate();
    if (options.maxPageCount !== undefined) this.db.pragma(`max_page_count = ${Math.trunc(options.maxPageCount)}`);
    this.checkpoints = options.checkpoints ?? 'own-thread';
    if (this.checkpoints !== 'on-commit') this.db.pragma(`wal_autocheckpoint = ${FALLBACK_AUTOCHECKPOINT_PAGES}`);
    if (this.checkpoints === 'own-thread') this.checkpointer = new WalCheckpointer([options.filename]);

    this.statements = {
      currentRevision: this.db.prepare(
        'SELECT revision FROM events WHERE stream_id = ? ORDER BY revision DESC LIMIT 1',
      ),
      findEventInStream: this.db.prepare('SELECT revision FROM events WHERE stream_id = ? AND event_id = ?'),
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
      insert: this.db.prepare(
        `INSERT INTO events (stream_id, revision, event_id, type, data, metadata, recorded_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      ),
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

    this.appendInSavepoint = this.db.transaction((append: PendingAppend) => this.writeAppend(append));
    this.appendBatch = this.db.transaction((batch: PendingAppend[]) =>
      batch.map((append): AppendOutcome => {
        try {
          // A single INSERT that fails writes nothing; several need a savepoint so that a failure undoes them all.
          const result = append.events.length === 1 ? this.writeAppend(append) : this.appendInSavepoint(append);
          return { ok: true, result };
        } catch (error) {
          if (isUnavailable(error)) throw error; // the whole commit is lost: fail every append in it
          return { ok: false, error };
        }
      }),
    );
  }

  async append(streamId: string, events: readonly NewEvent[], options: AppendOptions): Promise<AppendResult> {
    this.assertOpen();
    validateAppend(streamId, events);
    return new Promise<AppendResult>((resolve, reject) => {
      this.pending.push({ streamId, events, expectedRevision: options.expectedRevision, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        // setImmediate, not a microtask: requests whose I/O completes in this loop turn join the batch.
        setImmediate(() => this.flush());
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
   * Called after each commit with how long it took, fsync included, on this thread: what every append in it
   * waited for (a slow disk shows here first). For the server's metrics.
   */
  onCommit(listener: (durationMs: number, appends: number) => void): () => void {
    this.commitListeners.add(listener);
    return () => this.commitListeners.delete(listener);
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
    this.flush(); // what was accepted before close is still written, not dropped
    this.closed = true;
    await this.subscriptions.closeAll();
    await this.checkpointer?.close();
    this.db.close();
  }

  private flush(): void {
    this.flushScheduled = false;
    const batch = this.pending;
    if (batch.length === 0) return;
    this.pending = [];
    let outcomes: AppendOutcome[];
    const started = performance.now();
    try {
      outcomes = this.appendBatch.immediate(batch);
    } catch (error) {
      const failure = isUnavailable(error)
        ? new EventStoreUnavailableError(`The SQLite event store cannot write: ${describe(error)}`, { cause: error })
        : error;
      for (const append of batch) append.reject(failure);
      return;
    }
    this.commits++;
    const durationMs = performance.now() - started;
    outcomes.forEach((outcome, index) => {
      if (outcome.ok) {
        this.appendsCommitted++;
        batch[index].resolve(outcome.result);
      } else batch[index].reject(outcome.error);
    });
    if (outcomes.some((outcome) => outcome.ok)) this.subscriptions.signal.notify();
    // Last, once every append has its answer: a listener cannot hold one up.
    for (const listener of this.commitListeners) listener(durationMs, batch.length);
  }

  /** Runs inside the batch transaction; all or nothing (see `flush`). */
  private writeAppend({ streamId, events, expectedRevision }: PendingAppend): AppendResult {
    const current = this.currentRevision(streamId);
    if (expectedRevision === 'any' || !revisionMatches(expectedRevision, current)) {
      // A retried append that had succeeded finds its events where it expected to write them.
      const replay = this.findEarlierAppend(streamId, events, expectedRevision);
      if (replay) return replay;
      if (expectedRevision !== 'any') throw new WrongExpectedRevisionError(streamId, expectedRevision, current);
    }
    let revision = current === 'no_stream' ? -1n : current;
    let position = 0n;
    const recordedAt = Date.now();
    for (const event of events) {
      revision += 1n;
      const { lastInsertRowid } = this.statements.insert.run(
        streamId,
        revision,
        event.id,
        event.type,
        JSON.stringify(event.data),
        JSON.stringify(event.metadata ?? {}),
        recordedAt,
      );
      position = BigInt(lastInsertRowid);
    }
    return { nextRevision: revision, position };
  }

  /**
   * Where these very event ids are already in the stream, right after the revision expected, the append
   * is a retry of one that succeeded: answer as it was answered then, write nothing.
   */
  private findEarlierAppend(
    streamId: string,
    events: readonly NewEvent[],
    expectedRevision: ExpectedRevision,
  ): AppendResult | undefined {
    const first = this.statements.findEventInStream.get(streamId, events[0].id);
    if (!first) return undefined;
    const firstRevision = BigInt(first.revision);
    const expectedFirst =
      expectedRevision === 'any' ? firstRevision : expectedRevision === 'no_stream' ? 0n : expectedRevision + 1n;
    if (firstRevision !== expectedFirst) return undefined;

    const stored = this.statements.eventsFromRevision.all(streamId, firstRevision, events.length);
    const sameEvents = stored.length === events.length && stored.every((row, i) => row.event_id === events[i].id);
    if (!sameEvents) return undefined;
    const last = stored[stored.length - 1];
    return { nextRevision: BigInt(last.revision), position: BigInt(last.position) };
  }

  private currentRevision(streamId: string): ActualRevision {
    const row = this.statements.currentRevision.get(streamId);
    return row ? BigInt(row.revision) : 'no_stream';
  }

  private assertOpen(): void {
    if (this.closed) throw new EventStoreClosedError();
  }

  private migrate(): void {
    const version = Number(this.db.pragma('user_version', { simple: true }));
    if (version > SCHEMA_VERSION) {
      throw new Error(`The event store file has schema version ${version}; this build knows up to ${SCHEMA_VERSION}`);
    }
    if (version === SCHEMA_VERSION) return;
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
      -- No index on event_id: every index page an append dirties is written to the WAL and fsynced, and the
      -- only lookup by id (a retried append, found where it conflicts) reads one stream through events_by_stream.
      PRAGMA user_version = ${SCHEMA_VERSION};
      COMMIT;
    `);
  }
}

function revisionMatches(expected: ExpectedRevision, actual: ActualRevision): boolean {
  if (expected === 'any') return true;
  return expected === actual;
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

function sqliteCode(error: unknown): string {
  return typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
}

function isUnavailable(error: unknown): boolean {
  return UNAVAILABLE_CODES.test(sqliteCode(error));
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
