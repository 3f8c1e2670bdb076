import { ConflictError, NotFoundError, type CommandContext } from '@team-inbox/core';
import { InMemoryEventStore, collect } from '@team-inbox/event-store';
import { SecretBox } from '@team-inbox/platform';
import { randomBytes, randomUUID } from 'node:crypto';
import { webhookStreamId } from './domain/webhook.events';
import {
  RegisterWebhookCommand,
  RegisterWebhookHandler,
  RemoveWebhookCommand,
  RemoveWebhookHandler,
} from './webhook.commands';

const admin = (idempotencyKey?: string): CommandContext => ({
  actor: { type: 'admin', id: 'bootstrap-admin' },
  occurredAt: new Date(),
  correlationId: randomUUID(),
  idempotencyKey,
});

describe('webhook commands', () => {
  let store: InMemoryEventStore;
  let secretBox: SecretBox;
  let register: RegisterWebhookHandler;
  let remove: RemoveWebhookHandler;
  const registration = (context: CommandContext) =>
    new RegisterWebhookCommand('https://crm.example.com/hook', ['conversation.closed'], null, context);

  beforeEach(() => {
    store = new InMemoryEventStore();
    secretBox = new SecretBox(randomBytes(32));
    register = new RegisterWebhookHandler(store, secretBox);
    remove = new RemoveWebhookHandler(store);
  });

  it('records the webhook with its secret sealed, and hands the secret back in plain text', async () => {
    const { webhook, secret } = await register.execute(registration(admin()));
    const [registered] = await collect(store.readStream(webhookStreamId(webhook.id)));
    expect(registered.type).toBe('WebhookRegistered');
    const data = registered.data as { sealedSecret: string; url: string };
    expect(JSON.stringify([registered.data, registered.metadata])).not.toContain(secret);
    expect(secretBox.open(data.sealedSecret)).toBe(secret);
    expect(data.url).toBe('https://crm.example.com/hook');
  });

  it('derives the id from the idempotency key, and will not show a second secret for it', async () => {
    const first = await register.execute(registration(admin('key-1')));
    await expect(register.execute(registration(admin('key-1')))).rejects.toThrow(ConflictError);
    expect(await collect(store.readStream(webhookStreamId(first.webhook.id)))).toHaveLength(1);
  });

  it('removes a webhook once: then, and for an unknown one, 404', async () => {
    const { webhook } = await register.execute(registration(admin()));
    await remove.execute(new RemoveWebhookCommand(webhook.id, admin()));
    await expect(remove.execute(new RemoveWebhookCommand(webhook.id, admin()))).rejects.toThrow(NotFoundError);
    await expect(remove.execute(new RemoveWebhookCommand(randomUUID(), admin()))).rejects.toThrow(NotFoundError);
  });
});
