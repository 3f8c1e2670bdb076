/**
 * A worker thread's side of `WorkerThread`: it answers the calls it is sent with its handlers, sends events
 * on its own account, and closes when asked, after answering what it was asked before.
 *
 * A handler that answers at once is answered in the same turn (no promise in between), so calls answered
 * synchronously leave in the order they came.
 */
import { parentPort, type MessagePort } from 'node:worker_threads';
import {
  Transferring,
  type CallHandlers,
  type FromWorkerThread,
  type ThreadCallFailure,
  type ToWorkerThread,
} from './protocol';

export interface ServeOptions {
  /** Run once asked to close, after every call asked before has been answered; then the thread's port closes. */
  close?: () => void | Promise<void>;
}

export class MainThreadPort<Calls extends object, Events = never> {
  private readonly port: MessagePort;

  constructor(port: MessagePort | null = parentPort) {
    if (!port) throw new Error('A MainThreadPort runs in a worker thread: there is no parent port here');
    this.port = port;
  }

  /** Sends an event to the starting thread, which hears it through its `onEvent`. */
  emit(event: Events | Transferring<Events>): void {
    if (event instanceof Transferring) {
      this.port.postMessage({ kind: 'event', event: event.value } satisfies FromWorkerThread, event.transferList);
    } else {
      this.port.postMessage({ kind: 'event', event } satisfies FromWorkerThread);
    }
  }

  /**
   * Answers calls with `handlers` from now on, and tells the starting thread it is ready: call it once the
   * thread is set up, so that a failure to set up fails the thread, and with it what was asked of it.
   */
  serve(handlers: CallHandlers<Calls>, options: ServeOptions = {}): void {
    const answering = new Set<Promise<unknown>>();
    // Looked up by the name that came in the message: any name, not only the interface's.
    const byName = handlers as unknown as Partial<Record<string, (argument: unknown) => unknown>>;
    const handlerOf = (name: string) => byName[name];
    this.port.on('message', (message: ToWorkerThread) => {
      switch (message.kind) {
        case 'close':
          void this.closeAfter(answering, options.close);
          return;
        case 'notice': {
          const handler = handlerOf(message.name);
          if (!handler) throw new Error(`This thread has no handler for the notice "${message.name}"`);
          const done = handler(message.argument);
          if (done instanceof Promise) this.track(answering, done);
          return;
        }
        case 'call': {
          const handler = handlerOf(message.name);
          if (!handler) {
            this.fail(message.id, new Error(`This thread answers no call named "${message.name}"`));
            return;
          }
          let result: unknown;
          try {
            result = handler(message.argument);
          } catch (error) {
            this.fail(message.id, error);
            return;
          }
          if (result instanceof Promise) {
            const { id } = message;
            this.track(
              answering,
              result.then(
                (value) => this.answer(id, value),
                (error: unknown) => this.fail(id, error),
              ),
            );
          } else {
            this.answer(message.id, result);
          }
          return;
        }
      }
    });
    this.port.postMessage({ kind: 'ready' } satisfies FromWorkerThread);
  }

  private answer(id: number, result: unknown): void {
    try {
      if (result instanceof Transferring) {
        this.port.postMessage(
          { kind: 'result', id, value: result.value } satisfies FromWorkerThread,
          result.transferList,
        );
      } else {
        this.port.postMessage({ kind: 'result', id, value: result } satisfies FromWorkerThread);
      }
    } catch (error) {
      this.fail(id, error); // a result that cannot be posted (a function, a socket) fails its call, not the thread
    }
  }

  private fail(id: number, error: unknown): void {
    this.port.postMessage({ kind: 'failure', id, failure: failureOf(error) } satisfies FromWorkerThread);
  }

  private track(answering: Set<Promise<unknown>>, work: Promise<unknown>): void {
    answering.add(work);
    void work.finally(() => answering.delete(work));
  }

  private async closeAfter(answering: Set<Promise<unknown>>, close: ServeOptions['close']): Promise<void> {
    await Promise.allSettled(answering);
    await close?.();
    this.port.close();
  }
}

/** A SQLite error's code is a string, a system call's a string or a number: either crosses as a string. */
function failureOf(error: unknown): ThreadCallFailure {
  const thrownCode: unknown = typeof error === 'object' && error !== null && 'code' in error ? error.code : undefined;
  const code = typeof thrownCode === 'string' || typeof thrownCode === 'number' ? String(thrownCode) : undefined;
  if (error instanceof Error) return { name: error.name, message: error.message, code };
  return { name: 'Error', message: String(error), code };
}
