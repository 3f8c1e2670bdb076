/**
 * The HTTP API as the UI uses it: openapi-fetch over the types openapi-typescript generates from the server's
 * own OpenAPI document (`api/schema.d.ts`, `npm run generate:web-api`), so a route, parameter or field the
 * server no longer has stops the UI compiling. Every call carries the bearer token; commands carry If-Match.
 */
import createClient, { type Client } from 'openapi-fetch';
import type { paths } from './api/schema';
import type { Summary } from './summary.generated.js';

// Generated from the server's definition of the summary, which the UI (built on its own) cannot import.
export type { Customer, Summary } from './summary.generated.js';

/** The JSON body of an operation's success answer, as the OpenAPI document describes it. */
type SuccessBody<Operation> = Operation extends { responses: infer Responses }
  ? {
      [Status in keyof Responses]: Status extends 200 | 201 | 202
        ? Responses[Status] extends { content: { 'application/json': infer Body } }
          ? Body
          : never
        : never;
    }[keyof Responses]
  : never;

/** A summary as a member is answered it: with `unread` (API.md 1.1), which the bootstrap admin does not get. */
export type Listed = Summary & { unread?: boolean };

/**
 * The two generated descriptions of a summary agree: the views' rows the OpenAPI document describes are the
 * summary generated from its definition (summary.generated.ts). The typecheck fails where they drift.
 */
export type SummariesAgree = Agree<SuccessBody<paths['/conversations']['get']>['items'][number], Listed>;
type Agree<Described extends Expected, Expected> = [Described, Expected];

export type Me = SuccessBody<paths['/me']['get']>;
export type Member = SuccessBody<paths['/members']['get']>[number];
export type NewMember = SuccessBody<paths['/members']['post']>;
export type ViewCounts = SuccessBody<paths['/inbox/counts']['get']>;
export type Integration = SuccessBody<paths['/integrations']['get']>[number];
export type NewIntegration = SuccessBody<paths['/integrations']['post']>;
export type Webhook = SuccessBody<paths['/webhooks']['get']>[number];
export type NewWebhook = SuccessBody<paths['/webhooks']['post']>;
export type Delivery = SuccessBody<paths['/webhooks/{id}/deliveries']['get']>['items'][number];
type ConversationAnswer = SuccessBody<paths['/conversations/{id}']['get']>;
export type Message = ConversationAnswer['messages'][number];
export type Actor = { type: 'member' | 'integration' | 'admin' | 'system'; id: string };
/** A timeline entry: its type, when and by whom; the rest depends on the type (assignee, reason, details). */
export type TimelineEntry = { type: string; at: string; actor: Actor } & Record<string, unknown>;
/** What a store event says of its order (API.md 1.1). */
export interface OrderDetails {
  orderNumber?: string;
  total?: string;
  currency?: string;
  status?: string;
  url?: string;
  items?: { name: string; quantity: number }[];
}

/** A conversation with a page of its messages and of its timeline, the most recent ones. */
export type Details = Omit<ConversationAnswer, 'timeline' | 'customerConversations'> & {
  timeline: TimelineEntry[];
  customerConversations: Listed[];
};

/** Which pages of a conversation to ask for; the most recent ones where omitted. */
export interface DetailsPages {
  messagesBefore?: string;
  messagesLimit?: number;
  timelineBefore?: string;
  timelineLimit?: number;
}

export interface Page {
  items: Listed[];
  nextCursor: string | null;
}

export type ViewName = 'inbox' | 'mine' | 'unassigned' | 'all' | 'closed';
export type CommandAction = 'assign' | 'unassign' | 'close' | 'reopen' | 'messages';
/** What an outbound webhook can subscribe to, as the document names it. */
export type EventType = NonNullable<
  paths['/webhooks']['post']['requestBody']
>['content']['application/json']['eventTypes'][number];
export const EVENT_TYPES: readonly EventType[] = [
  'conversation.started',
  'conversation.assigned',
  'conversation.unassigned',
  'conversation.closed',
  'conversation.reopened',
  'message.sent',
];

const MEMBERS_PER_PAGE = 200;

/** The server answered with an error: its status and `{statusCode, error, message}`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
  ) {
    super(typeof body.message === 'string' ? body.message : `HTTP ${status}`);
  }
}

/** The server could not be reached at all (it is down, or the network is): the UI says "reconnecting". */
export class UnreachableError extends Error {
  constructor() {
    super('The server cannot be reached');
  }
}

interface Answered<Data> {
  data?: Data;
  error?: unknown;
  response: Response;
}

/** The answer's body where it succeeded; ApiError or UnreachableError where not. */
async function answered<Data>(call: Promise<Answered<Data>>): Promise<{ data: Data; response: Response }> {
  let result: Answered<Data>;
  try {
    result = await call;
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    throw new UnreachableError();
  }
  if (!result.response.ok) {
    const body = result.error !== null && typeof result.error === 'object' ? result.error : {};
    throw new ApiError(result.response.status, body as Record<string, unknown>);
  }
  return { data: result.data as Data, response: result.response };
}

const ifMatch = (revision: number) => ({ 'if-match': `"${revision}"` });

export class Api {
  private readonly client: Client<paths>;

  constructor(readonly token: string) {
    this.client = createClient<paths>({ baseUrl: window.location.origin });
    this.client.use({
      onRequest: ({ request }) => {
        request.headers.set('authorization', `Bearer ${token}`);
        return request;
      },
    });
  }

  async me(): Promise<Me> {
    return (await answered(this.client.GET('/me'))).data;
  }

