/**
 * The projector's worker thread (started by `ProjectorThread`): its own connections to the log and to the
 * read models, the same `Projector` as runs in-process, and a message to the main thread after each batch
 * it stores. The main thread tells it when appends commit, so it reads them at once rather than at a poll.
 */
import type { Type } from '@nestjs/common';
// The store's files, not the library's index, which brings the EventStoreDB client (gRPC) along.
import { SqliteEventStore } from '@team-inbox/event-store/sqlite/sqlite-event-store';
import { FALLBACK_AUTOCHECKPOINT_PAGES } from '@team-inbox/event-store/sqlite/wal-checkpointer';
import { MainThreadPort } from '@team-inbox/worker-thread';
import { parentPort, workerData } from 'node:worker_threads';
import { inspect } from 'node:util';
import type { Projection } from '../projection';
import { Projector } from '../projector';
import { PROJECTOR_THREAD_CACHE_MIB, openReadModelDatabase } from '../read-model-database';
import type { PostedEvent, ProjectorCalls, ProjectorEvent, ProjectorWorkerData } from './projector-messages';

async function run(data: ProjectorWorkerData): Promise<void> {
  const mainThread = new MainThreadPort<ProjectorCalls, ProjectorEvent>();
  const projectionsModule = (await import(data.projectionsModule)) as Record<string, Type<Projection>[]>;
  const projections = projectionsModule[data.exportName].map((ProjectionClass) => new ProjectionClass());
  // A reader only: the main thread's store writes.
  const store = new SqliteEventStore({
    filename: data.eventStoreFile,
    checkpoints: 'on-commit',
    readOnly: true,
    pollIntervalMs: data.pollIntervalMs,
  });
  const db = openReadModelDatabase(data.readModelFile, PROJECTOR_THREAD_CACHE_MIB);
  // The WALs are folded in by a checkpointer thread of their own (ProjectionsModule): here, a checkpoint would
  // hold up the batches behind it. SQLite's own checkpoint on commit only past a large WAL.
  db.pragma(`wal_autocheckpoint = ${FALLBACK_AUTOCHECKPOINT_PAGES}`);
  const projector = new Projector(store, db, projections, {
    error: (message, error) => mainThread.emit({ type: 'error', message, error: inspect(error) }),
  });

  // One message per stored batch: a group commit's events, or a page of a catch-up.
  let applied: PostedEvent[] = [];
  let posting = false;
  let checkpoint = projector.checkpoint;
  let appliedAt = 0;
  projector.applied.subscribe(({ position, streamId, type, recordedAt }) =>
    applied.push({ position, streamId, type, recordedAt: recordedAt.getTime() }),
  );
  projector.progressed.subscribe((position) => {
    checkpoint = position;
    appliedAt = Date.now(); // committed: from now on the read models show the batch
    if (posting) return;
    posting = true;
    process.nextTick(() => {
      posting = false;
      mainThread.emit({ type: 'progress', checkpoint, applied, appliedAt });
      applied = [];
    });
  });

  mainThread.serve(
    { appended: () => store.notifyAppended() },
    {
      close: async () => {
        await projector.stop();
        await store.close();
        db.close();
      },
    },
  );
  projector.start();
}

if (parentPort) void run(workerData as ProjectorWorkerData);
