/**
 * The open model's clock (see pacer.ts): sleeps until each request falls due and tells the load generator
 * how many are due. `Atomics.wait` sleeps to a fraction of a millisecond; the load generator's own timers
 * fire on whole milliseconds of libuv's clock.
 */
import { parentPort } from 'node:worker_threads';
import type { PacerSettings } from './pacer';

const sleeper = new Int32Array(new SharedArrayBuffer(4));
const now = (): number => performance.timeOrigin + performance.now();

parentPort!.once('message', ({ startedAt, requestsPerSecond, total }: PacerSettings) => {
  for (let due = 1; due <= total; due++) {
    const wait = startedAt + ((due - 1) * 1000) / requestsPerSecond - now();
    if (wait > 0) Atomics.wait(sleeper, 0, 0, wait);
    // All that is due by now, in one message: where this thread woke late, they are sent together.
    due = Math.max(due, Math.min(total, Math.floor(((now() - startedAt) / 1000) * requestsPerSecond) + 1));
    parentPort!.postMessage(due);
  }
  parentPort!.close();
});
parentPort!.postMessage('ready');
