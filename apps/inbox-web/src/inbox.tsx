/**
 * The inbox: search, the views as tabs with their counts and unread counts, the list (paged by keyset as it
 * is scrolled, one Tab stop, arrow keys), and the open conversation. Live from GET /stream: a change re-reads
 * the rows already shown in place, so the list keeps its scroll position and the open conversation stays
 * open. While the server cannot be reached, a notice says so until it is back; no raw error is shown.
 */
import { Component, createRef } from 'preact';
import {
  ApiError,
  UnreachableError,
  type Api,
  type CommandAction,
  type Details,
  type Listed,
  type Me,
  type Member,
  type ViewCounts,
  type ViewName,
} from './api';
import { isTeamMember } from './app';
import { ConversationPane, type Notice } from './conversation';
import { keepEarlierPages, timelineKey, withEarlierPage } from './conversation-pages';
import { Names, customerLabel, describeChanges } from './describe';
import { ago, dateTime } from './format';
import { followChanges } from './live';
import { VIEWS, type InboxRoute, type Route } from './routes';

const TOKEN_STOPPED_WORKING = 'Your token stopped working (was the member removed?). Sign in again.';
/** Changes arriving together (a command's several events) cause one refresh. */
const LIVE_BATCH_MS = 40;
/** Rows asked for per page as the list is scrolled; a refresh re-reads as many as are shown. */
const PAGE_ROWS = 50;
const MAX_PAGE_ROWS = 200;
/** Search as you type: the words are sent once typing pauses. */
const SEARCH_DEBOUNCE_MS = 200;
/** How near the list's end (in pixels) the next page is asked for. */
const LOAD_AHEAD_PX = 400;
/** How long "Closed …" and its Undo stay after a close. */
const CLOSED_STATUS_MS = 8_000;
/** An action that did not reach the server: said beside it; a reply's draft is kept. */
export const UNREACHABLE_REPLY =
  'Not sent: the server cannot be reached. Your reply is kept; send it again when it is back.';
export const UNREACHABLE_ACTION = 'Not done: the server cannot be reached. Try again when it is back.';

export interface InboxProps {
  api: Api;
  me: Me;
  members: Member[];
  route: InboxRoute;
  navigate: (route: Route, options?: { replace?: boolean }) => void;
  onSignedOut: (why: string) => void;
}

interface InboxState {
  counts: ViewCounts | null;
  items: Listed[];
  nextCursor: string | null;
  /** The first page of the current view or search has arrived. */
  listLoaded: boolean;
  loadingMore: boolean;
  conversation: Details | null;
  notice: Notice | null;
  /** The live stream dropped, and is not back yet. */
  liveDown: boolean;
  /** A request did not reach the server, and none has since. */
  requestFailed: boolean;
  shortcutsOpen: boolean;
  /** The row that is the list's one Tab stop. */
  activeRowId: string | null;
  searchText: string;
  /** The conversation just closed, which Undo reopens (at the revision the close left it at). */
  closed: { id: string; subject: string; revision: number } | null;
  /** An action on a row of the list (not the open conversation) that failed: said above the list. */
  listProblem: string | null;
}

type NoticeInput = Notice;

export class Inbox extends Component<InboxProps, InboxState> {
  override state: InboxState = {
    counts: null,
    items: [],
    nextCursor: null,
    listLoaded: false,
    loadingMore: false,
    conversation: null,
    notice: null,
    liveDown: false,
    requestFailed: false,
    shortcutsOpen: false,
    activeRowId: null,
    searchText: this.props.route.view === 'search' ? this.props.route.q : '',
    closed: null,
    listProblem: null,
  };

  private readonly names = new Names(this.props.members, this.props.me);
  private readonly live = new AbortController();
  private readonly listRef = createRef<HTMLDivElement>();
  private readonly paneRef = createRef<HTMLElement>();
  private readonly searchRef = createRef<HTMLInputElement>();
  /** Each list read's number: an answer older than a later read's is dropped. */
  private listReads = 0;
  private conversationReads = 0;
  private liveTimer: number | undefined;
  private livePosition: string | undefined;
  private readonly changedWhileBatching = new Set<string>();
  private searchTimer: number | undefined;
  /** Assignments to the reader already notified, by timeline entry. */
  private readonly notified = new Set<string>();
  private readonly startedAt = new Date().toISOString();
  /** After the reader's own action: bring the open conversation's row into view once the list is re-read. */
  private revealSelected = false;
  /** The revision at which the reader last marked each conversation read (from this tab). */
  private readonly readRevisions = new Map<string, number>();
  private closedTimer: number | undefined;

