import { deciderSpecification } from '@team-inbox/core/testing/decider-specification';
import { receiptDecider, type StoreEventReceived } from './record-store-event.command';

const received = (conversationId: string | null): StoreEventReceived => ({
  type: 'StoreEventReceived',
  data: {
    integrationId: 'shop-a',
    storeEventId: 'order-1002',
    type: 'order.created',
    summary: 'Order #1002',
    requiresAction: true,
    customer: { id: 'c-7', email: 'ada@example.com', name: 'Ada' },
    conversationId,
    startIfMissing: false,
  },
});

describe("a store event's receipt", () => {
  const given = deciderSpecification(receiptDecider);

  it('is recorded for an event not received before', () =>
    given([])
      .when(received('conv-1'))
      .then([received('conv-1')]));

  it('is not recorded again: the first receipt counts, whatever a later copy found', () =>
    given([received('conv-1')])
      .when(received('conv-2'))
      .thenNothingHappened());

  it('keeps the first receipt as what a duplicate answers from', () => {
    const first = received('conv-1');
    const state = [first, received('conv-2')].reduce(receiptDecider.evolve, receiptDecider.initialState);
    expect(state).toBe(first);
  });
});
