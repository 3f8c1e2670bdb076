/**
 * Failed authentications, counted per client. After `maxFailures` of them within `windowMs`, the client is
 * blocked for `windowMs`: the guard answers its requests that need a token with 429, whatever token they
 * carry, so that a guesser cannot tell a right guess from a wrong one while blocked. When the block ends the
 * count starts afresh, so a client makes at most `maxFailures` guesses per `windowMs`.
 *
 * The window slides: it is estimated from two fixed windows, the current one's failures plus the previous
 * one's weighted by how much of it the sliding window still covers, so a burst across a window boundary
 * is caught and a client costs four numbers whatever the limit. At most `maxClients` clients are kept, the
 * one whose last failure is oldest evicted first.
 */
export interface AuthThrottleOptions {
  maxFailures: number;
  windowMs: number;
  /** Clients tracked at once; the memory bound. */
  maxClients?: number;
}

interface ClientFailures {
  /** Start of the current fixed window. */
  windowStart: number;
  current: number;
  previous: number;
  /** 0 when not blocked. */
  blockedUntil: number;
}

const DEFAULT_MAX_CLIENTS = 10_000;

export class AuthThrottle {
  private readonly maxClients: number;
  /** In order of last failure, oldest first (an entry is re-inserted on each failure). */
  private readonly clients = new Map<string, ClientFailures>();

  constructor(
    private readonly options: AuthThrottleOptions,
    private readonly now: () => number = Date.now,
  ) {
    this.maxClients = options.maxClients ?? DEFAULT_MAX_CLIENTS;
  }

  /** How long `client` stays blocked, in milliseconds; 0 where it is not blocked. */
  blockedFor(client: string): number {
    const blockedUntil = this.clients.get(client)?.blockedUntil ?? 0;
    return Math.max(0, blockedUntil - this.now());
  }

  /** Counts a failed authentication from `client`, blocking it where that reaches the limit. */
  recordFailure(client: string): void {
    const now = this.now();
    const { windowMs, maxFailures } = this.options;
    let entry = this.clients.get(client);
    if (entry) {
      this.clients.delete(client);
    } else {
      if (this.clients.size >= this.maxClients) this.clients.delete(this.clients.keys().next().value as string);
      entry = { windowStart: now, current: 0, previous: 0, blockedUntil: 0 };
    }
    if (entry.blockedUntil !== 0 && entry.blockedUntil <= now) {
      // A block served: counting starts afresh.
      Object.assign(entry, { windowStart: now, current: 0, previous: 0, blockedUntil: 0 });
    }
    const elapsed = now - entry.windowStart;
    if (elapsed >= 2 * windowMs) {
      Object.assign(entry, { windowStart: now, current: 0, previous: 0 });
    } else if (elapsed >= windowMs) {
      Object.assign(entry, { windowStart: entry.windowStart + windowMs, current: 0, previous: entry.current });
    }
    entry.current += 1;
    const previousWeight = 1 - (now - entry.windowStart) / windowMs;
    if (entry.current + entry.previous * previousWeight >= maxFailures) entry.blockedUntil = now + windowMs;
    this.clients.set(client, entry);
  }

  /** Clients tracked (for tests of the memory bound). */
  get size(): number {
    return this.clients.size;
  }
}
