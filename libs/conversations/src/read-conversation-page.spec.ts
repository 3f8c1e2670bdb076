import { eventMetadata } from '@team-inbox/core';
import { InMemoryEventStore, type NewEvent } from '@team-inbox/event-store';
import type { PageWindow } from './domain/conversation.view';
import { readConversationPage } from './read-conversation-page';

const conversationId = 'c0nversation-0000-4000-8000-000000000002';
const customer = { id: 'cust-7', name: 'Grace', email: null };
const author = { type: 'customer', id: customer.id };
const metadata = eventMetadata({
  actor: { type: 'integration', id: 'widget' },
  occurredAt: new Date(Date.UTC(2026, 0, 1)),
  correlationId: 'c',
});
const event = (type: string, data: NewEvent['data'], n: number): NewEvent => ({
  id: `event-${n}`,
  type,
  data,
  metadata,
});

/** A conversation whose nth message has `bodyOf(n)`, an assignment after every third. */
async function conversation(messages: number, bodyOf: (n: number) => string): Promise<InMemoryEventStore> {
  const store = new InMemoryEventStore();
  const events = [event('ConversationStarted', { conversationId, customer, subject: null }, 0)];
  for (let n = 0; n < messages; n++) {
    events.push(event('MessageSent', { conversationId, messageId: `m${n}`, author, body: bodyOf(n) }, events.length));
    if (n % 3 === 2) {
      const data = { conversationId, assigneeId: 'alice', previousAssigneeId: null, reason: 'manual' };
      events.push(event('ConversationAssigned', data, events.length));
    }
  }
  await store.append(`conversation-${conversationId}`, events, { expectedRevision: 'no_stream' });
  return store;
}

/** Every message, walking back from the latest page by its cursor; each page's messages as JSON. */
async function walk(store: InMemoryEventStore, messages: Omit<PageWindow, 'before'>) {
  const ids: string[] = [];
  const pages: string[] = [];
  let before: number | undefined;
  do {
    const page = (await readConversationPage(store, conversationId, {
      messages: { ...messages, before },
      timeline: { limit: 50, maxBytes: 1024 },
    }))!;
    pages.push(JSON.stringify(page.messages));
    ids.unshift(...page.messages.map((message) => message.id));
    before = page.earlierMessagesCursor === null ? undefined : Number(page.earlierMessagesCursor);
  } while (before !== undefined);
  return { ids, pages };
}

const everyMessage = (count: number) => Array.from({ length: count }, (_, n) => `m${n}`);

describe('a page of a conversation, bounded in bytes as well as in entries', () => {
  // Sizes that vary, in characters whose JSON is one byte, two, three or six.
  const bodyOf = (n: number) => ['x', 'é', '€', '\u0001'][n % 4].repeat(1 + ((n * 37) % 300));

  it.each([
    ['short (kept in hand as it is read)', 8],
    ['long (its entries read again)', 120],
  ])(
    'of a %s conversation holds the most recent messages within the budget, every one once when walked',
    async (_, count) => {
      const store = await conversation(count, bodyOf);
      for (const window of [
        { limit: 200, maxBytes: 1500 },
        { limit: 5, maxBytes: 1500 },
        { limit: 50, maxBytes: 1 },
      ]) {
        const { ids, pages } = await walk(store, window);
        expect(ids).toEqual(everyMessage(count));
        for (const page of pages) {
          const entries = JSON.parse(page) as unknown[];
          expect(entries.length).toBeGreaterThanOrEqual(1);
          expect(entries.length).toBeLessThanOrEqual(window.limit);
          // Over the budget only where one message alone is.
          if (entries.length > 1) expect(Buffer.byteLength(page)).toBeLessThanOrEqual(window.maxBytes);
        }
        if (window.maxBytes === 1) expect(pages).toHaveLength(count);
      }
    },
  );

  it('fills the budget: a page lets go only the messages that would pass it', async () => {
    const store = await conversation(120, () => '\u0001'.repeat(100)); // 600 bytes of JSON each, and the rest
    const page = (await readConversationPage(store, conversationId, {
      messages: { limit: 200, maxBytes: 10_000 },
      timeline: { limit: 50 },
    }))!;
    const bytes = Buffer.byteLength(JSON.stringify(page.messages));
    const oneMore = Buffer.byteLength(JSON.stringify(page.messages[0])) + 1;
    expect(bytes).toBeLessThanOrEqual(10_000);
    expect(bytes + oneMore).toBeGreaterThan(10_000);
    expect(page.messages.at(-1)!.id).toBe('m119');
    expect(page.earlierMessagesCursor).toEqual(expect.any(String));
  });

  it('without a budget, is bounded by its count alone', async () => {
    const store = await conversation(120, () => '\u0001'.repeat(1000));
    const page = (await readConversationPage(store, conversationId, {
      messages: { limit: 100 },
      timeline: { limit: 50 },
    }))!;
    expect(page.messages).toHaveLength(100);
    expect(page.timeline).toHaveLength(40);
  });
});