  private get member(): boolean {
    return isTeamMember(this.props.me);
  }

  override componentDidMount(): void {
    void this.loadList();
    if (this.props.route.conversationId) void this.loadConversation(this.props.route.conversationId);
    document.addEventListener('keydown', this.onShortcut);
    followChanges(
      this.props.api.token,
      {
        onChange: (change) => this.onLiveChange(change),
        onReset: () => this.reloadEverything(),
        onStatus: (connected) => this.onLiveStatus(connected),
        onUnauthorized: () => this.props.onSignedOut(TOKEN_STOPPED_WORKING),
      },
      this.live.signal,
    );
  }

  override componentWillUnmount(): void {
    this.live.abort();
    document.removeEventListener('keydown', this.onShortcut);
    window.clearTimeout(this.liveTimer);
    window.clearTimeout(this.searchTimer);
    window.clearTimeout(this.closedTimer);
  }

  override componentDidUpdate(previous: InboxProps): void {
    const { route } = this.props;
    if (previous.route.view !== route.view || previous.route.q !== route.q) {
      this.setState({ items: [], nextCursor: null, listLoaded: false, activeRowId: null });
      if (route.view !== 'search') this.setState({ searchText: '' });
      void this.loadList(undefined, PAGE_ROWS);
    }
    if (previous.route.conversationId !== route.conversationId) {
      this.setState({ conversation: null, notice: null });
      if (route.conversationId) void this.loadConversation(route.conversationId);
    }
  }

  // ----- reading -----

  private listOf(route: InboxRoute): { view: ViewName; q?: string } {
    return route.view === 'search' ? { view: 'all', q: route.q } : { view: route.view };
  }

  /**
   * The current view's rows, from the first: as many as are shown (at least a page), so that a live update
   * re-reads the rows in place and the list keeps its scroll position.
   */
  private async loadList(minPosition?: string, rows = Math.max(PAGE_ROWS, this.state.items.length)): Promise<void> {
    const read = ++this.listReads;
    const route = this.props.route;
    const wanted = rows;
    try {
      const countsRead = this.props.api.counts(minPosition);
      const items: Listed[] = [];
      let cursor: string | undefined;
      let nextCursor: string | null = null;
      do {
        const page = await this.props.api.page(this.listOf(route), {
          cursor,
          limit: Math.min(MAX_PAGE_ROWS, wanted - items.length),
          minPosition,
        });
        items.push(...page.items);
        nextCursor = page.nextCursor;
        cursor = nextCursor ?? undefined;
      } while (nextCursor !== null && items.length < wanted);
      const counts = await countsRead;
      if (read !== this.listReads) return;
      // A row that moves (re-sorted by activity) can lose the focus on the way: it is given back to it.
      const rowHadFocus = this.listRef.current?.contains(document.activeElement) ?? false;
      this.setState({ items, nextCursor, counts, listLoaded: true, requestFailed: false }, () => {
        const focused = document.activeElement;
        if (rowHadFocus && (!focused || focused === document.body)) this.focusRow(this.activeRow());
        this.afterListRead();
      });
    } catch (error) {
      if (read === this.listReads) this.showProblem(error);
    }
  }

  private afterListRead(): void {
    if (this.revealSelected) {
      this.revealSelected = false;
      this.rowElement(this.props.route.conversationId)?.scrollIntoView({ block: 'nearest' });
    }
    this.loadMoreIfNeeded();
  }

  /** The page after the rows shown, where the list is scrolled near its end (or does not fill its box). */
  private readonly loadMoreIfNeeded = (): void => {
    const list = this.listRef.current;
    if (!list || !this.state.nextCursor || this.state.loadingMore) return;
    if (list.scrollTop + list.clientHeight < list.scrollHeight - LOAD_AHEAD_PX) return;
    void this.loadMore();
  };

