import { InMemoryEventStore, type ReadStreamOptions } from '@team-inbox/event-store';
import { randomUUID } from 'node:crypto';
import { ExecuteConversationCommand } from './conversation-command';
import { ExecuteConversationCommandHandler } from './execute-conversation-command.handler';

const context = () => ({
  actor: { type: 'member' as const, id: 'alice' },
  occurredAt: new Date(),
  correlationId: randomUUID(),
});

describe('ExecuteConversationCommandHandler', () => {
  it('reads a conversation it has seen from where it left off, and still sees what others appended', async () => {
    const store = new InMemoryEventStore();
    const reads: (bigint | undefined)[] = [];
    const readStream = store.readStream.bind(store);
    store.readStream = (streamId: string, options?: ReadStreamOptions) => {
      reads.push(options?.fromRevision);
      return readStream(streamId, options);
    };
    const handler = new ExecuteConversationCommandHandler(store);
    const conversationId = randomUUID();
    const run = (command: ConstructorParameters<typeof ExecuteConversationCommand>[0]) =>
      handler.execute(new ExecuteConversationCommand(command, context()));

    await run({
      type: 'StartConversation',
      conversationId,
      customer: { id: 'c1', name: 'Ada', email: null },
      subject: 'Hello',
      messageId: randomUUID(),
      body: 'Hi',
    });
    await run({ type: 'AssignConversation', conversationId, assigneeId: 'alice' });
    // Another process closes it: this handler did not write that event.
    const other = new ExecuteConversationCommandHandler(store);
    await other.execute(new ExecuteConversationCommand({ type: 'CloseConversation', conversationId }, context()));
    const result = await run({ type: 'ReopenConversation', conversationId });

    expect(result.appendedTypes).toEqual(['ConversationReopened']);
    expect(result.conversation).toMatchObject({ status: 'open', assigneeId: 'alice', revision: 4 });
    // The first read is from the start; later ones only past what was read before.
    expect(reads.filter((from) => from !== undefined && from > 0n).length).toBeGreaterThan(0);
    await store.close();
  });
});
