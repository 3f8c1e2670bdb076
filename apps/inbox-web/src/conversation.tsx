/**
 * The open conversation: its head (subject, state, customer, actions) and the reply box stay in place while
 * one thread, messages and timeline interleaved, newest at the bottom, scrolls between them; beside it the
 * customer, their orders (from the store events' details) and their other conversations.
 */
import { Component, createRef, type ComponentChildren } from 'preact';
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { CommandAction, Details, Listed, Me, Member, Message, OrderDetails, TimelineEntry } from './api';
import { timelineKey } from './conversation-pages';
import { Names, customerLabel, describeEntry } from './describe';
import { dateTime, elapsed } from './format';

export interface Notice {
  text: string;
  kind: 'collision' | 'problem';
  /** The revision a collision's notice describes: a later one makes it out of date. */
  revision?: number;
  /** Shown beside the reply box (a reply not sent), else beside the actions. */
  near?: 'reply' | 'actions';
}

export interface ConversationPaneProps {
  /** Null while it is read. */
  conversation: Details | null;
  me: Me;
  /** Whether the reader is a team member (who can reply and be assigned), not the bootstrap admin. */
  member: boolean;
  members: Member[];
  names: Names;
  notice: Notice | null;
  act: (action: CommandAction, body?: { assigneeId?: string; body?: string }, focusKey?: string) => Promise<boolean>;
  assignToMe: (focusKey?: string) => Promise<void>;
  closeAndMoveOn: () => Promise<void>;
  /** Puts the focus on the open conversation's row of the list; false where the list does not show it. */
  focusOpenRow: () => boolean;
  showEarlier: (list: 'messages' | 'timeline') => Promise<void>;
  back: () => void;
  /** The route of another conversation, for the customer's other conversations. */
  linkTo: (id: string) => string;
}

type Menu = 'actions' | 'assign' | null;

interface PaneState {
  menu: Menu;
  draft: string;
  sending: boolean;
}

type ThreadItem =
  { kind: 'message'; at: string; message: Message } | { kind: 'event'; at: string; entry: TimelineEntry };

/** How near the bottom (in pixels) the thread counts as read to the end, and so follows new entries. */
const FOLLOW_BOTTOM_PX = 80;

export class ConversationPane extends Component<ConversationPaneProps, PaneState> {
  override state: PaneState = { menu: null, draft: '', sending: false };
  private readonly bodyRef = createRef<HTMLDivElement>();
  private readonly moreRef = createRef<HTMLButtonElement>();

  override getSnapshotBeforeUpdate(): boolean {
    const body = this.bodyRef.current;
    return body ? body.scrollTop + body.clientHeight >= body.scrollHeight - FOLLOW_BOTTOM_PX : true;
  }

  override componentDidUpdate(previous: ConversationPaneProps, _state: PaneState, atBottom: boolean): void {
    const before = previous.conversation;
    const now = this.props.conversation;
    if (before?.id !== now?.id) {
      // Another conversation (or it is being read): its own draft and menu, read from its newest entry.
      if (before) this.setState({ menu: null, draft: '' });
      this.scrollToEnd();
      return;
    }
    if (!now || !before) return;
    const grew = now.messages.length !== before.messages.length || now.timeline.length !== before.timeline.length;
    const earlierAdded =
      now.messages[0]?.id !== before.messages[0]?.id || now.timeline[0]?.at !== before.timeline[0]?.at;
    if (grew && atBottom && !earlierAdded) this.scrollToEnd();
  }

  override componentDidMount(): void {
    this.scrollToEnd();
  }

  private scrollToEnd(): void {
    const body = this.bodyRef.current;
    if (body) body.scrollTop = body.scrollHeight;
  }

  private setMenu(menu: Menu): void {
    this.setState({ menu });
    if (menu === null) window.setTimeout(() => this.moreRef.current?.focus(), 0);
  }

  /**
   * From the keyboard (Ctrl+Enter), a sent reply takes the focus out of the box, to the conversation's row (else
   * its heading), so that the next single-key shortcut acts rather than types.
   */
  private async send(fromKeyboard = false): Promise<void> {
    const draft = this.state.draft.trim();
    if (!draft || this.state.sending) return;
    this.setState({ sending: true });
    const sent = await this.props.act('messages', { body: this.state.draft }, fromKeyboard ? 'heading' : 'reply');
    this.setState({ sending: false, ...(sent ? { draft: '' } : {}) });
    if (sent && fromKeyboard) this.props.focusOpenRow();
  }

