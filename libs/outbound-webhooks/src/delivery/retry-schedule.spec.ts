import { outcomeOf, retryDelayMs, type RetryPolicy } from './retry-schedule';

describe('the retry schedule', () => {
  const policy: RetryPolicy = { firstRetryDelayMs: 5_000, maxRetryDelayMs: 60_000, maxAttempts: 6 };
  const noJitter = () => 0;

  it('waits the first delay after the first failure, then doubles, up to the longest delay', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map((attempts) => retryDelayMs(attempts, policy, noJitter))).toEqual([
      5_000, 10_000, 20_000, 40_000, 60_000, 60_000, 60_000,
    ]);
  });

  it('adds at most a tenth at random, never beyond the longest delay', () => {
    expect(retryDelayMs(1, policy, () => 0.99)).toBe(5_495);
    expect(retryDelayMs(5, policy, () => 0.999)).toBe(60_000);
  });

  it('does not overflow after many attempts', () => {
    expect(retryDelayMs(2_000, policy, noJitter)).toBe(60_000);
  });

  it('counts any 2xx as delivered', () => {
    for (const statusCode of [200, 201, 202, 204, 299]) {
      expect(outcomeOf({ statusCode }, 1, policy, 0, noJitter)).toEqual({ status: 'delivered' });
    }
  });

  it('retries a non-2xx answer or a network error, later each time', () => {
    for (const result of [{ statusCode: 500 }, { statusCode: 302 }, { statusCode: 410 }, { error: 'ECONNREFUSED' }]) {
      expect(outcomeOf(result, 1, policy, 1_000, noJitter)).toEqual({ status: 'pending', nextAttemptAt: 6_000 });
      expect(outcomeOf(result, 3, policy, 1_000, noJitter)).toEqual({ status: 'pending', nextAttemptAt: 21_000 });
    }
  });

  it('gives up after the last attempt', () => {
    expect(outcomeOf({ statusCode: 500 }, 5, policy, 0, noJitter).status).toBe('pending');
    expect(outcomeOf({ statusCode: 500 }, 6, policy, 0, noJitter)).toEqual({ status: 'failed' });
    expect(outcomeOf({ statusCode: 200 }, 6, policy, 0, noJitter)).toEqual({ status: 'delivered' });
  });
});