  /** A page of active members, by name, and the cursor of the next (from X-Next-Cursor). */
  async membersPage(
    cursor?: string,
    limit = MEMBERS_PER_PAGE,
  ): Promise<{ items: Member[]; nextCursor: string | null }> {
    const { data, response } = await answered(
      this.client.GET('/members', { params: { query: { limit, ...(cursor ? { cursor } : {}) } } }),
    );
    return { items: data, nextCursor: response.headers.get('x-next-cursor') };
  }

  /** Every active member: GET /members page after page. */
  async members(): Promise<Member[]> {
    const members: Member[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: Member[]; nextCursor: string | null } = await this.membersPage(cursor ?? undefined);
      members.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor !== null);
    return members;
  }

  async counts(minPosition?: string): Promise<ViewCounts> {
    const query = minPosition ? { minPosition } : {};
    return (await answered(this.client.GET('/inbox/counts', { params: { query } }))).data;
  }

  /** A page of a view, or of a search (`q`, over every conversation), by keyset. */
  async page(
    list: { view: ViewName; q?: string },
    options: { cursor?: string; limit: number; minPosition?: string },
  ): Promise<Page> {
    const paging = {
      limit: options.limit,
      ...(options.cursor ? { cursor: options.cursor } : {}),
      ...(options.minPosition ? { minPosition: options.minPosition } : {}),
    };
    if (list.q) {
      const { data } = await answered(
        this.client.GET('/conversations', {
          params: { query: { view: list.view === 'inbox' ? 'all' : list.view, q: list.q, ...paging } },
        }),
      );
      return { items: data.items, nextCursor: data.nextCursor ?? null };
    }
    if (list.view === 'inbox') {
      const { data } = await answered(this.client.GET('/inbox', { params: { query: paging } }));
      return { items: data.items, nextCursor: data.nextCursor ?? null };
    }
    const { data } = await answered(
      this.client.GET('/conversations', { params: { query: { view: list.view, ...paging } } }),
    );
    return { items: data.items, nextCursor: data.nextCursor ?? null };
  }

  async conversation(id: string, pages: DetailsPages = {}): Promise<Details> {
    const { data } = await answered(this.client.GET('/conversations/{id}', { params: { path: { id }, query: pages } }));
    return data;
  }

  /** A command on a conversation, carried out only at the revision the UI shows. */
  async command(
    id: string,
    action: CommandAction,
    revision: number,
    body: { assigneeId?: string; body?: string } = {},
  ): Promise<Listed & { position: string }> {
    const path = { params: { path: { id } }, headers: ifMatch(revision) };
    switch (action) {
      case 'assign':
        return (
          await answered(
            this.client.POST('/conversations/{id}/assign', { ...path, body: { assigneeId: body.assigneeId ?? 'me' } }),
          )
        ).data;
      case 'unassign':
        return (await answered(this.client.POST('/conversations/{id}/unassign', path))).data;
      case 'close':
        return (await answered(this.client.POST('/conversations/{id}/close', path))).data;
      case 'reopen':
        return (await answered(this.client.POST('/conversations/{id}/reopen', path))).data;
      case 'messages':
        return (
          await answered(this.client.POST('/conversations/{id}/messages', { ...path, body: { body: body.body ?? '' } }))
        ).data;
    }
  }

  /** Marks the conversation read by the caller, up to its last event. */
  async read(id: string): Promise<Listed & { position: string }> {
    return (await answered(this.client.POST('/conversations/{id}/read', { params: { path: { id } }, body: {} }))).data;
  }

  async addMember(member: { name: string; email: string; role: 'agent' | 'admin' | 'auditor' }): Promise<NewMember> {
    return (await answered(this.client.POST('/members', { body: member }))).data;
  }

  async removeMember(id: string): Promise<void> {
    await answered(this.client.DELETE('/members/{id}', { params: { path: { id } } }));
  }

  async integrations(): Promise<Integration[]> {
    return (await answered(this.client.GET('/integrations'))).data;
  }

  async addIntegration(name: string): Promise<NewIntegration> {
    return (await answered(this.client.POST('/integrations', { body: { name } }))).data;
  }

  /**
   * A customer's first message through an integration (this Api holding the integration's token): how an
   * admin tries the inbox out from the admin area, before any channel is connected.
   */
  async startConversation(start: {
    customer: { id: string; name?: string; email?: string };
    subject?: string;
    body: string;
  }): Promise<Listed> {
    return (await answered(this.client.POST('/conversations', { body: start }))).data;
  }

  async setWebhookSecret(id: string, secret: string, shopDomain: string | null): Promise<Integration> {
    // The secret it replaces stays accepted for the server's default window (docs/api.md).
    const body = { secret, ...(shopDomain ? { shopDomain } : {}) };
    return (await answered(this.client.PUT('/integrations/{id}/secret', { params: { path: { id } }, body }))).data;
  }

  async webhooks(): Promise<Webhook[]> {
    return (await answered(this.client.GET('/webhooks'))).data;
  }

  async addWebhook(webhook: { url: string; eventTypes: EventType[]; description?: string }): Promise<NewWebhook> {
    return (await answered(this.client.POST('/webhooks', { body: webhook }))).data;
  }

  async removeWebhook(id: string): Promise<void> {
    await answered(this.client.DELETE('/webhooks/{id}', { params: { path: { id } } }));
  }

  async deliveries(id: string, cursor?: string): Promise<{ items: Delivery[]; nextCursor: string | null }> {
    const query = { limit: 50, ...(cursor ? { cursor } : {}) };
    const { data } = await answered(this.client.GET('/webhooks/{id}/deliveries', { params: { path: { id }, query } }));
    return { items: data.items, nextCursor: data.nextCursor ?? null };
  }

  async redeliver(id: string, deliveryId: string): Promise<Delivery> {
    return (
      await answered(
        this.client.POST('/webhooks/{id}/deliveries/{deliveryId}/redeliver', { params: { path: { id, deliveryId } } }),
      )
    ).data;
  }
}
