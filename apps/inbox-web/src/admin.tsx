/**
 * The admin area: members (add, remove, a new member's token shown once), integrations (add, its token shown
 * once, a shop's webhook secret) and outbound webhooks (add, remove, their deliveries, redeliver). Everything
 * an admin did with curl before.
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import {
  Api,
  ApiError,
  EVENT_TYPES,
  UnreachableError,
  type Delivery,
  type Integration,
  type Me,
  type Member,
  type Webhook,
} from './api';
import { dateTime } from './format';
import { ADMIN_SECTIONS, type AdminSection, type Route } from './routes';

const MEMBERS_PER_PAGE = 50;

export interface AdminProps {
  api: Api;
  me: Me;
  section: AdminSection;
  navigate: (route: Route) => void;
}

/** A form field's text, trimmed ('' where the form has no such text field). */
function field(data: FormData, name: string): string {
  const value = data.get(name);
  return typeof value === 'string' ? value.trim() : '';
}

/** What went wrong, in words: the server's own message, or that it cannot be reached. */
function problemOf(error: unknown): string {
  if (error instanceof UnreachableError) return 'The server cannot be reached: try again in a moment.';
  if (error instanceof ApiError) return error.message;
  return error instanceof Error ? error.message : String(error);
}

export function Admin({ api, section }: AdminProps) {
  return (
    <main class="admin">
      <nav class="admin-sections" aria-label="Admin">
        {ADMIN_SECTIONS.map(({ name, label }) => (
          <a key={name} href={`#/admin/${name}`} aria-current={name === section ? 'page' : undefined}>
            {label}
          </a>
        ))}
      </nav>
      <div class="admin-body">
        {section === 'members' && <Members api={api} />}
        {section === 'integrations' && <Integrations api={api} />}
        {section === 'webhooks' && <Webhooks api={api} />}
      </div>
    </main>
  );
}

/** A secret shown once: it cannot be read again, so it can be copied, and is gone when dismissed. */
/** `children` (what the secret is for, such as trying it) go inside, before Done: Done puts them away too. */
function ShownOnce({
  what,
  value,
  onDone,
  children,
}: {
  what: string;
  value: string;
  onDone: () => void;
  children?: ComponentChildren;
}) {
  const [copied, setCopied] = useState(false);
  return (
    <div class="shown-once" role="status" aria-label={`New ${what}`}>
      <p>
        The new {what}, shown <strong>once</strong>: copy it now and hand it over safely. It cannot be shown again.
      </p>
      <code class="secret" data-secret>
        {value}
      </code>
      {children}
      <div class="row-actions">
        <button
          type="button"
          onClick={() =>
            void navigator.clipboard.writeText(value).then(
              () => setCopied(true),
              () => setCopied(false),
            )
          }
        >
          {copied ? 'Copied' : `Copy ${what}`}
        </button>
        <button type="button" class="quiet" onClick={onDone}>
          Done
        </button>
      </div>
    </div>
  );
}

function Problem({ text }: { text: string | null }) {
  return text ? (
    <p role="alert" class="problem">
      {text}
    </p>
  ) : null;
}

function Section({ title, children }: { title: string; children: ComponentChildren }) {
  return (
    <section class="admin-section" aria-labelledby={`admin-${title.replace(/\W+/g, '-')}`}>
      <h2 id={`admin-${title.replace(/\W+/g, '-')}`}>{title}</h2>
      {children}
    </section>
  );
}

