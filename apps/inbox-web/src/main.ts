/**
 * The inbox UI: sign in with a member token, the views as tabs with counts, a conversation with its
 * messages, timeline and actions. Every action carries If-Match; where someone else acted first, the
 * notice says who did what and the pane shows the conversation as it is now. Live from GET /stream.
 */
import {
  Api,
  ApiError,
  type Details,
  type Me,
  type Member,
  type Summary,
  type ViewCounts,
  type ViewName,
} from './api.js';
import { keepEarlierPages, withEarlierPage } from './conversation-pages.js';
import { Names, describeChanges, describeEntry } from './describe.js';
import { h, replaceContent, timeOf } from './dom.js';
import { followChanges } from './live.js';

const TOKEN_KEY = 'team-inbox-token';
const VIEWS: { name: ViewName; label: string }[] = [
  { name: 'inbox', label: 'Inbox' },
  { name: 'mine', label: 'Mine' },
  { name: 'unassigned', label: 'Unassigned' },
  { name: 'all', label: 'All' },
  { name: 'closed', label: 'Closed' },
];
/** Changes arriving together (a command's several events) cause one refresh. */
const LIVE_BATCH_MS = 40;

const root = document.getElementById('app')!;

function showSignIn(problem?: string): void {
  const input = h('input', { type: 'password', id: 'token', name: 'token', autocomplete: 'off', required: true });
  const form = h(
    'form',
    {
      class: 'sign-in',
      onsubmit: (event: Event) => {
        event.preventDefault();
        void signIn(input.value.trim());
      },
    },
    h('h1', {}, 'team-inbox'),
    h('p', {}, 'Paste the member token your admin gave you. It is kept for this tab only.'),
    h('label', { for: 'token' }, 'Member token'),
    input,
    h('button', { type: 'submit' }, 'Sign in'),
    problem ? h('p', { role: 'alert', class: 'problem' }, problem) : null,
  );
  root.replaceChildren(h('main', { class: 'signed-out' }, form));
  input.focus();
}

async function signIn(token: string): Promise<void> {
  const api = new Api(token);
  let me: Me;
  try {
    me = await api.me();
  } catch (error) {
    sessionStorage.removeItem(TOKEN_KEY);
    showSignIn(
      error instanceof ApiError && error.status === 401
        ? 'That token was not accepted: check it, or ask your admin for a new one.'
        : `Could not sign in: ${String(error)}`,
    );
    return;
  }
  if (me.role !== 'agent' && me.role !== 'admin') {
    showSignIn(`That token was not accepted here: it is an ${me.role}'s, and the inbox is for agents and admins.`);
    return;
  }
  sessionStorage.setItem(TOKEN_KEY, token);
  const members = await api.members();
  new InboxApp(api, me, members).mount();
}

class InboxApp {
  private view: ViewName = 'inbox';
  private counts: ViewCounts | undefined;
  private items: Summary[] = [];
  private selectedId: string | null = null;
  private conversation: Details | null = null;
  private notice: { text: string; kind: 'collision' | 'problem' } | null = null;
  private menu: 'actions' | 'assign' | null = null;
  private draft = '';
  private refreshes = 0;
  private liveTimer: number | undefined;
  private livePosition: string | undefined;
  private readonly live = new AbortController();
  /** Shown while the live stream is down: the views may be behind until it is back. */
  private readonly liveStatus = h('p', { role: 'status', class: 'live-status', hidden: true });
  private readonly names: Names;
  private readonly tabs = h('div', { role: 'tablist', 'aria-label': 'Views', class: 'tabs' });
  private readonly list = h('div', { id: 'view-panel', role: 'tabpanel', class: 'list' });
  private readonly pane = h('section', { role: 'region', 'aria-label': 'Conversation', class: 'conversation' });
  private readonly layout = h('div', { class: 'layout' });

  constructor(
    private readonly api: Api,
    private readonly me: Me,
    private readonly members: Member[],
  ) {
    this.names = new Names(members, me);
  }

