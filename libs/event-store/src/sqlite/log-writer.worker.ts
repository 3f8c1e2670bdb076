/**
 * The log's writer thread (started by `LogWriterThread`): one connection that commits, a batch at a time,
 * and an answer to the main thread once each commit is on disk.
 */
import { MainThreadPort } from '@team-inbox/worker-thread';
import { parentPort, workerData } from 'node:worker_threads';
import { LogWriter, type LogWriterSettings } from './log-writer';
import type { LogWriterCalls } from './log-writer-messages';

function run(settings: LogWriterSettings): void {
  const writer = new LogWriter(settings);
  new MainThreadPort<LogWriterCalls>().serve(
    {
      write: (batch) => {
        const started = performance.now();
        const outcomes = writer.write(batch);
        return { outcomes, durationMs: performance.now() - started };
      },
      removeExpired: (request) => writer.removeExpired(request),
    },
    { close: () => writer.close() },
  );
}

if (parentPort) run(workerData as LogWriterSettings);
