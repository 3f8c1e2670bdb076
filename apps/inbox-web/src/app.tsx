/**
 * Signing in with a token (kept for the tab only), then the app shell: a header that never wraps, and the
 * inbox or the admin area by route. The bootstrap admin, who is no team member, gets the admin area only:
 * nothing offers it what only a member can do.
 */
import { Component } from 'preact';
import { Admin } from './admin';
import { Api, ApiError, type Me, type Member } from './api';
import { Inbox } from './inbox';
import { INBOX, formatRoute, parseRoute, type Route } from './routes';

const TOKEN_KEY = 'team-inbox-token';

interface Session {
  api: Api;
  me: Me;
  members: Member[];
}

interface AppState {
  session: Session | null;
  /** Why the sign-in form is shown again, if it is. */
  problem: string | null;
  /** A saved token is being checked: nothing to show yet. */
  checking: boolean;
  route: Route;
}

/** The bootstrap admin (from INBOX_ADMIN_TOKEN) is no member: it can neither reply nor be assigned. */
export const isTeamMember = (me: Me): boolean => me.type === 'member';

export class App extends Component<object, AppState> {
  override state: AppState = {
    session: null,
    problem: null,
    checking: sessionStorage.getItem(TOKEN_KEY) !== null,
    route: parseRoute(window.location.hash),
  };

  override componentDidMount(): void {
    // Back and Forward between entries pushed by `navigate` fire popstate; a typed or linked hash, hashchange.
    window.addEventListener('hashchange', this.onHashChange);
    window.addEventListener('popstate', this.onHashChange);
    const saved = sessionStorage.getItem(TOKEN_KEY);
    if (saved) void this.signIn(saved);
  }

  override componentWillUnmount(): void {
    window.removeEventListener('hashchange', this.onHashChange);
    window.removeEventListener('popstate', this.onHashChange);
  }

  private readonly onHashChange = (): void => {
    const route = parseRoute(window.location.hash);
    if (formatRoute(route) !== formatRoute(this.state.route)) this.setState({ route });
  };

  /** Goes to `route`: a new history entry (Back returns), or in place of the current one. */
  private readonly navigate = (route: Route, options: { replace?: boolean } = {}): void => {
    const hash = formatRoute(route);
    if (hash === window.location.hash) return;
    if (options.replace) window.history.replaceState(null, '', hash);
    else window.history.pushState(null, '', hash);
    this.setState({ route: parseRoute(hash) });
  };

  private async signIn(token: string): Promise<void> {
    const api = new Api(token);
    let me: Me;
    try {
      me = await api.me();
    } catch (error) {
      sessionStorage.removeItem(TOKEN_KEY);
      this.setState({
        checking: false,
        problem:
          error instanceof ApiError && error.status === 401
            ? 'That token was not accepted: check it, or ask your admin for a new one.'
            : 'Could not sign in: the server cannot be reached. Try again in a moment.',
      });
      return;
    }
    if (me.role !== 'agent' && me.role !== 'admin') {
      this.setState({
        checking: false,
        problem: `That token was not accepted here: it is an ${me.role}'s, and the inbox is for agents and admins.`,
      });
      return;
    }
    sessionStorage.setItem(TOKEN_KEY, token);
    const members = await api.members().catch(() => []);
    this.setState({ session: { api, me, members }, problem: null, checking: false });
  }

  private readonly signOut = (problem: string | null = null): void => {
    sessionStorage.removeItem(TOKEN_KEY);
    this.setState({ session: null, problem, checking: false });
  };

  override render() {
    const { session, problem, checking } = this.state;
    if (checking) return <main class="signed-out" aria-busy="true" />;
    if (!session) return <SignIn problem={problem} onToken={(token) => void this.signIn(token)} />;
    const route = this.routeFor(session.me);
    const member = isTeamMember(session.me);
    return (
      <div class="shell">
        <header class="top">
          <span class="brand">team-inbox</span>
          {member && session.me.role === 'admin' && (
            // Only a member who is an admin has two areas to go between.
            <nav class="areas" aria-label="Areas">
              <a href={formatRoute(INBOX)} aria-current={route.area === 'inbox' ? 'page' : undefined}>
                Inbox
              </a>
              <a href="#/admin/members" aria-current={route.area === 'admin' ? 'page' : undefined}>
                Admin
              </a>
            </nav>
          )}
          {member && <NotificationsToggle />}
          <span class="who" title={`Signed in as ${session.me.name}`}>
            Signed in as {session.me.name}
          </span>
          <button type="button" class="quiet" onClick={() => this.signOut()}>
            Sign out
          </button>
        </header>
        {route.area === 'admin' ? (
          <Admin api={session.api} me={session.me} section={route.section} navigate={this.navigate} />
        ) : (
          <Inbox
            api={session.api}
            me={session.me}
            members={session.members}
            route={route}
            navigate={this.navigate}
            onSignedOut={(why) => this.signOut(why)}
          />
        )}
      </div>
    );
  }

  /** The route shown: the bootstrap admin has the admin area only, a member without the admin role none. */
  private routeFor(me: Me): Route {
    const { route } = this.state;
    if (!isTeamMember(me)) return route.area === 'admin' ? route : { area: 'admin', section: 'members' };
    if (route.area === 'admin' && me.role !== 'admin') return INBOX;
    return route;
  }
}

function SignIn({ problem, onToken }: { problem: string | null; onToken: (token: string) => void }) {
  return (
    <main class="signed-out">
      <form
        class="sign-in"
        onSubmit={(event) => {
          event.preventDefault();
          const input = event.currentTarget.elements.namedItem('token') as HTMLInputElement;
          onToken(input.value.trim());
        }}
      >
        <h1>team-inbox</h1>
        <p>
          Paste the token your admin gave you. It is kept for this tab only. (The first admin's token is in the file
          that <code>npm start</code> names when it starts.)
        </p>
        <label for="token">Member token</label>
        <input type="password" id="token" name="token" autoComplete="off" required autoFocus />
        <button type="submit">Sign in</button>
        {problem && (
          <p role="alert" class="problem">
            {problem}
          </p>
        )}
      </form>
    </main>
  );
}

/** Asks for the browser's permission to notify, on a click (browsers ignore a request made without one). */
class NotificationsToggle extends Component<object, { permission: NotificationPermission | 'unsupported' }> {
  override state = { permission: 'Notification' in window ? Notification.permission : ('unsupported' as const) };

  override render() {
    if (this.state.permission !== 'default') return null;
    return (
      <button
        type="button"
        class="quiet icon"
        aria-label="Turn on desktop notifications"
        title="Turn on desktop notifications (when something is assigned to you)"
        onClick={() => void Notification.requestPermission().then((permission) => this.setState({ permission }))}
      >
        <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" class="bell">
          <path d="M12 3a6 6 0 0 0-6 6v4l-2 3h16l-2-3V9a6 6 0 0 0-6-6Zm-2 15a2 2 0 0 0 4 0" />
        </svg>
      </button>
    );
  }
}
