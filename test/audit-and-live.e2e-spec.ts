/** What auditors replay (history, the assignment log), live updates over SSE, and the metrics. */
import { randomUUID } from 'node:crypto';
import { Inbox, type Conversation, type Member } from './support/inbox';

describe('history, audit, live updates and metrics', () => {
  let inbox: Inbox;
  let alice: Member;
  let bob: Member;
  let auditor: Member;
  let chat: { id: string; token: string };

  beforeAll(async () => {
    inbox = await Inbox.start();
    ({ alice, bob, auditor, chat } = await inbox.addTeam());
  });
  afterAll(async () => {
    await inbox.stop();
  });

  const post = (member: { token: string }, path: string, body?: unknown) =>
    inbox.request<Conversation>('POST', path, { token: member.token, body });

  describe('GET /conversations/:id/history', () => {
    it('replays every event of the conversation from the log, oldest first, with who and when', async () => {
      const conversation = await inbox.startConversation(chat.token);
      await post(alice, `/conversations/${conversation.id}/assign`, { assigneeId: 'me' });
      await post(alice, `/conversations/${conversation.id}/close`);
      const response = await inbox.request<Record<string, unknown>[]>(
        'GET',
        `/conversations/${conversation.id}/history`,
        {
          token: auditor.token,
        },
      );
      expect(response.status).toBe(200);
      expect(response.body.map((entry) => [entry.revision, entry.type])).toEqual([
        [0, 'ConversationStarted'],
        [1, 'MessageSent'],
        [2, 'ConversationAssigned'],
        [3, 'ConversationClosed'],
      ]);
      expect(response.body[2]).toEqual({
        position: expect.stringMatching(/^\d+$/),
        revision: 2,
        type: 'ConversationAssigned',
        at: expect.any(String),
        actor: { type: 'member', id: alice.id },
        data: { conversationId: conversation.id, assigneeId: alice.id, previousAssigneeId: null, reason: 'manual' },
      });
      const positions = response.body.map((entry) => BigInt(entry.position as string));
      expect([...positions].sort((a, b) => (a < b ? -1 : 1))).toEqual(positions);

      // minPosition, which every query takes, is no unknown field here: the log itself is always current.
      const { position } = response.body[3] as { position: string };
      const waited = await inbox.request<unknown[]>(
        'GET',
        `/conversations/${conversation.id}/history?minPosition=${position}`,
        { token: auditor.token },
      );
      expect({ status: waited.status, events: waited.body.length }).toEqual({ status: 200, events: 4 });
    });

    it('answers 404 for no conversation, 400 for a malformed id, 403 for an integration', async () => {
      expect(
        (await inbox.request('GET', `/conversations/${randomUUID()}/history`, { token: auditor.token })).status,
      ).toBe(404);
      expect((await inbox.request('GET', '/conversations/x/history', { token: auditor.token })).status).toBe(400);
      expect((await inbox.request('GET', `/conversations/${randomUUID()}/history`, { token: chat.token })).status).toBe(
        403,
      );
    });
  });

  describe('GET /audit/assignments', () => {
    it('streams every assignment change in log order as NDJSON, filtered by time', async () => {
      const from = new Date().toISOString();
      const conversation = await inbox.startConversation(chat.token);
      await post(alice, `/conversations/${conversation.id}/assign`, { assigneeId: 'me' });
      await post(alice, `/conversations/${conversation.id}/assign`, { assigneeId: bob.id });
      await post(bob, `/conversations/${conversation.id}/unassign`);

      const response = await fetch(`${inbox.running.baseUrl}/audit/assignments?since=${from}`, {
        headers: { authorization: `Bearer ${auditor.token}` },
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
      const lines = (await response.text())
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      const mine = lines.filter((line) => line.conversationId === conversation.id);
      expect(mine.map((line) => [line.type, line.assigneeId ?? null, line.previousAssigneeId, line.reason])).toEqual([
        ['ConversationAssigned', alice.id, null, 'manual'],
        ['ConversationAssigned', bob.id, alice.id, 'manual'],
        ['ConversationUnassigned', null, bob.id, 'manual'],
      ]);
      expect(mine[2]).toMatchObject({
        actor: { type: 'member', id: bob.id },
        at: expect.any(String),
        position: expect.any(String),
      });

      const none = await fetch(`${inbox.running.baseUrl}/audit/assignments?until=${from}&since=2000-01-01T00:00:00Z`, {
        headers: { authorization: `Bearer ${auditor.token}` },
      });
      expect((await none.text()).includes(conversation.id)).toBe(false);
    });

    it('refuses bad times (400) and agents (403)', async () => {
      expect(
        (await inbox.request('GET', '/audit/assignments?since=yesterday', { token: auditor.token })).body,
      ).toMatchObject({
        statusCode: 400,
        message: expect.stringMatching(/since must be an ISO-8601 time/),
      });
      expect(
        (
          await inbox.request('GET', '/audit/assignments?since=2026-02-01T00:00:00Z&until=2026-01-01T00:00:00Z', {
            token: auditor.token,
          })
        ).status,
      ).toBe(400);
      expect((await inbox.request('GET', '/audit/assignments', { token: alice.token })).status).toBe(403);
    });
  });

  describe('GET /stream', () => {
    async function openStream(token: string, lastEventId?: string) {
      const controller = new AbortController();
      const response = await fetch(`${inbox.running.baseUrl}/stream`, {
        headers: { authorization: `Bearer ${token}`, ...(lastEventId ? { 'last-event-id': lastEventId } : {}) },
        signal: controller.signal,
      });
      const reader = response.body!.getReader();
      const decoder = new TextDecoder();
      let buffer = '';
      const received: { id: string; data: { conversationId: string; position: string } }[] = [];
      void (async () => {
        try {
          for (;;) {
            const { value, done } = await reader.read();
            if (done) return;
            buffer += decoder.decode(value as Uint8Array, { stream: true });
            let end: number;
            while ((end = buffer.indexOf('\n\n')) >= 0) {
              const block = buffer.slice(0, end);
              buffer = buffer.slice(end + 2);
              const id = /^id: (.*)$/m.exec(block)?.[1];
              const data = /^data: (.*)$/m.exec(block)?.[1];
              if (id && data && !/^event: /m.test(block)) received.push({ id, data: JSON.parse(data) });
            }
          }
        } catch {
          // aborted
        }
      })();
      return { response, received, close: () => controller.abort() };
    }

    async function until(check: () => boolean): Promise<void> {
      const deadline = Date.now() + 3000;
      while (!check()) {
        if (Date.now() > deadline) throw new Error('No event arrived in time');
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    }

    it('tells a member, live, each time a conversation changes, once the views show it', async () => {
      const stream = await openStream(bob.token);
      try {
        expect(stream.response.headers.get('content-type')).toMatch(/^text\/event-stream/);
        const conversation = await inbox.startConversation(chat.token);
        const assigned = await post(alice, `/conversations/${conversation.id}/assign`, { assigneeId: bob.id });
        await until(() => stream.received.some((event) => event.data.position === assigned.body.position));
        const event = stream.received.find((e) => e.data.position === assigned.body.position)!;
        expect(event).toEqual({
          id: assigned.body.position,
          data: { conversationId: conversation.id, position: assigned.body.position },
        });
        // Sent once the views show it: Bob's inbox has it already.
        const bobsInbox = await inbox.request<{ items: Conversation[] }>('GET', '/inbox', { token: bob.token });
        expect(bobsInbox.body.items.map((item) => item.id)).toContain(conversation.id);
      } finally {
        stream.close();
      }
    });

    it('sends what was missed after Last-Event-ID', async () => {
      const conversation = await inbox.startConversation(chat.token);
      const missed = await post(alice, `/conversations/${conversation.id}/close`);
      const stream = await openStream(alice.token, conversation.position);
      try {
        await until(() => stream.received.some((event) => event.data.position === missed.body.position));
        expect(stream.received.map((event) => event.data.conversationId)).toContain(conversation.id);
        expect(stream.received.every((event) => BigInt(event.id) > BigInt(conversation.position))).toBe(true);
      } finally {
        stream.close();
      }
    });

    it('is for agents and admins', async () => {
      expect((await inbox.request('GET', '/stream', { token: auditor.token })).status).toBe(403);
      expect((await inbox.request('GET', '/stream', { token: chat.token })).status).toBe(403);
      expect(
        (await inbox.request('GET', '/stream', { token: alice.token, headers: { 'last-event-id': 'abc' } })).status,
      ).toBe(400);
    });
  });

  describe('GET /metrics', () => {
    it('exposes command latency by command, events appended by type, and projection lag, to admins only', async () => {
      const conversation = await inbox.startConversation(chat.token);
      const assigned = await post(alice, `/conversations/${conversation.id}/assign`, { assigneeId: 'me' });
      // The read models follow asynchronously (API.md): once they show the assignment, nothing is pending.
      const position = (assigned.body as unknown as { position: string }).position;
      expect((await inbox.request('GET', `/inbox?minPosition=${position}`, { token: alice.token })).status).toBe(200);
      const response = await inbox.request<string>('GET', '/metrics');
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(response.body).toMatch(
        /team_inbox_command_duration_seconds_count\{command="POST \/conversations\/:id\/assign",status="ok"\} [1-9]/,
      );
      expect(response.body).toMatch(/team_inbox_events_appended_total\{type="ConversationAssigned"\} [1-9]/);
      expect(response.body).toMatch(/team_inbox_projection_lag_seconds_count [1-9]/);
      expect(response.body).toMatch(/team_inbox_event_store_commit_seconds_count [1-9]/);
      expect(response.body).toMatch(/team_inbox_projection_lag_events 0/);
      expect((await inbox.request('GET', '/metrics', { token: alice.token })).status).toBe(403);
    });
  });
});
