/**
 * The help article's story, end to end over HTTP: take an unassigned conversation, pass it on, reply to
 * take another, close, the customer writes back, and a member leaves.
 */
import { Inbox, type Conversation, type Member } from './support/inbox';

describe("the seed help article's story", () => {
  let inbox: Inbox;
  beforeAll(async () => {
    inbox = await Inbox.start();
  });
  afterAll(async () => {
    await inbox.stop();
  });

  it('assign to me, reassign, reply to take, close, customer reopens with the same assignee, removal unassigns', async () => {
    const alice: Member = await inbox.addMember('Alice');
    const bob: Member = await inbox.addMember('Bob');
    const chat = await inbox.addIntegration('Chat widget');
    const get = async (id: string) =>
      (await inbox.request<Conversation>('GET', `/conversations/${id}`, { token: alice.token })).body;

    // An unassigned conversation.
    const first = await inbox.startConversation(chat.token, 'My parcel has not arrived.');
    expect(first).toMatchObject({ status: 'open', assigneeId: null });

    // "Assign to me".
    const mine = await inbox.request<Conversation>('POST', `/conversations/${first.id}/assign`, {
      token: alice.token,
      body: { assigneeId: 'me' },
    });
    expect(mine.body.assigneeId).toBe(alice.id);

    // Reassigned to another member: it is now on Bob's plate.
    const reassigned = await inbox.request<Conversation>('POST', `/conversations/${first.id}/assign`, {
      token: alice.token,
      body: { assigneeId: bob.id },
    });
    expect(reassigned.body.assigneeId).toBe(bob.id);

    // A reply on another, unassigned conversation assigns it to the replier.
    const second = await inbox.startConversation(chat.token, 'Can I change my address?');
    const reply = await inbox.request<Conversation>('POST', `/conversations/${second.id}/messages`, {
      token: alice.token,
      body: { body: 'Yes, I have changed it for you.' },
    });
    expect(reply.body).toMatchObject({ assigneeId: alice.id, messageCount: 2 });
    expect((await get(second.id)).timeline!.at(-1)).toMatchObject({
      type: 'assigned',
      reason: 'replied',
      assigneeId: alice.id,
    });

    // Close: archived.
    const closed = await inbox.request<Conversation>('POST', `/conversations/${first.id}/close`, { token: bob.token });
    expect(closed.body).toMatchObject({ status: 'closed', assigneeId: bob.id });

    // The customer replies: open again, with the same assignee.
    const customerReply = await inbox.request<Conversation>('POST', `/conversations/${first.id}/messages`, {
      token: chat.token,
      body: { body: 'It still has not arrived.' },
    });
    expect(customerReply.body).toMatchObject({ status: 'open', assigneeId: bob.id });
    expect((await get(first.id)).timeline!.at(-1)).toMatchObject({ type: 'reopened', reason: 'customer_replied' });

    // Removing that member returns the conversation to the unassigned queue.
    expect((await inbox.request('DELETE', `/members/${bob.id}`)).status).toBe(204);
    const afterRemoval = await get(first.id);
    expect(afterRemoval).toMatchObject({ status: 'open', assigneeId: null });
    expect(afterRemoval.timeline!.at(-1)).toMatchObject({
      type: 'unassigned',
      reason: 'member_removed',
      previousAssigneeId: bob.id,
      actor: { type: 'system', id: 'member-removal' },
    });
    // Alice's conversation is untouched.
    expect((await get(second.id)).assigneeId).toBe(alice.id);
  });
});
