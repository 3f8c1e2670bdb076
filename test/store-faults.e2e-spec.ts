/**
 * Store faults over HTTP: a full disk under the embedded store; an EventStoreDB that refuses connections,
 * comes back (a stand-in speaking its gRPC protocol), and hangs. Either way a command is refused with 503 and says so, nothing refused is written, nothing acknowledged
 * is lost, and the server keeps answering.
 */
import { randomUUID } from 'node:crypto';
import { startFakeEventStoreDb } from './support/fake-eventstoredb';
import { freePort } from './support/free-port';
import { ADMIN_TOKEN, Inbox } from './support/inbox';
import { startApp, type RunningApp } from './support/test-app';

/** 4 KiB pages: room for the team and a few dozen long messages, then "database or disk is full". */
const MAX_PAGES = 60;
const LONG_BODY = 'A long message that fills the disk. '.repeat(400); // ~14 KB, a few pages an event

describe('a full disk under the embedded store', () => {
  let inbox: Inbox;

  beforeAll(async () => {
    inbox = await Inbox.start({ eventStore: { maxPageCount: MAX_PAGES } });
  });
  afterAll(() => inbox.stop());

  it('refuses commands with 503 once the disk is full, and loses none it acknowledged', async () => {
    const { chat } = await inbox.addTeam();
    const conversation = await inbox.startConversation(chat.token);
    const acknowledged: string[] = [];
    const refused: { status: number; body: Record<string, unknown>; retryAfter: string | null }[] = [];

    // Eight at a time, so that refusals also hit appends sharing one commit.
    for (let round = 0; round < 30 && refused.length === 0; round++) {
      const answers = await Promise.all(
        Array.from({ length: 8 }, () =>
          inbox.request<{ messageId: string }>('POST', `/conversations/${conversation.id}/messages`, {
            token: chat.token,
            body: { body: LONG_BODY },
          }),
        ),
      );
      for (const answer of answers) {
        if (answer.status === 201) acknowledged.push(answer.body.messageId);
        else
          refused.push({
            status: answer.status,
            body: answer.body,
            retryAfter: answer.headers.get('retry-after'),
          });
      }
    }

    expect(acknowledged.length).toBeGreaterThan(0);
    expect(refused.length).toBeGreaterThan(0);
    for (const refusal of refused) {
      expect(refusal.status).toBe(503);
      expect(refusal.body.message).toMatch(/nothing was written.*full/);
      expect(refusal.retryAfter).toBe('1');
    }

    // Every acknowledged message is in the log exactly once, and no refused one is.
    const sent = (await inbox.streamEvents(`conversation-${conversation.id}`))
      .filter((event) => event.type === 'MessageSent')
      .map((event) => (event.data as { messageId: string }).messageId);
    expect(sent.slice(1).sort()).toEqual([...acknowledged].sort());

    // Still full: another message is refused and appends nothing; reads go on.
    const head = await inbox.head();
    const again = await inbox.request('POST', `/conversations/${conversation.id}/messages`, {
      token: chat.token,
      body: { body: LONG_BODY },
    });
    expect(again.status).toBe(503);
    expect(await inbox.head()).toBe(head);
    const read = await inbox.request<{ messageCount: number }>(
      'GET',
      `/conversations/${conversation.id}?minPosition=${head}`,
    );
    expect(read.status).toBe(200);
    expect(read.body.messageCount).toBe(acknowledged.length + 1);
  });
});

describe('an EventStoreDB that is down, comes back, and hangs', () => {
  let port: number;
  let running: RunningApp;

  beforeAll(async () => {
    port = await freePort(); // nothing listens yet: connections are refused
    running = await startApp({
      env: {
        INBOX_ADMIN_TOKEN: ADMIN_TOKEN,
        EVENT_STORE: 'eventstoredb',
        EVENTSTORE_CONNECTION_STRING: `esdb://127.0.0.1:${port}?tls=false`,
      },
    });
  });
  afterAll(() => running.stop());

  const timed = async (method: 'GET' | 'POST', path: string, body?: unknown) => {
    const started = performance.now();
    const response = await fetch(`${running.baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${ADMIN_TOKEN}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return {
      status: response.status,
      body: (await response.json()) as { message?: string; token?: string },
      retryAfter: response.headers.get('retry-after'),
      ms: performance.now() - started,
    };
  };
  const addMember = () => timed('POST', '/members', { name: 'Alice', email: `alice.${randomUUID()}@example.com` });

  const expectDown = async () => {
    const health = await timed('GET', '/health');
    expect(health.status).toBe(503);
    expect(health.body.message).toMatch(/eventstoredb/i);
    expect(health.ms).toBeLessThan(2000);
    for (const answer of [await addMember(), await timed('POST', `/conversations/${randomUUID()}/close`)]) {
      expect(answer.status).toBe(503);
      expect(answer.body.message).toMatch(/nothing was written: EventStoreDB cannot be reached/);
      expect(answer.retryAfter).toBe('1');
      expect(answer.ms).toBeLessThan(2000);
    }
  };

  it('while it refuses connections: /health and commands answer 503 within 2 seconds; reads go on', async () => {
    await expectDown();
    expect((await timed('GET', '/inbox')).status).toBe(200);
  });

  it('once it is back, /health and commands recover by themselves; down again, 503 again', async () => {
    const server = await startFakeEventStoreDb(port);
    let conversationId: string;
    try {
      const health = await timed('GET', '/health');
      expect(health.status).toBe(200);
      const member = await addMember();
      expect(member.status).toBe(201);
      expect([...server.streams.keys()].some((stream) => stream.startsWith('member-'))).toBe(true);
      // A conversation the command handler then remembers: its next command appends without reading first.
      const chat = await timed('POST', '/integrations', { name: 'Chat' });
      const started = await fetch(`${running.baseUrl}/conversations`, {
        method: 'POST',
        headers: { authorization: `Bearer ${chat.body.token!}`, 'content-type': 'application/json' },
        body: JSON.stringify({ customer: { id: 'c-1', name: 'Ada' }, body: 'Where is my order?' }),
      });
      expect(started.status).toBe(201);
      conversationId = ((await started.json()) as { id: string }).id;
    } finally {
      await server.stop();
    }
    await expectDown();
    const close = await timed('POST', `/conversations/${conversationId}/close`);
    expect(close.status).toBe(503);
    expect(close.body.message).toMatch(/nothing was written: EventStoreDB cannot be reached/);
    expect(close.ms).toBeLessThan(2000);
  });

  it('an append the server takes and never answers is 503 within 2 seconds, saying it may have been written', async () => {
    const server = await startFakeEventStoreDb(port, { silent: true });
    try {
      const member = await addMember();
      expect(member.status).toBe(503);
      expect(member.body.message).toMatch(/may or may not have been written: retry it with the same Idempotency-Key/);
      expect(member.ms).toBeLessThan(2000);
    } finally {
      await server.stop();
    }
  });
});
