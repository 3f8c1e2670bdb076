/**
 * An inbox for e2e tests: the real application on the embedded store in a fresh DATA_DIR, over HTTP, with
 * helpers to set up a team and to check what reached the log.
 */
import type { ConversationDetails, ConversationSummary } from '@team-inbox/conversations';
import type { Clock } from '@team-inbox/core';
import {
  SqliteEventStore,
  collect,
  sqliteEventStoreFile,
  type RecordedEvent,
  type SqliteEventStoreOptions,
} from '@team-inbox/event-store';
import { startApp, temporaryDataDir, type RunningApp } from './test-app';

export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef0123456789abcdef';

export interface ApiResponse<T = Record<string, unknown>> {
  status: number;
  body: T;
  headers: Headers;
}

export interface RequestOptions {
  token?: string | null;
  body?: unknown;
  /** Sent as is, instead of JSON. */
  rawBody?: string;
  headers?: Record<string, string>;
}

export class Inbox {
  private constructor(
    readonly running: RunningApp,
    readonly store: SqliteEventStore,
    readonly dataDir: string,
    private readonly ownsDataDir: boolean,
  ) {}

  /** Starts an inbox; pass `dataDir` to start on an existing one (a restart, or a second process). */
  static async start(
    options: {
      dataDir?: string;
      env?: NodeJS.ProcessEnv;
      eventStore?: Omit<SqliteEventStoreOptions, 'filename'>;
      /** The app's clock and the store's (expiries): one a test can set. */
      clock?: Clock;
    } = {},
  ): Promise<Inbox> {
    const data = options.dataDir ? undefined : temporaryDataDir();
    const dataDir = options.dataDir ?? data!.dir;
    const clock = options.clock;
    const store = new SqliteEventStore({
      filename: sqliteEventStoreFile(dataDir),
      ...(clock ? { now: () => clock.now() } : {}),
      ...options.eventStore,
    });
    const running = await startApp({
      eventStore: store,
      clock,
      dataDir,
      env: { INBOX_ADMIN_TOKEN: ADMIN_TOKEN, ...options.env },
    });
    return new Inbox(running, store, dataDir, data !== undefined);
  }

  async stop(options: { keepData?: boolean } = {}): Promise<void> {
    await this.running.stop(); // closes the store too
    if (this.ownsDataDir && !options.keepData) temporaryDataDir.remove(this.dataDir);
  }

  async request<T = Record<string, unknown>>(
    method: string,
    path: string,
    options: RequestOptions = {},
  ): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { ...options.headers };
    const token = options.token === undefined ? ADMIN_TOKEN : options.token;
    if (token !== null) headers.authorization = `Bearer ${token}`;
    let body: string | undefined = options.rawBody;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] ??= 'application/json';
    }
    const response = await fetch(`${this.running.baseUrl}${path}`, { method, headers, body });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      // not JSON: the raw text is the body
    }
    return { status: response.status, body: parsed as T, headers: response.headers };
  }

  async addMember(name: string, role: 'agent' | 'admin' | 'auditor' = 'agent'): Promise<Member> {
    const email = `${name.toLowerCase().replace(/\W+/g, '.')}.${Math.random().toString(36).slice(2, 8)}@example.com`;
    const response = await this.request<Member>('POST', '/members', { body: { name, email, role } });
    if (response.status !== 201) throw new Error(`Could not add ${name}: ${JSON.stringify(response.body)}`);
    return response.body;
  }

  async addIntegration(name = 'Chat widget'): Promise<{ id: string; name: string; token: string }> {
    const response = await this.request<{ id: string; name: string; token: string }>('POST', '/integrations', {
      body: { name },
    });
    if (response.status !== 201) throw new Error(`Could not add integration: ${JSON.stringify(response.body)}`);
    return response.body;
  }

  /** The cast most specs use: Alice (agent), Bob (agent unless said), Audrey (auditor), a chat integration. */
  async addTeam(options: { bobRole?: 'agent' | 'admin' } = {}) {
    return {
      alice: await this.addMember('Alice'),
      bob: await this.addMember('Bob', options.bobRole ?? 'agent'),
      auditor: await this.addMember('Audrey', 'auditor'),
      chat: await this.addIntegration(),
    };
  }

  async startConversation(integrationToken: string, body = 'Hello, where is my order?'): Promise<Conversation> {
    const response = await this.request<Conversation>('POST', '/conversations', {
      token: integrationToken,
      body: {
        customer: { id: `customer-${Math.random().toString(36).slice(2)}`, name: 'Ada', email: 'ada@example.com' },
        subject: 'Order #1001',
        body,
      },
    });
    if (response.status !== 201) throw new Error(`Could not start a conversation: ${JSON.stringify(response.body)}`);
    return response.body;
  }

  async head(): Promise<bigint> {
    return (await this.store.headPosition()) ?? 0n;
  }

  async streamEvents(streamId: string): Promise<RecordedEvent[]> {
    return collect(this.store.readStream(streamId));
  }

  /** Sends a request that must be refused with `status` and a message matching `message`, appending nothing. */
  async expectRefused(
    method: string,
    path: string,
    options: RequestOptions,
    status: number,
    message: RegExp,
  ): Promise<ApiResponse> {
    let response: ApiResponse | undefined;
    await this.expectNothingAppended(async () => {
      response = await this.request(method, path, options);
    });
    expect({ status: response!.status, body: response!.body }).toEqual({
      status,
      body: expect.objectContaining({
        statusCode: status,
        error: expect.any(String),
        message: expect.stringMatching(message),
      }),
    });
    return response!;
  }

  /** Runs `act` and checks that the log did not grow. */
  async expectNothingAppended(act: () => Promise<unknown>): Promise<void> {
    const before = await this.head();
    await act();
    expect(await this.head()).toBe(before);
  }
}

export interface Member {
  id: string;
  name: string;
  email: string;
  role: string;
  token: string;
}

/** A conversation as the API answers a command or a read: API.md's summary, plus what the route adds. */
export type Conversation = ConversationSummary & {
  position: string;
  messageId?: string;
  messages?: ConversationDetails['messages'];
  timeline?: ConversationDetails['timeline'];
};
