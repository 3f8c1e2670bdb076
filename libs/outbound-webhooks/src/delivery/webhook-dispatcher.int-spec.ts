import { ProcessManagers } from '@team-inbox/projections';
import { InMemoryEventStore, type NewEvent } from '@team-inbox/event-store';
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import type { OutboundWebhooksConfig } from '../outbound-webhooks.config';
import { Outbox } from './outbox';
import { WebhookDispatcher, deliveryIdFor } from './webhook-dispatcher';
import type { WebhookSender } from './webhook-sender';

const config: OutboundWebhooksConfig = {
  enabled: true,
  firstRetryDelayMs: 50,
  maxRetryDelayMs: 200,
  maxAttempts: 3,
  timeoutMs: 1000,
};
const metadata = { actor: { type: 'member', id: 'alice' }, occurredAt: '2030-01-01T00:00:00.000Z' };

describe('the webhook dispatcher', () => {
  let store: InMemoryEventStore;
  let outbox: Outbox;
  let wakes: number;
  let dispatcher: WebhookDispatcher;

  const start = (options: Partial<OutboundWebhooksConfig> = {}) => {
    const sender = { wake: () => wakes++ } as unknown as WebhookSender;
    dispatcher = new WebhookDispatcher(store, outbox, sender, { ...config, ...options }, new ProcessManagers());
    dispatcher.start();
  };
  const append = async (streamId: string, event: Omit<NewEvent, 'id'>) =>
    (await store.append(streamId, [{ id: randomUUID(), metadata, ...event }], { expectedRevision: 'any' })).position;
  const registerWebhook = (webhookId: string, eventTypes: string[]) =>
    append(`webhook-${webhookId}`, {
      type: 'WebhookRegistered',
      data: { webhookId, url: 'http://127.0.0.1/hook', eventTypes, description: null, sealedSecret: 'v1.x' },
    });
  const closeConversation = (conversationId: string) =>
    append(`conversation-${conversationId}`, { type: 'ConversationClosed', data: { conversationId } });
  const reached = async (position: bigint) => expect(await dispatcher.waitFor(position, 2000)).toBe(true);

  beforeEach(() => {
    store = new InMemoryEventStore();
    outbox = new Outbox(new Database(':memory:'));
    wakes = 0;
  });
  afterEach(async () => {
    await dispatcher.stop();
    outbox.close();
  });

  it('queues a delivery for each subscribed webhook, only for events after its registration, and wakes the sender', async () => {
    start();
    await closeConversation('c0');
    await registerWebhook('w1', ['conversation.closed']);
    await registerWebhook('w2', ['conversation.reopened']);
    const position = await closeConversation('c1');
    await reached(position);

    const [delivery] = outbox.deliveries('w1', { limit: 10 });
    expect(outbox.deliveries('w1', { limit: 10 })).toHaveLength(1);
    expect(outbox.deliveries('w2', { limit: 10 })).toHaveLength(0);
    expect(delivery).toMatchObject({ conversationId: 'c1', eventType: 'conversation.closed', status: 'pending' });
    expect(delivery.id).toBe(deliveryIdFor('w1', delivery.eventId));
    expect(JSON.parse(delivery.body)).toEqual({
      id: delivery.id,
      type: 'conversation.closed',
      occurredAt: metadata.occurredAt,
      position: position.toString(),
      conversationId: 'c1',
      actor: metadata.actor,
      data: { conversationId: 'c1' },
    });
    expect(wakes).toBe(1);
  });

  it('resumes from its checkpoint, and handling an event again queues nothing twice', async () => {
    start();
    await registerWebhook('w1', ['conversation.closed']);
    await reached(await closeConversation('c1'));
    await dispatcher.stop();
    outbox.saveCheckpoint('outbound-webhooks', 0n); // as if the checkpoint had been lost
    start();
    await reached(await closeConversation('c2'));
    expect(outbox.deliveries('w1', { limit: 10 }).map((row) => row.conversationId)).toEqual(['c2', 'c1']);
  });

  it('queues nothing more for a removed webhook', async () => {
    start();
    await registerWebhook('w1', ['conversation.closed']);
    await append('webhook-w1', { type: 'WebhookRemoved', data: { webhookId: 'w1' } });
    await reached(await closeConversation('c1'));
    expect(outbox.deliveries('w1', { limit: 10 })).toHaveLength(0);
    expect(outbox.webhook('w1')?.removed).toBe(true);
  });

  it('keeps the webhooks but queues no deliveries where this instance does not send', async () => {
    start({ enabled: false });
    await registerWebhook('w1', ['conversation.closed']);
    await reached(await closeConversation('c1'));
    expect(outbox.activeWebhooks().map((webhook) => webhook.id)).toEqual(['w1']);
    expect(outbox.deliveries('w1', { limit: 10 })).toHaveLength(0);
  });
});
