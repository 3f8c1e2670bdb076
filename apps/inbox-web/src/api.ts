/** The HTTP API as the UI uses it: bearer token, JSON, If-Match, and the types API.md describes. */

export interface Customer {
  id: string;
  name: string | null;
  email: string | null;
}

export interface Summary {
  id: string;
  subject: string | null;
  customer: Customer;
  status: 'open' | 'closed';
  assigneeId: string | null;
  lastActivityAt: string;
  lastMessagePreview: string | null;
  messageCount: number;
  revision: number;
}

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

export interface Details extends Summary {
  messages: Message[];
  timeline: TimelineEntry[];
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
    return body as T;
  }

  me = () => this.request<Me>('GET', '/me');
  members = () => this.request<Member[]>('GET', '/members');
  counts = (minPosition?: string) => this.request<ViewCounts>('GET', `/inbox/counts${since(minPosition, '?')}`);
  conversation = (id: string) => this.request<Details>('GET', `/conversations/${id}`);

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
