import { randomUUID } from 'node:crypto';
import type { EventStore } from '../event-store';

/**
 * 20 commits of 50 events, about 300 KB of WAL: far below the fallback autocheckpoint, so only a
 * checkpointer thread moves these pages into the database file.
 */
export async function appendWalPadding(store: EventStore): Promise<void> {
  for (let i = 0; i < 20; i++) {
    const events = Array.from({ length: 50 }, () => ({
      id: randomUUID(),
      type: 'Padding',
      data: { text: 'x'.repeat(200) },
    }));
    await store.append(`padding-${i}`, events, { expectedRevision: 'no_stream' });
  }
}
