/**
 * This project's side of the peer comparison: the command layer itself (decider, command handler, event
 * store with group commit), in-process, without HTTP or Nest's buses: what a command costs here.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { CommandContext } from '../../libs/core/src';
import { ExecuteConversationCommand } from '../../libs/conversations/src/conversation-command';
import type { ConversationCommand } from '../../libs/conversations/src/domain/conversation.decider';
import { ExecuteConversationCommandHandler } from '../../libs/conversations/src/execute-conversation-command.handler';
import { SqliteEventStore } from '../../libs/event-store/src/sqlite/sqlite-event-store';
import { runCommandWorkload, type Step, type WorkloadResult } from './command-workload';

const ALICE = '00000000-0000-4000-8000-00000000a11c';
const BOB = '00000000-0000-4000-8000-000000000b0b';

export async function runOurCommandLayer(
  dir: string,
  options: { conversations: number; inFlight: number },
): Promise<WorkloadResult> {
  const store = new SqliteEventStore({ filename: join(dir, 'events.sqlite') });
  const handler = new ExecuteConversationCommandHandler(store);
  const ids = Array.from({ length: options.conversations }, () => randomUUID());
  try {
    return await runCommandWorkload(options, async (conversation, step) => {
      const context: CommandContext = {
        actor: { type: step === 'start' ? 'integration' : 'member', id: step === 'start' ? 'chat' : BOB },
        occurredAt: new Date(),
        correlationId: randomUUID(),
      };
      await handler.execute(new ExecuteConversationCommand(commandFor(ids[conversation], step), context));
    });
  } finally {
    await store.close();
  }
}

function commandFor(conversationId: string, step: Step): ConversationCommand {
  switch (step) {
    case 'start':
      return {
        type: 'StartConversation',
        conversationId,
        customer: { id: `customer-${conversationId}`, name: 'Ada', email: 'ada@example.com' },
        subject: 'Where is my order?',
        messageId: randomUUID(),
        body: 'Hello, I ordered a week ago and nothing has arrived yet.',
      };
    case 'assign':
      return { type: 'AssignConversation', conversationId, assigneeId: ALICE };
    case 'reassign':
      return { type: 'AssignConversation', conversationId, assigneeId: BOB };
    case 'reply':
      return {
        type: 'ReplyToConversation',
        conversationId,
        memberId: BOB,
        messageId: randomUUID(),
        body: 'Sorry about that! I am checking with the carrier now.',
      };
    case 'close':
      return { type: 'CloseConversation', conversationId };
    case 'reopen':
      return { type: 'ReopenConversation', conversationId };
  }
}