  private async loadMore(): Promise<void> {
    const cursor = this.state.nextCursor;
    if (!cursor || this.state.loadingMore) return;
    const read = this.listReads;
    this.setState({ loadingMore: true });
    try {
      const page = await this.props.api.page(this.listOf(this.props.route), { cursor, limit: PAGE_ROWS });
      if (read !== this.listReads || this.state.nextCursor !== cursor) return;
      const shown = new Set(this.state.items.map((item) => item.id));
      this.setState(
        {
          items: [...this.state.items, ...page.items.filter((item) => !shown.has(item.id))],
          nextCursor: page.nextCursor,
        },
        () => this.loadMoreIfNeeded(),
      );
    } catch (error) {
      this.showProblem(error);
    } finally {
      this.setState({ loadingMore: false });
    }
  }

  private async loadConversation(id: string): Promise<void> {
    const read = ++this.conversationReads;
    try {
      const latest = await this.props.api.conversation(id);
      if (read !== this.conversationReads || id !== this.props.route.conversationId) return;
      const shown = this.state.conversation?.id === id ? this.state.conversation : null;
      const notice = this.state.notice;
      // A collision's notice tells of one change: once the conversation changes again it is out of date.
      const stale = notice?.kind === 'collision' && notice.revision !== latest.revision;
      this.setState({
        conversation: keepEarlierPages(shown, latest),
        notice: stale || notice?.kind === 'problem' ? null : notice,
        requestFailed: false,
      });
      this.checkAssignedToMe(latest);
      void this.markRead(latest);
    } catch (error) {
      if (read === this.conversationReads) this.showProblem(error);
    }
  }

  /**
   * Opening a conversation reads it, and so does each change seen while it is open (a customer's message
   * arriving as one reads is read); the list and counts are then read at least as far as that.
   */
  private async markRead(conversation: Details): Promise<void> {
    const { id, revision } = conversation;
    if (!this.member || this.readRevisions.get(id) === revision) return;
    this.readRevisions.set(id, revision);
    try {
      const read = await this.props.api.read(id);
      this.setState({ items: this.state.items.map((row) => (row.id === id ? { ...row, unread: false } : row)) });
      void this.loadList(read.position);
    } catch {
      // Reading is a nicety: the next refresh shows the row as the server has it, and the next change reads.
      this.readRevisions.delete(id);
    }
  }

  private reloadEverything(): void {
    void this.loadList();
    const id = this.props.route.conversationId;
    if (id) void this.loadConversation(id);
  }

  // ----- live -----

  private onLiveChange(change: { conversationId: string; position: string }): void {
    this.livePosition = change.position;
    this.changedWhileBatching.add(change.conversationId);
    window.clearTimeout(this.liveTimer);
    this.liveTimer = window.setTimeout(() => {
      const changed = [...this.changedWhileBatching];
      this.changedWhileBatching.clear();
      void this.loadList(this.livePosition);
      const open = this.props.route.conversationId;
      if (open && changed.includes(open)) void this.loadConversation(open);
      for (const id of changed) if (id !== open) void this.checkAssignment(id);
    }, LIVE_BATCH_MS);
  }

  /**
   * Back after a drop: what was missed comes from where the stream left off, but what failed to load while it
   * was down (a conversation opened meanwhile) is read again, and so is everything where the stream never had
   * a place to resume from.
   */
  private onLiveStatus(connected: boolean): void {
    if (connected && (this.state.liveDown || this.state.requestFailed)) this.reloadEverything();
    this.setState({ liveDown: !connected });
  }

  /** A desktop notification when someone else assigns a conversation to the reader. */
  private async checkAssignment(id: string): Promise<void> {
    if (!this.member || !('Notification' in window) || Notification.permission !== 'granted') return;
    try {
      this.checkAssignedToMe(await this.props.api.conversation(id, { messagesLimit: 1, timelineLimit: 1 }));
    } catch {
      // Not notified: the conversation is in Mine all the same.
    }
  }

  private checkAssignedToMe(conversation: Details): void {
    if (!this.member || !('Notification' in window) || Notification.permission !== 'granted') return;
    const entry = conversation.timeline.at(-1);
    if (!entry || entry.type !== 'assigned' || entry.assigneeId !== this.props.me.id) return;
    if (entry.actor.id === this.props.me.id || entry.at < this.startedAt) return;
    const key = `${conversation.id} ${timelineKey(entry)}`;
    if (this.notified.has(key)) return;
    this.notified.add(key);
    const notification = new Notification('Assigned to you', {
      body: `${conversation.subject ?? '(no subject)'} · ${customerLabel(conversation.customer)} (by ${this.names.actor(entry.actor)})`,
      tag: `assigned-${conversation.id}`,
    });
    notification.onclick = () => {
      window.focus();
      this.open(conversation.id);
    };
  }

