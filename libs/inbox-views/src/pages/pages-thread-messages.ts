/** What the main thread asks of the pages thread. */
import type { SearchRequest, SearchRows } from './search-pages';
import type { PageRequest, PageRows } from './view-pages';

export interface PagesThreadData {
  readModelFile: string;
  /** Its connection's page cache. */
  cacheMiB: number;
}

export interface PagesThreadCalls {
  /** The page's rows, read on the thread's own connection once the request reaches it. */
  page(request: PageRequest): PageRows;
  /** A page of a search, likewise. */
  search(request: SearchRequest): SearchRows;
}
