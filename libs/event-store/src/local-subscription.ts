/**
 * Catch-up subscriptions for stores whose log this process reads synchronously (SQLite, in-memory).
 *
 * No gap, no duplicate: each turn reads the page after the last delivered position; only when a read comes
 * back empty does the subscription wait, and it registers for the wake-up in the same synchronous step as
 * that read, so no commit can slip between the two. Events appended while a page is being delivered are
 * found by the next read.
 */
import type { AllSubscription, Position, RecordedEvent, SubscribeToAllOptions } from './event-store';

/** Wakes the subscriptions waiting for new events. */
export class AppendSignal {
  private readonly waiters = new Set<() => void>();

  /** Resolves on the next `notify()`, or after `timeoutMs` when given (to notice other processes' appends). */
  wait(timeoutMs: number | undefined, exposeWake: (wake: () => void) => void): Promise<void> {
    return new Promise<void>((resolve) => {
      const wake = (): void => {
        if (timer) clearTimeout(timer);
        this.waiters.delete(wake);
        resolve();
      };
      const timer = timeoutMs === undefined ? undefined : setTimeout(wake, timeoutMs);
      this.waiters.add(wake);
      exposeWake(wake);
    });
  }

  notify(): void {
    for (const wake of [...this.waiters]) wake();
  }
}

export interface LocalLog {
  /** The events after `position`, at most `limit`, in order. Must be synchronous. */
  readPageAfter(position: Position, limit: number): RecordedEvent[];
  isClosed(): boolean;
}

export interface LocalSubscriptionSettings {
  pageSize: number;
  /** Undefined where every append comes through this process and wakes the signal. */
  pollIntervalMs?: number;
}

/** Tracks open subscriptions so that closing the store ends them. */
export class LocalSubscriptions {
  private readonly open = new Set<AllSubscription>();
  readonly signal = new AppendSignal();

  constructor(
    private readonly log: LocalLog,
    private readonly settings: LocalSubscriptionSettings,
  ) {}

  subscribe(options: SubscribeToAllOptions): AllSubscription {
    const { log, settings, signal, open } = this;
    let closed = false;
    let wakeUp: (() => void) | undefined;

    const subscription: AllSubscription = {
      async *[Symbol.asyncIterator]() {
        let after = options.fromPosition ?? 0n;
        try {
          while (!closed && !log.isClosed()) {
            const page = log.readPageAfter(after, settings.pageSize);
            if (page.length === 0) {
              await signal.wait(settings.pollIntervalMs, (wake) => (wakeUp = wake));
              continue;
            }
            for (const event of page) {
              if (closed) return;
              after = event.position;
              yield event;
            }
            // A full page means a catch-up: give the event loop a turn between pages, so that a server
            // catching up with a long log answers requests meanwhile, and a subscriber may commit its batch.
            if (page.length === settings.pageSize) await new Promise((resolve) => setImmediate(resolve));
          }
        } finally {
          open.delete(subscription);
        }
      },
      close: async () => {
        closed = true;
        open.delete(subscription);
        wakeUp?.();
      },
    };
    open.add(subscription);
    return subscription;
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.open].map((subscription) => subscription.close()));
    this.signal.notify();
  }
}