  // ----- acting -----

  private open(id: string): void {
    const { route } = this.props;
    this.props.navigate({ ...route, conversationId: id });
  }

  private readonly closePane = (): void => {
    this.props.navigate({ ...this.props.route, conversationId: null });
    window.setTimeout(() => this.focusRow(this.state.activeRowId ?? this.state.items[0]?.id), 0);
  };

  /**
   * A command at the revision shown; where someone acted first, the notice says who did what. Focus goes back
   * to `focusKey` (the acted-on control, or where it went), never to the page's body.
   */
  private readonly act = async (
    action: CommandAction,
    body: { assigneeId?: string; body?: string } = {},
    focusKey?: string,
  ): Promise<boolean> => {
    const before = this.state.conversation;
    if (!before) return false;
    try {
      const result = await this.props.api.command(before.id, action, before.revision, body);
      this.revealSelected = true;
      this.setState({ notice: null, listProblem: null });
      await this.loadConversation(before.id);
      void this.loadList(result.position);
      this.focusSoon(focusKey);
      return true;
    } catch (error) {
      if (error instanceof ApiError && error.status === 412) {
        try {
          const after = await this.props.api.conversation(before.id);
          this.setState({
            notice: { text: describeChanges(before, after, this.names), kind: 'collision', revision: after.revision },
            conversation: keepEarlierPages(this.state.conversation, after),
          });
          void this.loadList();
        } catch (reread) {
          this.showProblem(reread);
        }
      } else if (error instanceof UnreachableError) {
        // Said beside the action, not only as "reconnecting": the agent must know this one did not happen.
        this.setState({
          requestFailed: true,
          notice: {
            text: action === 'messages' ? UNREACHABLE_REPLY : UNREACHABLE_ACTION,
            kind: 'problem',
            near: action === 'messages' ? 'reply' : 'actions',
          },
        });
      } else {
        this.showProblem(error);
      }
      this.focusSoon(focusKey);
      return false;
    }
  };

  /**
   * Close, then on to the next conversation of the list (the one below, else the one above), with the focus on
   * its row, never on an action of it: a second Enter must not close what the agent has not looked at. A
   * status says what was closed, with an Undo, for a while. `targetId` is the open conversation unless `e`
   * was pressed on another row of the list.
   */
  private readonly closeAndMoveOn = async (targetId = this.props.route.conversationId): Promise<void> => {
    const rows = this.state.items;
    const open = this.state.conversation;
    const target = open && open.id === targetId ? open : rows.find((row) => row.id === targetId);
    if (!target || target.status !== 'open') return;
    const index = rows.findIndex((row) => row.id === target.id);
    const next = index < 0 ? undefined : (rows[index + 1] ?? rows[index - 1]);
    const wasOpen = target === open;
    const revision = wasOpen ? await this.actForRevision('close') : (await this.actOnRow(target, 'close'))?.revision;
    if (revision === undefined) return;
    this.showClosed({ id: target.id, subject: target.subject ?? '(no subject)', revision });
    if (!next) return;
    this.setState({ activeRowId: next.id });
    if (wasOpen && this.props.route.conversationId === target.id) this.open(next.id);
    window.setTimeout(() => this.focusRow(next.id), 0);
  };

  /** The open conversation's command, answering the revision it left the conversation at. */
  private async actForRevision(action: CommandAction): Promise<number | undefined> {
    if (!(await this.act(action, {}, 'close-reopen'))) return undefined;
    return this.state.conversation?.revision;
  }

  /** A command on a row of the list that is not the open conversation, at the revision the row shows. */
  private async actOnRow(
    row: Listed,
    action: CommandAction,
    body: { assigneeId?: string } = {},
  ): Promise<(Listed & { position: string }) | null> {
    try {
      const result = await this.props.api.command(row.id, action, row.revision, body);
      this.setState({ listProblem: null });
      void this.loadList(result.position);
      return result;
    } catch (error) {
      if (error instanceof UnreachableError) {
        this.setState({ requestFailed: true, listProblem: UNREACHABLE_ACTION });
      } else if (error instanceof ApiError && error.status === 412) {
        this.setState({
          listProblem: `Not done: “${row.subject ?? '(no subject)'}” changed before you; the list shows it as it is now.`,
        });
        void this.loadList();
      } else {
        this.showProblem(error);
      }
      return null;
    }
  }