  mount(): void {
    const header = h(
      'header',
      { class: 'top' },
      h('span', { class: 'brand' }, 'team-inbox'),
      this.liveStatus,
      h('span', { class: 'who' }, `Signed in as ${this.me.name}`),
      h('button', { type: 'button', class: 'quiet', onclick: () => this.signOut() }, 'Sign out'),
    );
    this.layout.replaceChildren(
      h('nav', { class: 'views', 'aria-label': 'Conversations by view' }, this.tabs, this.list),
      this.pane,
    );
    root.replaceChildren(header, h('main', {}, this.layout));
    this.renderTabs();
    this.renderPane();
    void this.refresh();
    followChanges(
      this.api.token,
      {
        onChange: (change) => this.onLiveChange(change),
        onReset: () => this.onLiveReset(),
        onStatus: (connected) => this.showLiveStatus(connected),
      },
      this.live.signal,
    );
  }

  private signOut(): void {
    this.live.abort();
    sessionStorage.removeItem(TOKEN_KEY);
    showSignIn();
  }

  private onLiveChange(change: { conversationId: string; position: string }): void {
    this.livePosition = change.position;
    const touchesOpen = change.conversationId === this.selectedId;
    window.clearTimeout(this.liveTimer);
    this.liveTimer = window.setTimeout(() => {
      void this.refresh(this.livePosition);
      if (touchesOpen || this.selectedId === change.conversationId) void this.reloadConversation();
    }, LIVE_BATCH_MS);
  }

  /** Too much was missed to be told change by change: everything shown is read again. */
  private onLiveReset(): void {
    void this.refresh();
    if (this.selectedId) void this.reloadConversation();
  }

  private showLiveStatus(connected: boolean): void {
    // Back after a drop: what was missed comes from where the stream left off; a first connection has no
    // such place, so the views are read again.
    if (connected && !this.liveStatus.hidden) void this.refresh();
    this.liveStatus.hidden = connected;
    this.liveStatus.textContent = connected ? '' : 'Live updates interrupted: reconnecting…';
  }

  /** Counts and the current view; an answer older than a later refresh's is dropped. */
  private async refresh(minPosition?: string): Promise<void> {
    const mine = ++this.refreshes;
    try {
      const [counts, page] = await Promise.all([this.api.counts(minPosition), this.api.view(this.view, minPosition)]);
      if (mine !== this.refreshes) return;
      this.counts = counts;
      this.items = page.items;
      this.renderTabs();
      this.renderList();
    } catch (error) {
      if (mine === this.refreshes) this.showProblem(error);
    }
  }

  private renderTabs(): void {
    const count = (view: ViewName): number | undefined => this.counts?.[view];
    replaceContent(
      this.tabs,
      VIEWS.map(({ name, label }) => {
        const selected = name === this.view;
        const shown = count(name);
        return h(
          'button',
          {
            type: 'button',
            role: 'tab',
            id: `tab-${name}`,
            'data-focus': `tab-${name}`,
            'aria-selected': selected ? 'true' : 'false',
            'aria-controls': 'view-panel',
            'aria-label': shown === undefined ? label : `${label} ${shown}`,
            tabindex: selected ? 0 : -1,
            onclick: () => this.selectView(name),
            onkeydown: (event: Event) => this.moveBetweenTabs(event as KeyboardEvent, name),
          },
          label,
          h('span', { class: 'count', 'aria-hidden': 'true' }, shown === undefined ? '' : String(shown)),
        );
      }),
    );
    this.list.setAttribute('aria-labelledby', `tab-${this.view}`);
  }

  private moveBetweenTabs(event: KeyboardEvent, current: ViewName): void {
    const index = VIEWS.findIndex((view) => view.name === current);
    const step = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0;
    if (step === 0) return;
    event.preventDefault();
    const next = VIEWS[(index + step + VIEWS.length) % VIEWS.length].name;
    this.selectView(next);
    document.getElementById(`tab-${next}`)?.focus();
  }

