/**
 * The team's commands on the CommandBus: add a member, remove one, register an integration. Each appends
 * to the team's streams with the revision it read; the email reservation stream keeps emails unique among
 * active members even when two admins add the same address at once.
 */
import { Inject } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import {
  ConflictError,
  NotFoundError,
  deterministicUuid,
  eventMetadata,
  idFor,
  type CommandContext,
} from '@team-inbox/core';
import {
  EVENT_STORE,
  WrongExpectedRevisionError,
  collect,
  type EventStore,
  type Position,
  type RecordedEvent,
} from '@team-inbox/event-store';
import {
  integrationStreamId,
  memberStreamId,
  type IntegrationWebhookSecretSet,
  type MemberRole,
  type TeamEvent,
} from './domain/team.events';
import { SecretBox } from '@team-inbox/platform';
import type { MemberView } from './team-directory';
import { issueToken } from '@team-inbox/platform';

/** A claim whose member never joined (its process stopped in between) is given up after this long. */
export const ABANDONED_EMAIL_CLAIM_MS = 60_000;
const CLAIM_ATTEMPTS = 3;

export const memberEmailStreamId = (email: string): string =>
  `member-email-${deterministicUuid('member-email', email.trim().toLowerCase())}`;

export class AddMemberCommand extends Command<{ member: MemberView; token: string; position: Position }> {
  constructor(
    readonly name: string,
    readonly email: string,
    readonly role: MemberRole,
    readonly context: CommandContext,
  ) {
    super();
  }
}

export class RemoveMemberCommand extends Command<{ position: Position }> {
  constructor(
    readonly memberId: string,
    readonly context: CommandContext,
  ) {
    super();
  }
}

export class RegisterIntegrationCommand extends Command<{
  integration: { id: string; name: string };
  token: string;
  position: Position;
}> {
  constructor(
    readonly name: string,
    readonly context: CommandContext,
  ) {
    super();
  }
}

export class SetIntegrationWebhookSecretCommand extends Command<{
  position: Position;
  previousSecretAcceptedUntil: string | null;
}> {
  constructor(
    readonly integrationId: string,
    readonly secret: string,
    /** Undefined: the shop set before stays; null: none. */
    readonly shopDomain: string | null | undefined,
    /** How long the secret it replaces is still accepted: a shop rotating its secret signs with either. */
    readonly keepPreviousSecretForMs: number,
    readonly context: CommandContext,
  ) {
    super();
  }
}

type MemberStatus = 'none' | 'active' | 'removed';

async function memberStatus(store: EventStore, memberId: string): Promise<{ status: MemberStatus; revision?: bigint }> {
  const events = await collect(store.readStream(memberStreamId(memberId)));
  if (events.length === 0) return { status: 'none' };
  const removed = events.some((event) => event.type === 'MemberRemoved');
  return { status: removed ? 'removed' : 'active', revision: events[events.length - 1].revision };
}

@CommandHandler(AddMemberCommand)
export class AddMemberHandler implements ICommandHandler<AddMemberCommand> {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async execute({ name, email, role, context }: AddMemberCommand) {
    const memberId = idFor('member', context);
    if ((await memberStatus(this.store, memberId)).status !== 'none') throw tokenShownOnce('member');
    await this.claimEmail(email, memberId, context);

    const issued = issueToken();
    const joined: TeamEvent = {
      type: 'MemberJoined',
      data: { memberId, name, email, role, tokenId: issued.tokenId, tokenHash: issued.tokenHash },
    };
    const streamId = memberStreamId(memberId);
    const { position } = await appendOnce(this.store, streamId, idFor('member-joined', context), joined, context);
    await assertOwnToken(this.store, streamId, issued.tokenHash, 'member');
    return { member: { id: memberId, name, email, role }, token: issued.token, position };
  }

