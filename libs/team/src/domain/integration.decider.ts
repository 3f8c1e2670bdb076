/**
 * An integration's rules (`integration-<uuid>`): it is registered once, and its webhook secret is set and
 * rotated. A new secret replaces the current one, which is still accepted for a while (a shop rotating its
 * secret signs with either); the same secret again is no rotation. Secrets reach these rules sealed only:
 * the handler seals the new one and answers whether a sealed one is it, so nothing here holds a key.
 */
import { NotFoundError, type Decider } from '@team-inbox/core';
import type { IntegrationEvent, IntegrationWebhookSecretSet } from './team.events';
import { tokenShownOnce } from './token-shown-once';

export type IntegrationState =
  | { status: 'none' }
  | {
      status: 'registered';
      tokenHash: string;
      /** The webhook secret as last set; undefined where none was. */
      webhookSecret: IntegrationWebhookSecretSet['data'] | undefined;
    };

export type IntegrationCommand =
  | { type: 'RegisterIntegration'; integrationId: string; name: string; tokenId: string; tokenHash: string }
  | {
      type: 'SetIntegrationWebhookSecret';
      integrationId: string;
      /** The new secret, sealed. */
      sealedSecret: string;
      /** Whether a sealed secret is the new one (sealing twice gives two different texts). */
      isSameSecret(sealedSecret: string): boolean;
      /** Undefined: the shop set before stays; null: none. */
      shopDomain: string | null | undefined;
      /** How long the secret it replaces is still accepted. */
      keepPreviousSecretForMs: number;
      now: Date;
    };

export const integrationDecider: Decider<IntegrationState, IntegrationCommand, IntegrationEvent> = {
  initialState: { status: 'none' },
  isEvent: (event) => event.type === 'IntegrationRegistered' || event.type === 'IntegrationWebhookSecretSet',

  evolve(state, event) {
    switch (event.type) {
      case 'IntegrationRegistered':
        return { status: 'registered', tokenHash: event.data.tokenHash, webhookSecret: undefined };
      case 'IntegrationWebhookSecretSet':
        return state.status === 'none' ? state : { ...state, webhookSecret: event.data };
    }
  },

  decide(command, state) {
    switch (command.type) {
      case 'RegisterIntegration': {
        // The integration exists: made by an earlier attempt of this request, whose token was shown then.
        if (state.status !== 'none') throw tokenShownOnce('integration');
        const { integrationId, name, tokenId, tokenHash } = command;
        return [{ type: 'IntegrationRegistered', data: { integrationId, name, tokenId, tokenHash } }];
      }
      case 'SetIntegrationWebhookSecret':
        if (state.status === 'none') throw new NotFoundError(`No integration ${command.integrationId}`);
        return setWebhookSecret(command, state.webhookSecret);
    }
  },
};

/** A secret set by another admin meanwhile is replaced by this one all the same, and kept as the previous. */
function setWebhookSecret(
  command: Extract<IntegrationCommand, { type: 'SetIntegrationWebhookSecret' }>,
  current: IntegrationWebhookSecretSet['data'] | undefined,
): IntegrationEvent[] {
  const shopDomain = command.shopDomain === undefined ? (current?.shopDomain ?? null) : command.shopDomain;
  const unchangedSecret = current !== undefined && command.isSameSecret(current.sealedSecret);
  // The same secret again (a retried PUT) is no rotation: the secret it replaced keeps its time.
  if (unchangedSecret && shopDomain === current.shopDomain) return [];
  const previous = unchangedSecret
    ? { sealed: current.previousSealedSecret, until: current.previousSecretAcceptedUntil }
    : current && command.keepPreviousSecretForMs > 0
      ? {
          sealed: current.sealedSecret,
          until: new Date(command.now.getTime() + command.keepPreviousSecretForMs).toISOString(),
        }
      : { sealed: null, until: null };
  return [
    {
      type: 'IntegrationWebhookSecretSet',
      data: {
        integrationId: command.integrationId,
        sealedSecret: command.sealedSecret,
        previousSealedSecret: previous.sealed,
        previousSecretAcceptedUntil: previous.until,
        shopDomain,
      },
    },
  ];
}
