/**
 * Every environment variable the server reads, written once: its name, how its text is parsed and checked,
 * its default and its line in README's configuration table. `loadAppConfig` and the `AppConfig` type are
 * derived from this table, and a spec holds README's table to it.
 */
import { isIP } from 'node:net';

/** What a variable's text gave: its value, or what the text should have been (the end of "NAME must be …"). */
export type Parsed<Value> = { readonly value: Value } | { readonly expected: string };

/** Reads the text of a variable that is set (an empty variable counts as unset). */
export type Parse<Value> = (text: string) => Parsed<Value>;

/** A whole-number variable keeps its bounds, so that its README line can be checked to state them. */
export type WholeNumberParse = Parse<number> & { readonly min: number; readonly max: number };

/** The default of a variable that has no text to stand for it: the value, and how README says it. */
export interface Unset<Value> {
  readonly value: Value;
  readonly shown: string;
}

export interface Variable<Value> {
  readonly parse: Parse<Value>;
  /** Unset, the variable reads as this text would (README shows it as code), or takes the `Unset` value. */
  readonly default: string | Unset<Value>;
  /** Its line in README's configuration table. */
  readonly doc: string;
  /** Named in an error, never echoed. */
  readonly secret?: boolean;
}

export const EVENT_STORES = ['sqlite', 'eventstoredb'] as const;
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const PROXY_ADDRESS_NAMES = ['loopback', 'linklocal', 'uniquelocal'];

/** Strict, so that "80abc" or "1e3" is refused rather than misread. */
function wholeNumber(min: number, max: number, unit?: string): WholeNumberParse {
  const expected = `a whole number${unit ? ` of ${unit}` : ''} from ${min} to ${max}`;
  const parse = (text: string): Parsed<number> => {
    const value = /^[0-9]{1,9}$/.test(text) ? Number(text) : Number.NaN;
    return value >= min && value <= max ? { value } : { expected };
  };
  return Object.assign(parse, { min, max });
}

function oneOf<const Choice extends string>(choices: readonly Choice[]): Parse<Choice> {
  return (text) => {
    const value = choices.find((choice) => choice === text);
    return value === undefined ? { expected: `one of: ${choices.join(', ')}` } : { value };
  };
}

function matching(pattern: RegExp, expected: string): Parse<string> {
  return (text) => (pattern.test(text) ? { value: text } : { expected });
}

function listOf(isItem: (item: string) => boolean, expected: string): Parse<string[]> {
  return (text) => {
    const items = listItems(text);
    return items.every(isItem) ? { value: items } : { expected };
  };
}

const anyText: Parse<string> = (text) => ({ value: text });

const onOrOff: Parse<boolean> = (text) =>
  text === 'on' ? { value: true } : text === 'off' ? { value: false } : { expected: 'on or off' };

const secretsKey: Parse<Buffer> = (text) =>
  /^[A-Za-z0-9+/]{43}=$/.test(text)
    ? { value: Buffer.from(text, 'base64') }
    : { expected: '32 random bytes in base64 (44 characters), e.g. from `openssl rand -base64 32`' };

function listItems(value: string): string[] {
  return value.split(',').map((item) => item.trim());
}

