/**
 * Registering and removing webhooks, on the CommandBus. The signing secret is made here, sealed into the
 * log, and handed back in plain text once, to the admin who registered it.
 */
import { Inject } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { ConflictError, NotFoundError, eventMetadata, idFor, type CommandContext } from '@team-inbox/core';
import {
  EVENT_STORE,
  WrongExpectedRevisionError,
  collect,
  type EventStore,
  type Position,
} from '@team-inbox/event-store';
import { SecretBox } from '@team-inbox/platform';
import { webhookStreamId, type WebhookEvent, type WebhookEventType } from './domain/webhook.events';
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
    const secret = generateWebhookSecret();
    const registered: WebhookEvent = {
      type: 'WebhookRegistered',
      data: { webhookId, url, eventTypes, description, sealedSecret: this.secretBox.seal(secret) },
    };
    const streamId = webhookStreamId(webhookId);
    let position: Position;
    try {
      ({ position } = await this.store.append(
        streamId,
        [{ id: idFor('webhook-registered', context), ...registered, metadata: eventMetadata(context) }],
        { expectedRevision: 'no_stream' },
      ));
    } catch (error) {
      if (error instanceof WrongExpectedRevisionError) throw secretShownOnce();
      throw error;
    }
    // Two copies of one keyed request write the same event id, and the store takes the second as a retry
    // of the first: only the copy whose secret was stored may hand it out.
    const [first] = await collect(this.store.readStream(streamId));
    const stored = (first?.data as { sealedSecret?: string } | undefined)?.sealedSecret;
    if (!stored || this.secretBox.open(stored) !== secret) throw secretShownOnce();
    return { webhook: { id: webhookId, url, eventTypes, description }, secret, position };
  }
}

@CommandHandler(RemoveWebhookCommand)
export class RemoveWebhookHandler implements ICommandHandler<RemoveWebhookCommand> {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async execute({ webhookId, context }: RemoveWebhookCommand) {
    const streamId = webhookStreamId(webhookId);
    for (;;) {
      const events = await collect(this.store.readStream(streamId));
      if (events.length === 0 || events.some((event) => event.type === 'WebhookRemoved')) {
        throw new NotFoundError(`No webhook ${webhookId}`);
      }
      const removed: WebhookEvent = { type: 'WebhookRemoved', data: { webhookId } };
      try {
        const { position } = await this.store.append(
          streamId,
          [{ id: idFor('webhook-removed', context), ...removed, metadata: eventMetadata(context) }],
          { expectedRevision: events[events.length - 1].revision },
        );
        return { position };
      } catch (error) {
        // A concurrent removal: read again, and the webhook is found removed (404).
        if (!(error instanceof WrongExpectedRevisionError)) throw error;
      }
    }
  }
}

function secretShownOnce(): ConflictError {
  return new ConflictError(
    'An earlier attempt of this request registered the webhook, and its secret is shown only once: remove it and register it anew if the secret was lost',
  );
}

export const WEBHOOK_COMMAND_HANDLERS = [RegisterWebhookHandler, RemoveWebhookHandler];
