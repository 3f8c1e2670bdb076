/**
 * The time, where a rule depends on how much of it has passed (an `Idempotency-Key` holds for 24 hours):
 * injected, so that a test can set it rather than wait.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export const SYSTEM_CLOCK: Clock = { now: () => Date.now() };

/** Nest injection token for the application's `Clock`. */
export const CLOCK = Symbol('CLOCK');
