import type { EventStore, Position } from '@team-inbox/event-store';

/**
 * How far the read models trail the log, in time: how long ago the first event after `checkpoint` was
 * recorded (0 where there is none). A quiet log with caught-up views is 0 however long ago its last write was.
 */
export async function readModelLagMs(eventStore: EventStore, checkpoint: Position, nowMs: number): Promise<number> {
  for await (const firstUnseen of eventStore.readAll({ fromPosition: checkpoint, limit: 1 })) {
    return Math.max(0, nowMs - firstUnseen.recordedAt.getTime());
  }
  return 0;
}
