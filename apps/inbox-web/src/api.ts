/** The HTTP API as the UI uses it: bearer token, JSON, If-Match, and the types API.md describes. */

import type { Summary } from './summary.generated.js';

// Generated from the server's definition of the summary, which the UI (built on its own) cannot import.
export type { Customer, Summary } from './summary.generated.js';

export interface Actor {
  type: 'member' | 'integration' | 'admin' | 'system';
  id: string;
}

export interface Message {
  id: string;
  author: { type: 'customer' | 'member'; id: string };
  body: string;
  at: string;
}

export type TimelineEntry = { type: string; at: string; actor: Actor } & Record<string, unknown>;

/** A conversation with a page of its messages and of its timeline, the most recent ones. */
export interface Details extends Summary {
  messages: Message[];
  timeline: TimelineEntry[];
  /** What asks for the messages before these; null where they start at the first. */
  earlierMessagesCursor: string | null;
  earlierTimelineCursor: string | null;
}

/** Which pages of a conversation to ask for; the most recent ones where omitted. */
export interface DetailsPages {
  messagesBefore?: string;
  messagesLimit?: number;
  timelineBefore?: string;
  timelineLimit?: number;
}

export interface Member {
  id: string;
  name: string;
  email: string;
  role: 'agent' | 'admin' | 'auditor';
}

export interface Me {
  id: string;
  type: Actor['type'];
  name: string;
  role: 'agent' | 'admin' | 'auditor' | 'integration';
}

export interface ViewCounts {
  inbox: number;
  mine: number;
  unassigned: number;
  assigned: number;
  closed: number;
  all: number;
}

export interface Page {
  items: Summary[];
  nextCursor: string | null;
}

const MEMBERS_PER_PAGE = 200;

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
  ) {
    super(typeof body.message === 'string' ? body.message : `HTTP ${status}`);
  }
}

export class Api {
  constructor(readonly token: string) {}

  async request<T>(method: string, path: string, options: { body?: unknown; revision?: number } = {}): Promise<T> {
    return (await this.exchange<T>(method, path, options)).body;
  }

  /** The answer's body and headers (where a page says what follows it). */
  private async exchange<T>(
    method: string,
    path: string,
    options: { body?: unknown; revision?: number } = {},
  ): Promise<{ body: T; headers: Headers }> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.token}` };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    if (options.revision !== undefined) headers['if-match'] = `"${options.revision}"`;
    const response = await fetch(path, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    const text = await response.text();
    const body = (text ? JSON.parse(text) : {}) as Record<string, unknown>;
    if (!response.ok) throw new ApiError(response.status, body);
    return { body: body as T, headers: response.headers };
  }

  me = () => this.request<Me>('GET', '/me');
  /** Every active member: GET /members page after page. */
  async members(): Promise<Member[]> {
    const members: Member[] = [];
    let cursor: string | null = null;
    do {
      const path: string = `/members?limit=${MEMBERS_PER_PAGE}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const page: { body: Member[]; headers: Headers } = await this.exchange<Member[]>('GET', path);
      members.push(...page.body);
      cursor = page.headers.get('x-next-cursor');
    } while (cursor !== null);
    return members;
  }

  counts = (minPosition?: string) => this.request<ViewCounts>('GET', `/inbox/counts${since(minPosition, '?')}`);
  conversation(id: string, pages: DetailsPages = {}): Promise<Details> {
    const query = new URLSearchParams(Object.entries(pages).map(([name, value]) => [name, String(value)])).toString();
    return this.request<Details>('GET', `/conversations/${id}${query ? `?${query}` : ''}`);
  }

  view(view: ViewName, minPosition?: string): Promise<Page> {
    return view === 'inbox'
      ? this.request<Page>('GET', `/inbox?limit=100${since(minPosition, '&')}`)
      : this.request<Page>('GET', `/conversations?view=${view}&limit=100${since(minPosition, '&')}`);
  }

  /** A command on a conversation, carried out only at the revision the UI shows. */
  command(conversationId: string, action: string, revision: number, body?: unknown) {
    return this.request<Summary & { position: string }>('POST', `/conversations/${conversationId}/${action}`, {
      body,
      revision,
    });
  }
}

/** Read-your-writes: the views wait until they show this log position. */
function since(minPosition: string | undefined, separator: '?' | '&'): string {
  return minPosition ? `${separator}minPosition=${minPosition}` : '';
}

export type ViewName = 'inbox' | 'mine' | 'unassigned' | 'all' | 'closed';
