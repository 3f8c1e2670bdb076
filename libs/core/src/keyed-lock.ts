/**
 * Runs tasks one at a time per key, in arrival order, and tasks of different keys freely. Commands on one
 * stream would only conflict with each other: queued here, they append in turn instead of retrying against
 * each other, which under a burst (fifty store events for one customer) would exhaust their retries. Other
 * processes writing the same stream are still caught by the expected revision.
 */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<void>>();

  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const current = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => current);
    this.tails.set(key, tail);
    await previous;
    try {
      return await task();
    } finally {
      release();
      // The last in the queue clears it, so the map holds only keys with work waiting.
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }

  /** Keys with a task running or waiting. */
  get size(): number {
    return this.tails.size;
  }
}