  /** Holds the email for this member; 409 where an active member (or one joining right now) has it. */
  private async claimEmail(email: string, memberId: string, context: CommandContext): Promise<void> {
    const streamId = memberEmailStreamId(email);
    for (let attempt = 1; ; attempt++) {
      const events = await collect(this.store.readStream(streamId));
      // The latest claim decides, whatever releases follow it: a release appended late cannot free a newer claim.
      const claim = events.findLast((event) => event.type === 'MemberEmailClaimed');
      const claimant = (claim?.data as { memberId?: string } | undefined)?.memberId;
      if (claim && claimant === memberId) return; // this request's own claim, from an attempt that stopped
      if (claim && (await this.claimStillHolds(claim, context.occurredAt))) {
        throw new ConflictError(`An active member already has the email ${email}`);
      }
      const claimed: TeamEvent = { type: 'MemberEmailClaimed', data: { memberId, email } };
      try {
        await this.store.append(
          streamId,
          [{ id: idFor('member-email-claimed', context), ...claimed, metadata: eventMetadata(context) }],
          { expectedRevision: events.at(-1)?.revision ?? 'no_stream' },
        );
        return;
      } catch (error) {
        if (!(error instanceof WrongExpectedRevisionError)) throw error;
        if (attempt >= CLAIM_ATTEMPTS)
          throw new ConflictError(`Another request is adding a member with the email ${email}`);
      }
    }
  }

  private async claimStillHolds(claim: RecordedEvent, now: Date): Promise<boolean> {
    const { memberId } = claim.data as { memberId: string };
    const { status } = await memberStatus(this.store, memberId);
    if (status === 'active') return true;
    if (status === 'removed') return false; // removed before its email was released
    return now.getTime() - claim.recordedAt.getTime() < ABANDONED_EMAIL_CLAIM_MS;
  }
}

@CommandHandler(RemoveMemberCommand)
export class RemoveMemberHandler implements ICommandHandler<RemoveMemberCommand> {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async execute({ memberId, context }: RemoveMemberCommand) {
    const streamId = memberStreamId(memberId);
    for (;;) {
      const events = await collect(this.store.readStream(streamId));
      const joined = events.find((event) => event.type === 'MemberJoined');
      if (!joined || events.some((event) => event.type === 'MemberRemoved')) {
        throw new NotFoundError(`No active member ${memberId}`);
      }
      const removed: TeamEvent = { type: 'MemberRemoved', data: { memberId } };
      try {
        const { position } = await this.store.append(
          streamId,
          [{ id: idFor('member-removed', context), ...removed, metadata: eventMetadata(context) }],
          { expectedRevision: events[events.length - 1].revision },
        );
        await this.releaseEmail((joined.data as { email: string }).email, memberId, context);
        return { position };
      } catch (error) {
        // A concurrent removal: read again, and the member is found removed (404).
        if (!(error instanceof WrongExpectedRevisionError)) throw error;
      }
    }
  }

  /**
   * Frees the email, where this member's claim is still the latest. Should this be lost to a crash, the
   * next claim finds the member removed and takes the email all the same.
   */
  private async releaseEmail(email: string, memberId: string, context: CommandContext): Promise<void> {
    const streamId = memberEmailStreamId(email);
    const last = (await collect(this.store.readStream(streamId))).at(-1);
    if (last?.type !== 'MemberEmailClaimed' || (last.data as { memberId?: string }).memberId !== memberId) return;
    const released: TeamEvent = { type: 'MemberEmailReleased', data: { memberId } };
    try {
      await this.store.append(
        streamId,
        [{ id: idFor('member-email-released', context), ...released, metadata: eventMetadata(context) }],
        { expectedRevision: last.revision },
      );
    } catch (error) {
      if (!(error instanceof WrongExpectedRevisionError)) throw error; // someone claimed it meanwhile: theirs now
    }
  }
}

@CommandHandler(RegisterIntegrationCommand)
export class RegisterIntegrationHandler implements ICommandHandler<RegisterIntegrationCommand> {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async execute({ name, context }: RegisterIntegrationCommand) {
    const integrationId = idFor('integration', context);
    const issued = issueToken();
    const registered: TeamEvent = {
      type: 'IntegrationRegistered',
      data: { integrationId, name, tokenId: issued.tokenId, tokenHash: issued.tokenHash },
    };
    const streamId = integrationStreamId(integrationId);
    const { position } = await appendOnce(
      this.store,
      streamId,
      idFor('integration-registered', context),
      registered,
      context,
    );
    await assertOwnToken(this.store, streamId, issued.tokenHash, 'integration');
    return { integration: { id: integrationId, name }, token: issued.token, position };
  }
}

