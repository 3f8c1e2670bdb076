import type { Position } from '@team-inbox/event-store';

/** Callers waiting for a subscriber (projector, process manager) to reach a log position. */
export class PositionWaiters {
  private readonly waiting = new Set<{ position: Position; resolve: () => void }>();

  /** Resolves true once `reached(position)` holds after a `notify`, false after `timeoutMs`. */
  waitFor(position: Position, timeoutMs: number, reached: (position: Position) => boolean): Promise<boolean> {
    if (reached(position)) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      const waiter = {
        position,
        resolve: () => {
          clearTimeout(timer);
          this.waiting.delete(waiter);
          resolve(reached(position));
        },
      };
      const timer = setTimeout(waiter.resolve, timeoutMs);
      this.waiting.add(waiter);
    });
  }

  /** Wakes those waiting for `position` or earlier. */
  notify(position: Position): void {
    for (const waiter of [...this.waiting]) if (waiter.position <= position) waiter.resolve();
  }

  releaseAll(): void {
    for (const waiter of [...this.waiting]) waiter.resolve();
  }
}
