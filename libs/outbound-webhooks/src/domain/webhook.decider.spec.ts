import { ConflictError, NotFoundError } from '@team-inbox/core';
import { deciderSpecification } from '@team-inbox/core/testing/decider-specification';
import { webhookDecider, type WebhookCommand } from './webhook.decider';
import type { WebhookEvent } from './webhook.events';

const given = deciderSpecification(webhookDecider);
const webhookId = 'w3bh00k0-0000-4000-8000-000000000001';
const hook = {
  webhookId,
  url: 'https://crm.example.com/hook',
  eventTypes: ['conversation.closed' as const],
  description: null,
  sealedSecret: 'sealed-secret',
};
const register: WebhookCommand = { type: 'RegisterWebhook', ...hook };
const registered: WebhookEvent = { type: 'WebhookRegistered', data: hook };
const remove: WebhookCommand = { type: 'RemoveWebhook', webhookId };
const removed: WebhookEvent = { type: 'WebhookRemoved', data: { webhookId } };

describe('outbound webhook rules', () => {
  it('a webhook is registered with its secret sealed', () => given([]).when(register).then([registered]));

  it('is registered once: a second registration is an earlier attempt whose secret was shown then', () =>
    given([registered])
      .when({ ...register, sealedSecret: 'another-sealed-secret' })
      .thenThrows(ConflictError, /its secret is shown only once/));

  it('a registered webhook is removed', () => given([registered]).when(remove).then([removed]));

  it('is removed once', () =>
    given([registered, removed]).when(remove).thenThrows(NotFoundError, `No webhook ${webhookId}`));

  it('an unknown webhook is not found', () =>
    given([]).when(remove).thenThrows(NotFoundError, `No webhook ${webhookId}`));
});
