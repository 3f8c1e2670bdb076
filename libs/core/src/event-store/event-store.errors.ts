import type { ActualRevision, ExpectedRevision } from './event-store.port';

function describeRevision(revision: ExpectedRevision | ActualRevision): string {
  return typeof revision === 'bigint' ? `revision ${revision}` : revision;
}

/** An append's expected revision did not hold. Nothing of that append was written. */
export class WrongExpectedRevisionError extends Error {
  override readonly name = 'WrongExpectedRevisionError';

  constructor(
    readonly streamId: string,
    readonly expectedRevision: ExpectedRevision,
    readonly actualRevision: ActualRevision,
  ) {
    super(
      `Stream "${streamId}" was expected at ${describeRevision(expectedRevision)} but is at ${describeRevision(actualRevision)}`,
    );
  }
}

/** The store cannot be reached or cannot write (server down, disk full). The operation may be retried. */
export class EventStoreUnavailableError extends Error {
  override readonly name: string = 'EventStoreUnavailableError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * The store did not answer an append in time. Unlike a refused connection, the append may have been
 * written: a retry with the same event ids (an Idempotency-Key) is recognised and writes nothing twice.
 */
export class EventStoreTimeoutError extends EventStoreUnavailableError {
  override readonly name = 'EventStoreTimeoutError';
}

/** An append the store refuses whatever the state: no events, a bad stream name or type, an id twice in one append. */
export class InvalidAppendError extends Error {
  override readonly name = 'InvalidAppendError';
}

/** The store has been closed; nothing more can be done through this instance. */
export class EventStoreClosedError extends Error {
  override readonly name = 'EventStoreClosedError';

  constructor() {
    super('The event store has been closed');
  }
}
