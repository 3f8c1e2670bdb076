/**
 * The write side of the embedded store: commits batches of appends, one transaction (one fsync) a batch,
 * each append all or nothing. It runs on a worker thread (`sqlite-writer-thread.ts`), so the event loop
 * goes on serving requests while a commit waits for the disk. Its messages carry plain strings only.
 */
import type Database from 'better-sqlite3';
import { isUnavailable, openEventsDatabase, sqliteErrorCode } from './sqlite-database';

/** An append as it crosses to the writer thread: data and metadata already JSON, revisions as strings. */
export interface WireAppend {
  streamId: string;
  events: { id: string; type: string; data: string; metadata: string }[];
  /** 'no_stream', 'any', or a revision in decimal. */
  expected: string;
}

export type WireOutcome =
  | { ok: true; nextRevision: string; position: string }
  | { ok: false; kind: 'wrong_expected_revision'; streamId: string; expected: string; actual: string }
  | { ok: false; kind: 'error'; message: string };

/** A whole batch fails where the commit does (a full disk, an I/O error): nothing of it was written. */
export type WireBatchResult =
  { ok: true; outcomes: WireOutcome[] } | { ok: false; unavailable: boolean; code: string; message: string };

class WrongExpectedRevision extends Error {
  constructor(
    readonly streamId: string,
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`Stream ${streamId}: expected ${expected}, actual ${actual}`);
  }
}

export class SqliteWriter {
  private readonly db: Database.Database;
  private readonly statements: {
    currentRevision: Database.Statement<[string], { revision: bigint }>;
    findEventInStream: Database.Statement<[string, string], { revision: bigint }>;
    eventsFromRevision: Database.Statement<
      [string, bigint, number],
      { event_id: string; revision: bigint; position: bigint }
    >;
    insert: Database.Statement<[string, bigint, string, string, string, string, number]>;
  };
  private readonly appendInSavepoint: (append: WireAppend) => WireOutcome;
  private readonly commitBatch: Database.Transaction<(batch: WireAppend[]) => WireOutcome[]>;

  constructor(filename: string, autocheckpointPages?: number) {
    this.db = openEventsDatabase(filename);
    if (autocheckpointPages !== undefined) this.db.pragma(`wal_autocheckpoint = ${autocheckpointPages}`);
    this.statements = {
      currentRevision: this.db.prepare(
        'SELECT revision FROM events WHERE stream_id = ? ORDER BY revision DESC LIMIT 1',
      ),
      findEventInStream: this.db.prepare('SELECT revision FROM events WHERE stream_id = ? AND event_id = ?'),
      eventsFromRevision: this.db.prepare(
        'SELECT event_id, revision, position FROM events WHERE stream_id = ? AND revision >= ? ORDER BY revision LIMIT ?',
      ),
      insert: this.db.prepare(
        `INSERT INTO events (stream_id, revision, event_id, type, data, metadata, recorded_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      ),
    };
    this.appendInSavepoint = this.db.transaction((append: WireAppend) => this.write(append));
    this.commitBatch = this.db.transaction((batch: WireAppend[]) =>
      batch.map((append): WireOutcome => {
        try {
          // A single INSERT that fails writes nothing; several need a savepoint so that a failure undoes them all.
          return append.events.length === 1 ? this.write(append) : this.appendInSavepoint(append);
        } catch (error) {
          if (isUnavailable(error)) throw error; // the whole commit is lost: fail every append in it
          if (error instanceof WrongExpectedRevision) {
            return {
              ok: false,
              kind: 'wrong_expected_revision',
              streamId: error.streamId,
              expected: error.expected,
              actual: error.actual,
            };
          }
          return { ok: false, kind: 'error', message: error instanceof Error ? error.message : String(error) };
        }
      }),
    );
  }

  commit(batch: WireAppend[]): WireBatchResult {
    try {
      return { ok: true, outcomes: this.commitBatch.immediate(batch) };
    } catch (error) {
      return {
        ok: false,
        unavailable: isUnavailable(error),
        code: sqliteErrorCode(error),
        message: error instanceof Error ? error.message : String(error),
      };
    }
  }

  close(): void {
    this.db.close();
  }

  private write({ streamId, events, expected }: WireAppend): WireOutcome {
    const row = this.statements.currentRevision.get(streamId);
    const current = row ? row.revision : undefined;
    const matches =
      expected === 'any' || (expected === 'no_stream' ? current === undefined : current === BigInt(expected));
    if (expected === 'any' || !matches) {
      // A retried append that had succeeded finds its events where it expected to write them.
      const replay = this.findEarlierAppend(streamId, events, expected);
      if (replay) return replay;
      if (expected !== 'any')
        throw new WrongExpectedRevision(streamId, expected, current === undefined ? 'no_stream' : String(current));
    }
    let revision = current ?? -1n;
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
    return { ok: true, nextRevision: revision.toString(), position: position.toString() };
  }

  /**
   * Where these very event ids are already in the stream, right after the revision expected, the append
   * is a retry of one that succeeded: answer as it was answered then, write nothing.
   */
  private findEarlierAppend(streamId: string, events: WireAppend['events'], expected: string): WireOutcome | undefined {
    const first = this.statements.findEventInStream.get(streamId, events[0].id);
    if (!first) return undefined;
    const expectedFirst = expected === 'any' ? first.revision : expected === 'no_stream' ? 0n : BigInt(expected) + 1n;
    if (first.revision !== expectedFirst) return undefined;
    const stored = this.statements.eventsFromRevision.all(streamId, first.revision, events.length);
    const sameEvents = stored.length === events.length && stored.every((row, i) => row.event_id === events[i].id);
    if (!sameEvents) return undefined;
    const last = stored[stored.length - 1];
    return { ok: true, nextRevision: last.revision.toString(), position: last.position.toString() };
  }
}
