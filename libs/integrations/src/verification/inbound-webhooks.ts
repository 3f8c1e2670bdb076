/**
 * What the shop webhook routes share: find the integration, check the signature on the raw bytes, check
 * the shop, then record the store event through the CommandBus. Every outcome is counted (`/metrics`); a
 * refused webhook leaves nothing else behind.
 */
import {
  BadRequestException,
  ForbiddenException,
  Injectable,
  ParseUUIDPipe,
  UnauthorizedException,
} from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { RecordStoreEventCommand, type StoreEventInput, type StoreEventOutcome } from '@team-inbox/conversations';
import { NotFoundError } from '@team-inbox/core';
import { TeamDirectory, type IntegrationWebhookSettings } from '@team-inbox/team';
import { requestContext } from '@team-inbox/platform';
import { Subject } from 'rxjs';
import { isWellFormedSignature, signatureMatches } from './hmac-signature';

export type ShopPlatform = 'shopify' | 'woocommerce';

export type InboundWebhookOutcome =
  'recorded' | 'duplicate' | 'ignored' | 'ping' | 'bad_signature' | 'no_secret' | 'wrong_shop' | 'malformed';

type RequestLike = { headers: Record<string, string | string[] | undefined> };

/** The routes' `:integrationId` pipe: a malformed id is 400 with the pipe's own message, wherever it is checked. */
export const INTEGRATION_ID_PIPE = new ParseUUIDPipe({ errorHttpStatusCode: 400 });

@Injectable()
export class InboundWebhooks {
  /** Each webhook's outcome, for the metrics. */
  readonly outcomes = new Subject<{ platform: ShopPlatform; outcome: InboundWebhookOutcome }>();

  constructor(
    private readonly directory: TeamDirectory,
    private readonly commandBus: CommandBus,
  ) {}

  /** The integration, where `signature` is the body's HMAC under its secret; 404 or 401 otherwise. */
  verify(
    platform: ShopPlatform,
    integrationId: string,
    body: Buffer,
    signature: string | undefined,
  ): IntegrationWebhookSettings {
    const settings = this.integration(integrationId);
    this.requireSecret(platform, settings);
    if (!signatureMatches(body, signature, settings.secrets)) throw this.badSignature(platform, settings, signature);
    return settings;
  }

  /**
   * Before the body is read: refuses, as `verify` would after reading it, what no body could make right: an
   * integration id that is not a UUID (400, as the route's pipe says it), an unknown integration (404), one
   * without a secret (401), a signature missing or not shaped as one (401). Each counted as `verify` counts
   * it. `mayBeUnsigned`: an unsigned request may still be answered (WooCommerce's ping), so a missing
   * signature, or a missing secret, is left for the route to judge with the body.
   */
  async verifyHead(
    platform: ShopPlatform,
    integrationId: string,
    signature: string | undefined,
    mayBeUnsigned = false,
  ): Promise<void> {
    await INTEGRATION_ID_PIPE.transform(integrationId, { type: 'param', data: 'integrationId' });
    const settings = this.integration(integrationId);
    if (signature === undefined && mayBeUnsigned) return;
    this.requireSecret(platform, settings);
    if (!isWellFormedSignature(signature)) throw this.badSignature(platform, settings, signature);
  }

  private requireSecret(platform: ShopPlatform, settings: IntegrationWebhookSettings): void {
    if (settings.secrets.length > 0) return;
    this.count(platform, 'no_secret');
    throw new UnauthorizedException(
      `Integration ${settings.id} has no webhook secret yet: an admin sets it with PUT /integrations/${settings.id}/secret`,
    );
  }

  private badSignature(
    platform: ShopPlatform,
    settings: IntegrationWebhookSettings,
    signature: string | undefined,
  ): UnauthorizedException {
    this.count(platform, 'bad_signature');
    return new UnauthorizedException(
      signature === undefined
        ? `The webhook has no signature header`
        : `The webhook signature does not match the body under integration ${settings.id}'s secret`,
    );
  }

  integration(integrationId: string): IntegrationWebhookSettings {
    const settings = this.directory.integrationWebhookSettings(integrationId.toLowerCase());
    if (!settings) throw new NotFoundError(`No integration ${integrationId}`);
    return settings;
  }

  /** 403 where the integration names its shop and the webhook came from another. */
  checkShop(platform: ShopPlatform, settings: IntegrationWebhookSettings, shop: string | undefined): void {
    if (settings.shopDomain === null || shop?.toLowerCase() === settings.shopDomain) return;
    this.count(platform, 'wrong_shop');
    throw new ForbiddenException(
      `The webhook comes from ${shop ? `shop ${shop}` : 'an unnamed shop'}, but integration ${settings.id} is for ${settings.shopDomain}`,
    );
  }

  /** Records the store event; the webhook's answer says where it went. */
  async record(
    platform: ShopPlatform,
    settings: IntegrationWebhookSettings,
    storeEvent: Omit<StoreEventInput, 'integrationId'>,
    request: RequestLike,
  ) {
    const context = requestContext(
      { actor: { type: 'integration', id: settings.id }, role: 'integration', name: settings.name },
      request,
    );
    const outcome: StoreEventOutcome = await this.commandBus.execute(
      new RecordStoreEventCommand({ ...storeEvent, integrationId: settings.id }, context),
    );
    this.count(platform, outcome.duplicate ? 'duplicate' : 'recorded');
    const { conversationId, reopened, duplicate } = outcome;
    return { received: true, conversationId, reopened, duplicate };
  }

  /** A topic team-inbox does not act on: acknowledged, so the shop neither retries it nor gives up on us. */
  ignore(platform: ShopPlatform, topic: string, actedOn: readonly string[]) {
    this.count(platform, 'ignored');
    return { received: true, ignored: `topic ${topic} is not one team-inbox acts on (${actedOn.join(', ')})` };
  }

  /** A correctly signed webhook that is not what the platform sends: counted, and refused with `message`. */
  malformed(platform: ShopPlatform, message: string): BadRequestException {
    this.count(platform, 'malformed');
    return new BadRequestException(message);
  }

  count(platform: ShopPlatform, outcome: InboundWebhookOutcome): void {
    this.outcomes.next({ platform, outcome });
  }
}

/** A header's single value; undefined where absent (or, oddly, repeated). */
export function headerValue(request: RequestLike, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' ? value : undefined;
}

/** The raw bytes the body parser kept for these routes (see RAW_BODY_ROUTES). */
export function rawBodyOf(request: { body?: unknown }): Buffer {
  return Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
}