  private showClosed(closed: { id: string; subject: string; revision: number }): void {
    window.clearTimeout(this.closedTimer);
    this.setState({ closed });
    this.closedTimer = window.setTimeout(() => this.setState({ closed: null }), CLOSED_STATUS_MS);
  }

  /** Undo of a close: the conversation reopened, its row focused. */
  private readonly undoClose = async (): Promise<void> => {
    const closed = this.state.closed;
    if (!closed) return;
    window.clearTimeout(this.closedTimer);
    try {
      const result = await this.props.api.command(closed.id, 'reopen', closed.revision);
      this.setState({ closed: null, listProblem: null, activeRowId: closed.id });
      await this.loadList(result.position);
      if (this.props.route.conversationId === closed.id) void this.loadConversation(closed.id);
      this.focusRow(closed.id);
    } catch (error) {
      this.setState({ closed: null });
      if (error instanceof UnreachableError) this.setState({ requestFailed: true, listProblem: UNREACHABLE_ACTION });
      else this.showProblem(error);
    }
  };

  /** Assign to me: the open conversation, unless `a` was pressed on another row of the list. */
  private readonly assignToMe = async (
    focusKey = 'close-reopen',
    targetId = this.props.route.conversationId,
  ): Promise<void> => {
    if (!this.member) return;
    const conversation = this.state.conversation;
    if (conversation && conversation.id === targetId) {
      if (conversation.assigneeId === this.props.me.id) return;
      await this.act('assign', { assigneeId: this.props.me.id }, focusKey);
      return;
    }
    const row = this.state.items.find((item) => item.id === targetId);
    if (!row || row.assigneeId === this.props.me.id) return;
    await this.actOnRow(row, 'assign', { assigneeId: this.props.me.id });
  };

  /** After a reply sent from the keyboard: the focus on the open conversation's row, for the next shortcut. */
  private readonly focusOpenRow = (): boolean => {
    const id = this.props.route.conversationId;
    if (!this.rowElement(id)) return false;
    this.focusRow(id);
    return true;
  };

  /** The earlier page of a list of the open conversation, put in front of what is shown. */
  private readonly showEarlier = async (list: 'messages' | 'timeline'): Promise<void> => {
    const shown = this.state.conversation;
    const cursor = list === 'messages' ? shown?.earlierMessagesCursor : shown?.earlierTimelineCursor;
    if (!shown || !cursor) return;
    try {
      // The other list's page is not wanted: one entry of it is the least that can be asked for.
      const earlier = await this.props.api.conversation(
        shown.id,
        list === 'messages'
          ? { messagesBefore: cursor, timelineLimit: 1 }
          : { timelineBefore: cursor, messagesLimit: 1 },
      );
      const current = this.state.conversation;
      if (current?.id !== shown.id) return;
      const stillBefore = list === 'messages' ? current.earlierMessagesCursor : current.earlierTimelineCursor;
      if (stillBefore !== cursor) return; // another click already put that page in
      this.setState({ conversation: withEarlierPage(current, earlier, list) });
    } catch (error) {
      this.showProblem(error);
    }
  };

  private showProblem(error: unknown): void {
    if (error instanceof UnreachableError) {
      this.setState({ requestFailed: true });
      return;
    }
    if (error instanceof ApiError && error.status === 401) {
      this.props.onSignedOut(TOKEN_STOPPED_WORKING);
      return;
    }
    const text = error instanceof Error ? error.message : String(error);
    this.setState({ notice: { text, kind: 'problem' } satisfies NoticeInput });
  }

  private focusSoon(key: string | undefined): void {
    window.setTimeout(() => {
      const pane = this.paneRef.current;
      if (!pane) return;
      const target =
        (key ? pane.querySelector<HTMLElement>(`[data-focus="${key}"]`) : null) ??
        pane.querySelector<HTMLElement>('[data-focus="close-reopen"]') ??
        pane.querySelector<HTMLElement>('h2');
      // Only where the focus was lost (to the body) or is still in the pane: never taken from elsewhere.
      const focused = document.activeElement;
      if (!focused || focused === document.body || pane.contains(focused)) target?.focus();
    }, 0);
  }