  private selectView(view: ViewName): void {
    this.view = view;
    this.items = [];
    this.renderTabs();
    this.renderList();
    void this.refresh();
  }

  private renderList(): void {
    if (this.items.length === 0) {
      replaceContent(this.list, h('p', { class: 'empty' }, 'No conversations'));
      return;
    }
    replaceContent(
      this.list,
      h(
        'ul',
        { role: 'list', 'aria-label': 'Conversations' },
        this.items.map((item) =>
          h(
            'li',
            {},
            h(
              'button',
              {
                type: 'button',
                class: 'row',
                'data-focus': `conversation-${item.id}`,
                'aria-label': `${item.subject ?? '(no subject)'} · ${customerName(item)} · ${this.stateOf(item)}`,
                'aria-current': item.id === this.selectedId ? 'true' : undefined,
                onclick: () => void this.open(item.id),
              },
              h(
                'span',
                { class: 'row-top' },
                h('strong', {}, customerName(item)),
                h('time', {}, timeOf(item.lastActivityAt)),
              ),
              h('span', { class: 'subject' }, item.subject ?? '(no subject)'),
              h('span', { class: 'preview' }, item.lastMessagePreview ?? ''),
              h('span', { class: `badge ${item.status}` }, this.stateOf(item)),
            ),
          ),
        ),
      ),
    );
  }

  private stateOf(summary: Summary): string {
    if (summary.status === 'closed') return 'Closed';
    return summary.assigneeId ? `Assigned to ${this.names.member(summary.assigneeId)}` : 'Unassigned';
  }

  private async open(id: string): Promise<void> {
    this.selectedId = id;
    this.notice = null;
    this.menu = null;
    this.draft = '';
    this.layout.toggleAttribute('data-open', true);
    this.renderList();
    await this.reloadConversation();
    this.pane.querySelector<HTMLElement>('h2')?.focus();
  }

  private async reloadConversation(): Promise<void> {
    if (!this.selectedId) return;
    const id = this.selectedId;
    try {
      const conversation = await this.api.conversation(id);
      if (id !== this.selectedId) return;
      this.conversation = keepEarlierPages(this.conversation, conversation);
      this.renderPane();
    } catch (error) {
      this.showProblem(error);
    }
  }

  private close(): void {
    this.selectedId = null;
    this.conversation = null;
    this.layout.toggleAttribute('data-open', false);
    this.renderList();
    this.renderPane();
    this.list.querySelector<HTMLElement>('button.row')?.focus();
  }

