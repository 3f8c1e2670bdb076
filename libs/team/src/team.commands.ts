/**
 * The team's commands on the CommandBus: add a member, remove one, register an integration, set its webhook
 * secret. Each handler says which stream and which decider (domain/*.decider.ts); `handleCommand` reads,
 * decides, appends at the revision read and decides again where another writer came first. What the rules
 * cannot do themselves stays here: issuing tokens, sealing secrets, reading the clock and other streams.
 */
import { Inject } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { aggregateStream, deterministicUuid, handleCommand, idFor, type CommandContext } from '@team-inbox/core';
import { EVENT_STORE, type EventStore, type Position } from '@team-inbox/event-store';
import { SecretBox, issueToken } from '@team-inbox/platform';
import { integrationDecider } from './domain/integration.decider';
import { memberEmailDecider } from './domain/member-email.decider';
import { memberDecider } from './domain/member.decider';
import { integrationStreamId, memberStreamId, type MemberRole } from './domain/team.events';
import { tokenShownOnce } from './domain/token-shown-once';
import type { MemberView } from './team-directory';

/** Tries at claiming an email before the request is told another is adding a member with it. */
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

@CommandHandler(AddMemberCommand)
export class AddMemberHandler implements ICommandHandler<AddMemberCommand> {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async execute({ name, email, role, context }: AddMemberCommand) {
    const memberId = idFor('member', context);
    const streamId = memberStreamId(memberId);
    // A retry of a request whose member joined is told so before its email is claimed again, whoever holds it now.
    if ((await aggregateStream(this.store, streamId, memberDecider)).state.status !== 'none') {
      throw tokenShownOnce('member');
    }
    await this.claimEmail(email, memberId, context);

    const issued = issueToken();
    const joined = await handleCommand(
      this.store,
      streamId,
      memberDecider,
      { type: 'JoinMember', memberId, name, email, role, tokenId: issued.tokenId, tokenHash: issued.tokenHash },
      { context, eventId: () => idFor('member-joined', context) },
    );
    // Two copies of one keyed request write the same event id, and the store takes the second as a retry of
    // the first: only the copy whose token hash was stored may hand its token out.
    const { state } = await aggregateStream(this.store, streamId, memberDecider);
    if (state.status === 'none' || state.tokenHash !== issued.tokenHash) throw tokenShownOnce('member');
    return { member: { id: memberId, name, email, role }, token: issued.token, position: joined.position! };
  }

  /** Holds the email for this member; 409 where an active member (or one joining right now) has it. */
  private async claimEmail(email: string, memberId: string, context: CommandContext): Promise<void> {
    const streamId = memberEmailStreamId(email);
    const { claim } = (await aggregateStream(this.store, streamId, memberEmailDecider)).state;
    const claimant =
      claim && claim.memberId !== memberId
        ? {
            memberId: claim.memberId,
            status: (await aggregateStream(this.store, memberStreamId(claim.memberId), memberDecider)).state.status,
          }
        : undefined;
    await handleCommand(
      this.store,
      streamId,
      memberEmailDecider,
      { type: 'ClaimMemberEmail', memberId, email, claimant, now: context.occurredAt },
      {
        context,
        eventId: () => idFor('member-email-claimed', context),
        maxAttempts: CLAIM_ATTEMPTS,
        keptChanging: `Another request is adding a member with the email ${email}`,
      },
    );
  }
}

@CommandHandler(RemoveMemberCommand)
export class RemoveMemberHandler implements ICommandHandler<RemoveMemberCommand> {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async execute({ memberId, context }: RemoveMemberCommand) {
    const { state, position } = await handleCommand(
      this.store,
      memberStreamId(memberId),
      memberDecider,
      { type: 'RemoveMember', memberId },
      { context, eventId: () => idFor('member-removed', context) },
    );
    // Frees the email where this member's claim is still the latest. Should this be lost to a crash, the
    // next claim finds the member removed and takes the email all the same.
    if (state.status === 'removed') {
      await handleCommand(
        this.store,
        memberEmailStreamId(state.email),
        memberEmailDecider,
        { type: 'ReleaseMemberEmail', memberId },
        { context, eventId: () => idFor('member-email-released', context) },
      );
    }
    return { position: position! };
  }
}

@CommandHandler(RegisterIntegrationCommand)
export class RegisterIntegrationHandler implements ICommandHandler<RegisterIntegrationCommand> {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async execute({ name, context }: RegisterIntegrationCommand) {
    const integrationId = idFor('integration', context);
    const streamId = integrationStreamId(integrationId);
    const issued = issueToken();
    const registered = await handleCommand(
      this.store,
      streamId,
      integrationDecider,
      { type: 'RegisterIntegration', integrationId, name, tokenId: issued.tokenId, tokenHash: issued.tokenHash },
      { context, eventId: () => idFor('integration-registered', context) },
    );
    // Of two copies of one keyed request, only the one whose token hash was stored may hand its token out.
    const { state } = await aggregateStream(this.store, streamId, integrationDecider);
    if (state.status === 'none' || state.tokenHash !== issued.tokenHash) throw tokenShownOnce('integration');
    return { integration: { id: integrationId, name }, token: issued.token, position: registered.position! };
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
    const { state, position } = await handleCommand(
      this.store,
      integrationStreamId(integrationId),
      integrationDecider,
      {
        type: 'SetIntegrationWebhookSecret',
        integrationId,
        sealedSecret: this.secretBox.seal(secret),
        isSameSecret: (sealedSecret) => this.secretBox.open(sealedSecret) === secret,
        shopDomain,
        keepPreviousSecretForMs,
        now: context.occurredAt,
      },
      { context, eventId: () => idFor('integration-webhook-secret-set', context) },
    );
    const webhookSecret = state.status === 'registered' ? state.webhookSecret : undefined;
    return { position: position!, previousSecretAcceptedUntil: webhookSecret?.previousSecretAcceptedUntil ?? null };
  }
}

export const TEAM_COMMAND_HANDLERS = [
  AddMemberHandler,
  RemoveMemberHandler,
  RegisterIntegrationHandler,
  SetIntegrationWebhookSecretHandler,
];
