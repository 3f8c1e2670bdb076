/**
 * The views' pages read in a worker thread of its own. Under a mixed load the main thread is the bound,
 * and reading pages (two index walks and fifty summaries' JSON an inbox) was over a quarter of its time;
 * here they run on the other core, and the main thread only passes the request and the text along.
 *
 * Read-your-writes holds: a page is read after its request reaches the thread, on a connection that sees
 * every read-model commit made before then, and the caller waits for `minPosition` before it asks. Where
 * the thread dies, the pages it held fail (a 503) and the next page starts a new thread.
 */
import { ServiceUnavailableException } from '@nestjs/common';
import { WorkerThread } from '@team-inbox/worker-thread';
import type { PagesThreadCalls, PagesThreadData } from './pages-thread-messages';
import type { SearchRequest, SearchRows } from './search-pages';
import type { PageReader, PageRequest, PageRows } from './view-pages';

/** Its heap holds a page at a time: a small young generation keeps the server's RSS within bounds. */
const PAGES_THREAD_YOUNG_GENERATION_MB = 2;

export class PagesThread implements PageReader {
  private thread: WorkerThread<PagesThreadCalls> | undefined;

  /** Started by the first page asked for: a server catching up with a long log has enough starting already. */
  constructor(private readonly data: PagesThreadData) {}

  answer(request: PageRequest): Promise<PageRows> {
    return this.running().call('page', request);
  }

  search(request: SearchRequest): Promise<SearchRows> {
    return this.running().call('search', request);
  }

  async close(): Promise<void> {
    const thread = this.thread;
    this.thread = undefined;
    await thread?.close();
  }

  /** A dead thread takes no more pages: the next page starts a new thread. */
  private running(): WorkerThread<PagesThreadCalls> {
    if (this.thread?.accepting) return this.thread;
    this.thread = new WorkerThread<PagesThreadCalls>({
      callerFile: __filename,
      entry: 'view-pages.worker',
      workerData: this.data,
      youngGenerationMb: PAGES_THREAD_YOUNG_GENERATION_MB,
      name: "The views' pages thread",
      // The requests it answers keep the process alive, not the thread.
      keepProcessAlive: 'while-busy',
      stopError: (_stop, message) => new ServiceUnavailableException(`${message}; try again`),
      callError: ({ message }) => new Error(`The views' page could not be read: ${message}`),
    });
    return this.thread;
  }
}