@CommandHandler(SetIntegrationWebhookSecretCommand)
export class SetIntegrationWebhookSecretHandler implements ICommandHandler<SetIntegrationWebhookSecretCommand> {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly secretBox: SecretBox,
  ) {}

  async execute({
    integrationId,
    secret,
    shopDomain,
    keepPreviousSecretForMs,
    context,
  }: SetIntegrationWebhookSecretCommand) {
    const streamId = integrationStreamId(integrationId);
    for (;;) {
      const events = await collect(this.store.readStream(streamId));
      if (!events.some((event) => event.type === 'IntegrationRegistered')) {
        throw new NotFoundError(`No integration ${integrationId}`);
      }
      const last = events[events.length - 1];
      const current = events.findLast((event) => event.type === 'IntegrationWebhookSecretSet')?.data as
        IntegrationWebhookSecretSet['data'] | undefined;
      const domain = shopDomain === undefined ? (current?.shopDomain ?? null) : shopDomain;
      const unchangedSecret = current !== undefined && this.secretBox.open(current.sealedSecret) === secret;
      // The same secret again (a retried PUT) is no rotation: the secret it replaced keeps its time.
      if (unchangedSecret && domain === current.shopDomain) {
        return { position: last.position, previousSecretAcceptedUntil: current.previousSecretAcceptedUntil };
      }
      const previous = unchangedSecret
        ? { sealed: current.previousSealedSecret, until: current.previousSecretAcceptedUntil }
        : current && keepPreviousSecretForMs > 0
          ? {
              sealed: current.sealedSecret,
              until: new Date(context.occurredAt.getTime() + keepPreviousSecretForMs).toISOString(),
            }
          : { sealed: null, until: null };
      const set: TeamEvent = {
        type: 'IntegrationWebhookSecretSet',
        data: {
          integrationId,
          sealedSecret: this.secretBox.seal(secret),
          previousSealedSecret: previous.sealed,
          previousSecretAcceptedUntil: previous.until,
          shopDomain: domain,
        },
      };
      try {
        const { position } = await this.store.append(
          streamId,
          [{ id: idFor('integration-webhook-secret-set', context), ...set, metadata: eventMetadata(context) }],
          { expectedRevision: last.revision },
        );
        return { position, previousSecretAcceptedUntil: previous.until };
      } catch (error) {
        // Another admin set a secret meanwhile: the later one replaces it, keeping it as the previous.
        if (!(error instanceof WrongExpectedRevisionError)) throw error;
      }
    }
  }
}

/** Appends the first event of a new stream; a stream already there was made by an earlier attempt. */
async function appendOnce(store: EventStore, streamId: string, id: string, event: TeamEvent, context: CommandContext) {
  try {
    return await store.append(streamId, [{ id, ...event, metadata: eventMetadata(context) }], {
      expectedRevision: 'no_stream',
    });
  } catch (error) {
    if (error instanceof WrongExpectedRevisionError) throw tokenShownOnce(streamId.split('-')[0]);
    throw error;
  }
}

/**
 * Two copies of one keyed request write the same event id, and the store takes the second as a retry of
 * the first: only the copy whose token hash was stored may hand its token out.
 */
async function assertOwnToken(store: EventStore, streamId: string, tokenHash: string, what: string): Promise<void> {
  const [first] = await collect(store.readStream(streamId));
  if ((first?.data as { tokenHash?: string } | undefined)?.tokenHash !== tokenHash) throw tokenShownOnce(what);
}

function tokenShownOnce(what: string): ConflictError {
  return new ConflictError(
    `An earlier attempt of this request created the ${what}, and its token is shown only once: remove it and add it anew if the token was lost`,
  );
}

export const TEAM_COMMAND_HANDLERS = [
  AddMemberHandler,
  RemoveMemberHandler,
  RegisterIntegrationHandler,
  SetIntegrationWebhookSecretHandler,
];
