/** What becomes of a delivery after an attempt: pure, so the schedule is specified without a clock. */

export interface RetryPolicy {
  firstRetryDelayMs: number;
  maxRetryDelayMs: number;
  maxAttempts: number;
}

/** Up to this share of the delay is added at random, so receivers coming back are not hit all at once. */
export const RETRY_JITTER = 0.1;

/** The wait after the `attempts`-th failed attempt: doubling from the first delay, capped. */
export function retryDelayMs(attempts: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const doubled = policy.firstRetryDelayMs * 2 ** Math.max(0, attempts - 1);
  const delay = Math.min(doubled, policy.maxRetryDelayMs);
  return Math.round(Math.min(delay * (1 + RETRY_JITTER * random()), policy.maxRetryDelayMs));
}

export type AttemptResult = { statusCode: number } | { error: string };

export type DeliveryOutcome =
  { status: 'delivered' } | { status: 'pending'; nextAttemptAt: number } | { status: 'failed' };

export function isSuccess(result: AttemptResult): boolean {
  return 'statusCode' in result && result.statusCode >= 200 && result.statusCode < 300;
}

/** `attempts` counts the attempt just made. */
export function outcomeOf(
  result: AttemptResult,
  attempts: number,
  policy: RetryPolicy,
  now: number,
  random: () => number = Math.random,
): DeliveryOutcome {
  if (isSuccess(result)) return { status: 'delivered' };
  if (attempts >= policy.maxAttempts) return { status: 'failed' };
  return { status: 'pending', nextAttemptAt: now + retryDelayMs(attempts, policy, random) };
}
