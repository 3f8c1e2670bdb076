/**
 * The log's writes: the connection that commits, with the batch logic of group commit. It runs in the
 * writer thread (`log-writer.worker.ts`), so that a commit's fsync holds up only that thread, never the
 * event loop that answers requests.
 *
 * A batch is one transaction, so one fsync, whatever the number of appends in it. Each append inside it is
 * all or nothing (a savepoint where it has several events), so a refused append leaves its neighbours
 * untouched. Positions are SQLite rowids: assigned under the single write lock and never reused, so a reader
 * that has seen position p never later finds a new event below p. The one deletion, of events past their
 * stream's maximum age (`removeExpired`), never takes the log's last event: SQLite gives a new row the
 * largest rowid plus one, so removing the last would hand its position out again.
 */
import Database from 'better-sqlite3';
import { WrongExpectedRevisionError } from '../errors';
import type { ActualRevision, AppendResult, ExpectedRevision } from '../event-store';

/** An event as the writer stores it: its data and metadata already JSON, serialised by the caller's thread. */
export interface StoredEvent {
  id: string;
  type: string;
  data: string;
  metadata: string;
}

export interface AppendRequest {
  streamId: string;
  events: StoredEvent[];
  expectedRevision: ExpectedRevision;
  /** Kept for the stream where this append creates it (see `AppendOptions.maxAgeMs`). */
  maxAgeMs?: number;
}

/** One slice of a sweep of expired events: streams with a maximum age, in name order, after `afterStreamId`. */
export interface ExpiryRequest {
  /** The sweep's time, in milliseconds since the epoch: an event recorded more than its age before it goes. */
  now: number;
  afterStreamId: string;
  /** Streams looked at in this slice: the bound on how long it holds the write lock. */
  streams: number;
}

export interface ExpiryOutcome {
  eventsRemoved: number;
  /** Where the next slice starts; undefined when this one reached the last stream. */
  nextAfterStreamId: string | undefined;
}

/** Why one append of a batch was refused, in a form that crosses threads (an Error's class does not). */
export type AppendRefusal =
  | { kind: 'wrong-revision'; streamId: string; expectedRevision: ExpectedRevision; actualRevision: ActualRevision }
  | { kind: 'error'; name: string; message: string; code: string };

export type AppendOutcome = { ok: true; result: AppendResult } | { ok: false; refusal: AppendRefusal };

export interface LogWriterSettings {
  filename: string;
  /** SQLite's `max_page_count` (see `SqliteEventStoreOptions.maxPageCount`). */
  maxPageCount?: number;
  /** SQLite's `wal_autocheckpoint`; its default (1,000 pages) when omitted. */
  walAutocheckpointPages?: number;
}

const SYNCHRONOUS_FULL = 2;

/** SQLite result codes meaning the store cannot take writes now, rather than that the append is wrong. */
export const UNAVAILABLE_CODES = /^SQLITE_(FULL|IOERR|BUSY|LOCKED|CANTOPEN|READONLY|CORRUPT|NOTADB|PROTOCOL)/;

export class LogWriter {
  private readonly db: Database.Database;
  private readonly statements: {
    currentRevision: Database.Statement<[string], { revision: bigint }>;
    findEventInStream: Database.Statement<[string, string], { revision: bigint }>;
    eventIdsFromRevision: Database.Statement<
      [string, bigint, number],
      { event_id: string; revision: bigint; position: bigint }
    >;
    insert: Database.Statement<[string, bigint, string, string, string, string, number]>;
    keepMaxAge: Database.Statement<[string, number]>;
    streamsWithMaxAge: Database.Statement<[string, number], { stream_id: string; max_age_ms: bigint }>;
    head: Database.Statement<[], { position: bigint | null }>;
    removeExpired: Database.Statement<[string, number, bigint]>;
    streamIsEmpty: Database.Statement<[string], { empty: bigint }>;
    forgetMaxAge: Database.Statement<[string]>;
  };
  private readonly removeExpiredSlice: Database.Transaction<(request: ExpiryRequest) => ExpiryOutcome>;
  private readonly appendInSavepoint: (append: AppendRequest) => AppendResult;
  private readonly appendBatch: Database.Transaction<(batch: AppendRequest[]) => AppendOutcome[]>;

