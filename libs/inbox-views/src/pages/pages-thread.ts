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
import { startWorker } from '@team-inbox/event-store/worker-entry';
import type { Worker } from 'node:worker_threads';
import type { FromPagesThread, PagesThreadData, ToPagesThread } from './pages-thread-messages';
import type { PageReader, PageRequest, PageRows } from './view-pages';

interface Asked {
  worker: Worker;
  resolve: (rows: PageRows) => void;
  reject: (error: unknown) => void;
}

/** Its heap holds a page at a time: a small young generation keeps the server's RSS within bounds. */
const PAGES_THREAD_YOUNG_GENERATION_MB = 2;

export class PagesThread implements PageReader {
  private worker: Worker | undefined;
  private readonly asked = new Map<number, Asked>();
  private nextId = 0;

  /** Started by the first page asked for: a server catching up with a long log has enough starting already. */
  constructor(private readonly data: PagesThreadData) {}

  answer(request: PageRequest): Promise<PageRows> {
    const worker = (this.worker ??= this.spawn());
    const id = this.nextId++;
    return new Promise<PageRows>((resolve, reject) => {
      this.asked.set(id, { worker, resolve, reject });
      worker.postMessage({ type: 'page', id, request } satisfies ToPagesThread);
    });
  }

  async close(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    this.worker = undefined;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.postMessage({ type: 'close' } satisfies ToPagesThread);
    await exited;
  }

  private spawn(): Worker {
    const worker = startWorker({
      callerFile: __filename,
      entry: 'view-pages.worker',
      workerData: this.data,
      youngGenerationMb: PAGES_THREAD_YOUNG_GENERATION_MB,
    });
    worker.unref(); // the requests it answers keep the process alive, not the thread
    worker.on('message', (message: FromPagesThread) => {
      const asked = this.asked.get(message.id);
      this.asked.delete(message.id);
      if (message.type === 'page') asked?.resolve(message.rows);
      else asked?.reject(new Error(`The views' page could not be read: ${message.message}`));
    });
    worker.on('error', (error) => this.failAll(worker, `failed: ${error.message}`));
    worker.on('exit', (exitCode) => this.failAll(worker, `stopped (exit code ${exitCode})`));
    return worker;
  }

  /** A dead thread's pages fail, and it takes no more: the next page starts a new thread. */
  private failAll(worker: Worker, what: string): void {
    if (this.worker === worker) this.worker = undefined;
    for (const [id, asked] of this.asked) {
      if (asked.worker !== worker) continue;
      this.asked.delete(id);
      asked.reject(new ServiceUnavailableException(`The views' pages thread ${what}; try again`));
    }
  }
}
