import { ConflictError, NotFoundError } from '@team-inbox/core';
import { deciderSpecification } from '@team-inbox/core/testing/decider-specification';
import { integrationDecider, type IntegrationCommand } from './integration.decider';
import type { IntegrationEvent, IntegrationWebhookSecretSet } from './team.events';

const given = deciderSpecification(integrationDecider);
const integrationId = 'integr4t-0000-4000-8000-000000000001';
const now = new Date('2026-12-03T12:00:00.000Z');
const DAY_MS = 24 * 60 * 60 * 1000;
const inADay = new Date(now.getTime() + DAY_MS).toISOString();

const registered: IntegrationEvent = {
  type: 'IntegrationRegistered',
  data: { integrationId, name: 'Shop', tokenId: 'token-1', tokenHash: 'hash-1' },
};
/** Sealed texts here name their secret: sealing the same secret twice gives two texts, as SecretBox's do. */
const sealedAs = (secret: string, copy = 1) => `sealed(${secret})#${copy}`;
const secretSet = (data: Partial<IntegrationWebhookSecretSet['data']>): IntegrationEvent => ({
  type: 'IntegrationWebhookSecretSet',
  data: {
    integrationId,
    sealedSecret: sealedAs('first'),
    previousSealedSecret: null,
    previousSecretAcceptedUntil: null,
    shopDomain: null,
    ...data,
  },
});
const setSecret = (
  secret: string,
  options: { shopDomain?: string | null; keepPreviousSecretForMs?: number } = {},
): IntegrationCommand => ({
  type: 'SetIntegrationWebhookSecret',
  integrationId,
  sealedSecret: sealedAs(secret, 2),
  isSameSecret: (sealed) => sealed.startsWith(`sealed(${secret})#`),
  shopDomain: options.shopDomain,
  keepPreviousSecretForMs: options.keepPreviousSecretForMs ?? DAY_MS,
  now,
});

describe('integration rules', () => {
  describe('registering', () => {
    const register: IntegrationCommand = {
      type: 'RegisterIntegration',
      integrationId,
      name: 'Shop',
      tokenId: 'token-1',
      tokenHash: 'hash-1',
    };

    it('an integration is registered with the hash of the token the handler issued', () =>
      given([]).when(register).then([registered]));

    it('is registered once: a second registration is an earlier attempt whose token was shown then', () =>
      given([registered])
        .when({ ...register, tokenHash: 'hash-2' })
        .thenThrows(ConflictError, /created the integration, and its token is shown only once/));
  });

  describe('its webhook secret', () => {
    it('is set on an integration that has none, with no previous one', () =>
      given([registered])
        .when(setSecret('first', { shopDomain: 'shop.example.com' }))
        .then([secretSet({ sealedSecret: sealedAs('first', 2), shopDomain: 'shop.example.com' })]));

    it('is set only on an integration that was registered', () =>
      given([]).when(setSecret('first')).thenThrows(NotFoundError, `No integration ${integrationId}`));

    it('a new secret keeps the one it replaces for the time given', () =>
      given([registered, secretSet({})])
        .when(setSecret('second'))
        .then([
          secretSet({
            sealedSecret: sealedAs('second', 2),
            previousSealedSecret: sealedAs('first'),
            previousSecretAcceptedUntil: inADay,
          }),
        ]));

    it('a new secret replaces the one before outright where no time is given to keep it', () =>
      given([registered, secretSet({})])
        .when(setSecret('second', { keepPreviousSecretForMs: 0 }))
        .then([secretSet({ sealedSecret: sealedAs('second', 2) })]));

    it('the same secret again is no rotation: nothing is recorded', () =>
      given([registered, secretSet({ shopDomain: 'shop.example.com' })])
        .when(setSecret('first'))
        .thenNothingHappened());

    it('the same secret again for another shop changes the shop, and the secret it replaced keeps its time', () =>
      given([
        registered,
        secretSet({ sealedSecret: sealedAs('zeroth') }),
        secretSet({
          previousSealedSecret: sealedAs('zeroth'),
          previousSecretAcceptedUntil: '2026-12-04T00:00:00.000Z',
        }),
      ])
        .when(setSecret('first', { shopDomain: 'other.example.com' }))
        .then([
          secretSet({
            sealedSecret: sealedAs('first', 2),
            previousSealedSecret: sealedAs('zeroth'),
            previousSecretAcceptedUntil: '2026-12-04T00:00:00.000Z',
            shopDomain: 'other.example.com',
          }),
        ]));

    it('keeps the shop set before where none is given, and clears it where null is', () => {
      given([registered, secretSet({ shopDomain: 'shop.example.com' })])
        .when(setSecret('second', { keepPreviousSecretForMs: 0 }))
        .then([secretSet({ sealedSecret: sealedAs('second', 2), shopDomain: 'shop.example.com' })]);
      given([registered, secretSet({ shopDomain: 'shop.example.com' })])
        .when(setSecret('first', { shopDomain: null }))
        .then([secretSet({ sealedSecret: sealedAs('first', 2), shopDomain: null })]);
    });
  });
});
