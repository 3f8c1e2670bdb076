/**
 * What the web UI specs share: the page's parts by role and accessible name (the UI contract, as a screen
 * reader user finds them), and a story's cast: a team on a real inbox, each member signed in in a fresh
 * browser context.
 */
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { DESKTOP, eventually, expectVisible, freshPage, type PageGlobals, type Viewport } from './browser';
import {
  ADMIN_TOKEN,
  type ApiResponse,
  type Conversation,
  type Inbox,
  type Member,
  type RequestOptions,
} from './inbox';

/** What a story asks of the API: Inbox's `request`, or the same over HTTP to a server of the spec's own. */
export type Requester = Pick<Inbox, 'request'>;

/** Inbox's `request` against any base URL (the admin's token unless told). */
export function httpRequester(baseUrl: string): Requester {
  return {
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
      const response = await fetch(`${baseUrl}${path}`, { method, headers, body });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = text === '' ? undefined : JSON.parse(text);
      } catch {
        // not JSON: the raw text is the body
      }
      return { status: response.status, body: parsed as T, headers: response.headers };
    },
  };
}

export const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The page's parts, by role and accessible name (the UI contract). */
export function ui(page: Page) {
  const region = page.getByRole('region', { name: 'Conversation', exact: true });
  const list = page.getByRole('list', { name: 'Conversations', exact: true });
  const tabs = page.getByRole('tablist', { name: 'Views', exact: true });
  const menu = page.getByRole('menu');
  const thread = region.getByRole('list', { name: 'Thread', exact: true });
  return {
    page,
    tabs,
    /** A view's tab, named by its count (and, where some are, how many are unread: "Inbox 3, 2 unread"). */
    tab: (view: string, count?: number, unread?: number) =>
      tabs.getByRole('tab', {
        name: new RegExp(
          `^${view} ${count ?? '\\d+'}${unread === undefined ? '(, \\d+ unread)?' : unread === 0 ? '' : `, ${unread} unread`}$`,
        ),
      }),
    list,
    /** The conversation's button in the list; `state` is "Unassigned", "Assigned to NAME" or "Closed". */
    item: (subject: string, state?: string, customer = 'Ada') =>
      list.getByRole('listitem').getByRole('button', {
        name: new RegExp(
          `^${escapeRegExp(subject)} · ${escapeRegExp(customer)} · ${state ? escapeRegExp(state) : '[^·]+'}( · Unread)?$`,
        ),
      }),
    anyItem: (subject: string) =>
      list.getByRole('listitem').getByRole('button', { name: new RegExp(`^${escapeRegExp(subject)} · `) }),
    /** The row of the open conversation. */
    currentItem: list.locator('[aria-current="true"]'),
    region,
    heading: (subject: string) => region.getByRole('heading', { level: 2, name: subject, exact: true }),
    anyHeading: region.getByRole('heading', { level: 2 }),
    status: region.getByRole('status'),
    alert: region.getByRole('alert'),
    button: (name: string) => region.getByRole('button', { name, exact: true }),
    menu,
    menuItem: (name: string) => menu.getByRole('menuitem', { name, exact: true }),
    assignToMenu: page.getByRole('menu', { name: 'Assign to', exact: true }),
    /** Messages and timeline entries, interleaved, newest at the bottom. */
    thread,
    messages: thread.locator('li.message'),
    timeline: thread.locator('li.event'),
    reply: region.getByRole('textbox', { name: 'Reply', exact: true }),
    customerPanel: region.getByRole('complementary', { name: 'Customer', exact: true }),
    search: page.getByRole('searchbox', { name: 'Search conversations', exact: true }),
    reconnecting: page.getByRole('status').filter({ hasText: 'Live updates interrupted: reconnecting…' }),
  };
}
export type Ui = ReturnType<typeof ui>;

/** A team on a real inbox, and its members' browsers: each signs in in a context of its own. */
export class WebUiCast {
  private contexts: BrowserContext[] = [];

  constructor(
    readonly browser: Browser,
    readonly inbox: Requester,
    readonly chat: { id: string; token: string },
    /** The base URL the pages open. */
    readonly baseUrl: string,
  ) {}

  async closeContexts(): Promise<void> {
    await Promise.all(this.contexts.map((context) => context.close()));
    this.contexts = [];
  }

  // ----- the API side of each story -----

  /** A customer of the chat integration starts a conversation. */
  async converse(subject: string, customer = 'Ada', body = 'Hello, where is my order?'): Promise<Conversation> {
    const customerId = `customer-${customer.toLowerCase().replace(/\W+/g, '-')}-${Math.random().toString(36).slice(2, 8)}`;
    const response = await this.inbox.request<Conversation>('POST', '/conversations', {
      token: this.chat.token,
      body: {
        customer: {
          id: customerId,
          name: customer,
          email: `${customer.toLowerCase().replace(/\W+/g, '.')}@example.com`,
        },
        subject,
        body,
      },
    });
    if (response.status !== 201) throw new Error(`Could not start "${subject}": ${JSON.stringify(response.body)}`);
    return response.body;
  }