/** An IP or a CIDR, or one of proxy-addr's names for a range; never "true" (anyone could pose as a proxy). */
function isProxyAddress(item: string): boolean {
  if (PROXY_ADDRESS_NAMES.includes(item)) return true;
  const [address, prefix, ...rest] = item.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  return /^[0-9]{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

/** An origin exactly as a browser sends it: scheme, host and port, nothing else. */
function isExactOrigin(item: string): boolean {
  try {
    const url = new URL(item);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === item;
  } catch {
    return false;
  }
}

function unset<const Value>(value: Value, shown: string): Unset<Value> {
  return { value, shown };
}

/** In README's order. */
export const VARIABLES = {
  PORT: { parse: wholeNumber(1, 65_535), default: '3000', doc: 'HTTP port, 1 to 65535' },
  HOST: { parse: anyText, default: '0.0.0.0', doc: 'interface to listen on (`127.0.0.1` to keep it local)' },
  DATA_DIR: {
    parse: anyText,
    default: './data',
    doc: "folder of the embedded event store (`events.sqlite`) and of the server's local files",
  },
  EVENT_STORE: {
    parse: oneOf(EVENT_STORES),
    default: 'sqlite',
    doc: '`sqlite` (embedded, durable file) or `eventstoredb`',
  },
  EVENTSTORE_CONNECTION_STRING: {
    parse: matching(
      /^(esdb|esdb\+discover|kurrentdb|kurrentdb\+discover|kdb|kdb\+discover):\/\/\S+$/,
      'a connection string such as esdb://localhost:2113?tls=false',
    ),
    default: unset(undefined, 'none'),
    doc: 'required with `EVENT_STORE=eventstoredb`, e.g. `esdb://localhost:2113?tls=false`',
  },
  INBOX_ADMIN_TOKEN: {
    parse: matching(
      /^[\x21-\x7e]{32,512}$/,
      '32 to 512 printable characters without spaces (at least 128 random bits)',
    ),
    default: unset(undefined, 'none'),
    doc: "the bootstrap admin's bearer token, 32 to 512 printable characters",
    secret: true,
  },
  LOG_LEVEL: {
    parse: oneOf(LOG_LEVELS),
    default: 'info',
    doc: '`fatal`, `error`, `warn`, `info`, `debug`, `trace` or `silent`; logs are JSON lines (pino)',
  },
  INBOX_SECRETS_KEY: {
    parse: secretsKey,
    default: unset(undefined, 'generated'),
    doc: '32 bytes in base64 that seal webhook secrets at rest; unset: `DATA_DIR/secrets-key` (0600). Servers sharing one EventStoreDB must share it',
    secret: true,
  },
  OUTBOUND_WEBHOOKS: {
    parse: onOrOff,
    default: 'on',
    doc: '`off` stops this server sending outbound webhooks (keep it `on` on one server of several)',
  },
  OUTBOUND_WEBHOOK_FIRST_RETRY_MS: {
    parse: wholeNumber(10, 3_600_000, 'milliseconds'),
    default: '5000',
    doc: 'wait before the first retry of a failed delivery, 10 to 3600000; it doubles with each attempt',
  },
  OUTBOUND_WEBHOOK_MAX_RETRY_MS: {
    parse: wholeNumber(10, 86_400_000, 'milliseconds'),
    default: '3600000',
    doc: 'the longest wait between two attempts, 10 to 86400000',
  },
  OUTBOUND_WEBHOOK_MAX_ATTEMPTS: {
    parse: wholeNumber(1, 100),
    default: '20',
    doc: 'attempts before a delivery is marked `failed` (an admin can redeliver it), 1 to 100',
  },
  OUTBOUND_WEBHOOK_TIMEOUT_MS: {
    parse: wholeNumber(100, 60_000, 'milliseconds'),
    default: '10000',
    doc: "how long one attempt may take, 100 to 60000: connecting, the receiver's status and its answer's body (read up to 64 KiB)",
  },
  AUTH_THROTTLE_MAX_FAILURES: {
    parse: wholeNumber(1, 1_000_000),
    default: '20',
    doc: 'bad tokens from one client, within the window, after which its requests get `429` (see Security), 1 to 1000000',
  },
  AUTH_THROTTLE_WINDOW_SECONDS: {
    parse: wholeNumber(1, 86_400, 'seconds'),
    default: '60',
    doc: 'that window, and how long the block lasts, 1 to 86400',
  },
  TRUST_PROXY: {
    parse: listOf(
      isProxyAddress,
      "a comma-separated list of the proxies' addresses (IPs, CIDRs, loopback, linklocal, uniquelocal); not a hop count, which cannot tell a proxy from a client that sends X-Forwarded-For itself",
    ),
    // The client is the TCP peer.
    default: unset(false, 'none'),
    doc: 'the reverse proxies in front, by address (`loopback`, `10.0.0.0/8`, …; a hop count is refused: it cannot tell a proxy from a client that sends the header itself); the client is then read from `X-Forwarded-For`',
  },
  CORS_ORIGINS: {
    parse: listOf(
      isExactOrigin,
      'a comma-separated list of exact origins such as https://inbox.example.com (scheme, host and port; no path, no "*")',
    ),
    default: unset<string[]>([], 'none'),
    doc: 'comma-separated exact origins (`https://inbox.example.com`) whose pages may call the API; unset, no CORS headers at all',
  },
  REQUEST_TIMEOUT_MS: {
    parse: wholeNumber(100, 3_600_000, 'milliseconds'),
    default: '30000',
    doc: 'time to receive a whole request, headers and body, 100 to 3600000; a streamed answer such as `/stream` is not cut by it',
  },
  HEADERS_TIMEOUT_MS: {
    parse: wholeNumber(100, 3_600_000, 'milliseconds'),
    default: '10000',
    doc: "time to receive a request's headers, also on a connection that sends nothing, 100 to 3600000 (at most `REQUEST_TIMEOUT_MS`)",
  },
  KEEP_ALIVE_TIMEOUT_MS: {
    parse: wholeNumber(100, 3_600_000, 'milliseconds'),
    default: '72000',
    doc: "how long a kept-alive connection may sit idle before its next request, 100 to 3600000 (longer than load balancers' idle timeouts)",
  },
  MAX_CONNECTIONS: {
    parse: wholeNumber(1, 1_000_000),
    default: '2000',
    doc: 'connections open at once, 1 to 1000000; one more is closed as soon as it is made',
  },
  MAX_CONNECTIONS_PER_CLIENT: {
    parse: wholeNumber(1, 1_000_000),
    default: '256',
    doc: 'connections open at once from one client address (an IPv6 client by its /64), 1 to 1000000; one more is closed as soon as it is made; the proxies in `TRUST_PROXY` are exempt',
  },
  BODIES_IN_FLIGHT_MIB: {
    parse: wholeNumber(1, 65_536, 'MiB'),
    default: '64',
    doc: 'MiB of request bodies being read at once, all requests together, 1 to 65536; past it `503` with `Retry-After` (the seconds until the oldest body being read has arrived or been cut off; a chunked body counts as 1 MiB)',
  },
  PUBLIC_BODIES_IN_FLIGHT_MIB: {
    parse: wholeNumber(1, 65_536, 'MiB'),
    // A quarter of BODIES_IN_FLIGHT_MIB, worked out with it in `loadAppConfig`.
    default: unset(undefined, 'a quarter of `BODIES_IN_FLIGHT_MIB`'),
    doc: "of those, the MiB read at once from callers without a token (the shop webhooks), 1 to 65536 and less than `BODIES_IN_FLIGHT_MIB`; past it `503`, past one client's quarter of it `429`, both with `Retry-After`",
  },
  STREAMS_PER_IDENTITY: {
    parse: wholeNumber(1, 1_000),
    default: '16',
    doc: 'open `GET /stream`s one member (or the bootstrap admin) may hold, 1 to 1000; one more is `429` with `Retry-After`',
  },
  STREAMS_TOTAL: {
    parse: wholeNumber(1, 100_000),
    default: '1000',
    doc: 'open `GET /stream`s on this server, 1 to 100000; one more is `503` with `Retry-After`',
  },
  STREAM_HEARTBEAT_MS: {
    parse: wholeNumber(100, 300_000, 'milliseconds'),
    default: '15000',
    doc: 'how often a quiet `/stream` sends a heartbeat comment (for proxies that drop silent connections), 100 to 300000',
  },
} satisfies Record<string, Variable<unknown>>;

export type VariableName = keyof typeof VARIABLES;

type ValueOf<Entry> =
  | (Entry extends { parse: Parse<infer Value> } ? Value : never)
  | (Entry extends { default: Unset<infer Value> } ? Value : never);

/** Every variable's value, set or defaulted, as the table types it. */
export type Settings = { [Name in VariableName]: ValueOf<(typeof VARIABLES)[Name]> };

/**
 * Reads every variable and checks them as a whole: the settings, or every problem at once, each naming its
 * variable, what it expected and (unless it is a secret) what it got.
 */
export function readVariables(env: NodeJS.ProcessEnv): { settings: Settings } | { problems: string[] } {
  const read: Partial<Record<VariableName, unknown>> = {};
  const problems: string[] = [];
  for (const name of Object.keys(VARIABLES) as VariableName[]) {
    const variable: Variable<unknown> = VARIABLES[name];
    const text = env[name];
    if (text === undefined || text === '') {
      read[name] = defaultOf(name, variable);
      continue;
    }
    const parsed = variable.parse(text);
    if ('expected' in parsed) problems.push(problem(name, `must be ${parsed.expected}`, env));
    else read[name] = parsed.value;
  }
  // Each value was read by its own variable's parse, or is its own default: the type the table gives it.
  const settings = read as Partial<Settings>;
  problems.push(...problemsBetween(settings, env));
  return problems.length > 0 ? { problems } : { settings: settings as Settings };
}

function defaultOf(name: VariableName, variable: Variable<unknown>): unknown {
  if (typeof variable.default !== 'string') return variable.default.value;
  const parsed = variable.parse(variable.default);
  if ('expected' in parsed) throw new Error(`${name}'s default "${variable.default}" is not ${parsed.expected}`);
  return parsed.value;
}

/** The rules that hold between two variables, checked once each has been read on its own. */
function problemsBetween(settings: Partial<Settings>, env: NodeJS.ProcessEnv): string[] {
  const problems: string[] = [];
  // A connection string that was set but refused has been named already.
  const connectionStringUnset =
    'EVENTSTORE_CONNECTION_STRING' in settings && settings.EVENTSTORE_CONNECTION_STRING === undefined;
  if (settings.EVENT_STORE === 'eventstoredb' && connectionStringUnset) {
    problems.push(problem('EVENTSTORE_CONNECTION_STRING', 'is required when EVENT_STORE=eventstoredb', env));
  }
  const publicMib = settings.PUBLIC_BODIES_IN_FLIGHT_MIB;
  const allMib = settings.BODIES_IN_FLIGHT_MIB;
  if (publicMib !== undefined && allMib !== undefined && publicMib >= allMib) {
    problems.push(
      problem(
        'PUBLIC_BODIES_IN_FLIGHT_MIB',
        `must be less than BODIES_IN_FLIGHT_MIB (${VARIABLES.BODIES_IN_FLIGHT_MIB.default} unless set), so that bodies sent with a token always have room`,
        env,
      ),
    );
  }
  return problems;
}

function problem(name: VariableName, complaint: string, env: NodeJS.ProcessEnv): string {
  const variable: Variable<unknown> = VARIABLES[name];
  return variable.secret ? `${name} ${complaint}` : `${name} ${complaint} (got "${env[name] ?? ''}")`;
}
