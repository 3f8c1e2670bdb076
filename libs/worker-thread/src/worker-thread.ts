/**
 * The starting side of one worker thread, for one lifetime of it: calls answered by id, notices the thread
 * is not to answer, events the thread sends on its own account, and an end that every pending call hears
 * of. Once it has stopped it takes no more calls: its owner starts a new one if it wants to go on.
 *
 * The thread's side is `MainThreadPort`; both speak the messages of `protocol.ts`.
 */
import type { Worker } from 'node:worker_threads';
import {
  Transferring,
  describeStop,
  type CallArguments,
  type CallName,
  type CallResult,
  type FromWorkerThread,
  type ThreadCallFailure,
  type ThreadStop,
  type ToWorkerThread,
} from './protocol';
import { startWorker, type WorkerStart } from './start-worker';

export interface WorkerThreadOptions<Events> extends WorkerStart {
  /** How its errors name it, at the start of a sentence: "The views' pages thread". */
  name: string;
  /**
   * `while-busy`: the thread keeps the process alive only while it has calls to answer or is closing,
   * so an idle thread does not hold up the process's exit. `always`: as long as it runs.
   */
  keepProcessAlive: 'while-busy' | 'always';
  onEvent?: (event: Events) => void;
  /** Once, when the thread has exited, for whatever reason. */
  onStop?: (stop: ThreadStop) => void;
  /**
   * The error each pending call (and `ready`) is rejected with when the thread stops; `message` is the
   * default's ("The views' pages thread failed: …"). A `WorkerThreadStoppedError` where not given.
   */
  stopError?: (stop: ThreadStop, message: string) => Error;
  /** The error a call is rejected with when its handler threw; a `WorkerCallError` where not given. */
  callError?: (failure: ThreadCallFailure) => Error;
}

/** A call could not be answered: the thread stopped before it was. */
export class WorkerThreadStoppedError extends Error {
  override readonly name = 'WorkerThreadStoppedError';

  constructor(
    message: string,
    readonly stop: ThreadStop,
  ) {
    super(message, stop.kind === 'failed' ? { cause: stop.error } : undefined);
  }
}

/** A call's handler threw in the thread: its message, the name of what it threw, and its code where it had one. */
export class WorkerCallError extends Error {
  override readonly name = 'WorkerCallError';
  readonly code: string | undefined;
  /** The name of the error thrown in the thread. */
  readonly thrownName: string;

  constructor(failure: ThreadCallFailure) {
    super(failure.message);
    this.code = failure.code;
    this.thrownName = failure.name;
  }
}

interface PendingCall {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

const CLOSED: ThreadStop = { kind: 'closed' };

export class WorkerThread<Calls extends object, Events = never> {
  /**
   * Resolves once the thread has set itself up and serves its calls; rejects, as its pending calls are,
   * where it stops before that. Observing it is optional: left alone, its rejection is no crash.
   */
  readonly ready: Promise<void>;
  private readonly worker: Worker;
  private readonly pending = new Map<number, PendingCall>();
  private nextId = 0;
  private stopped: ThreadStop | undefined;
  private closing: Promise<void> | undefined;
  private readonly exited: Promise<void>;
  private readonly whileBusy: boolean;
  private readyGate!: PendingCall;

  constructor(private readonly options: WorkerThreadOptions<Events>) {
    this.whileBusy = options.keepProcessAlive === 'while-busy';
    this.ready = new Promise<void>((resolve, reject) => (this.readyGate = { resolve: () => resolve(), reject }));
    this.ready.catch(() => undefined);
    this.worker = startWorker(options);
    if (this.whileBusy) this.worker.unref();
    this.worker.on('message', (message: FromWorkerThread) => this.receive(message));
    this.worker.on('error', (error) => this.end({ kind: 'failed', error }));
    this.exited = new Promise<void>((resolve) =>
      this.worker.once('exit', (exitCode) => {
        const stop = this.stopped ?? (this.closing ? CLOSED : { kind: 'exited', exitCode });
        this.end(stop);
        resolve();
        options.onStop?.(stop);
      }),
    );
  }

