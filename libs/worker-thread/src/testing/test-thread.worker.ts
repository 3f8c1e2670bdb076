/** The thread `startTestThread` starts. */
import { setTimeout as sleep } from 'node:timers/promises';
import { parentPort, workerData } from 'node:worker_threads';
import { MainThreadPort } from '../main-thread-port';
import { withTransfer } from '../protocol';
import type { TestThreadCalls, TestThreadData, TestThreadEvent } from './test-thread';

function run(data: TestThreadData): void {
  if (data.failToStart) throw new Error('cannot open what it needs');
  const mainThread = new MainThreadPort<TestThreadCalls, TestThreadEvent>();
  const remembered: string[] = [];
  mainThread.serve(
    {
      echo: (value) => value,
      later: async ({ value, afterMs }) => {
        await sleep(afterMs);
        return value;
      },
      fail: ({ message, code }) => {
        throw Object.assign(new Error(message), { code });
      },
      byteLength: (buffer) => buffer.byteLength,
      bufferOf: (length) => {
        const buffer = new ArrayBuffer(length);
        return withTransfer(buffer, [buffer]);
      },
      countTo: (count) => {
        for (let counted = 1; counted <= count; counted++) mainThread.emit({ counted });
        return count;
      },
      remember: (value) => void remembered.push(value),
      remembered: () => remembered,
      crashSoon: (message) => {
        setImmediate(() => {
          throw new Error(message);
        });
      },
      exit: (code) => process.exit(code),
    },
    {
      close: async () => {
        mainThread.emit({ closing: true });
        if (data.closeHangs) await new Promise<never>(() => setInterval(() => undefined, 1000));
      },
    },
  );
}

if (parentPort) run(workerData as TestThreadData);
