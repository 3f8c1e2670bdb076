/**
 * The pages thread (started by `PagesThread`): its own connection to the read models, the views' pages
 * read on it, one request at a time, each answered with the id it came with.
 */
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import type { FromPagesThread, PagesThreadData, ToPagesThread } from './pages-thread-messages';
import { ViewPages } from './view-pages';

function run(port: NonNullable<typeof parentPort>, data: PagesThreadData): void {
  const db = new Database(data.readModelFile);
  db.pragma('busy_timeout = 5000');
  db.pragma('query_only = ON'); // a reader: the projector writes the read models
  db.pragma(`cache_size = ${-Math.round(data.cacheMiB * 1024)}`); // in KiB where negative
  const pages = new ViewPages(db);
  port.on('message', (message: ToPagesThread) => {
    if (message.type === 'close') {
      db.close();
      port.close();
      return;
    }
    let answer: FromPagesThread;
    try {
      answer = { type: 'page', id: message.id, rows: pages.rows(message.request) };
    } catch (error) {
      answer = { type: 'failed', id: message.id, message: error instanceof Error ? error.message : String(error) };
    }
    port.postMessage(answer);
  });
}

if (parentPort) run(parentPort, workerData as PagesThreadData);