  // ----- the keyboard -----

  private rowElement(id: string | null | undefined): HTMLElement | null {
    if (!id) return null;
    return this.listRef.current?.querySelector<HTMLElement>(`[data-row="${CSS.escape(id)}"]`) ?? null;
  }

  private focusRow(id: string | null | undefined): void {
    const row = this.rowElement(id);
    if (!row) return;
    this.setState({ activeRowId: id ?? null });
    row.focus();
  }

  /** The row `step` rows from the one that is the list's Tab stop. */
  private moveInList(step: number | 'first' | 'last'): void {
    const rows = this.state.items;
    if (rows.length === 0) return;
    const current = rows.findIndex((row) => row.id === this.activeRow());
    // From outside the list, the first move goes to the list's own place (its Tab stop).
    if (typeof step === 'number' && !this.listRef.current?.contains(document.activeElement)) {
      this.focusRow(rows[Math.max(0, current)].id);
      return;
    }
    const index =
      step === 'first'
        ? 0
        : step === 'last'
          ? rows.length - 1
          : Math.min(rows.length - 1, Math.max(0, (current < 0 ? -1 : current) + step));
    this.focusRow(rows[index].id);
    if (index === rows.length - 1) void this.loadMore();
  }

  private activeRow(): string | null {
    const { items, activeRowId } = this.state;
    if (activeRowId && items.some((row) => row.id === activeRowId)) return activeRowId;
    const open = this.props.route.conversationId;
    if (open && items.some((row) => row.id === open)) return open;
    return items[0]?.id ?? null;
  }

  /** What `a` and `e` act on: the highlighted row where the focus is in the list, else the open conversation. */
  private shortcutTarget(): string | null {
    if (this.listRef.current?.contains(document.activeElement)) return this.activeRow();
    return this.props.route.conversationId;
  }

  private readonly onRowKey = (event: KeyboardEvent): void => {
    const steps: Record<string, number | 'first' | 'last'> = {
      ArrowDown: 1,
      ArrowUp: -1,
      Home: 'first',
      End: 'last',
    };
    const step = steps[event.key];
    if (step === undefined) return;
    event.preventDefault();
    this.moveInList(step);
  };

