/** A tiny thread for the client's specs: each call exercises one thing a worker thread can do to its caller. */
import { WorkerThread, type WorkerThreadOptions } from '../worker-thread';

export interface TestThreadCalls {
  echo(value: unknown): unknown;
  /** Answered after `afterMs`, through a promise. */
  later(request: { value: string; afterMs: number }): Promise<string>;
  /** Throws an error with this message and code. */
  fail(failure: { message: string; code?: string }): never;
  byteLength(buffer: ArrayBuffer): number;
  /** Answered with a buffer of this length, moved rather than copied. */
  bufferOf(length: number): ArrayBuffer;
  /** Sends `count` events, then answers. */
  countTo(count: number): number;
  /** Sent as a notice. */
  remember(value: string): void;
  remembered(): string[];
  /** Throws where nothing catches it, after answering. */
  crashSoon(message: string): void;
  /** Exits the thread at once with this code, unanswered. */
  exit(code: number): void;
}

export type TestThreadEvent = { counted: number } | { closing: true };

export interface TestThreadData {
  /** Its setup throws: it never serves. */
  failToStart?: boolean;
  /** Its close never finishes. */
  closeHangs?: boolean;
}

export function startTestThread(
  options: Partial<WorkerThreadOptions<TestThreadEvent>> & { workerData?: TestThreadData } = {},
): WorkerThread<TestThreadCalls, TestThreadEvent> {
  return new WorkerThread<TestThreadCalls, TestThreadEvent>({
    callerFile: __filename,
    entry: 'test-thread.worker',
    workerData: {},
    youngGenerationMb: 2,
    name: 'The test thread',
    keepProcessAlive: 'while-busy',
    ...options,
  });
}
