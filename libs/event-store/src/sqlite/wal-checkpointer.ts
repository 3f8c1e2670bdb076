/**
 * Folds SQLite WAL files into their databases from a worker thread. Left to SQLite, the checkpoint runs on
 * the connection that commits, on the event loop, and copying a few MiB with an fsync stalls every request
 * behind it for tens of milliseconds. A PASSIVE checkpoint from another connection runs beside the writer
 * without blocking it.
 *
 * Often, so that each fold is small: a checkpoint's writes go to the same disk as the log's commits, and a
 * large fold holds a commit's fsync up. A fold with nothing to copy costs next to nothing.
 */
import { Worker } from 'node:worker_threads';

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const databases = workerData.files.map((file) => {
  const db = new Database(file);
  db.pragma('busy_timeout = 1000');
  return db;
});
const checkpoint = () => {
  for (const db of databases) {
    try { db.pragma('wal_checkpoint(PASSIVE)'); } catch (error) { parentPort.postMessage(String(error)); }
  }
};
const timer = setInterval(checkpoint, workerData.intervalMs);
parentPort.on('message', () => {
  clearInterval(timer);
  checkpoint();
  for (const db of databases) db.close();
  parentPort.close();
});
`;

/** How often the WALs are folded in. */
const CHECKPOINT_INTERVAL_MS = 100;

/** The WAL size (in pages) past which a committing connection checkpoints itself all the same. */
export const FALLBACK_AUTOCHECKPOINT_PAGES = 20_000;

export class WalCheckpointer {
  private readonly worker: Worker;
  private readonly exited: Promise<void>;

  constructor(
    files: readonly string[],
    intervalMs = CHECKPOINT_INTERVAL_MS,
    onError: (message: string) => void = () => undefined,
  ) {
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { files, intervalMs, driver: require.resolve('better-sqlite3') },
      // It allocates next to nothing: the smallest young generation, not the process's.
      resourceLimits: { maxYoungGenerationSizeMb: 1 },
    });
    this.worker.on('message', (message: string) => onError(message));
    this.worker.unref();
    this.exited = new Promise((resolve) => this.worker.once('exit', () => resolve()));
  }

  async close(): Promise<void> {
    this.worker.ref(); // unreferenced while idle; held now, so the process waits for the last checkpoint
    this.worker.postMessage('close');
    await this.exited;
  }
}
