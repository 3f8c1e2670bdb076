/**
 * The log's writer thread (started by `LogWriterThread`): one connection that commits, a batch at a time,
 * and an answer to the main thread once each commit is on disk.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { LogWriter, sqliteCode, type LogWriterSettings } from './log-writer';
import type { FromLogWriter, ToLogWriter } from './log-writer-messages';

function run(port: NonNullable<typeof parentPort>, settings: LogWriterSettings): void {
  const writer = new LogWriter(settings);
  port.postMessage({ type: 'ready' } satisfies FromLogWriter);
  port.on('message', (message: ToLogWriter) => {
    if (message.type === 'close') {
      writer.close();
      port.close();
      return;
    }
    const started = performance.now();
    let answer: FromLogWriter;
    try {
      if (message.type === 'remove-expired') {
        answer = { type: 'expired-removed', outcome: writer.removeExpired(message.request) };
      } else {
        const outcomes = writer.write(message.batch);
        answer = { type: 'committed', outcomes, durationMs: performance.now() - started };
      }
    } catch (error) {
      answer = {
        type: 'failed',
        message: error instanceof Error ? error.message : String(error),
        code: sqliteCode(error),
      };
    }
    port.postMessage(answer);
  });
}

if (parentPort) run(parentPort, workerData as LogWriterSettings);
