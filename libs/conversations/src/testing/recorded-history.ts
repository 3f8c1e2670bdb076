/**
 * Conversation events as the log records them, for the projections' specs: one step a conversation's event,
 * each given its stream's next revision, the next position and a minute of its own.
 */
import type { JsonObject, RecordedEvent } from '@team-inbox/event-store';
import { InMemoryEventStore } from '@team-inbox/event-store/in-memory/in-memory-event-store';
import { conversationStreamId } from '../domain/conversation.events';

export interface HistoryStep {
  conversationId: string;
  type: string;
  data: JsonObject;
}

export function recordedHistory(
  steps: readonly HistoryStep[],
  actor: { type: string; id: string } = { type: 'system', id: 'test' },
): RecordedEvent[] {
  const revisions = new Map<string, bigint>();
  return steps.map(({ conversationId, type, data }, index) => {
    const streamId = conversationStreamId(conversationId);
    const revision = (revisions.get(streamId) ?? -1n) + 1n;
    revisions.set(streamId, revision);
    const occurredAt = new Date(Date.UTC(2026, 11, 1, 9, index)).toISOString();
    return {
      id: `event-${index}`,
      streamId,
      type,
      revision,
      position: BigInt(index + 1),
      data,
      metadata: { occurredAt, actor },
      recordedAt: new Date(occurredAt),
    };
  });
}

/** An in-memory store holding the events, appended in their order: what a replay reads. */
export async function storeHolding(events: readonly RecordedEvent[]): Promise<InMemoryEventStore> {
  const store = new InMemoryEventStore();
  for (const event of events) {
    await store.append(
      event.streamId,
      [{ id: event.id, type: event.type, data: event.data, metadata: event.metadata }],
      { expectedRevision: event.revision === 0n ? 'no_stream' : event.revision - 1n },
    );
  }
  return store;
}
