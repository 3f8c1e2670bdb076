/**
 * Where the UI is, as a hash route, so that a reload, a new tab and Back keep one's place; hash routes never
 * collide with the API's paths (`/conversations/…` is the API's, `#/c/…` the UI's).
 *
 * `#/inbox`, `#/mine`, `#/unassigned`, `#/all`, `#/closed`: a view; `#/<view>/c/<id>`: a conversation open
 * beside it (`#/c/<id>` beside the Inbox); `#/search?q=<words>` and `#/search/c/<id>?q=<words>`: a search;
 * `#/admin/members`, `#/admin/integrations`, `#/admin/webhooks`: the admin area.
 */
import type { ViewName } from './api';

export const VIEWS: { name: ViewName; label: string }[] = [
  { name: 'inbox', label: 'Inbox' },
  { name: 'mine', label: 'Mine' },
  { name: 'unassigned', label: 'Unassigned' },
  { name: 'all', label: 'All' },
  { name: 'closed', label: 'Closed' },
];

export type AdminSection = 'members' | 'integrations' | 'webhooks';
export const ADMIN_SECTIONS: { name: AdminSection; label: string }[] = [
  { name: 'members', label: 'Members' },
  { name: 'integrations', label: 'Integrations' },
  { name: 'webhooks', label: 'Outbound webhooks' },
];

export interface InboxRoute {
  area: 'inbox';
  /** A view, or a search over every conversation. */
  view: ViewName | 'search';
  q: string;
  conversationId: string | null;
}
export interface AdminRoute {
  area: 'admin';
  section: AdminSection;
}
export type Route = InboxRoute | AdminRoute;

export const INBOX: InboxRoute = { area: 'inbox', view: 'inbox', q: '', conversationId: null };

const isView = (name: string): name is ViewName => VIEWS.some((view) => view.name === name);
const isSection = (name: string): name is AdminSection => ADMIN_SECTIONS.some((section) => section.name === name);
/** Conversation ids are UUIDs; anything else in their place is no route. */
const ID = /^[0-9a-f-]{1,64}$/i;

export function parseRoute(hash: string): Route {
  const [path, query = ''] = hash.replace(/^#/, '').split('?', 2);
  const parts = path.split('/').filter((part) => part !== '');
  const q = new URLSearchParams(query).get('q')?.trim() ?? '';
  const [first = '', second = '', third = ''] = parts;
  if (first === 'admin') return { area: 'admin', section: isSection(second) ? second : 'members' };
  if (first === 'c' && ID.test(second)) return { ...INBOX, conversationId: second };
  const view: InboxRoute['view'] = first === 'search' && q ? 'search' : isView(first) ? first : 'inbox';
  const conversationId = second === 'c' && ID.test(third) ? third : null;
  return { area: 'inbox', view, q: view === 'search' ? q : '', conversationId };
}

export function formatRoute(route: Route): string {
  if (route.area === 'admin') return `#/admin/${route.section}`;
  const conversation = route.conversationId ? `/c/${route.conversationId}` : '';
  const query = route.view === 'search' ? `?q=${encodeURIComponent(route.q)}` : '';
  return `#/${route.view}${conversation}${query}`;
}
