import { createHash, randomUUID } from 'node:crypto';

/**
 * A UUID (version 5 layout) derived from its inputs: the same inputs always give the same id. Used where a
 * retry must write the very events it wrote before, so the event store recognises the retry.
 */
export function deterministicUuid(...parts: string[]): string {
  const hash = createHash('sha1').update(parts.join('\u0000')).digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * The id of something a command creates: derived from the idempotency key where the request has one (a
 * retry names the same thing), random otherwise.
 */
export function idFor(kind: string, context: { actor: { type: string; id: string }; idempotencyKey?: string }): string {
  return context.idempotencyKey
    ? deterministicUuid(kind, context.actor.type, context.actor.id, context.idempotencyKey)
    : randomUUID();
}
