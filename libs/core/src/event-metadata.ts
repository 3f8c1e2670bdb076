import type { JsonObject } from './event-store';
import type { Actor } from './actor';

/** Bumped when an event's data changes shape, so an old event can be upcast when read. */
export const EVENT_SCHEMA_VERSION = 1;

/** Why and how a command came: carried from the request into every event it appends. */
export interface CommandContext {
  actor: Actor;
  /** When the command was received: the decider has no clock, this is its time. */
  occurredAt: Date;
  correlationId: string;
  /** The event or request that caused this command, where there is one. */
  causationId?: string;
  idempotencyKey?: string;
}

export interface EventMetadata extends JsonObject {
  actor: { type: Actor['type']; id: string };
  occurredAt: string;
  correlationId: string;
  causationId: string | null;
  idempotencyKey: string | null;
  schemaVersion: number;
}

export function eventMetadata(context: CommandContext): EventMetadata {
  return {
    actor: { type: context.actor.type, id: context.actor.id },
    occurredAt: context.occurredAt.toISOString(),
    correlationId: context.correlationId,
    causationId: context.causationId ?? null,
    idempotencyKey: context.idempotencyKey ?? null,
    schemaVersion: EVENT_SCHEMA_VERSION,
  };
}

/** Reads metadata written by `eventMetadata`, tolerating events written before a field existed. */
export function readEventMetadata(metadata: JsonObject, fallbackTime: Date): { actor: Actor; occurredAt: string } {
  const actor = metadata.actor as { type?: unknown; id?: unknown } | undefined;
  return {
    actor:
      actor && typeof actor.type === 'string' && typeof actor.id === 'string'
        ? { type: actor.type as Actor['type'], id: actor.id }
        : { type: 'system', id: 'unknown' },
    occurredAt: typeof metadata.occurredAt === 'string' ? metadata.occurredAt : fallbackTime.toISOString(),
  };
}

/** API.md: an Idempotency-Key holds for 24 hours. */
export const IDEMPOTENCY_WINDOW_MS = 24 * 60 * 60 * 1000;