  override render() {
    const { conversation, notice } = this.props;
    return (
      <>
        <button type="button" class="back quiet" onClick={this.props.back}>
          Back to conversations
        </button>
        {conversation === null ? (
          <>
            {notice && (
              <p role="alert" class={`notice ${notice.kind}`}>
                {notice.text}
              </p>
            )}
            <p class="empty" aria-busy="true">
              Loading the conversation…
            </p>
          </>
        ) : (
          this.renderConversation(conversation)
        )}
      </>
    );
  }

  private renderConversation(conversation: Details) {
    const { names, notice, member, me } = this.props;
    const open = conversation.status === 'open';
    const assignee = conversation.assigneeId;
    const status = `${open ? 'Open' : 'Closed'} · ${assignee ? `Assigned to ${names.member(assignee)}` : 'Unassigned'}`;
    const customer = conversation.customer;
    const waitingSince = waitingSinceOf(conversation);
    return (
      <>
        <header class="conversation-head">
          <div class="head-text">
            <h2 tabIndex={-1} data-focus="heading">
              {conversation.subject ?? '(no subject)'}
            </h2>
            <p role="status" class={`state ${conversation.status}`}>
              {status}
            </p>
            <p class="customer-line">
              {customerLabel(customer)}
              {customer.name && customer.email ? ` <${customer.email}>` : ''}
              {waitingSince && open && (
                <span class="waiting">
                  {' '}
                  · waiting <time dateTime={waitingSince}>{elapsed(waitingSince)}</time>
                </span>
              )}
            </p>
          </div>
          <div class="actions">
            {member && assignee !== me.id && (
              <button type="button" data-focus="assign-me" onClick={() => void this.props.assignToMe()}>
                Assign to me
              </button>
            )}
            <button
              type="button"
              data-focus="close-reopen"
              onClick={() => void (open ? this.props.closeAndMoveOn() : this.props.act('reopen', {}, 'close-reopen'))}
            >
              {open ? 'Close' : 'Reopen'}
            </button>
            {this.renderMoreActions(conversation)}
          </div>
        </header>
        {notice && notice.near !== 'reply' && (
          <p role="alert" class={`notice ${notice.kind}`}>
            {notice.text}
          </p>
        )}
        <div class="conversation-body" ref={this.bodyRef}>
          <div class="thread-column">
            {conversation.earlierMessagesCursor !== null && (
              <button
                type="button"
                class="quiet earlier"
                data-focus="earlier-messages"
                onClick={() => void this.props.showEarlier('messages')}
              >
                Show earlier messages
              </button>
            )}
            {conversation.earlierTimelineCursor !== null && (
              <button
                type="button"
                class="quiet earlier"
                data-focus="earlier-timeline"
                onClick={() => void this.props.showEarlier('timeline')}
              >
                Show earlier timeline entries
              </button>
            )}
            <ol class="thread" aria-label="Thread">
              {threadOf(conversation).map((item) =>
                item.kind === 'message' ? (
                  <li key={`m-${item.message.id}`} class={`message ${item.message.author.type}`}>
                    <span class="meta">
                      <strong>{names.author(item.message, customerLabel(customer))}</strong>{' '}
                      <time dateTime={item.at}>{dateTime(item.at)}</time>
                    </span>
                    <p>{item.message.body}</p>
                  </li>
                ) : (
                  <li key={`e-${timelineKey(item.entry)}`} class={`event ${item.entry.type}`}>
                    {describeEntry(item.entry, names)} <time dateTime={item.at}>{dateTime(item.at)}</time>
                  </li>
                ),
              )}
            </ol>
          </div>
          <CustomerPanel conversation={conversation} linkTo={this.props.linkTo} />
        </div>
        {notice?.near === 'reply' && (
          <p role="alert" class={`notice ${notice.kind}`}>
            {notice.text}
          </p>
        )}
        {member && this.renderReply()}
      </>
    );
  }

