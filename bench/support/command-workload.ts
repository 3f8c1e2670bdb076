/**
 * The command workload the peer comparison runs on each side: for every conversation, start, assign,
 * reassign, reply, close and reopen, one after another; `inFlight` conversations at a time. Each side
 * supplies `run(conversation, step)`; this measures commands per second and counts errors by message.
 */
import { randomUUID } from 'node:crypto';
import type { ConversationCommand } from '../../libs/conversations/src/domain/conversation.decider';

export const STEPS = ['start', 'assign', 'reassign', 'reply', 'close', 'reopen'] as const;
export type Step = (typeof STEPS)[number];

export interface WorkloadResult {
  commands: number;
  seconds: number;
  commandsPerSecond: number;
  errors: Record<string, number>;
}

export async function runCommandWorkload(
  options: { conversations: number; inFlight: number },
  run: (conversation: number, step: Step) => Promise<void>,
): Promise<WorkloadResult> {
  let next = 0;
  let commands = 0;
  const errors: Record<string, number> = {};
  const started = performance.now();
  await Promise.all(
    Array.from({ length: options.inFlight }, async () => {
      for (let conversation = next++; conversation < options.conversations; conversation = next++) {
        for (const step of STEPS) {
          try {
            await run(conversation, step);
            commands++;
          } catch (error) {
            const message = (error instanceof Error ? error.message : String(error)).slice(0, 80);
            errors[message] = (errors[message] ?? 0) + 1;
            break; // the rest of this conversation's story depends on this step
          }
        }
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return { commands, seconds, commandsPerSecond: commands / seconds, errors };
}

const ALICE = '00000000-0000-4000-8000-00000000a11c';
export const BOB = '00000000-0000-4000-8000-000000000b0b';

/** The same command for a step on every side, so that both write the same events. */
export function commandForStep(conversationId: string, step: Step): ConversationCommand {
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
