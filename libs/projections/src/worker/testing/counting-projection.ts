/** A projection for the projector thread's tests: counts events per stream, so applying one twice shows. */
import type Database from 'better-sqlite3';
import type { RecordedEvent } from '@team-inbox/event-store';
import type { Projection } from '../../projection';

export class CountingProjection implements Projection {
  readonly name = 'counting';
  readonly tables = ['counts'];

  setUp(db: Database.Database): void {
    db.exec('CREATE TABLE IF NOT EXISTS counts (stream TEXT PRIMARY KEY, n INTEGER NOT NULL)');
  }

  apply(event: RecordedEvent, db: Database.Database): void {
    db.prepare('INSERT INTO counts (stream, n) VALUES (?, 1) ON CONFLICT (stream) DO UPDATE SET n = n + 1').run(
      event.streamId,
    );
  }
}

/** What the worker thread loads, as the server's worker loads READ_MODEL_PROJECTIONS. */
export const COUNTING_PROJECTIONS = [CountingProjection];