  private renderMoreActions(conversation: Details) {
    const { menu } = this.state;
    const { members, me, names } = this.props;
    let shown: ComponentChildren = null;
    if (menu === 'actions') {
      shown = (
        <MenuList
          label="More actions"
          onClose={() => this.setMenu(null)}
          onDismiss={() => this.setState({ menu: null })}
        >
          <button type="button" role="menuitem" tabIndex={-1} onClick={() => this.setState({ menu: 'assign' })}>
            Assign…
          </button>
          {conversation.assigneeId && (
            <button
              type="button"
              role="menuitem"
              tabIndex={-1}
              onClick={() => {
                this.setState({ menu: null });
                void this.props.act('unassign', {}, 'more-actions');
              }}
            >
              Unassign
            </button>
          )}
        </MenuList>
      );
    } else if (menu === 'assign') {
      const assignable = members.filter((candidate) => candidate.role !== 'auditor');
      shown = (
        <MenuList label="Assign to" onClose={() => this.setMenu(null)} onDismiss={() => this.setState({ menu: null })}>
          {assignable.map((candidate) => {
            const current = candidate.id === conversation.assigneeId;
            return (
              <button
                key={candidate.id}
                type="button"
                role="menuitemradio"
                aria-checked={current ? 'true' : 'false'}
                tabIndex={-1}
                onClick={() => {
                  this.setState({ menu: null });
                  if (!current) void this.props.act('assign', { assigneeId: candidate.id }, 'more-actions');
                  else window.setTimeout(() => this.moreRef.current?.focus(), 0);
                }}
              >
                <span class="tick" aria-hidden="true">
                  {current ? '✓' : ''}
                </span>
                <span class="menu-name" title={candidate.name}>
                  {candidate.id === me.id ? `${names.member(candidate.id)} (you)` : candidate.name}
                </span>
              </button>
            );
          })}
        </MenuList>
      );
    }
    return (
      <div class="menu-anchor">
        <button
          ref={this.moreRef}
          type="button"
          class="more"
          data-focus="more-actions"
          aria-label="More actions"
          aria-haspopup="menu"
          aria-expanded={menu ? 'true' : 'false'}
          onClick={() => this.setState({ menu: menu ? null : 'actions' })}
        >
          ⋯
        </button>
        {shown}
      </div>
    );
  }

  private renderReply() {
    return (
      <form
        class="reply"
        onSubmit={(event) => {
          event.preventDefault();
          void this.send();
        }}
      >
        <label for="reply">Reply</label>
        <textarea
          id="reply"
          rows={3}
          data-focus="reply"
          placeholder="Write a reply to the customer (Ctrl+Enter sends)"
          value={this.state.draft}
          onInput={(event) => this.setState({ draft: event.currentTarget.value })}
          onKeyDown={(event) => {
            if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
              event.preventDefault();
              void this.send(true);
            } else if (event.key === 'Escape') {
              // Out of the box, so that the single-key shortcuts work again; the draft stays.
              event.currentTarget.blur();
            }
          }}
        />
        <button type="submit" disabled={this.state.sending}>
          Send reply
        </button>
      </form>
    );
  }
}

/** Messages and timeline entries in one list, oldest first (the newest at the bottom). */
function threadOf(conversation: Details): ThreadItem[] {
  const items: ThreadItem[] = [
    ...conversation.messages.map((message): ThreadItem => ({ kind: 'message', at: message.at, message })),
    ...conversation.timeline.map((entry): ThreadItem => ({ kind: 'event', at: entry.at, entry })),
  ];
  // Stable: what happened at the same moment keeps the order of its list, messages first.
  return items.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
}

/** Since when the customer has been waiting for an answer: their latest message, where no reply came after. */
function waitingSinceOf(conversation: Details): string | null {
  const last = conversation.messages.at(-1);
  return last && last.author.type === 'customer' ? last.at : null;
}

/**
 * A menu that stays inside the viewport, whatever side of the screen its button is on. `onClose` (Escape,
 * Tab) gives the focus back to its button; `onDismiss` (a press outside it) leaves the focus where it goes.
 */
function MenuList({
  label,
  onClose,
  onDismiss,
  children,
}: {
  label: string;
  onClose: () => void;
  onDismiss: () => void;
  children: ComponentChildren;
}) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const outside = (event: PointerEvent) => {
      const anchor = ref.current?.parentElement;
      if (anchor && event.target instanceof Node && !anchor.contains(event.target)) onDismiss();
    };
    document.addEventListener('pointerdown', outside);
    return () => document.removeEventListener('pointerdown', outside);
  }, [onDismiss]);
  useLayoutEffect(() => {
    const menu = ref.current;
    if (!menu) return;
    menu.style.transform = '';
    const box = menu.getBoundingClientRect();
    const margin = 8;
    let dx = 0;
    if (box.left < margin) dx = margin - box.left;
    else if (box.right > window.innerWidth - margin) dx = window.innerWidth - margin - box.right;
    let dy = 0;
    if (box.bottom > window.innerHeight - margin)
      dy = Math.max(margin - box.top, window.innerHeight - margin - box.bottom);
    if (dx !== 0 || dy !== 0) menu.style.transform = `translate(${dx}px, ${dy}px)`;
    const first =
      menu.querySelector<HTMLElement>('[aria-checked="true"]') ?? menu.querySelector<HTMLElement>('[role^="menuitem"]');
    first?.focus();
  }, [label]);
  const onKeyDown = (event: KeyboardEvent) => {
    const items = [...(ref.current?.querySelectorAll<HTMLElement>('[role^="menuitem"]') ?? [])];
    const index = items.indexOf(document.activeElement as HTMLElement);
    const moves: Record<string, number> = { ArrowDown: 1, ArrowUp: -1 };
    if (event.key === 'Escape' || event.key === 'Tab') {
      event.preventDefault();
      event.stopPropagation();
      onClose();
    } else if (event.key in moves) {
      event.preventDefault();
      items[(index + moves[event.key] + items.length) % items.length]?.focus();
    } else if (event.key === 'Home' || event.key === 'End') {
      event.preventDefault();
      items[event.key === 'Home' ? 0 : items.length - 1]?.focus();
    }
  };
  return (
    <div ref={ref} role="menu" aria-label={label} class="menu" onKeyDown={onKeyDown}>
      {children}
    </div>
  );
}