  /** j/k move in the list, Enter opens, e closes, a assigns to me, / searches, ? lists them all. */
  private readonly onShortcut = (event: KeyboardEvent): void => {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target instanceof HTMLElement ? event.target : null;
    if (event.key === 'Escape' && this.state.shortcutsOpen) {
      event.preventDefault();
      this.setState({ shortcutsOpen: false });
      return;
    }
    const typing =
      target !== null && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName));
    if (typing) return;
    switch (event.key) {
      case 'j':
        this.moveInList(1);
        break;
      case 'k':
        this.moveInList(-1);
        break;
      case 'e':
        void this.closeAndMoveOn(this.shortcutTarget() ?? undefined);
        break;
      case 'a':
        void this.assignToMe(undefined, this.shortcutTarget() ?? undefined);
        break;
      case 'r':
        this.paneRef.current?.querySelector<HTMLElement>('textarea')?.focus();
        break;
      case '/':
        this.searchRef.current?.focus();
        break;
      case '?':
        this.setState({ shortcutsOpen: !this.state.shortcutsOpen });
        break;
      default:
        return;
    }
    event.preventDefault();
  };

  // ----- search -----

  private readonly onSearchInput = (text: string): void => {
    this.setState({ searchText: text });
    window.clearTimeout(this.searchTimer);
    this.searchTimer = window.setTimeout(() => {
      const q = text.trim();
      const { route } = this.props;
      if (q === '') {
        if (route.view === 'search') this.props.navigate({ ...route, view: 'inbox', q: '' });
        return;
      }
      // Typing replaces the search in the history rather than adding an entry per word.
      this.props.navigate({ ...route, view: 'search', q }, { replace: route.view === 'search' });
    }, SEARCH_DEBOUNCE_MS);
  };

  // ----- rendering -----

  private stateOf(summary: Listed): string {
    if (summary.status === 'closed') return 'Closed';
    return summary.assigneeId ? `Assigned to ${this.names.member(summary.assigneeId)}` : 'Unassigned';
  }

  override render() {
    const { route } = this.props;
    const { counts, items, listLoaded, conversation, liveDown, requestFailed, shortcutsOpen, closed, listProblem } =
      this.state;
    const open = route.conversationId !== null;
    return (
      <main class="layout" data-open={open ? '' : undefined}>
        {(liveDown || requestFailed) && (
          <p role="status" class="live-status">
            Live updates interrupted: reconnecting…
          </p>
        )}
        <nav class="views" aria-label="Conversations by view">
          <form class="search" role="search" onSubmit={(event) => event.preventDefault()}>
            <input
              ref={this.searchRef}
              type="search"
              aria-label="Search conversations"
              placeholder="Search customers, subjects, orders…"
              title="Search: a customer, a subject, words of a message, an order number (/)"
              value={this.state.searchText}
              onInput={(event) => this.onSearchInput(event.currentTarget.value)}
              onKeyDown={(event) => {
                if (event.key === 'Escape') {
                  this.onSearchInput('');
                  event.currentTarget.blur();
                }
              }}
            />
          </form>
          {this.renderTabs(counts)}
          {listProblem && (
            <p role="alert" class="notice problem">
              {listProblem}
            </p>
          )}
          <div
            ref={this.listRef}
            id="view-panel"
            role="tabpanel"
            class="list"
            aria-labelledby={route.view === 'search' ? undefined : `tab-${route.view}`}
            aria-label={route.view === 'search' ? `Search results for ${route.q}` : undefined}
            onScroll={this.loadMoreIfNeeded}
          >
            {listLoaded && items.length === 0 ? (
              <p class="empty">{route.view === 'search' ? 'No conversation matches' : 'No conversations'}</p>
            ) : (
              <ul role="list" aria-label="Conversations">
                {items.map((item) => this.renderRow(item))}
              </ul>
            )}
            {this.renderListFoot()}
          </div>
        </nav>
        <section ref={this.paneRef} role="region" aria-label="Conversation" class="conversation">
          {open ? (
            <ConversationPane
              conversation={conversation?.id === route.conversationId ? conversation : null}
              me={this.props.me}
              member={this.member}
              members={this.props.members}
              names={this.names}
              notice={this.state.notice}
              act={this.act}
              assignToMe={this.assignToMe}
              closeAndMoveOn={this.closeAndMoveOn}
              focusOpenRow={this.focusOpenRow}
              showEarlier={this.showEarlier}
              back={this.closePane}
              linkTo={(id) => `#/${route.view === 'search' ? 'all' : route.view}/c/${id}`}
            />
          ) : (
            <p class="empty">Choose a conversation. Press ? for the keyboard shortcuts.</p>
          )}
        </section>
        {closed && (
          <div role="status" class="toast">
            <span>Closed “{closed.subject}”</span>
            <button
              type="button"
              class="quiet"
              title={`Reopen “${closed.subject}”`}
              onClick={() => void this.undoClose()}
            >
              Undo
            </button>
          </div>
        )}
        {shortcutsOpen && <Shortcuts onClose={() => this.setState({ shortcutsOpen: false })} />}
      </main>
    );
  }

  private renderTabs(counts: ViewCounts | null) {
    const { route } = this.props;
    const unread = (counts as { unread?: Record<string, number> } | null)?.unread;
    return (
      <div role="tablist" aria-label="Views" class="tabs">
        {VIEWS.map(({ name, label }, index) => {
          const selected = name === route.view;
          const count = counts?.[name];
          const unreadCount = unread?.[name] ?? 0;
          const accessibleName =
            count === undefined ? label : `${label} ${count}${unreadCount > 0 ? `, ${unreadCount} unread` : ''}`;
          return (
            <button
              key={name}
              type="button"
              role="tab"
              id={`tab-${name}`}
              aria-selected={selected ? 'true' : 'false'}
              aria-controls="view-panel"
              aria-label={accessibleName}
              tabIndex={selected || (route.view === 'search' && index === 0) ? 0 : -1}
              onClick={() => this.props.navigate({ area: 'inbox', view: name, q: '', conversationId: null })}
              onKeyDown={(event) => this.moveBetweenTabs(event, index)}
            >
              {label}
              <span class="count" aria-hidden="true" title={count === undefined ? undefined : `${count} in ${label}`}>
                {count ?? ''}
              </span>
              {/* Said in words, not a second bare number: "Inbox 72 5 unread", never "Inbox 72 5". */}
              {unreadCount > 0 && (
                <span class="unread-count" aria-hidden="true" title={`${unreadCount} unread`}>
                  {unreadCount} unread
                </span>
              )}
            </button>
          );
        })}
      </div>
    );
  }

  private moveBetweenTabs(event: KeyboardEvent, index: number): void {
    const step = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0;
    if (step === 0) return;
    event.preventDefault();
    const next = VIEWS[(index + step + VIEWS.length) % VIEWS.length].name;
    this.props.navigate({ area: 'inbox', view: next, q: '', conversationId: null });
    window.setTimeout(() => document.getElementById(`tab-${next}`)?.focus(), 0);
  }

  private renderRow(item: Listed) {
    const selectedId = this.props.route.conversationId;
    const activeRow = this.activeRow();
    const customer = customerLabel(item.customer);
    const subject = item.subject ?? '(no subject)';
    const state = this.stateOf(item);
    const activity = item.status === 'open' ? ` · ${ago(item.lastActivityAt)}` : '';
    return (
      <li key={item.id}>
        <button
          type="button"
          class={item.unread ? 'row unread' : 'row'}
          data-row={item.id}
          tabIndex={item.id === activeRow ? 0 : -1}
          aria-label={`${subject} · ${customer} · ${state}${item.unread ? ' · Unread' : ''}`}
          aria-current={item.id === selectedId ? 'true' : undefined}
          onClick={() => {
            this.setState({ activeRowId: item.id });
            this.open(item.id);
          }}
          onFocus={() => this.state.activeRowId !== item.id && this.setState({ activeRowId: item.id })}
          onKeyDown={this.onRowKey}
        >
          <span class="row-top">
            <span class="row-customer">{customer}</span>
            <time dateTime={item.lastActivityAt} title={dateTime(item.lastActivityAt)}>
              {dateTime(item.lastActivityAt)}
            </time>
          </span>
          <span class="subject">{subject}</span>
          <span class="preview">{item.lastMessagePreview ?? ''}</span>
          <span class={`badge ${item.status}`}>
            {state}
            {activity}
          </span>
        </button>
      </li>
    );
  }

  private renderListFoot() {
    const { route } = this.props;
    const { items, nextCursor, counts, loadingMore, listLoaded } = this.state;
    if (!listLoaded || items.length === 0) return null;
    const total = route.view === 'search' ? undefined : counts?.[route.view];
    return (
      <div class="list-foot">
        <span>
          {total === undefined ? `${items.length} shown` : `${items.length} of ${Math.max(total, items.length)} shown`}
        </span>
        {nextCursor && (
          <button type="button" class="quiet" disabled={loadingMore} onClick={() => void this.loadMore()}>
            {loadingMore ? 'Loading…' : 'Load more'}
          </button>
        )}
      </div>
    );
  }
}

