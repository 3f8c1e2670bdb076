/**
 * An outbound webhook's rules (`webhook-<uuid>`): it is registered once, with the secret its deliveries
 * are signed with (sealed by the handler before it reaches here), and removed once.
 */
import { ConflictError, NotFoundError, type Decider } from '@team-inbox/core';
import type { WebhookEvent, WebhookEventType } from './webhook.events';

export type WebhookState = { status: 'none' } | { status: 'registered' | 'removed'; sealedSecret: string };

export type WebhookCommand =
  | {
      type: 'RegisterWebhook';
      webhookId: string;
      url: string;
      eventTypes: WebhookEventType[];
      description: string | null;
      sealedSecret: string;
    }
  | { type: 'RemoveWebhook'; webhookId: string };

export const webhookDecider: Decider<WebhookState, WebhookCommand, WebhookEvent> = {
  initialState: { status: 'none' },
  isEvent: (event) => event.type === 'WebhookRegistered' || event.type === 'WebhookRemoved',

  evolve(state, event) {
    switch (event.type) {
      case 'WebhookRegistered':
        return { status: 'registered', sealedSecret: event.data.sealedSecret };
      case 'WebhookRemoved':
        return state.status === 'none' ? state : { ...state, status: 'removed' };
    }
  },

  decide(command, state) {
    switch (command.type) {
      case 'RegisterWebhook': {
        // The webhook exists: registered by an earlier attempt of this request, whose secret was shown then.
        if (state.status !== 'none') throw secretShownOnce();
        const { webhookId, url, eventTypes, description, sealedSecret } = command;
        return [{ type: 'WebhookRegistered', data: { webhookId, url, eventTypes, description, sealedSecret } }];
      }
      case 'RemoveWebhook':
        if (state.status !== 'registered') throw new NotFoundError(`No webhook ${command.webhookId}`);
        return [{ type: 'WebhookRemoved', data: { webhookId: command.webhookId } }];
    }
  },
};

/** A webhook's secret is handed out once, by the request that registered it; the log keeps it sealed. */
export function secretShownOnce(): ConflictError {
  return new ConflictError(
    'An earlier attempt of this request registered the webhook, and its secret is shown only once: remove it and register it anew if the secret was lost',
  );
}