  private renderPane(): void {
    const conversation = this.conversation;
    if (!conversation) {
      replaceContent(this.pane, h('p', { class: 'empty' }, 'Choose a conversation'));
      return;
    }
    const customer = conversation.customer;
    const open = conversation.status === 'open';
    const status = `${open ? 'Open' : 'Closed'} · ${
      conversation.assigneeId ? `Assigned to ${this.names.member(conversation.assigneeId)}` : 'Unassigned'
    }`;
    const actions = h(
      'div',
      { class: 'actions' },
      conversation.assigneeId === this.me.id
        ? null
        : h(
            'button',
            { type: 'button', 'data-focus': 'assign-me', onclick: () => void this.assign('me') },
            'Assign to me',
          ),
      open
        ? h('button', { type: 'button', 'data-focus': 'close', onclick: () => void this.act('close') }, 'Close')
        : h('button', { type: 'button', 'data-focus': 'reopen', onclick: () => void this.act('reopen') }, 'Reopen'),
      this.moreActions(conversation),
    );
    replaceContent(
      this.pane,
      h('button', { type: 'button', class: 'back quiet', onclick: () => this.close() }, 'Back to conversations'),
      h(
        'header',
        { class: 'conversation-head' },
        h(
          'div',
          {},
          h('h2', { tabindex: -1 }, conversation.subject ?? '(no subject)'),
          h('p', { role: 'status', class: `state ${conversation.status}` }, status),
          h(
            'p',
            { class: 'customer' },
            `Customer: ${customer.name ?? customer.id}${customer.email ? ` <${customer.email}>` : ''}`,
          ),
        ),
        actions,
      ),
      this.notice ? h('p', { role: 'alert', class: `notice ${this.notice.kind}` }, this.notice.text) : null,
      h('h3', { id: 'messages-heading' }, 'Messages'),
      this.showEarlierButton('messages', conversation.earlierMessagesCursor, 'Show earlier messages'),
      h(
        'ul',
        { role: 'list', 'aria-label': 'Messages', class: 'messages' },
        conversation.messages.map((message) =>
          h(
            'li',
            { class: message.author.type },
            h(
              'span',
              { class: 'meta' },
              h('strong', {}, this.names.author(message, customer.name ?? 'Customer')),
              ' ',
              h('time', {}, timeOf(message.at)),
            ),
            h('p', {}, message.body),
          ),
        ),
      ),
      h('h3', {}, 'Timeline'),
      this.showEarlierButton('timeline', conversation.earlierTimelineCursor, 'Show earlier timeline entries'),
      conversation.timeline.length === 0
        ? h('p', { class: 'empty' }, 'Nothing yet')
        : h(
            'ul',
            { role: 'list', 'aria-label': 'Timeline', class: 'timeline' },
            conversation.timeline.map((entry) =>
              h('li', { class: entry.type }, describeEntry(entry, this.names), ' ', h('time', {}, timeOf(entry.at))),
            ),
          ),
      this.replyForm(),
    );
    this.focusMenu();
  }

  private showEarlierButton(list: 'messages' | 'timeline', cursor: string | null, label: string): HTMLElement | null {
    if (cursor === null) return null;
    return h(
      'button',
      {
        type: 'button',
        class: 'quiet earlier',
        'data-focus': `earlier-${list}`,
        onclick: () => void this.showEarlier(list),
      },
      label,
    );
  }

  /** The page before the shown part of a list, put in front of it. */
  private async showEarlier(list: 'messages' | 'timeline'): Promise<void> {
    const shown = this.conversation;
    const cursor = list === 'messages' ? shown?.earlierMessagesCursor : shown?.earlierTimelineCursor;
    if (!shown || !cursor) return;
    try {
      // The other list's page is not wanted: one entry of it is the least that can be asked for.
      const earlier = await this.api.conversation(
        shown.id,
        list === 'messages'
          ? { messagesBefore: cursor, timelineLimit: 1 }
          : { timelineBefore: cursor, messagesLimit: 1 },
      );
      if (this.conversation?.id !== shown.id) return;
      const current = this.conversation;
      const stillBefore = list === 'messages' ? current.earlierMessagesCursor : current.earlierTimelineCursor;
      if (stillBefore !== cursor) return; // another click already put that page in
      this.conversation = withEarlierPage(current, earlier, list);
      this.renderPane();
    } catch (error) {
      this.showProblem(error);
    }
  }

  private moreActions(conversation: Details): HTMLElement {
    const toggle = h(
      'button',
      {
        type: 'button',
        class: 'more',
        'data-focus': 'more-actions',
        'aria-label': 'More actions',
        'aria-haspopup': 'menu',
        'aria-expanded': this.menu ? 'true' : 'false',
        onclick: () => this.setMenu(this.menu ? null : 'actions'),
      },
      '⋯',
    );
    let menu: HTMLElement | null = null;
    if (this.menu === 'actions') {
      menu = this.menuOf('More actions', [
        { label: 'Assign…', run: () => this.setMenu('assign') },
        ...(conversation.assigneeId ? [{ label: 'Unassign', run: () => void this.act('unassign') }] : []),
      ]);
    } else if (this.menu === 'assign') {
      const assignable = this.members.filter((member) => member.role !== 'auditor');
      menu = this.menuOf(
        'Assign to',
        assignable.map((member) => ({ label: member.name, run: () => void this.assign(member.id) })),
      );
    }
    return h('div', { class: 'menu-anchor' }, toggle, menu);
  }

