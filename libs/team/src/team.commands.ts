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
import { integrationStreamId, memberStreamId, type MemberRole, type TeamEvent } from './domain/team.events';
import type { MemberView } from './team-directory';
import { issueToken } from './tokens';

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
    if ((await memberStatus(this.store, memberId)).status !== 'none') {
      throw new ConflictError(
        'An earlier attempt of this request created the member, and its token cannot be shown again: remove the member and add it anew',
      );
    }
    const metadata = eventMetadata(context);
    await this.claimEmail(email, memberId, context);

    const issued = issueToken();
    const joined: TeamEvent = {
      type: 'MemberJoined',
      data: { memberId, name, email, role, tokenId: issued.tokenId, tokenHash: issued.tokenHash },
    };
    const { position } = await this.store.append(
      memberStreamId(memberId),
      [{ id: idFor('member-joined', context), ...joined, metadata }],
      { expectedRevision: 'no_stream' },
    );
    return { member: { id: memberId, name, email, role }, token: issued.token, position };
  }

  /** Holds the email for this member; 409 where an active member (or one joining right now) has it. */
  private async claimEmail(email: string, memberId: string, context: CommandContext): Promise<void> {
    const streamId = memberEmailStreamId(email);
    for (let attempt = 1; ; attempt++) {
      const events = await collect(this.store.readStream(streamId));
      const last = events.at(-1);
      if (last?.type === 'MemberEmailClaimed' && (await this.claimStillHolds(last, context.occurredAt))) {
        throw new ConflictError(`An active member already has the email ${email}`);
      }
      const claimed: TeamEvent = { type: 'MemberEmailClaimed', data: { memberId, email } };
      try {
        await this.store.append(
          streamId,
          [{ id: idFor('member-email-claimed', context), ...claimed, metadata: eventMetadata(context) }],
          {
            expectedRevision: last?.revision ?? 'no_stream',
          },
        );
        return;
      } catch (error) {
        if (!(error instanceof WrongExpectedRevisionError) || attempt >= CLAIM_ATTEMPTS) {
          if (error instanceof WrongExpectedRevisionError) {
            throw new ConflictError(`Another request is adding a member with the email ${email}`);
          }
          throw error;
        }
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
    const events = await collect(this.store.readStream(memberStreamId(memberId)));
    const joined = events.find((event) => event.type === 'MemberJoined');
    if (!joined || events.some((event) => event.type === 'MemberRemoved')) {
      throw new NotFoundError(`No active member ${memberId}`);
    }
    const metadata = eventMetadata(context);
    const removed: TeamEvent = { type: 'MemberRemoved', data: { memberId } };
    const { position } = await this.store.append(
      memberStreamId(memberId),
      [{ id: idFor('member-removed', context), ...removed, metadata }],
      { expectedRevision: events[events.length - 1].revision },
    );
    // The email is free again. Should this append be lost to a crash, the next claim finds the member
    // removed and takes the email all the same.
    const released: TeamEvent = { type: 'MemberEmailReleased', data: { memberId } };
    const { email } = joined.data as { email: string };
    await this.store.append(
      memberEmailStreamId(email),
      [{ id: idFor('member-email-released', context), ...released, metadata }],
      { expectedRevision: 'any' },
    );
    return { position };
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
    try {
      const { position } = await this.store.append(
        integrationStreamId(integrationId),
        [{ id: idFor('integration-registered', context), ...registered, metadata: eventMetadata(context) }],
        { expectedRevision: 'no_stream' },
      );
      return { integration: { id: integrationId, name }, token: issued.token, position };
    } catch (error) {
      if (error instanceof WrongExpectedRevisionError) {
        throw new ConflictError(
          'An earlier attempt of this request registered the integration, and its token cannot be shown again',
        );
      }
      throw error;
    }
  }
}

export const TEAM_COMMAND_HANDLERS = [AddMemberHandler, RemoveMemberHandler, RegisterIntegrationHandler];
