/**
 * Registering and removing webhooks, on the CommandBus: which stream, and the rules of
 * domain/webhook.decider.ts over `handleCommand`. The signing secret is made here, sealed into the log,
 * and handed back in plain text once, to the admin who registered it.
 */
import { Inject } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { aggregateStream, handleCommand, idFor, type CommandContext } from '@team-inbox/core';
import { EVENT_STORE, type EventStore, type Position } from '@team-inbox/event-store';
import { SecretBox } from '@team-inbox/platform';
import { secretShownOnce, webhookDecider } from './domain/webhook.decider';
import { webhookStreamId, type WebhookEventType } from './domain/webhook.events';
import { generateWebhookSecret } from './signing/webhook-signature';

export interface RegisteredWebhook {
  id: string;
  url: string;
  eventTypes: WebhookEventType[];
  description: string | null;
}

export class RegisterWebhookCommand extends Command<{
  webhook: RegisteredWebhook;
  secret: string;
  position: Position;
}> {
  constructor(
    readonly url: string,
    readonly eventTypes: WebhookEventType[],
    readonly description: string | null,
    readonly context: CommandContext,
  ) {
    super();
  }
}

export class RemoveWebhookCommand extends Command<{ position: Position }> {
  constructor(
    readonly webhookId: string,
    readonly context: CommandContext,
  ) {
    super();
  }
}

@CommandHandler(RegisterWebhookCommand)
export class RegisterWebhookHandler implements ICommandHandler<RegisterWebhookCommand> {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly secretBox: SecretBox,
  ) {}

  async execute({ url, eventTypes, description, context }: RegisterWebhookCommand) {
    const webhookId = idFor('webhook', context);
    const streamId = webhookStreamId(webhookId);
    const secret = generateWebhookSecret();
    const registered = await handleCommand(
      this.store,
      streamId,
      webhookDecider,
      { type: 'RegisterWebhook', webhookId, url, eventTypes, description, sealedSecret: this.secretBox.seal(secret) },
      { context, eventId: () => idFor('webhook-registered', context) },
    );
    // Two copies of one keyed request write the same event id, and the store takes the second as a retry
    // of the first: only the copy whose secret was stored may hand it out.
    const { state } = await aggregateStream(this.store, streamId, webhookDecider);
    if (state.status === 'none' || this.secretBox.open(state.sealedSecret) !== secret) throw secretShownOnce();
    return { webhook: { id: webhookId, url, eventTypes, description }, secret, position: registered.position! };
  }
}

@CommandHandler(RemoveWebhookCommand)
export class RemoveWebhookHandler implements ICommandHandler<RemoveWebhookCommand> {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async execute({ webhookId, context }: RemoveWebhookCommand) {
    const { position } = await handleCommand(
      this.store,
      webhookStreamId(webhookId),
      webhookDecider,
      { type: 'RemoveWebhook', webhookId },
      { context, eventId: () => idFor('webhook-removed', context) },
    );
    return { position: position! };
  }
}

export const WEBHOOK_COMMAND_HANDLERS = [RegisterWebhookHandler, RemoveWebhookHandler];
