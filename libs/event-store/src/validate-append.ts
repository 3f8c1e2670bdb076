import type { AppendOptions, NewEvent } from './event-store';
import { InvalidAppendError } from './errors';

/** The checks every adapter makes before an append reaches its store, so that all refuse the same input. */
export function validateAppend(streamId: string, events: readonly NewEvent[], options?: AppendOptions): void {
  const maxAgeMs = options?.maxAgeMs;
  if (maxAgeMs !== undefined && !(Number.isSafeInteger(maxAgeMs) && maxAgeMs > 0)) {
    throw new InvalidAppendError(
      `A stream's maximum age must be a positive whole number of milliseconds, got ${maxAgeMs}`,
    );
  }
  if (typeof streamId !== 'string' || streamId.length === 0 || streamId.startsWith('$')) {
    throw new InvalidAppendError(`Stream name must be a non-empty string not starting with "$", got "${streamId}"`);
  }
  if (events.length === 0) {
    throw new InvalidAppendError(`An append to "${streamId}" needs at least one event`);
  }
  const ids = new Set<string>();
  for (const event of events) {
    if (typeof event.id !== 'string' || event.id.length === 0) {
      throw new InvalidAppendError(`Every event appended to "${streamId}" needs a non-empty id`);
    }
    if (ids.has(event.id)) {
      throw new InvalidAppendError(`Event id ${event.id} appears twice in one append to "${streamId}"`);
    }
    ids.add(event.id);
    if (typeof event.type !== 'string' || event.type.length === 0 || event.type.startsWith('$')) {
      throw new InvalidAppendError(`Event ${event.id} needs a type that does not start with "$"`);
    }
  }
}
