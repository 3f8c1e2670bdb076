import { AuthThrottle, type AuthThrottleOptions } from './auth-throttle';

const WINDOW_MS = 60_000;

function throttle(options: Partial<AuthThrottleOptions> = {}) {
  const clock = { now: 1_000_000 };
  const subject = new AuthThrottle({ maxFailures: 20, windowMs: WINDOW_MS, ...options }, () => clock.now);
  const fail = (client: string, times = 1): void => {
    for (let i = 0; i < times; i++) subject.recordFailure(client);
  };
  return { subject, clock, fail };
}

describe('AuthThrottle', () => {
  it('lets a client fail 19 times, and blocks it for the window at the 20th', () => {
    const { subject, fail } = throttle();
    fail('10.0.0.1', 19);
    expect(subject.blockedFor('10.0.0.1')).toBe(0);
    fail('10.0.0.1');
    expect(subject.blockedFor('10.0.0.1')).toBe(WINDOW_MS);
  });

  it('counts each client on its own', () => {
    const { subject, fail } = throttle();
    fail('10.0.0.1', 20);
    fail('10.0.0.2', 19);
    expect(subject.blockedFor('10.0.0.1')).toBeGreaterThan(0);
    expect(subject.blockedFor('10.0.0.2')).toBe(0);
    expect(subject.blockedFor('10.0.0.3')).toBe(0);
  });

  it('counts down while blocked, and lets the client in when the block ends, counting afresh', () => {
    const { subject, clock, fail } = throttle();
    fail('10.0.0.1', 20);
    clock.now += 45_000;
    expect(subject.blockedFor('10.0.0.1')).toBe(15_000);
    clock.now += 15_000;
    expect(subject.blockedFor('10.0.0.1')).toBe(0);
    fail('10.0.0.1', 19);
    expect(subject.blockedFor('10.0.0.1')).toBe(0);
    fail('10.0.0.1');
    expect(subject.blockedFor('10.0.0.1')).toBe(WINDOW_MS);
  });

  it('forgets failures older than the window', () => {
    const { subject, clock, fail } = throttle();
    fail('10.0.0.1', 19);
    clock.now += 2 * WINDOW_MS;
    fail('10.0.0.1', 19);
    expect(subject.blockedFor('10.0.0.1')).toBe(0);
  });

  it('slides: a burst across a fixed window boundary is caught', () => {
    const { subject, clock, fail } = throttle();
    fail('10.0.0.1'); // opens a fixed window
    clock.now += WINDOW_MS - 2_000;
    fail('10.0.0.1', 18); // 19 in the first fixed window
    clock.now += 4_000; // 2 s into the next one: the previous still weighs 58/60, 18.4 failures
    fail('10.0.0.1');
    expect(subject.blockedFor('10.0.0.1')).toBe(0);
    fail('10.0.0.1'); // 20 within the last 60 s, counting from the 18
    expect(subject.blockedFor('10.0.0.1')).toBe(WINDOW_MS);
  });

  it('lets a slow guesser go on: under the limit per window', () => {
    const { subject, clock, fail } = throttle();
    for (let i = 0; i < 100; i++) {
      fail('10.0.0.1');
      clock.now += WINDOW_MS / 10; // 10 a window
      expect(subject.blockedFor('10.0.0.1')).toBe(0);
    }
  });

  it('keeps at most maxClients clients, forgetting the one whose last failure is oldest', () => {
    const { subject, fail } = throttle({ maxFailures: 2, maxClients: 3 });
    fail('a', 2); // blocked
    fail('b');
    fail('c');
    fail('b'); // blocked, and now the most recent
    fail('d'); // a fourth client: 'a' goes
    expect(subject.size).toBe(3);
    expect(subject.blockedFor('a')).toBe(0);
    expect(subject.blockedFor('b')).toBeGreaterThan(0);
    fail('c'); // kept with its first failure: this second one blocks it
    expect(subject.blockedFor('c')).toBeGreaterThan(0);
  });

  it('holds a big limit in constant space: a million failures are four numbers', () => {
    const { subject, fail } = throttle({ maxFailures: 1_000_000 });
    fail('127.0.0.1', 10_000);
    expect(subject.blockedFor('127.0.0.1')).toBe(0);
    expect(subject.size).toBe(1);
  });
});
