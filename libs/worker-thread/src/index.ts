/**
 * One client for the project's worker threads (the log's writer, the projector, the views' pages): calls
 * answered by id, notices, events, and a stop that every pending call hears of. Node's own modules only,
 * so the event store can use it without a cycle and without NestJS.
 */
export { MainThreadPort, type ServeOptions } from './main-thread-port';
export {
  Transferring,
  describeStop,
  withTransfer,
  type CallArguments,
  type CallHandlers,
  type CallName,
  type CallResult,
  type ThreadCallFailure,
  type ThreadStop,
} from './protocol';
export { startWorker, type WorkerStart } from './start-worker';
export { WorkerCallError, WorkerThread, WorkerThreadStoppedError, type WorkerThreadOptions } from './worker-thread';