const SHORTCUTS: [string, string][] = [
  ['j / k', 'next / previous conversation in the list'],
  ['↓ / ↑', 'the same, in the list'],
  ['Enter', 'open the conversation'],
  ['e', 'close the highlighted conversation of the list (else the open one) and go on to the next'],
  ['a', 'assign the highlighted conversation of the list (else the open one) to me'],
  ['r', 'write a reply'],
  ['Ctrl+Enter', 'send the reply (the focus then goes back to the list)'],
  ['/', 'search'],
  ['?', 'show or hide this list'],
  ['Esc', 'leave the reply box; close a menu or this list'],
];

function Shortcuts({ onClose }: { onClose: () => void }) {
  return (
    <div class="dialog-backdrop" onClick={onClose}>
      <div
        role="dialog"
        aria-modal="true"
        aria-label="Keyboard shortcuts"
        class="dialog"
        onClick={(event) => event.stopPropagation()}
      >
        <h2>Keyboard shortcuts</h2>
        <dl class="shortcuts">
          {SHORTCUTS.map(([keys, what]) => (
            <div key={keys}>
              <dt>
                <kbd>{keys}</kbd>
              </dt>
              <dd>{what}</dd>
            </div>
          ))}
        </dl>
        <button type="button" onClick={onClose} ref={(button) => button?.focus()}>
          Close
        </button>
      </div>
    </div>
  );
}
