/**
 * Removing a member returns its conversations to the unassigned queue through a process manager, which
 * finishes that work after a crash between the removal and the unassignments, and does it once.
 */
import { eventMetadata, systemActor } from '@team-inbox/core';
import { SqliteEventStore, sqliteEventStoreFile } from '@team-inbox/event-store';
import { randomUUID } from 'node:crypto';
import { Inbox, type Conversation, type Member } from './support/inbox';
import { eventually } from './support/eventually';

describe('member removal', () => {
  let inbox: Inbox;
  let bob: Member;
  let chat: { token: string };
  let conversations: Conversation[];

  beforeEach(async () => {
    inbox = await Inbox.start();
    bob = await inbox.addMember('Bob');
    chat = await inbox.addIntegration();
    conversations = [];
    for (const body of ['One', 'Two', 'Three']) {
      const conversation = await inbox.startConversation(chat.token, body);
      await inbox.request('POST', `/conversations/${conversation.id}/assign`, {
        token: bob.token,
        body: { assigneeId: 'me' },
      });
      conversations.push(conversation);
    }
    // A closed one goes back too: should the customer write again, it must not reopen with a departed assignee.
    await inbox.request('POST', `/conversations/${conversations[2].id}/close`, { token: bob.token });
  });
  afterEach(async () => {
    await inbox.stop();
  });

  const unassignments = async (conversationId: string) =>
    (await inbox.streamEvents(`conversation-${conversationId}`)).filter((e) => e.type === 'ConversationUnassigned');

  it('unassigns every conversation of the member, with reason member_removed, before DELETE answers', async () => {
    expect((await inbox.request('DELETE', `/members/${bob.id}`)).status).toBe(204);
    for (const conversation of conversations) {
      const events = await unassignments(conversation.id);
      expect(events).toHaveLength(1);
      expect(events[0].data).toEqual({
        conversationId: conversation.id,
        previousAssigneeId: bob.id,
        reason: 'member_removed',
      });
      expect(events[0].metadata).toMatchObject({ actor: { type: 'system', id: 'member-removal' } });
    }
  });

  it('finishes after a crash between the removal and the unassignments', async () => {
    const dataDir = inbox.dataDir;
    await inbox.stop({ keepData: true });

    // The state a crash right after DELETE's append leaves: the member removed, its conversations not yet.
    const store = new SqliteEventStore({ filename: sqliteEventStoreFile(dataDir) });
    const memberEvents = [];
    for await (const event of store.readStream(`member-${bob.id}`)) memberEvents.push(event);
    await store.append(
      `member-${bob.id}`,
      [
        {
          id: randomUUID(),
          type: 'MemberRemoved',
          data: { memberId: bob.id },
          metadata: eventMetadata({ actor: systemActor('test'), occurredAt: new Date(), correlationId: randomUUID() }),
        },
      ],
      { expectedRevision: memberEvents.at(-1)!.revision },
    );
    await store.close();

    inbox = await Inbox.start({ dataDir });
    await eventually(async () =>
      (await Promise.all(conversations.map((c) => unassignments(c.id)))).every((e) => e.length === 1),
    );

    // And once only: another restart, more waiting, still one each.
    await inbox.stop({ keepData: true });
    inbox = await Inbox.start({ dataDir });
    await new Promise((resolve) => setTimeout(resolve, 300));
    for (const conversation of conversations) expect(await unassignments(conversation.id)).toHaveLength(1);
  });

  it('unassigns once when two server processes both run the process manager', async () => {
    const sibling = await Inbox.start({ dataDir: inbox.dataDir });
    try {
      expect((await inbox.request('DELETE', `/members/${bob.id}`)).status).toBe(204);
      await new Promise((resolve) => setTimeout(resolve, 300)); // let the sibling's process manager catch up too
      for (const conversation of conversations) expect(await unassignments(conversation.id)).toHaveLength(1);
    } finally {
      await sibling.stop({ keepData: true });
    }
  });
});
