import { InMemoryEventStore, collect, type ReadStreamOptions } from '@team-inbox/event-store';
import { pick, seededRandom } from '@team-inbox/core/testing/seeded-random';
import { randomUUID } from 'node:crypto';
import { ConversationCommandCore } from './conversation-command-core';
import type { ConversationCommand } from '../domain/conversation.decider';
import { conversationStreamId } from '../domain/conversation.events';
import { conversationDetails, summaryOf } from '../domain/conversation.view';

type Command = ConversationCommand;

const context = () => ({
  actor: { type: 'member' as const, id: 'alice' },
  occurredAt: new Date(),
  correlationId: randomUUID(),
});

describe('ConversationCommandCore', () => {
  let store: InMemoryEventStore;
  let reads: (bigint | undefined)[];
  let handler: ConversationCommandCore;
  /** Another process on the same log: this handler did not see what it writes. */
  let otherProcess: ConversationCommandCore;
  let conversationId: string;
  const run = (command: Command, expectedRevision?: bigint) =>
    handler.execute(command, context(), { expectedRevision });
  const elsewhere = (command: Command) => otherProcess.execute(command, context());

  beforeEach(async () => {
    store = new InMemoryEventStore();
    reads = [];
    const readStream = store.readStream.bind(store);
    store.readStream = (streamId: string, options?: ReadStreamOptions) => {
      reads.push(options?.fromRevision);
      return readStream(streamId, options);
    };
    handler = new ConversationCommandCore(store);
    otherProcess = new ConversationCommandCore(store);
    conversationId = randomUUID();
    await run({
      type: 'StartConversation',
      conversationId,
      customer: { id: 'c1', name: 'Ada', email: null },
      subject: 'Hello',
      messageId: randomUUID(),
      body: 'Hi',
    });
    await run({ type: 'AssignConversation', conversationId, assigneeId: 'alice' });
  });
  afterEach(() => store.close());

  it('appends on the events it remembers, without reading the stream again', async () => {
    await run({ type: 'CloseConversation', conversationId });
    const result = await run({ type: 'ReopenConversation', conversationId });

    expect(result.conversation).toMatchObject({ status: 'open', assigneeId: 'alice', revision: 4 });
    // Only the start read the stream (it did not exist yet).
    expect(reads).toEqual([0n]);
  });

  it('decides again on what another process appended when its append at the old revision is refused', async () => {
    await elsewhere({ type: 'AssignConversation', conversationId, assigneeId: 'bob' });
    const result = await run({ type: 'CloseConversation', conversationId });

    expect(result.appendedTypes).toEqual(['ConversationClosed']);
    expect(result.conversation).toMatchObject({ status: 'closed', assigneeId: 'bob', revision: 4 });
  });

  it('says there is nothing to do only on what it has read, not on what it remembers', async () => {
    await run({ type: 'CloseConversation', conversationId });
    await elsewhere({ type: 'ReopenConversation', conversationId });
    // Remembered closed, but reopened elsewhere: closing it is not a no-op.
    const result = await run({ type: 'CloseConversation', conversationId });

    expect(result.appendedTypes).toEqual(['ConversationClosed']);
    expect(result.conversation).toMatchObject({ status: 'closed', revision: 5 });
  });

  it('checks If-Match against what it has read, not against what it remembers', async () => {
    await elsewhere({ type: 'CloseConversation', conversationId });
    // The client saw revision 3 (the close, elsewhere); this handler remembers revision 2.
    const result = await run({ type: 'ReopenConversation', conversationId }, 3n);

    expect(result.appendedTypes).toEqual(['ConversationReopened']);
    expect(result.conversation).toMatchObject({ status: 'open', revision: 4 });
  });

  it('answers with the summary a fold of the whole stream gives, command after command, whoever appended', async () => {
    const random = seededRandom(7);
    const commands: ((id: string) => Command)[] = [
      (id) => ({ type: 'AssignConversation', conversationId: id, assigneeId: pick(random, ['alice', 'bob']) }),
      (id) => ({ type: 'UnassignConversation', conversationId: id }),
      (id) => ({ type: 'CloseConversation', conversationId: id }),
      (id) => ({ type: 'ReopenConversation', conversationId: id }),
      (id) => ({ type: 'PostCustomerMessage', conversationId: id, messageId: randomUUID(), body: `m ${random()}` }),
      (id) => ({
        type: 'ReplyToConversation',
        conversationId: id,
        memberId: 'alice',
        messageId: randomUUID(),
        body: 'r',
      }),
    ];
    for (let step = 0; step < 200; step++) {
      const command = pick(random, commands)(conversationId);
      const result = random() < 0.3 ? await elsewhere(command) : await run(command);
      const everything = await collect(store.readStream(conversationStreamId(conversationId)));
      expect(result.conversation).toEqual(summaryOf(conversationDetails(everything)!));
    }
  });

  it('answers a retried command (same idempotency key and actor) from its first execution, appending nothing', async () => {
    const keyed = { ...context(), idempotencyKey: 'close-once' };
    const first = await handler.execute({ type: 'CloseConversation', conversationId }, keyed);
    await elsewhere({ type: 'ReopenConversation', conversationId });
    const retried = await handler.execute(
      { type: 'CloseConversation', conversationId },
      { ...keyed, occurredAt: new Date() },
    );

    expect(first.appendedTypes).toEqual(['ConversationClosed']);
    // As of the first execution: closed, at its revision, though it was reopened since.
    expect(retried).toMatchObject({ appendedTypes: [], conversation: { status: 'closed', revision: 3 } });
    expect(retried.position).toBe(first.position);
  });
});
