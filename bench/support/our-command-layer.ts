/**
 * This project's side of the peer comparison: the command layer itself (decider, command handler, event
 * store with group commit), in-process, without HTTP or Nest's buses: what a command costs here.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { CommandContext } from '../../libs/core/src';
import { ConversationCommandCore } from '../../libs/conversations/src/commands/conversation-command-core';
import { SqliteEventStore } from '../../libs/event-store/src/sqlite/sqlite-event-store';
import { BOB, commandForStep, runCommandWorkload, type WorkloadResult } from './command-workload';

export async function runOurCommandLayer(
  dir: string,
  options: { conversations: number; inFlight: number },
): Promise<WorkloadResult> {
  const store = new SqliteEventStore({ filename: join(dir, 'events.sqlite') });
  const conversations = new ConversationCommandCore(store);
  const ids = Array.from({ length: options.conversations }, () => randomUUID());
  // Open before the clock starts, as Emmett's connection is: a first append starts the store's writer thread.
  await store.append('bench-warm-up', [{ id: randomUUID(), type: 'WarmedUp', data: {} }], { expectedRevision: 'any' });
  try {
    return await runCommandWorkload(options, async (conversation, step) => {
      const context: CommandContext = {
        actor: { type: step === 'start' ? 'integration' : 'member', id: step === 'start' ? 'chat' : BOB },
        occurredAt: new Date(),
        correlationId: randomUUID(),
      };
      await conversations.execute(commandForStep(ids[conversation], step), context);
    });
  } finally {
    await store.close();
  }
}
