/**
 * What a worker thread and the thread that started it say to each other: a thread's calls described once,
 * as an interface of methods of at most one argument, and the messages that carry them.
 *
 * One call is one message each way, its argument and its result posted as they are (one structured clone,
 * no encoding of ours around them), so a thread on a hot path pays no more than a bare `postMessage`.
 */
import type { TransferListItem } from 'node:worker_threads';

/** A value posted with buffers it hands over rather than copies: they are unusable on the sending side after. */
export class Transferring<Value> {
  constructor(
    readonly value: Value,
    readonly transferList: readonly TransferListItem[],
  ) {}
}

/** Posts `value` with `transferList` moved, not copied: as a call's argument, a result, or an event. */
export function withTransfer<Value>(value: Value, transferList: readonly TransferListItem[]): Transferring<Value> {
  return new Transferring(value, transferList);
}

/** The names of a thread's calls: the methods of its calls interface. */
export type CallName<Calls> = {
  [Name in keyof Calls]: Calls[Name] extends (...argument: never[]) => unknown ? Name : never;
}[keyof Calls] &
  string;

/** A call's argument list as the caller gives it: none, or the one argument (which may carry a transfer list). */
export type CallArguments<Call> = Call extends () => unknown
  ? []
  : Call extends (argument: infer Argument) => unknown
    ? [argument: Argument | Transferring<Argument>]
    : never;

/** What a call resolves with. */
export type CallResult<Call> = Call extends (...argument: never[]) => infer Result ? Awaited<Result> : never;

/** The thread's side of its calls: each answered at once, or later through a promise. */
export type CallHandlers<Calls> = {
  [Name in CallName<Calls>]: Calls[Name] extends (...argument: infer Arguments) => infer Result
    ? (...argument: Arguments) => Answer<Awaited<Result>> | Promise<Answer<Awaited<Result>>>
    : never;
};

type Answer<Result> = Result | Transferring<Result>;

/** A call's failure in the thread, as it crosses back: enough to name it, and the code a caller may act on. */
export interface ThreadCallFailure {
  name: string;
  message: string;
  /** The thrown error's `code` (a SQLite error's, a system call's), where it had one. */
  code: string | undefined;
}

/** Why a thread stopped, as its pending calls learn it. */
export type ThreadStop =
  /** An error nothing in the thread caught, or its entry failed to load or to set up. */
  | { kind: 'failed'; error: Error }
  /** It exited, or was terminated, without being asked to close. */
  | { kind: 'exited'; exitCode: number }
  /** It was asked to close. */
  | { kind: 'closed' };

/** How a stop reads after the thread's name: "failed: …", "stopped (exit code 1)", "was closed". */
export function describeStop(stop: ThreadStop): string {
  switch (stop.kind) {
    case 'failed':
      return `failed: ${stop.error.message}`;
    case 'exited':
      return `stopped (exit code ${stop.exitCode})`;
    case 'closed':
      return 'was closed';
  }
}

/** The starting thread's messages. A call carries an id its answer comes back with; a notice is not answered. */
export type ToWorkerThread =
  | { kind: 'call'; id: number; name: string; argument: unknown }
  | { kind: 'notice'; name: string; argument: unknown }
  | { kind: 'close' };

/** The worker thread's messages. */
export type FromWorkerThread =
  /** It has set itself up and serves its calls. */
  | { kind: 'ready' }
  | { kind: 'result'; id: number; value: unknown }
  | { kind: 'failure'; id: number; failure: ThreadCallFailure }
  /** Sent on the thread's own account, not in answer to a call. */
  | { kind: 'event'; event: unknown };
