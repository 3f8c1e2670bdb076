import type { RecordedEvent } from '../event-store';
import type { CommandContext } from '../event-metadata';
import { IDEMPOTENCY_WINDOW_MS } from '../event-metadata';

/**
 * How a retried command is recognised in its stream. The one story (README, "Retries"): a request with an
 * `Idempotency-Key` is answered again from its record where one was written (the platform's
 * Idempotency-Key records); where its process stopped after appending but before recording, its events
 * are in the stream, carrying the key and actor in their metadata, and this policy finds them: the
 * command is answered as of those events and decides nothing again. Events a retry appends carry ids
 * derived from the key, so the store takes a repeated append as the same one (`EventStore.append`).
 */
export interface IdempotencyPolicy {
  /**
   * The index of the last event an earlier execution of this command appended to `events` (the whole
   * stream), or undefined where none did.
   */
  findEarlierExecution(events: readonly RecordedEvent[], context: CommandContext): number | undefined;
}

/** The events an actor appended under an `Idempotency-Key`, within the key's 24 hours of the command's time. */
export const SAME_KEY_AND_ACTOR: IdempotencyPolicy = {
  findEarlierExecution(events, context) {
    if (!context.idempotencyKey) return undefined;
    const windowStart = new Date(context.occurredAt.getTime() - IDEMPOTENCY_WINDOW_MS).toISOString();
    let last: number | undefined;
    events.forEach((event, index) => {
      const { idempotencyKey, actor, occurredAt } = event.metadata as {
        idempotencyKey?: unknown;
        actor?: { id?: unknown };
        occurredAt?: unknown;
      };
      const sameRequest = idempotencyKey === context.idempotencyKey && actor?.id === context.actor.id;
      if (sameRequest && typeof occurredAt === 'string' && occurredAt >= windowStart) last = index;
    });
    return last;
  },
};
