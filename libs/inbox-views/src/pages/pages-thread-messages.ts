/** What the main thread and the pages thread say to each other. */
import type { PageRequest, PageRows } from './view-pages';

export interface PagesThreadData {
  readModelFile: string;
  /** Its connection's page cache. */
  cacheMiB: number;
}

export type ToPagesThread = { type: 'page'; id: number; request: PageRequest } | { type: 'close' };

export type FromPagesThread =
  { type: 'page'; id: number; rows: PageRows } | { type: 'failed'; id: number; message: string };
