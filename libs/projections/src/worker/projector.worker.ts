/**
 * The projector's worker thread (started by `ProjectorThread`): its own connections to the log and to the
 * read models, the same `Projector` as runs in-process, and a message to the main thread after each batch
 * it stores. The main thread tells it when appends commit, so it reads them at once rather than at a poll.
 */
import type { Type } from '@nestjs/common';
import { FALLBACK_AUTOCHECKPOINT_PAGES, SqliteEventStore } from '@team-inbox/event-store';
import { parentPort, workerData } from 'node:worker_threads';
import { inspect } from 'node:util';
import type { Projection } from '../projection';
import { Projector } from '../projector';
import { openReadModelDatabase } from '../read-model-database';
import type { FromProjector, PostedEvent, ProjectorWorkerData, ToProjector } from './projector-messages';

async function run(port: NonNullable<typeof parentPort>, data: ProjectorWorkerData): Promise<void> {
  const post = (message: FromProjector): void => port.postMessage(message);
  const module = (await import(data.projectionsModule)) as Record<string, Type<Projection>[]>;
  const projections = module[data.exportName].map((ProjectionClass) => new ProjectionClass());
  // A reader only: the main thread's store writes, and its checkpointer folds the log's WAL.
  const store = new SqliteEventStore({
    filename: data.eventStoreFile,
    backgroundCheckpoints: false,
    pollIntervalMs: data.pollIntervalMs,
  });
  const db = openReadModelDatabase(data.readModelFile);
  // The read models' WAL is folded in by the main thread's checkpointer (projections.module.ts).
  db.pragma(`wal_autocheckpoint = ${FALLBACK_AUTOCHECKPOINT_PAGES}`);
  const projector = new Projector(store, db, projections, {
    error: (message, error) => post({ type: 'error', message, error: inspect(error) }),
  });

  // One message per stored batch: a group commit's events, or a page of a catch-up.
  let applied: PostedEvent[] = [];
  let posting = false;
  let checkpoint = projector.checkpoint;
  projector.applied.subscribe(({ position, streamId, type, recordedAt }) =>
    applied.push({ position, streamId, type, recordedAt: recordedAt.getTime() }),
  );
  projector.progressed.subscribe((position) => {
    checkpoint = position;
    if (posting) return;
    posting = true;
    process.nextTick(() => {
      posting = false;
      post({ type: 'progress', checkpoint, applied });
      applied = [];
    });
  });

  port.on('message', (message: ToProjector) => {
    if (message.type === 'appended') store.notifyAppended();
    else
      void (async () => {
        await projector.stop();
        await store.close();
        db.close();
        post({ type: 'stopped' });
        port.close();
      })();
  });
  projector.start();
}

if (parentPort) void run(parentPort, workerData as ProjectorWorkerData);