  private menuOf(label: string, items: { label: string; run: () => void }[]): HTMLElement {
    const menu = h(
      'div',
      {
        role: 'menu',
        'aria-label': label,
        class: 'menu',
        onkeydown: (event: Event) => this.moveInMenu(event as KeyboardEvent),
      },
      items.map((item) =>
        h(
          'button',
          {
            type: 'button',
            role: 'menuitem',
            tabindex: -1,
            onclick: () => {
              item.run();
            },
          },
          item.label,
        ),
      ),
    );
    return menu;
  }

  private moveInMenu(event: KeyboardEvent): void {
    const items = [...this.pane.querySelectorAll<HTMLElement>('[role="menuitem"]')];
    const index = items.indexOf(document.activeElement as HTMLElement);
    if (event.key === 'Escape') {
      event.preventDefault();
      this.setMenu(null);
      this.pane.querySelector<HTMLElement>('button.more')?.focus();
    } else if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      const step = event.key === 'ArrowDown' ? 1 : -1;
      items[(index + step + items.length) % items.length]?.focus();
    }
  }

  private setMenu(menu: 'actions' | 'assign' | null): void {
    this.menu = menu;
    this.renderPane();
  }

  private focusMenu(): void {
    if (this.menu) this.pane.querySelector<HTMLElement>('[role="menuitem"]')?.focus();
  }

  private replyForm(): HTMLElement {
    const text = h('textarea', {
      id: 'reply',
      rows: 3,
      'data-focus': 'reply',
      placeholder: 'Write a reply to the customer',
      oninput: (event: Event) => (this.draft = (event.target as HTMLTextAreaElement).value),
    });
    text.value = this.draft;
    return h(
      'form',
      {
        class: 'reply',
        onsubmit: (event: Event) => {
          event.preventDefault();
          if (this.draft.trim()) void this.act('messages', { body: this.draft });
        },
      },
      h('label', { for: 'reply' }, 'Reply'),
      text,
      h('button', { type: 'submit' }, 'Send reply'),
    );
  }

  private assign(assigneeId: string): Promise<void> {
    return this.act('assign', { assigneeId });
  }

  /** A command at the revision shown; where someone acted first, the notice says who did what. */
  private async act(action: string, body?: Record<string, unknown>): Promise<void> {
    const before = this.conversation;
    if (!before) return;
    this.menu = null;
    try {
      const result = await this.api.command(before.id, action, before.revision, body);
      if (action === 'messages') this.draft = '';
      this.notice = null;
      this.conversation = keepEarlierPages(this.conversation, await this.api.conversation(before.id));
      this.renderPane();
      await this.refresh(result.position);
    } catch (error) {
      if (error instanceof ApiError && error.status === 412) {
        const after = await this.api.conversation(before.id);
        this.notice = { text: describeChanges(before, after, this.names), kind: 'collision' };
        this.conversation = keepEarlierPages(this.conversation, after);
        this.renderPane();
        void this.refresh();
      } else {
        this.showProblem(error);
      }
    }
  }

  private showProblem(error: unknown): void {
    if (error instanceof ApiError && error.status === 401) {
      this.signOut();
      showSignIn('Your token stopped working (was the member removed?). Sign in again.');
      return;
    }
    this.notice = { text: error instanceof Error ? error.message : String(error), kind: 'problem' };
    this.renderPane();
  }
}

function customerName(summary: Summary): string {
  return summary.customer.name ?? summary.customer.email ?? summary.customer.id;
}

const saved = sessionStorage.getItem(TOKEN_KEY);
if (saved) void signIn(saved);
else showSignIn();
