/**
 * The pages thread (started by `PagesThread`): its own connection to the read models, the views' pages
 * read on it, one request at a time, each answered with the id it came with.
 */
import { MainThreadPort } from '@team-inbox/worker-thread';
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import type { PagesThreadCalls, PagesThreadData } from './pages-thread-messages';
import { SearchPages } from './search-pages';
import { ViewPages } from './view-pages';

function run(data: PagesThreadData): void {
  const db = new Database(data.readModelFile);
  db.pragma('busy_timeout = 5000');
  db.pragma('query_only = ON'); // a reader: the projector writes the read models
  db.pragma(`cache_size = ${-Math.round(data.cacheMiB * 1024)}`); // in KiB where negative
  const pages = new ViewPages(db);
  const searches = new SearchPages(db);
  new MainThreadPort<PagesThreadCalls>().serve(
    { page: (request) => pages.rows(request), search: (request) => searches.rows(request) },
    {
      close: () => {
        db.close();
      },
    },
  );
}

if (parentPort) run(workerData as PagesThreadData);
