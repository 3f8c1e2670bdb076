import { laneOf, planSends, type Head } from './send-plan';

const head = (id: string, conversationId: string, fields: Partial<Head> = {}): Head => ({
  id,
  webhookId: 'webhook-1',
  conversationId,
  nextAttemptAt: 1_000,
  leasedUntil: null,
  ...fields,
});

describe('planning which deliveries to send', () => {
  const now = 5_000;

  it('sends every due head, in the order given, up to the free slots', () => {
    const heads = [head('a', 'c1'), head('b', 'c2'), head('c', 'c3')];
    expect(planSends(heads, new Set(), 2, now).send.map((h) => h.id)).toEqual(['a', 'b']);
    expect(planSends(heads, new Set(), 8, now)).toEqual({ send: heads, wakeAt: undefined });
  });

  it('holds back a head whose lane has an attempt in flight: one delivery per conversation at a time', () => {
    const heads = [head('a', 'c1'), head('b', 'c2')];
    const busy = new Set([laneOf(heads[0])]);
    expect(planSends(heads, busy, 8, now).send.map((h) => h.id)).toEqual(['b']);
  });

  it('treats the same conversation under another webhook as another lane', () => {
    const heads = [head('a', 'c1'), head('b', 'c1', { webhookId: 'webhook-2' })];
    expect(planSends(heads, new Set([laneOf(heads[0])]), 8, now).send.map((h) => h.id)).toEqual(['b']);
  });

  it('waits for a retry that is not due yet, and says when to wake', () => {
    const heads = [
      head('a', 'c1'),
      head('b', 'c2', { nextAttemptAt: 7_000 }),
      head('c', 'c3', { nextAttemptAt: 6_000 }),
    ];
    expect(planSends(heads, new Set(), 8, now)).toEqual({ send: [heads[0]], wakeAt: 6_000 });
  });

  it('leaves a head that another sender holds until its lease ends', () => {
    const heads = [head('a', 'c1', { leasedUntil: 9_000 }), head('b', 'c2', { leasedUntil: 4_000 })];
    expect(planSends(heads, new Set(), 8, now)).toEqual({ send: [heads[1]], wakeAt: 9_000 });
  });
});
