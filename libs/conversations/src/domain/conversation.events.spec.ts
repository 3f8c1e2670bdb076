import type { JsonObject } from '@team-inbox/event-store';
import { conversationOwner } from './conversation.events';

describe("a conversation's owner", () => {
  const started = (data: Record<string, unknown>, actor: { type: string; id: string } | null) => ({
    data: { conversationId: 'c1', customer: { id: 'x', name: null, email: null }, subject: null, ...data },
    metadata: (actor ? { actor } : {}) as JsonObject,
    recordedAt: new Date(0),
  });

  it('is the integration ConversationStarted names', () =>
    expect(conversationOwner(started({ integrationId: 'shop-a' }, { type: 'integration', id: 'shop-b' }))).toBe(
      'shop-a',
    ));

  it('was, before that was recorded, the integration that started it', () =>
    expect(conversationOwner(started({}, { type: 'integration', id: 'shop-a' }))).toBe('shop-a'));

  it('is no one where no integration is named: members only', () => {
    expect(conversationOwner(started({}, { type: 'system', id: 'generator' }))).toBeNull();
    expect(conversationOwner(started({}, null))).toBeNull();
  });
});
