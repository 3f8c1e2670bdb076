/**
 * The inbox views over HTTP: after each step of the seed story, each conversation is in exactly the views
 * it belongs in, and the counts agree; then paging, read-your-writes, refusals and roles.
 */
import { randomUUID } from 'node:crypto';
import { Inbox, type Conversation, type Member } from './support/inbox';

interface Page {
  items: Conversation[];
  nextCursor: string | null;
}
interface InboxPage extends Page {
  counts: { mine: number; unassigned: number };
}

describe('inbox views', () => {
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

  /** Every view, as seen by `member`, read after `position`: the ids in each, and the inbox counts. */
  async function views(member: Member, position: string) {
    const read = async <T>(path: string) =>
      (
        await inbox.request<T>('GET', `${path}${path.includes('?') ? '&' : '?'}minPosition=${position}&limit=200`, {
          token: member.token,
        })
      ).body;
    const ids = (page: Page) => page.items.map((item) => item.id);
    const own = await read<InboxPage>('/inbox');
    return {
      inbox: ids(own),
      counts: own.counts,
      mine: ids(await read<Page>('/conversations?view=mine')),
      unassigned: ids(await read<Page>('/conversations?view=unassigned')),
      assigned: ids(await read<Page>('/conversations?view=assigned')),
      closed: ids(await read<Page>('/conversations?view=closed')),
      all: ids(await read<Page>('/conversations?view=all')),
    };
  }

  it('follow the seed story step by step', async () => {
    const start = async (body: string) => inbox.startConversation(chat.token, body);
    const command = async (member: Member | { token: string }, path: string, body?: unknown) =>
      (await inbox.request<Conversation>('POST', path, { token: member.token, body })).body;

    // An unassigned conversation: in everyone's inbox, in Unassigned and All.
    const first = await start('My parcel has not arrived.');
    let a = await views(alice, first.position);
    expect(a).toMatchObject({
      inbox: [first.id],
      mine: [],
      unassigned: [first.id],
      assigned: [],
      closed: [],
      all: [first.id],
    });
    expect(a.counts).toEqual({ mine: 0, unassigned: 1, unread: 1 });

    // Alice: "Assign to me". In her inbox and Mine; out of Unassigned; out of Bob's inbox.
    let step = await command(alice, `/conversations/${first.id}/assign`, { assigneeId: 'me' });
    a = await views(alice, step.position);
    let b = await views(bob, step.position);
    expect(a).toMatchObject({ inbox: [first.id], mine: [first.id], unassigned: [], assigned: [first.id] });
    expect(a.counts).toEqual({ mine: 1, unassigned: 0, unread: 1 });
    expect(b).toMatchObject({ inbox: [], mine: [], counts: { mine: 0, unassigned: 0 } });

    // Reassigned to Bob: it moves to his inbox.
    step = await command(alice, `/conversations/${first.id}/assign`, { assigneeId: bob.id });
    a = await views(alice, step.position);
    b = await views(bob, step.position);
    expect(a).toMatchObject({ inbox: [], mine: [], counts: { mine: 0, unassigned: 0 } });
    expect(b).toMatchObject({ inbox: [first.id], mine: [first.id], counts: { mine: 1, unassigned: 0 } });

    // A reply on another, unassigned conversation assigns it to the replier; newest activity first.
    const second = await start('Can I change my address?');
    a = await views(alice, second.position);
    expect(a).toMatchObject({ inbox: [second.id], unassigned: [second.id], all: [second.id, first.id] });
    step = await command(alice, `/conversations/${second.id}/messages`, { body: 'Done!' });
    a = await views(alice, step.position);
    expect(a).toMatchObject({
      inbox: [second.id],
      mine: [second.id],
      unassigned: [],
      counts: { mine: 1, unassigned: 0 },
    });

    // Bob closes his: out of his inbox and Mine, into Closed.
    step = await command(bob, `/conversations/${first.id}/close`);
    b = await views(bob, step.position);
    expect(b).toMatchObject({
      inbox: [],
      mine: [],
      closed: [first.id],
      assigned: [second.id],
      counts: { mine: 0, unassigned: 0 },
    });

    // The customer replies: open again, back in Bob's inbox, out of Closed, first in All.
    step = await command(chat, `/conversations/${first.id}/messages`, { body: 'Still nothing.' });
    b = await views(bob, step.position);
    expect(b).toMatchObject({
      inbox: [first.id],
      mine: [first.id],
      closed: [],
      all: [first.id, second.id],
      counts: { mine: 1, unassigned: 0 },
    });

    // Bob leaves the team: his conversation returns to the unassigned queue, in everyone's inbox.
    expect((await inbox.request('DELETE', `/members/${bob.id}`)).status).toBe(204);
    a = await views(alice, await inbox.head().then(String));
    expect(a).toMatchObject({
      inbox: [first.id, second.id],
      mine: [second.id],
      unassigned: [first.id],
      counts: { mine: 1, unassigned: 1 },
    });
    const bobsConversations = await inbox.request<Page>('GET', `/conversations?view=all&assigneeId=${bob.id}`, {
      token: alice.token,
    });
    expect(bobsConversations.body.items).toEqual([]);
  });

  it('lists each conversation as its last command answered it: the same fields, the same values', async () => {
    // Text that JSON must escape (quotes, backslashes, controls, non-ASCII), and no customer name.
    const awkward = 'He said "hi"\\ then\tleft\n🙂 — naïve';
    const started = await inbox.request<Conversation>('POST', '/conversations', {
      token: chat.token,
      body: { customer: { id: `odd-${randomUUID()}` }, subject: awkward, body: awkward },
    });
    expect(started.status).toBe(201);
    const assigned = await inbox.request<Conversation>('POST', `/conversations/${started.body.id}/assign`, {
      token: alice.token,
      body: { assigneeId: 'me' },
    });
    const { position, ...summary } = assigned.body;
    for (const path of ['/inbox', '/conversations?view=mine', '/conversations?view=all']) {
      const page = await inbox.request<Page>('GET', `${path}${path.includes('?') ? '&' : '?'}minPosition=${position}`, {
        token: alice.token,
      });
      expect(page.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(page.body.items.find((item) => item.id === started.body.id)).toEqual(summary);
    }
    expect(summary).toMatchObject({ subject: awkward, customer: { name: null } });
  });

  it('pages by keyset: every row once, in order, even when rows change between pages', async () => {
    const member = await inbox.addMember('Pager');
    const started: Conversation[] = [];
    for (let i = 0; i < 12; i++) started.push(await inbox.startConversation(chat.token, `Page ${i}`));
    const position = started.at(-1)!.position;
    const expected = (
      await inbox.request<Page>('GET', `/conversations?view=unassigned&limit=200&minPosition=${position}`, {
        token: member.token,
      })
    ).body.items.map((c) => c.id);

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = `/conversations?view=unassigned&limit=5${cursor ? `&cursor=${cursor}` : ''}`;
      const page: Page = (await inbox.request<Page>('GET', query, { token: member.token })).body;
      seen.push(...page.items.map((c) => c.id));
      cursor = page.nextCursor;
      if (pages++ === 0) {
        // A row already seen changes meanwhile: it moves to the top, and must not come round again.
        const moved = await inbox.request<Conversation>('POST', `/conversations/${page.items[1].id}/messages`, {
          token: chat.token,
          body: { body: 'bump' },
        });
        await inbox.request('GET', `/inbox?minPosition=${moved.body.position}`, { token: member.token });
      }
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual(expected);
  });

  it('reads its own writes with minPosition, and says which position it shows', async () => {
    const conversation = await inbox.startConversation(chat.token);
    const assigned = await inbox.request<Conversation>('POST', `/conversations/${conversation.id}/assign`, {
      token: alice.token,
      body: { assigneeId: 'me' },
    });
    const response = await inbox.request<InboxPage>('GET', `/inbox?minPosition=${assigned.body.position}`, {
      token: alice.token,
    });
    expect(response.body.items.find((c) => c.id === conversation.id)?.assigneeId).toBe(alice.id);
    expect(BigInt(response.headers.get('x-projection-position')!)).toBeGreaterThanOrEqual(
      BigInt(assigned.body.position),
    );
  });

  it.each([
    ['/conversations?view=everything', /view must be one of: mine, unassigned, assigned, closed, all/],
    ['/conversations?limit=0', /limit must be from 1 to 200/],
    ['/conversations?limit=201', /limit must be from 1 to 200/],
    ['/conversations?limit=ten', /limit must be a whole number/],
    ['/conversations?cursor=garbage', /cursor is not one this server gave out/],
    ['/conversations?assigneeId=bob', /assigneeId must be a member id/],
    ['/conversations?view=unassigned&assigneeId=' + randomUUID(), /assigneeId does not apply to view=unassigned/],
    ['/conversations?minPosition=-1', /minPosition must be a position/],
    ['/conversations?sort=oldest', /sort is not a field of this request/],
    ['/inbox?limit=1000', /limit must be from 1 to 200/],
  ])('refuses %s with 400', async (path, message) => {
    const response = await inbox.request('GET', path, { token: alice.token });
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ statusCode: 400, message: expect.stringMatching(message) });
  });

  it('lets auditors list conversations but not read an inbox; integrations neither', async () => {
    expect((await inbox.request('GET', '/conversations', { token: auditor.token })).status).toBe(200);
    expect((await inbox.request('GET', '/inbox', { token: auditor.token })).status).toBe(403);
    expect((await inbox.request('GET', '/conversations', { token: chat.token })).status).toBe(403);
    expect((await inbox.request('GET', '/inbox', { token: null })).status).toBe(401);
  });
});
