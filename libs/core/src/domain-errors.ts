/**
 * Errors a command can end in, by what they mean to the caller. The HTTP layer maps each kind to its status
 * (API.md's table); the domain never speaks HTTP.
 */
export abstract class DomainError extends Error {
  abstract readonly kind: 'not_found' | 'conflict' | 'unprocessable' | 'precondition_failed';
}

/** No such conversation, member, or integration. */
export class NotFoundError extends DomainError {
  override readonly name = 'NotFoundError';
  readonly kind = 'not_found' as const;
}

/** The command does not fit the current state (a duplicate email, a conversation that exists already). */
export class ConflictError extends DomainError {
  override readonly name = 'ConflictError';
  readonly kind = 'conflict' as const;
}

/** A well-formed command naming something that cannot take it (a removed member as assignee). */
export class UnprocessableError extends DomainError {
  override readonly name = 'UnprocessableError';
  readonly kind = 'unprocessable' as const;
}

/** `If-Match` named a revision the stream is no longer at. Carries what the caller should see instead. */
export class PreconditionFailedError extends DomainError {
  override readonly name = 'PreconditionFailedError';
  readonly kind = 'precondition_failed' as const;

  constructor(
    message: string,
    /** The current state, for the response body. */
    readonly current: Record<string, unknown>,
    /** The current revision, for the response's ETag. */
    readonly currentRevision: number,
  ) {
    super(message);
  }
}
