/** Many members acting on one conversation at once: optimistic concurrency over HTTP. */
import { Inbox, type Conversation, type Member } from './support/inbox';

describe('twenty members assigning one conversation to themselves at once', () => {
  let inbox: Inbox;
  let members: Member[];
  let chat: { token: string };

  beforeAll(async () => {
    inbox = await Inbox.start();
    members = [];
    for (let i = 0; i < 20; i++) members.push(await inbox.addMember(`Agent ${String(i).padStart(2, '0')}`));
    chat = await inbox.addIntegration();
  });
  afterAll(async () => {
    await inbox.stop();
  });

  it('with the If-Match they read: exactly one 200, nineteen 412, and one assignment in the log', async () => {
    const conversation = await inbox.startConversation(chat.token);
    const etags = await Promise.all(
      members.map(async (member) => {
        const read = await inbox.request('GET', `/conversations/${conversation.id}`, { token: member.token });
        return read.headers.get('etag')!;
      }),
    );
    expect(new Set(etags)).toEqual(new Set(['"1"']));

    const responses = await Promise.all(
      members.map((member, i) =>
        inbox.request<Conversation>('POST', `/conversations/${conversation.id}/assign`, {
          token: member.token,
          body: { assigneeId: 'me' },
          headers: { 'if-match': etags[i] },
        }),
      ),
    );

    const statuses = responses.map((r) => r.status).sort();
    expect(statuses).toEqual([200, ...Array<number>(19).fill(412)]);
    const winner = responses.find((r) => r.status === 200)!;
    for (const loser of responses.filter((r) => r.status === 412)) {
      expect(loser.body).toMatchObject({ assigneeId: winner.body.assigneeId, revision: 2 });
    }
    const types = (await inbox.streamEvents(`conversation-${conversation.id}`)).map((e) => e.type);
    expect(types).toEqual(['ConversationStarted', 'MessageSent', 'ConversationAssigned']);
  });

  it('without If-Match: twenty successes, every assignment recorded, revisions gap-free', async () => {
    const conversation = await inbox.startConversation(chat.token);
    const responses = await Promise.all(
      members.map((member) =>
        inbox.request<Conversation>('POST', `/conversations/${conversation.id}/assign`, {
          token: member.token,
          body: { assigneeId: 'me' },
        }),
      ),
    );

    expect(responses.map((r) => r.status)).toEqual(Array<number>(20).fill(200));
    const events = await inbox.streamEvents(`conversation-${conversation.id}`);
    expect(events.map((e) => e.revision)).toEqual(events.map((_, i) => BigInt(i)));
    const assignments = events.filter((e) => e.type === 'ConversationAssigned');
    expect(assignments).toHaveLength(20);
    expect(new Set(assignments.map((e) => (e.data as { assigneeId: string }).assigneeId))).toEqual(
      new Set(members.map((m) => m.id)),
    );
    // Each assignment names the one it replaced: the chain is unbroken.
    assignments.forEach((event, i) => {
      const previous = i === 0 ? null : (assignments[i - 1].data as { assigneeId: string }).assigneeId;
      expect((event.data as { previousAssigneeId: string | null }).previousAssigneeId).toBe(previous);
    });
  });
});
