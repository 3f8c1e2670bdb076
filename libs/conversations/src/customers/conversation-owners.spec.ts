import { NotFoundError, type Actor } from '@team-inbox/core';
import { InMemoryEventStore, type ReadStreamOptions } from '@team-inbox/event-store';
import { randomUUID } from 'node:crypto';
import { conversationStreamId } from '../domain/conversation.events';
import { ConversationOwners, REMEMBERED_OWNERS } from './conversation-owners';

const shop = (id: string): Actor => ({ type: 'integration', id });

describe('ConversationOwners', () => {
  let store: InMemoryEventStore;
  let reads: string[];
  let owners: ConversationOwners;

  const start = async (integrationId: string): Promise<string> => {
    const conversationId = randomUUID();
    await store.append(
      conversationStreamId(conversationId),
      [
        {
          id: randomUUID(),
          type: 'ConversationStarted',
          data: {
            conversationId,
            integrationId,
            customer: { id: 'c1', name: 'Ada', email: null },
            subject: null,
          },
          metadata: {},
        },
      ],
      { expectedRevision: 'no_stream' },
    );
    return conversationId;
  };

  beforeEach(() => {
    store = new InMemoryEventStore();
    reads = [];
    const readStream = store.readStream.bind(store);
    store.readStream = (streamId: string, options?: ReadStreamOptions) => {
      reads.push(streamId);
      return readStream(streamId, options);
    };
    owners = new ConversationOwners(store);
  });
  afterEach(() => store.close());

  it("reads an integration's own conversation once, then answers from memory", async () => {
    const conversationId = await start('shop-a');

    await owners.assertVisibleTo(shop('shop-a'), conversationId);
    await owners.assertVisibleTo(shop('shop-a'), conversationId);
    await owners.assertVisibleTo(shop('shop-a'), conversationId);

    expect(reads).toEqual([conversationStreamId(conversationId)]);
  });

  it("reads another integration's remembered conversation again before its 404, as one that does not exist", async () => {
    const theirs = await start('shop-a');
    await owners.assertVisibleTo(shop('shop-a'), theirs);
    reads = [];

    await expect(owners.assertVisibleTo(shop('shop-b'), theirs)).rejects.toThrow(NotFoundError);
    await expect(owners.assertVisibleTo(shop('shop-b'), theirs)).rejects.toThrow(`No conversation ${theirs}`);
    const missing = randomUUID();
    await expect(owners.assertVisibleTo(shop('shop-b'), missing)).rejects.toThrow(`No conversation ${missing}`);

    expect(reads).toEqual([theirs, theirs, missing].map(conversationStreamId));
  });

  it('does not remember a conversation that has not started', async () => {
    const conversationId = randomUUID();
    await expect(owners.assertVisibleTo(shop('shop-a'), conversationId)).rejects.toThrow(NotFoundError);
    await expect(owners.assertVisibleTo(shop('shop-a'), conversationId)).rejects.toThrow(NotFoundError);
    expect(reads).toHaveLength(2);
  });

  it('lets members through without a read', async () => {
    await owners.assertVisibleTo({ type: 'member', id: 'alice' }, randomUUID());
    expect(reads).toEqual([]);
  });

  it('remembers a bounded number of owners, the least recently used dropped first', async () => {
    const [first, second, ...others] = await Promise.all(
      Array.from({ length: REMEMBERED_OWNERS + 1 }, () => start('shop-a')),
    );
    await owners.assertVisibleTo(shop('shop-a'), first);
    await owners.assertVisibleTo(shop('shop-a'), second);
    await owners.assertVisibleTo(shop('shop-a'), first); // used again: now the more recent of the two
    for (const other of others) await owners.assertVisibleTo(shop('shop-a'), other); // one more than is kept
    reads = [];

    await owners.assertVisibleTo(shop('shop-a'), first);
    await owners.assertVisibleTo(shop('shop-a'), second);

    expect(reads).toEqual([conversationStreamId(second)]);
  });
});
