/**
 * Unread, per member (API.md 1.1): a conversation is unread to a member where something happened in it (a
 * customer's message, a store event, an assignment to that member by someone else) after the member last
 * read it (`POST /conversations/:id/read`). Reading is the member's own fact, in the member's stream: the
 * conversation's revision does not move. The views mark each summary, and the counts count them per view.
 */
import { UnreadProjection } from '@team-inbox/conversations';
import {
  ProjectionProgress,
  READ_MODEL_DB,
  readModelFile,
  rebuildReadModels,
  replayInto,
} from '@team-inbox/projections';
import type Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { READ_MODEL_PROJECTIONS } from '../apps/inbox-api/src/read-model-projections';
import { Inbox, type Conversation, type Member } from './support/inbox';
import { dumpTables } from './support/read-model-tables';

type Summary = Conversation & { unread?: boolean };
interface Page {
  items: Summary[];
  nextCursor: string | null;
}
interface InboxPage extends Page {
  counts: { mine: number; unassigned: number; unread?: number };
}
interface ViewCounts {
  inbox: number;
  mine: number;
  unassigned: number;
  assigned: number;
  closed: number;
  all: number;
  unread?: Omit<ViewCounts, 'unread'>;
}

describe('unread', () => {
  let inbox: Inbox;
  let alice: Member;
  let bob: Member;
  let auditor: Member;
  let chat: { token: string };

  beforeAll(async () => {
    inbox = await Inbox.start();
    ({ alice, bob, auditor, chat } = await inbox.addTeam());
  });
  afterAll(async () => {
    await inbox.stop();
  });

  const post = async (member: { token: string } | null, path: string, body?: unknown) =>
    inbox.request<Summary>('POST', path, { token: member === null ? undefined : member.token, body });
  const read = (member: Member, id: string, body?: unknown) => post(member, `/conversations/${id}/read`, body);

  /** How `member` sees the conversation in the All view once the views reach `position`. */
  async function listed(member: Member, id: string, position: string): Promise<Summary | undefined> {
    const page = await inbox.request<Page>('GET', `/conversations?view=all&limit=200&minPosition=${position}`, {
      token: member.token,
    });
    return page.body.items.find((item) => item.id === id);
  }
  const unreadTo = async (member: Member, id: string, position: string) => (await listed(member, id, position))?.unread;

  it('is true after a customer message, false once read, and true again after the next one', async () => {
    const started = await inbox.startConversation(chat.token);
    expect(await unreadTo(alice, started.id, started.position)).toBe(true);

    const marked = await read(alice, started.id);
    expect(marked.status).toBe(200);
    expect(marked.body).toMatchObject({ id: started.id, unread: false });
    expect(await unreadTo(alice, started.id, marked.body.position)).toBe(false);
    // Alice's read is hers alone.
    expect(await unreadTo(bob, started.id, marked.body.position)).toBe(true);

    const again = await post(chat, `/conversations/${started.id}/messages`, { body: 'Any news?' });
    expect(await unreadTo(alice, started.id, again.body.position)).toBe(true);
  });

  it('is true after a store event, and after an assignment to me by someone else, but not by me', async () => {
    const started = await inbox.startConversation(chat.token);
    const first = await read(alice, started.id);
    await read(bob, started.id);
    expect(await unreadTo(alice, started.id, first.body.position)).toBe(false);

    const storeEvent = await inbox.request<{ conversationId: string }>('POST', '/store-events', {
      token: chat.token,
      body: {
        id: `order-${randomUUID()}`,
        type: 'order.created',
        customer: { id: started.customer.id },
        requiresAction: false,
        summary: 'Order #1001 placed',
        conversationId: started.id,
      },
    });
    expect(storeEvent.status).toBe(202);
    const head = String(await inbox.head());
    expect(await unreadTo(alice, started.id, head)).toBe(true);

    const afterStoreEvent = await read(alice, started.id);
    expect(await unreadTo(alice, started.id, afterStoreEvent.body.position)).toBe(false);
    // Alice takes it herself: nothing new to her. Bob reassigns it to her: new to her.
    const taken = await post(alice, `/conversations/${started.id}/assign`, { assigneeId: 'me' });
    expect(taken.body.unread).toBe(false);
    expect(await unreadTo(alice, started.id, taken.body.position)).toBe(false);
    await read(bob, started.id);
    const toBob = await post(alice, `/conversations/${started.id}/assign`, { assigneeId: bob.id });
    expect(await unreadTo(bob, started.id, toBob.body.position)).toBe(true);
    expect(await unreadTo(alice, started.id, toBob.body.position)).toBe(false);
    const backToAlice = await post(bob, `/conversations/${started.id}/assign`, { assigneeId: alice.id });
    expect(backToAlice.body.unread).toBe(true); // Bob's answer: he has not read what he was assigned
    expect(await unreadTo(alice, started.id, backToAlice.body.position)).toBe(true);
  });

  it("is not made true by the member's own reply, whose answer says so", async () => {
    const started = await inbox.startConversation(chat.token);
    await read(alice, started.id);
    const reply = await post(alice, `/conversations/${started.id}/messages`, { body: 'On its way.' });
    expect(reply.status).toBe(201);
    expect(reply.body).toMatchObject({ assigneeId: alice.id, unread: false });
    expect(await unreadTo(alice, started.id, reply.body.position)).toBe(false);
    // To Bob, who never read it, it is unread all along.
    expect(await unreadTo(bob, started.id, reply.body.position)).toBe(true);
  });

  it("appends ConversationRead to the member's stream, never to the conversation's: its ETag stays", async () => {
    const started = await inbox.startConversation(chat.token);
    const etag = (await inbox.request('GET', `/conversations/${started.id}`, { token: alice.token })).headers.get(
      'etag',
    );
    const conversationEvents = (await inbox.streamEvents(`conversation-${started.id}`)).length;

    const marked = await read(alice, started.id);
    expect(marked.headers.get('etag')).toBe(etag);
    const after = await inbox.request('GET', `/conversations/${started.id}`, { token: alice.token });
    expect(after.headers.get('etag')).toBe(etag);
    expect(await inbox.streamEvents(`conversation-${started.id}`)).toHaveLength(conversationEvents);
    const reads = (await inbox.streamEvents(`member-${alice.id}`)).filter((event) => event.type === 'ConversationRead');
    // Read up to the conversation's last event; the answer's position is the read's own, in the log.
    const lastEvent = (await inbox.streamEvents(`conversation-${started.id}`)).at(-1)!.position;
    expect(reads.at(-1)).toMatchObject({
      data: { memberId: alice.id, conversationId: started.id, position: String(lastEvent) },
    });
    expect(BigInt(marked.body.position)).toBe(reads.at(-1)!.position);
  });

  it('reading again, as far or less far, appends nothing; a position past the conversation reads up to its end', async () => {
    const started = await inbox.startConversation(chat.token);
    const lastEvent = (await inbox.streamEvents(`conversation-${started.id}`)).at(-1)!.position;
    const marked = await read(alice, started.id, { position: String(lastEvent + 1000n) });
    expect(marked.status).toBe(200);
    const reads = (await inbox.streamEvents(`member-${alice.id}`)).filter((event) => event.type === 'ConversationRead');
    expect(reads.at(-1)!.data).toMatchObject({ conversationId: started.id, position: String(lastEvent) });

    await inbox.expectNothingAppended(async () => {
      expect((await read(alice, started.id)).status).toBe(200);
      expect((await read(alice, started.id, { position: '1' })).body.unread).toBe(false);
    });
  });

  it('reads up to a given position: what happened after it stays unread', async () => {
    const started = await inbox.startConversation(chat.token);
    const next = await post(chat, `/conversations/${started.id}/messages`, { body: 'Hello?' });
    const marked = await read(alice, started.id, { position: started.position });
    expect(marked.body.unread).toBe(true);
    expect(await unreadTo(alice, started.id, marked.body.position)).toBe(true);
    const all = await read(alice, started.id, { position: next.body.position });
    expect(all.body.unread).toBe(false);
    expect(await unreadTo(alice, started.id, all.body.position)).toBe(false);
  });

  it("counts each view's unread conversations, for the caller", async () => {
    const carol = await inbox.addMember('Carol');
    const counts = async (position: string) =>
      (await inbox.request<ViewCounts>('GET', `/inbox/counts?minPosition=${position}`, { token: carol.token })).body;
    const inboxCounts = async (position: string) =>
      (await inbox.request<InboxPage>('GET', `/inbox?minPosition=${position}`, { token: carol.token })).body.counts;
    const before = await counts(String(await inbox.head()));
    // Every conversation so far is unread to a member who never read one.
    expect(before.unread).toEqual({
      inbox: before.inbox,
      mine: 0,
      unassigned: before.unassigned,
      assigned: before.assigned,
      closed: before.closed,
      all: before.all,
    });

    const mine = await inbox.startConversation(chat.token);
    await post(alice, `/conversations/${mine.id}/assign`, { assigneeId: carol.id });
    const queued = await inbox.startConversation(chat.token);
    const closed = await inbox.startConversation(chat.token);
    let step = await post(alice, `/conversations/${closed.id}/close`);
    let now = await counts(step.body.position);
    expect(now.unread).toEqual({
      inbox: before.unread!.inbox + 2,
      mine: 1,
      unassigned: before.unread!.unassigned + 1,
      assigned: before.unread!.assigned + 1,
      closed: before.unread!.closed + 1,
      all: before.unread!.all + 3,
    });

    await read(carol, mine.id);
    await read(carol, queued.id);
    step = await read(carol, closed.id);
    now = await counts(step.body.position);
    expect(now.unread).toEqual(before.unread);
    expect((await inboxCounts(step.body.position)).unread).toBe(before.unread!.inbox);

    // Read, then moved between views: the read goes with it, and a customer's reopening makes it unread.
    step = await post(alice, `/conversations/${queued.id}/close`);
    expect((await counts(step.body.position)).unread).toEqual(before.unread);
    step = await post(chat, `/conversations/${closed.id}/messages`, { body: 'Not solved.' });
    now = await counts(step.body.position);
    expect(now.unread).toMatchObject({ unassigned: before.unread!.unassigned + 1, closed: before.unread!.closed });
    const page = await inbox.request<InboxPage>('GET', `/inbox?minPosition=${step.body.position}&limit=200`, {
      token: carol.token,
    });
    expect(page.body.counts.unread).toBe(before.unread!.inbox + 1);
    expect(page.body.items.filter((item) => item.unread)).toHaveLength(page.body.counts.unread!);
  });

  it('is kept by a rebuild of the read models', async () => {
    const started = await inbox.startConversation(chat.token);
    const marked = await read(bob, started.id);
    const head = await inbox.head();
    expect(await inbox.running.app.get(ProjectionProgress).waitFor(head, 20_000)).toBe(true);
    const view = async () => ({
      counts: (await inbox.request<ViewCounts>('GET', '/inbox/counts', { token: bob.token })).body,
      items: (await inbox.request<Page>('GET', '/conversations?view=all&limit=200', { token: bob.token })).body.items,
    });
    const live = await view();
    expect(live.items.find((item) => item.id === started.id)?.unread).toBe(false);
    expect(live.items.some((item) => item.unread)).toBe(true);
    // After the reads, moves and news of the tests before: the log alone gives the same rows.
    const tables = new UnreadProjection().tables;
    const replayed = await replayInto(join(inbox.dataDir, 'unread-compare.sqlite'), inbox.store, [
      new UnreadProjection(),
    ]);
    try {
      expect(dumpTables(replayed.db, tables)).toEqual(
        dumpTables(inbox.running.app.get<Database.Database>(READ_MODEL_DB), tables),
      );
    } finally {
      replayed.db.close();
    }

    await rebuildReadModels({
      eventStore: inbox.store,
      projections: READ_MODEL_PROJECTIONS.map((projection) => new projection()),
      readModelFile: readModelFile(inbox.dataDir),
    });
    await inbox.request('GET', `/inbox?minPosition=${marked.body.position}`, { token: bob.token });
    expect(await view()).toEqual(live);
  });

  it('carries no unread for callers who have no read marks, and refuses to read for them', async () => {
    const started = await inbox.startConversation(chat.token);
    const asAuditor = await inbox.request<Page>('GET', `/conversations?view=all&minPosition=${started.position}`, {
      token: auditor.token,
    });
    expect(asAuditor.body.items.find((item) => item.id === started.id)).not.toHaveProperty('unread');
    const asAdmin = await inbox.request<InboxPage>('GET', `/inbox?minPosition=${started.position}`);
    expect(asAdmin.body.items.find((item) => item.id === started.id)).not.toHaveProperty('unread');
    expect(asAdmin.body.counts).not.toHaveProperty('unread');

    await inbox.expectNothingAppended(async () => {
      const byAdmin = await inbox.request('POST', `/conversations/${started.id}/read`, { body: {} });
      expect(byAdmin.status).toBe(422);
      expect(byAdmin.body).toMatchObject({ statusCode: 422, message: expect.stringMatching(/bootstrap admin/) });
      expect((await read(auditor, started.id)).status).toBe(403);
      expect((await post(chat, `/conversations/${started.id}/read`)).status).toBe(403);
    });
  });

  it('refuses an unknown conversation (404) and a malformed id, position or field (400), appending nothing', async () => {
    const started = await inbox.startConversation(chat.token);
    await inbox.expectNothingAppended(async () => {
      const unknown = await read(alice, randomUUID());
      expect(unknown.status).toBe(404);
      expect(unknown.body).toMatchObject({ statusCode: 404, message: expect.stringMatching(/No conversation/) });
      const cases: [string, unknown, RegExp][] = [
        ['not-a-uuid', {}, /uuid/i],
        [started.id, { position: 'soon' }, /position/],
        [started.id, { position: 12 }, /position/],
        [started.id, { position: '-1' }, /position/],
        [started.id, { until: '1' }, /until is not a field/],
      ];
      for (const [id, body, message] of cases) {
        const refused = await read(alice, id, body);
        expect(refused.status).toBe(400);
        expect(refused.body).toMatchObject({ statusCode: 400, message: expect.stringMatching(message) });
      }
    });
  });
});