interface Order extends OrderDetails {
  orderNumber: string;
  at: string;
}

/** The orders the conversation's store events tell of, newest first, each as its latest event has it. */
function ordersOf(conversation: Details): Order[] {
  const orders = new Map<string, Order>();
  for (const entry of conversation.timeline) {
    if (entry.type !== 'store_event' || entry.details === null || typeof entry.details !== 'object') continue;
    const details = entry.details as OrderDetails;
    if (!details.orderNumber) continue;
    const known = orders.get(details.orderNumber);
    orders.set(details.orderNumber, {
      ...known,
      ...Object.fromEntries(Object.entries(details).filter(([, value]) => value !== undefined && value !== null)),
      items: details.items && details.items.length > 0 ? details.items : known?.items,
      orderNumber: details.orderNumber,
      at: entry.at,
    });
  }
  return [...orders.values()].sort((a, b) => (a.at < b.at ? 1 : -1));
}

function CustomerPanel({ conversation, linkTo }: { conversation: Details; linkTo: (id: string) => string }) {
  const customer = conversation.customer;
  const orders = ordersOf(conversation);
  const others: Listed[] = conversation.customerConversations ?? [];
  // Beside the thread on a wide screen; folded above it on a narrow one, so that the thread comes first. The
  // query is followed as the window is resized: widened, the panel opens, as CSS then hides its summary.
  const folded = useNarrow('(max-width: 1100px)');
  return (
    <aside class="customer-panel" aria-label="Customer">
      <details open={!folded}>
        <summary>
          {customerLabel(customer)}
          {orders.length > 0 ? ` · ${orders.length} ${orders.length === 1 ? 'order' : 'orders'}` : ''}
          {others.length > 0
            ? ` · ${others.length} other ${others.length === 1 ? 'conversation' : 'conversations'}`
            : ''}
        </summary>
        <h3>Customer</h3>
        <p class="customer-name">{customerLabel(customer)}</p>
        {customer.email && customer.name && (
          <p class="customer-email">
            <a href={`mailto:${customer.email}`}>{customer.email}</a>
          </p>
        )}
        <h3>Orders</h3>
        {orders.length === 0 ? (
          <p class="empty-note">No order in this conversation's store events</p>
        ) : (
          <ul class="orders" aria-label="Orders">
            {orders.map((order) => (
              <li key={order.orderNumber}>
                <span class="order-head">
                  <strong>{order.orderNumber}</strong>
                  {order.total && (
                    <span class="order-total">
                      {order.total}
                      {order.currency ? ` ${order.currency}` : ''}
                    </span>
                  )}
                </span>
                {order.status && <span class="order-status">{order.status}</span>}
                {order.items && order.items.length > 0 && (
                  <ul class="order-items" aria-label={`Items of ${order.orderNumber}`}>
                    {order.items.map((item, index) => (
                      <li key={index}>
                        {item.quantity} × {item.name}
                      </li>
                    ))}
                  </ul>
                )}
                {order.url && (
                  <a href={order.url} target="_blank" rel="noopener noreferrer">
                    Open {order.orderNumber} in the shop
                  </a>
                )}
              </li>
            ))}
          </ul>
        )}
        <h3>Other conversations</h3>
        {others.length === 0 ? (
          <p class="empty-note">None</p>
        ) : (
          <ul class="others" aria-label="Other conversations">
            {others.map((other) => (
              <li key={other.id} class={other.unread ? 'unread' : undefined}>
                <a href={linkTo(other.id)}>{other.subject ?? '(no subject)'}</a>
                <span class="other-meta">
                  {other.status === 'open' ? 'Open' : 'Closed'} · {dateTime(other.lastActivityAt)}
                </span>
              </li>
            ))}
          </ul>
        )}
      </details>
    </aside>
  );
}

/** Whether the media query matches, now and as the window changes. */
function useNarrow(query: string): boolean {
  const [matches, setMatches] = useState(() => window.matchMedia(query).matches);
  useEffect(() => {
    const list = window.matchMedia(query);
    const follow = () => setMatches(list.matches);
    follow();
    list.addEventListener('change', follow);
    return () => list.removeEventListener('change', follow);
  }, [query]);
  return matches;
}