function Members({ api }: { api: Api }) {
  const [members, setMembers] = useState<Member[]>([]);
  const [nextCursor, setNextCursor] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [token, setToken] = useState<{ name: string; token: string } | null>(null);
  const [removing, setRemoving] = useState<string | null>(null);

  const load = async (cursor?: string) => {
    try {
      const page = await api.membersPage(cursor, MEMBERS_PER_PAGE);
      setMembers((shown) => (cursor ? [...shown, ...page.items] : page.items));
      setNextCursor(page.nextCursor);
    } catch (error) {
      setProblem(problemOf(error));
    }
  };
  useEffect(() => void load(), []);

  const add = async (form: HTMLFormElement) => {
    const data = new FormData(form);
    try {
      const added = await api.addMember({
        name: field(data, 'name'),
        email: field(data, 'email'),
        role: field(data, 'role') as 'agent' | 'admin' | 'auditor',
      });
      setToken({ name: added.name, token: added.token });
      setProblem(null);
      form.reset();
      await load();
    } catch (error) {
      setProblem(problemOf(error));
    }
  };

  const remove = async (member: Member) => {
    try {
      await api.removeMember(member.id);
      setRemoving(null);
      await load();
    } catch (error) {
      setProblem(problemOf(error));
    }
  };

  return (
    <Section title="Members">
      <Problem text={problem} />
      {token && <ShownOnce what={`token for ${token.name}`} value={token.token} onDone={() => setToken(null)} />}
      <form
        class="admin-form"
        aria-label="Add a member"
        onSubmit={(event) => {
          event.preventDefault();
          void add(event.currentTarget);
        }}
      >
        <label>
          Name <input name="name" required maxLength={200} autoComplete="off" />
        </label>
        <label>
          Email <input name="email" type="email" required maxLength={320} autoComplete="off" />
        </label>
        <label>
          Role
          <select name="role">
            <option value="agent">Agent</option>
            <option value="admin">Admin</option>
            <option value="auditor">Auditor</option>
          </select>
        </label>
        <button type="submit">Add member</button>
      </form>
      <table class="admin-table members-table" aria-label="Members">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Email</th>
            <th scope="col">Role</th>
            <th scope="col">
              <span class="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {members.map((member) => (
            <tr key={member.id}>
              <td data-label="Name">{member.name}</td>
              <td data-label="Email">{member.email}</td>
              <td data-label="Role">{member.role}</td>
              <td class="actions-cell">
                {removing === member.id ? (
                  <span class="row-actions">
                    <button type="button" class="danger" onClick={() => void remove(member)}>
                      Remove {member.name} now
                    </button>
                    <button type="button" class="quiet" onClick={() => setRemoving(null)}>
                      Keep
                    </button>
                  </span>
                ) : (
                  <button type="button" class="quiet" onClick={() => setRemoving(member.id)}>
                    Remove {member.name}
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {nextCursor && (
        <button type="button" class="quiet" onClick={() => void load(nextCursor)}>
          More members
        </button>
      )}
    </Section>
  );
}

function Integrations({ api }: { api: Api }) {
  const [integrations, setIntegrations] = useState<Integration[]>([]);
  const [problem, setProblem] = useState<string | null>(null);
  const [token, setToken] = useState<{ name: string; token: string } | null>(null);
  const [saved, setSaved] = useState<string | null>(null);

  const load = async () => {
    try {
      setIntegrations(await api.integrations());
    } catch (error) {
      setProblem(problemOf(error));
    }
  };
  useEffect(() => void load(), []);

  const add = async (form: HTMLFormElement) => {
    const name = field(new FormData(form), 'name');
    try {
      const added = await api.addIntegration(name);
      setToken({ name: added.name, token: added.token });
      setProblem(null);
      form.reset();
      await load();
    } catch (error) {
      setProblem(problemOf(error));
    }
  };

  const setSecret = async (integration: Integration, form: HTMLFormElement) => {
    const data = new FormData(form);
    const shopDomain = field(data, 'shopDomain');
    try {
      await api.setWebhookSecret(integration.id, field(data, 'secret'), shopDomain || null);
      setSaved(`The webhook secret of ${integration.name} is set.`);
      setProblem(null);
      form.reset();
      await load();
    } catch (error) {
      setProblem(problemOf(error));
    }
  };

  return (
    <Section title="Integrations">
      <p class="hint">
        A channel (email, a chat widget) or a store posts with its integration's token. A shop's webhooks go to{' '}
        <code>/integrations/shopify/&lt;id&gt;/webhooks</code> or{' '}
        <code>/integrations/woocommerce/&lt;id&gt;/webhooks</code>, signed with the secret set here.
      </p>
      <Problem text={problem} />
      {saved && (
        <p role="status" class="saved">
          {saved}
        </p>
      )}
      {token && (
        <ShownOnce what={`token for ${token.name}`} value={token.token} onDone={() => setToken(null)}>
          <TryIt integrationToken={token.token} />
        </ShownOnce>
      )}
      <form
        class="admin-form"
        aria-label="Add an integration"
        onSubmit={(event) => {
          event.preventDefault();
          void add(event.currentTarget);
        }}
      >
        <label>
          Name <input name="name" required maxLength={200} autoComplete="off" />
        </label>
        <button type="submit">Add integration</button>
      </form>
      <ul class="admin-cards" aria-label="Integrations">
        {integrations.map((integration) => (
          <li key={integration.id}>
            <h3>{integration.name}</h3>
            <p class="hint">
              Id <code>{integration.id}</code> · {integration.shopDomain ? `shop ${integration.shopDomain} · ` : ''}
              {integration.hasWebhookSecret ? 'webhook secret set' : 'no webhook secret'}
            </p>
            <form
              class="admin-form"
              aria-label={`Webhook secret of ${integration.name}`}
              onSubmit={(event) => {
                event.preventDefault();
                void setSecret(integration, event.currentTarget);
              }}
            >
              <label>
                Webhook secret <input name="secret" type="password" required autoComplete="off" />
              </label>
              <label>
                Shop domain <input name="shopDomain" placeholder="my-shop.myshopify.com" autoComplete="off" />
              </label>
              <button type="submit">Set secret</button>
            </form>
          </li>
        ))}
      </ul>
    </Section>
  );
}

/** A first conversation without curl: a sample customer writes through the integration just added. */
function TryIt({ integrationToken }: { integrationToken: string }) {
  const [outcome, setOutcome] = useState<string | null>(null);
  const start = async () => {
    try {
      const started = await new Api(integrationToken).startConversation({
        customer: { id: `sample-customer-${Date.now()}`, name: 'Ada Lovelace', email: 'ada@example.com' },
        subject: 'Where is my order?',
        body: 'Hello! I ordered a teapot last week (#1001) and it has not arrived yet. Can you check?',
      });
      setOutcome(`Ada wrote "${started.subject ?? ''}": it is in the Inbox, unassigned, for the team to answer.`);
    } catch (error) {
      setOutcome(problemOf(error));
    }
  };
  return (
    <div class="try-it">
      <button type="button" class="quiet" onClick={() => void start()}>
        Send a sample customer message through it
      </button>
      {outcome && (
        <p role="status" class="saved">
          {outcome}
        </p>
      )}
    </div>
  );
}

function Webhooks({ api }: { api: Api }) {
  const [webhooks, setWebhooks] = useState<Webhook[]>([]);
  const [problem, setProblem] = useState<string | null>(null);
  const [secret, setSecret] = useState<{ url: string; secret: string } | null>(null);
  const [open, setOpen] = useState<string | null>(null);

  const load = async () => {
    try {
      setWebhooks(await api.webhooks());
    } catch (error) {
      setProblem(problemOf(error));
    }
  };
  useEffect(() => void load(), []);

  const add = async (form: HTMLFormElement) => {
    const data = new FormData(form);
    const eventTypes = EVENT_TYPES.filter((type) => data.getAll('eventTypes').includes(type));
    const description = field(data, 'description');
    try {
      const added = await api.addWebhook({
        url: field(data, 'url'),
        eventTypes,
        ...(description ? { description } : {}),
      });
      setSecret({ url: added.url, secret: added.secret });
      setProblem(null);
      form.reset();
      await load();
    } catch (error) {
      setProblem(problemOf(error));
    }
  };

  const remove = async (webhook: Webhook) => {
    try {
      await api.removeWebhook(webhook.id);
      await load();
    } catch (error) {
      setProblem(problemOf(error));
    }
  };

  return (
    <Section title="Outbound webhooks">
      <Problem text={problem} />
      {secret && (
        <ShownOnce what={`signing secret for ${secret.url}`} value={secret.secret} onDone={() => setSecret(null)} />
      )}
      <form
        class="admin-form"
        aria-label="Add an outbound webhook"
        onSubmit={(event) => {
          event.preventDefault();
          void add(event.currentTarget);
        }}
      >
        <label>
          URL <input name="url" type="url" required maxLength={2000} placeholder="https://example.com/hooks" />
        </label>
        <label>
          Description <input name="description" maxLength={500} autoComplete="off" />
        </label>
        <fieldset>
          <legend>Events</legend>
          {EVENT_TYPES.map((type) => (
            <label key={type} class="check">
              <input type="checkbox" name="eventTypes" value={type} defaultChecked /> {type}
            </label>
          ))}
        </fieldset>
        <button type="submit">Add webhook</button>
      </form>
      <ul class="admin-cards" aria-label="Outbound webhooks">
        {webhooks.map((webhook) => (
          <li key={webhook.id}>
            <h3>{webhook.url}</h3>
            <p class="hint">
              {webhook.description ? `${webhook.description} · ` : ''}
              {webhook.eventTypes.join(', ')}
            </p>
            <div class="row-actions">
              <button
                type="button"
                class="quiet"
                aria-expanded={open === webhook.id ? 'true' : 'false'}
                onClick={() => setOpen(open === webhook.id ? null : webhook.id)}
              >
                Deliveries
              </button>
              <button type="button" class="quiet" onClick={() => void remove(webhook)}>
                Remove webhook
              </button>
            </div>
            {open === webhook.id && <Deliveries api={api} webhook={webhook} />}
          </li>
        ))}
      </ul>
    </Section>
  );
}

function Deliveries({ api, webhook }: { api: Api; webhook: Webhook }) {
  const [deliveries, setDeliveries] = useState<Delivery[] | null>(null);
  const [nextCursor, setNextCursor] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);

  const load = async (cursor?: string) => {
    try {
      const page = await api.deliveries(webhook.id, cursor);
      setDeliveries((shown) => (cursor && shown ? [...shown, ...page.items] : page.items));
      setNextCursor(page.nextCursor);
    } catch (error) {
      setProblem(problemOf(error));
    }
  };
  useEffect(() => void load(), [webhook.id]);

  const redeliver = async (delivery: Delivery) => {
    try {
      await api.redeliver(webhook.id, delivery.id);
      await load();
    } catch (error) {
      setProblem(problemOf(error));
    }
  };

  return (
    <div class="deliveries">
      <Problem text={problem} />
      {deliveries === null ? (
        <p class="hint">Loading…</p>
      ) : deliveries.length === 0 ? (
        <p class="hint">No deliveries yet</p>
      ) : (
        <table class="admin-table" aria-label={`Deliveries to ${webhook.url}`}>
          <thead>
            <tr>
              <th scope="col">Event</th>
              <th scope="col">Status</th>
              <th scope="col">Attempts</th>
              <th scope="col">Last attempt</th>
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {deliveries.map((delivery) => (
              <tr key={delivery.id}>
                <td>{delivery.eventType}</td>
                <td>
                  {delivery.status}
                  {delivery.lastStatusCode ? ` (${delivery.lastStatusCode})` : ''}
                  {delivery.lastError ? ` · ${delivery.lastError}` : ''}
                </td>
                <td>{delivery.attempts}</td>
                <td>{delivery.lastAttemptAt ? dateTime(delivery.lastAttemptAt) : '—'}</td>
                <td>
                  {delivery.status === 'failed' && (
                    <button type="button" class="quiet" onClick={() => void redeliver(delivery)}>
                      Redeliver
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {nextCursor && (
        <button type="button" class="quiet" onClick={() => void load(nextCursor)}>
          More deliveries
        </button>
      )}
    </div>
  );
}