  /** `count` conversations, numbered from 001 (the first the oldest), a few started at a time. */
  async converseMany(count: number, subjectOf = (n: string) => `Question ${n}`): Promise<Conversation[]> {
    const started: Conversation[] = [];
    for (let n = 1; n <= count; n += 10) {
      const batch = Array.from({ length: Math.min(10, count - n + 1) }, (_, i) => String(n + i).padStart(3, '0'));
      // One after another within a batch too: their order of activity is their number.
      for (const number of batch) started.push(await this.converse(subjectOf(number), `Customer ${number}`));
    }
    return started;
  }

  async customerWrites(id: string, body: string): Promise<Conversation> {
    const response = await this.inbox.request<Conversation>('POST', `/conversations/${id}/messages`, {
      token: this.chat.token,
      body: { body },
    });
    if (response.status !== 201) throw new Error(`The customer could not write: ${JSON.stringify(response.body)}`);
    return response.body;
  }

  async command(
    member: Member,
    id: string,
    action: 'assign' | 'unassign' | 'close' | 'reopen',
    body?: unknown,
  ): Promise<Conversation> {
    const response = await this.inbox.request<Conversation>('POST', `/conversations/${id}/${action}`, {
      token: member.token,
      body,
    });
    if (response.status !== 200) throw new Error(`${action} failed: ${JSON.stringify(response.body)}`);
    return response.body;
  }

  assign(by: Member, id: string, to: Member | 'me'): Promise<Conversation> {
    return this.command(by, id, 'assign', { assigneeId: to === 'me' ? 'me' : to.id });
  }

  async details(id: string, reader: Member): Promise<Conversation> {
    const response = await this.inbox.request<Conversation>('GET', `/conversations/${id}`, { token: reader.token });
    if (response.status !== 200) throw new Error(`Could not read ${id}: ${JSON.stringify(response.body)}`);
    return response.body;
  }

  // ----- the browser side -----

  async openPage(viewport: Viewport = DESKTOP): Promise<Page> {
    const { context, page } = await freshPage(this.browser, viewport);
    this.contexts.push(context);
    return page;
  }

  /**
   * A fresh browser context signed in with `who`'s token; `beforeLoad` runs before the page is loaded, `path`
   * (a route such as `/#/mine`) is the page opened.
   */
  async signIn(
    who: { token: string; name: string },
    options: { viewport?: Viewport; beforeLoad?: (page: Page) => Promise<void>; path?: string; page?: Page } = {},
  ): Promise<Ui> {
    const page = options.page ?? (await this.openPage(options.viewport));
    await options.beforeLoad?.(page);
    await page.goto(`${this.baseUrl}${options.path ?? '/'}`);
    await page.getByRole('textbox', { name: 'Member token', exact: true }).fill(who.token);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await expectVisible(page.getByText(`Signed in as ${who.name}`, { exact: true }));
    return ui(page);
  }
}

export async function showView(view: Ui, name: string): Promise<void> {
  await view.tab(name).click();
  await eventually(
    `the ${name} tab to be selected`,
    () => view.tab(name).getAttribute('aria-selected'),
    (selected) => selected === 'true',
  );
}

export async function open(view: Ui, subject: string, customer?: string): Promise<void> {
  await (customer ? view.item(subject, undefined, customer) : view.anyItem(subject)).click();
  await expectVisible(view.heading(subject));
}

/** Marks the document, so that a later check can tell it was not reloaded. */
export async function markDocument(page: Page): Promise<void> {
  await page.evaluate(() => {
    (globalThis as { notReloaded?: boolean }).notReloaded = true;
  });
}
export async function expectNotReloaded(page: Page): Promise<void> {
  expect(await page.evaluate(() => (globalThis as { notReloaded?: boolean }).notReloaded)).toBe(true);
}

/** Every value in the tab's sessionStorage. */
export const sessionValues = (page: Page): Promise<Array<string | null>> =>
  page.evaluate(() => {
    const storage = (globalThis as unknown as PageGlobals).sessionStorage;
    return Array.from({ length: storage.length }, (_, i) => storage.getItem(storage.key(i) ?? ''));
  });

/** The element's box; fails where it has none (not rendered). */
export async function boxOf(locator: Locator): Promise<{ x: number; y: number; width: number; height: number }> {
  const box = await locator.boundingBox({ timeout: 2_000 });
  if (!box) throw new Error(`${locator.toString()} has no box`);
  return box;
}