  /** Whether it takes calls: it has not stopped, and has not been asked to close. */
  get accepting(): boolean {
    return this.stopped === undefined && this.closing === undefined;
  }

  /** Posts the call and resolves with the thread's answer, whenever it comes, whatever was called after it. */
  call<Name extends CallName<Calls>>(
    name: Name,
    ...[argument]: CallArguments<Calls[Name]>
  ): Promise<CallResult<Calls[Name]>> {
    if (!this.accepting) return Promise.reject(this.stopErrorFor(this.stopped ?? CLOSED));
    const id = this.nextId++;
    return new Promise<CallResult<Calls[Name]>>((resolve, reject) => {
      this.post({ kind: 'call', id, name, argument }, argument); // a value that cannot be posted throws: rejected
      if (this.whileBusy && this.pending.size === 0) this.worker.ref(); // the process waits for its answers
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
    });
  }

  /** Posts a message the thread acts on and does not answer. Dropped where the thread no longer takes calls. */
  notify<Name extends CallName<Calls>>(name: Name, ...[argument]: CallArguments<Calls[Name]>): void {
    if (this.accepting) this.post({ kind: 'notice', name, argument }, argument);
  }

  /**
   * Asks the thread to close: it answers the calls posted before, runs its own close, and exits. Resolves
   * once it has exited; after `timeoutMs`, where given, it is terminated instead.
   */
  close(options: { timeoutMs?: number } = {}): Promise<void> {
    this.closing ??= this.closeOnce(options.timeoutMs);
    return this.closing;
  }

  /** Stops the thread at once, whatever it is doing: its pending calls are rejected. Resolves with its exit code. */
  terminate(): Promise<number> {
    return this.worker.terminate();
  }

  private async closeOnce(timeoutMs: number | undefined): Promise<void> {
    if (this.stopped) return this.exited;
    this.worker.ref(); // an orderly close is waited for
    this.worker.postMessage({ kind: 'close' } satisfies ToWorkerThread);
    const timer = timeoutMs === undefined ? undefined : setTimeout(() => void this.worker.terminate(), timeoutMs);
    await this.exited;
    clearTimeout(timer);
  }

  /** Posts a call or a notice, its argument's buffers moved where it carries a transfer list. */
  private post(message: Extract<ToWorkerThread, { argument: unknown }>, argument: unknown): void {
    if (argument instanceof Transferring) {
      message.argument = argument.value;
      this.worker.postMessage(message, argument.transferList);
    } else {
      this.worker.postMessage(message);
    }
  }

  private receive(message: FromWorkerThread): void {
    switch (message.kind) {
      case 'result':
        this.answered(message.id)?.resolve(message.value);
        return;
      case 'failure': {
        const call = this.answered(message.id);
        call?.reject(this.options.callError?.(message.failure) ?? new WorkerCallError(message.failure));
        return;
      }
      case 'event':
        this.options.onEvent?.(message.event as Events);
        return;
      case 'ready':
        this.readyGate.resolve(undefined);
        return;
    }
  }

  private answered(id: number): PendingCall | undefined {
    const call = this.pending.get(id);
    this.pending.delete(id);
    if (this.whileBusy && this.pending.size === 0 && !this.closing) this.worker.unref(); // idle: the process may exit
    return call;
  }

  /** It takes no more calls, and every call still waiting is rejected with why. */
  private end(stop: ThreadStop): void {
    this.stopped ??= stop;
    const error = this.stopErrorFor(this.stopped);
    this.readyGate.reject(error);
    const calls = [...this.pending.values()];
    this.pending.clear();
    for (const call of calls) call.reject(error);
  }

  private stopErrorFor(stop: ThreadStop): Error {
    const message = `${this.options.name} ${describeStop(stop)}`;
    return this.options.stopError?.(stop, message) ?? new WorkerThreadStoppedError(message, stop);
  }
}
