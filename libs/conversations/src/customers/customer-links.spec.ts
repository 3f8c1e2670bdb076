import { deciderSpecification } from '@team-inbox/core/testing/decider-specification';
import { InMemoryEventStore, collect } from '@team-inbox/event-store';
import { randomUUID } from 'node:crypto';
import {
  CustomerLinks,
  customerLinksDecider,
  customerStreamId,
  type CustomerConversationLinked,
  type CustomerReference,
} from './customer-links';

const customer: CustomerReference = { integrationId: 'shop-a', id: 'c-7', email: 'ada@example.com' };
const linked = (conversationId: string): CustomerConversationLinked => ({
  type: 'CustomerConversationLinked',
  data: { conversationId, integrationId: 'shop-a', customerId: 'c-7', email: 'ada@example.com' },
});
const link = (conversationId: string, onlyWhereNone = false) => ({
  type: 'LinkConversation' as const,
  conversationId,
  customer,
  onlyWhereNone,
});

describe('customer links decider', () => {
  const given = deciderSpecification(customerLinksDecider);

  it('links a conversation to a customer who has none', () =>
    given([])
      .when(link('conv-1'))
      .then([linked('conv-1')]));

  it('makes a conversation the most recent, after another', () =>
    given([linked('conv-1')])
      .when(link('conv-2'))
      .then([linked('conv-2')]));

  it('links again a conversation linked before another (it becomes the most recent again)', () =>
    given([linked('conv-1'), linked('conv-2')])
      .when(link('conv-1'))
      .then([linked('conv-1')]));

  it('appends nothing where the conversation is the most recent already (a retry)', () =>
    given([linked('conv-1')])
      .when(link('conv-1'))
      .thenNothingHappened());

  it('appends nothing where only a first link is wanted and one is there', () =>
    given([linked('conv-1')])
      .when(link('conv-2', true))
      .thenNothingHappened());

  it('links where only a first link is wanted and none is there', () =>
    given([])
      .when(link('conv-2', true))
      .then([linked('conv-2')]));
});

describe('CustomerLinks', () => {
  let store: InMemoryEventStore;
  let links: CustomerLinks;
  const context = () => ({
    actor: { type: 'integration' as const, id: 'shop-a' },
    occurredAt: new Date(),
    correlationId: randomUUID(),
  });

  beforeEach(() => {
    store = new InMemoryEventStore();
    links = new CustomerLinks(store);
  });
  afterEach(() => store.close());

  it('links every one of many conversations linked to one customer at once, none refused', async () => {
    const conversations = Array.from({ length: 40 }, () => randomUUID());
    await Promise.all(conversations.map((conversationId) => links.link(conversationId, customer, context())));
    const stream = customerStreamId('shop-a', 'c-7');
    const linkedIds = (await collect(store.readStream<CustomerConversationLinked>(stream))).map(
      (event) => event.data.conversationId,
    );
    expect(new Set(linkedIds)).toEqual(new Set(conversations));
  });
});
