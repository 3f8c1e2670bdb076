import { ConflictError, NotFoundError, eventMetadata, type CommandContext } from '@team-inbox/core';
import { InMemoryEventStore, collect } from '@team-inbox/event-store';
import { randomUUID } from 'node:crypto';
import { memberStreamId } from './domain/team.events';
import {
  AddMemberCommand,
  AddMemberHandler,
  RemoveMemberCommand,
  RemoveMemberHandler,
  memberEmailStreamId,
} from './team.commands';

const admin = (idempotencyKey?: string): CommandContext => ({
  actor: { type: 'admin', id: 'bootstrap-admin' },
  occurredAt: new Date(),
  correlationId: randomUUID(),
  idempotencyKey,
});

describe('team commands', () => {
  let store: InMemoryEventStore;
  let add: AddMemberHandler;
  let remove: RemoveMemberHandler;
  beforeEach(() => {
    store = new InMemoryEventStore();
    add = new AddMemberHandler(store);
    remove = new RemoveMemberHandler(store);
  });

  it('a release that lands after a newer claim does not free the email', async () => {
    const a = await add.execute(new AddMemberCommand('A', 'same@example.com', 'agent', admin()));
    await remove.execute(new RemoveMemberCommand(a.member.id, admin()));
    const b = await add.execute(new AddMemberCommand('B', 'same@example.com', 'agent', admin()));
    // A's release, delayed past B's claim (the interleaving of a slow removal):
    await store.append(
      memberEmailStreamId('same@example.com'),
      [
        {
          id: randomUUID(),
          type: 'MemberEmailReleased',
          data: { memberId: a.member.id },
          metadata: eventMetadata(admin()),
        },
      ],
      { expectedRevision: 'any' },
    );
    await expect(add.execute(new AddMemberCommand('C', 'SAME@example.com', 'agent', admin()))).rejects.toThrow(
      new ConflictError('An active member already has the email SAME@example.com'),
    );
    expect(b.member.email).toBe('same@example.com');
  });

  it('a keyed retry after a crash between the email claim and the join goes through', async () => {
    const key = 'add-dana';
    const claimOnly = jest.spyOn(store, 'append');
    claimOnly.mockImplementation(async function (this: InMemoryEventStore, streamId, events, options) {
      if (streamId.startsWith('member-email-'))
        return InMemoryEventStore.prototype.append.call(store, streamId, events, options);
      throw new Error('the process stopped');
    });
    await expect(add.execute(new AddMemberCommand('Dana', 'dana@example.com', 'agent', admin(key)))).rejects.toThrow(
      'the process stopped',
    );
    claimOnly.mockRestore();

    const retried = await add.execute(new AddMemberCommand('Dana', 'dana@example.com', 'agent', admin(key)));
    expect(retried.member.email).toBe('dana@example.com');
  });

  it('of two copies of one keyed request, only the one whose token was stored hands it out', async () => {
    const key = 'twice';
    const outcomes = await Promise.allSettled([
      add.execute(new AddMemberCommand('Eve', 'eve@example.com', 'agent', admin(key))),
      add.execute(new AddMemberCommand('Eve', 'eve@example.com', 'agent', admin(key))),
    ]);
    const handedOut = outcomes.filter((o) => o.status === 'fulfilled');
    expect(handedOut).toHaveLength(1);
    expect((outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult).reason).toBeInstanceOf(
      ConflictError,
    );
    const [joined] = await collect(store.readStream(memberStreamId(handedOut[0].value.member.id)));
    expect(joined.data.tokenHash).toBeDefined();
  });

  it('of two concurrent removals, one removes and the other finds no active member', async () => {
    const member = await add.execute(new AddMemberCommand('Finn', 'finn@example.com', 'agent', admin()));
    const outcomes = await Promise.allSettled([
      remove.execute(new RemoveMemberCommand(member.member.id, admin())),
      remove.execute(new RemoveMemberCommand(member.member.id, admin())),
    ]);
    expect(outcomes.map((o) => o.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect((outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult).reason).toBeInstanceOf(
      NotFoundError,
    );
  });
});