  constructor(settings: LogWriterSettings) {
    this.db = new Database(settings.filename);
    this.db.defaultSafeIntegers(true);
    // FULL: a commit is on disk before its appends are acknowledged. NORMAL would lose the last commits on
    // power loss.
    this.db.pragma('synchronous = FULL');
    const journalMode = String(this.db.pragma('journal_mode', { simple: true }));
    const synchronous = Number(this.db.pragma('synchronous', { simple: true }));
    if (journalMode !== 'wal' || synchronous !== SYNCHRONOUS_FULL) {
      this.db.close();
      throw new Error(
        `${settings.filename} cannot be written as a durable event store: journal_mode=${journalMode}, synchronous=${synchronous} (need wal and 2, FULL)`,
      );
    }
    this.db.pragma('busy_timeout = 5000');
    if (settings.maxPageCount !== undefined) this.db.pragma(`max_page_count = ${Math.trunc(settings.maxPageCount)}`);
    if (settings.walAutocheckpointPages !== undefined) {
      this.db.pragma(`wal_autocheckpoint = ${Math.trunc(settings.walAutocheckpointPages)}`);
    }

    this.statements = {
      currentRevision: this.db.prepare(
        'SELECT revision FROM events WHERE stream_id = ? ORDER BY revision DESC LIMIT 1',
      ),
      findEventInStream: this.db.prepare('SELECT revision FROM events WHERE stream_id = ? AND event_id = ?'),
      eventIdsFromRevision: this.db.prepare(
        'SELECT event_id, revision, position FROM events WHERE stream_id = ? AND revision >= ? ORDER BY revision LIMIT ?',
      ),
      insert: this.db.prepare(
        `INSERT INTO events (stream_id, revision, event_id, type, data, metadata, recorded_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      ),
      keepMaxAge: this.db.prepare('INSERT OR REPLACE INTO stream_max_ages (stream_id, max_age_ms) VALUES (?, ?)'),
      streamsWithMaxAge: this.db.prepare(
        'SELECT stream_id, max_age_ms FROM stream_max_ages WHERE stream_id > ? ORDER BY stream_id LIMIT ?',
      ),
      head: this.db.prepare('SELECT max(position) AS position FROM events'),
      removeExpired: this.db.prepare('DELETE FROM events WHERE stream_id = ? AND recorded_at < ? AND position < ?'),
      streamIsEmpty: this.db.prepare('SELECT NOT EXISTS (SELECT 1 FROM events WHERE stream_id = ?) AS empty'),
      forgetMaxAge: this.db.prepare('DELETE FROM stream_max_ages WHERE stream_id = ?'),
    };
    this.removeExpiredSlice = this.db.transaction((request: ExpiryRequest) => this.removeExpiredIn(request));
    this.appendInSavepoint = this.db.transaction((append: AppendRequest) => this.writeAppend(append));
    this.appendBatch = this.db.transaction((batch: AppendRequest[]) =>
      batch.map((append): AppendOutcome => {
        try {
          // A single INSERT that fails writes nothing; several need a savepoint so that a failure undoes them all.
          const result = append.events.length === 1 ? this.writeAppend(append) : this.appendInSavepoint(append);
          return { ok: true, result };
        } catch (error) {
          if (isUnavailable(error)) throw error; // the whole commit is lost: fail every append in it
          return { ok: false, refusal: toRefusal(error) };
        }
      }),
    );
  }

  /** Commits the batch and answers each append in it; throws where the commit itself failed (none written). */
  write(batch: AppendRequest[]): AppendOutcome[] {
    return this.appendBatch.immediate(batch);
  }

  /**
   * Removes the events past their stream's maximum age, in one slice of the streams that have one: a
   * transaction of its own, so appends wait for at most one slice. A stream left empty is forgotten; an
   * append that creates it again gives its age anew.
   */
  removeExpired(request: ExpiryRequest): ExpiryOutcome {
    return this.removeExpiredSlice.immediate(request);
  }

  close(): void {
    this.db.close();
  }

  private removeExpiredIn({ now, afterStreamId, streams }: ExpiryRequest): ExpiryOutcome {
    const slice = this.statements.streamsWithMaxAge.all(afterStreamId, streams);
    const head = this.statements.head.get()?.position ?? null;
    let eventsRemoved = 0;
    for (const { stream_id: streamId, max_age_ms: maxAgeMs } of slice) {
      if (head !== null) {
        eventsRemoved += this.statements.removeExpired.run(streamId, now - Number(maxAgeMs), BigInt(head)).changes;
      }
      if (this.statements.streamIsEmpty.get(streamId)?.empty) this.statements.forgetMaxAge.run(streamId);
    }
    return {
      eventsRemoved,
      nextAfterStreamId: slice.length < streams ? undefined : slice[slice.length - 1].stream_id,
    };
  }

  /** Runs inside the batch transaction; all or nothing. */
  private writeAppend({ streamId, events, expectedRevision, maxAgeMs }: AppendRequest): AppendResult {
    const current = this.currentRevision(streamId);
    if (expectedRevision === 'any' || expectedRevision !== current) {
      // A retried append that had succeeded finds its events where it expected to write them.
      const replay = this.findEarlierAppend(streamId, events, expectedRevision);
      if (replay) return replay;
      if (expectedRevision !== 'any') throw new WrongExpectedRevisionError(streamId, expectedRevision, current);
    }
    if (current === 'no_stream' && maxAgeMs !== undefined) this.statements.keepMaxAge.run(streamId, maxAgeMs);
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
        event.data,
        event.metadata,
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
    events: readonly StoredEvent[],
    expectedRevision: ExpectedRevision,
  ): AppendResult | undefined {
    const first = this.statements.findEventInStream.get(streamId, events[0].id);
    if (!first) return undefined;
    const firstRevision = BigInt(first.revision);
    const expectedFirst =
      expectedRevision === 'any' ? firstRevision : expectedRevision === 'no_stream' ? 0n : expectedRevision + 1n;
    if (firstRevision !== expectedFirst) return undefined;

    const stored = this.statements.eventIdsFromRevision.all(streamId, firstRevision, events.length);
    const sameEvents = stored.length === events.length && stored.every((row, i) => row.event_id === events[i].id);
    if (!sameEvents) return undefined;
    const last = stored[stored.length - 1];
    return { nextRevision: BigInt(last.revision), position: BigInt(last.position) };
  }

  private currentRevision(streamId: string): ActualRevision {
    const row = this.statements.currentRevision.get(streamId);
    return row ? BigInt(row.revision) : 'no_stream';
  }
}

export function sqliteCode(error: unknown): string {
  return typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
}

export function isUnavailable(error: unknown): boolean {
  return UNAVAILABLE_CODES.test(sqliteCode(error));
}

function toRefusal(error: unknown): AppendRefusal {
  if (error instanceof WrongExpectedRevisionError) {
    const { streamId, expectedRevision, actualRevision } = error;
    return { kind: 'wrong-revision', streamId, expectedRevision, actualRevision };
  }
  return {
    kind: 'error',
    name: error instanceof Error ? error.name : 'Error',
    message: error instanceof Error ? error.message : String(error),
    code: sqliteCode(error),
  };
}
