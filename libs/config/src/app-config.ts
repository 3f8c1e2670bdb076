/**
 * The server's configuration, read from the environment once at start-up and validated as a whole: a bad
 * value stops the start with a message that names the variable and what it expected.
 */
import { plainToInstance } from 'class-transformer';
import {
  IsDefined,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  ValidateBy,
  ValidateIf,
  validateSync,
  type ValidationError,
} from 'class-validator';
import { isIP } from 'node:net';
import { resolve } from 'node:path';

export type EventStoreChoice = 'sqlite' | 'eventstoredb';
const EVENT_STORES: readonly EventStoreChoice[] = ['sqlite', 'eventstoredb'];
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface AppConfig {
  port: number;
  host: string;
  /** Absolute. */
  dataDir: string;
  eventStore: EventStoreChoice;
  eventStoreConnectionString: string | undefined;
  adminToken: string | undefined;
  /** 32 bytes that seal webhook secrets at rest; undefined: kept in DATA_DIR/secrets-key. */
  secretsKey: Buffer | undefined;
  logLevel: LogLevel;
  outboundWebhooks: {
    /** Off on all API instances but one, where several share an EventStoreDB log. */
    enabled: boolean;
    /** The wait before the first retry; it doubles with each failed attempt. */
    firstRetryDelayMs: number;
    /** The longest wait between two attempts. */
    maxRetryDelayMs: number;
    /** Attempts before a delivery is marked failed. */
    maxAttempts: number;
    /** How long a receiver has to answer one attempt. */
    timeoutMs: number;
  };
  authThrottle: {
    /** Failed authentications from one client within the window that block it. */
    maxFailures: number;
    /** The window the failures are counted over, and how long a block lasts. */
    windowMs: number;
  };
  /**
   * Fastify's `trustProxy`: false (the client is the TCP peer), or the proxies' addresses (IPs, CIDRs, or
   * proxy-addr's `loopback`, `linklocal`, `uniquelocal`).
   */
  trustProxy: false | string[];
  /** Origins a browser may call the API from (CORS); empty: none but the API's own. */
  corsOrigins: string[];
  /** What one connection may hold, and how many may be open: a slow or silent client is cut off. */
  connections: {
    /** To receive a whole request, headers and body (an answer that streams on is not cut by it). */
    requestTimeoutMs: number;
    /** To receive a request's headers; at most requestTimeoutMs. */
    headersTimeoutMs: number;
    /** How long a kept-alive connection may wait idle for its next request. */
    keepAliveTimeoutMs: number;
    /** Open at once; one more is closed as soon as it is made. */
    maxConnections: number;
    /**
     * Open at once from one client address (an IPv6 client by its /64), except from a trusted proxy (which
     * carries many clients); one more is closed as soon as it is made.
     */
    maxConnectionsPerClient: number;
    /** Bytes of request bodies being read at once, all requests together; past it, 503. */
    bodyBytesInFlight: number;
    /** Of those, the most from callers without a token (shop webhooks), so they never crowd out a token's. */
    publicBodyBytesInFlight: number;
  };
  /**
   * `GET /stream`s: how many may be open at once (past `perIdentity` for one token's owner 429, past `total`
   * 503), and how often a quiet one sends a heartbeat comment (proxies drop connections that stay silent).
   */
  liveStreams: { perIdentity: number; total: number; heartbeatMs: number };
}

const PROXY_ADDRESS_NAMES = ['loopback', 'linklocal', 'uniquelocal'];

const MIB = 1024 * 1024;
const DEFAULT_BODIES_IN_FLIGHT_MIB = 64;

function isProxyAddress(item: string): boolean {
  if (PROXY_ADDRESS_NAMES.includes(item)) return true;
  const [address, prefix, ...rest] = item.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  return /^[0-9]{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

/** A whole number of hops, or a comma-separated list of proxy addresses; never "true" (anyone could pose as a proxy). */
function isTrustProxy(value: unknown): boolean {
  return typeof value === 'string' && listItems(value).every(isProxyAddress);
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

function listItems(value: string): string[] {
  return value.split(',').map((item) => item.trim());
}

/**
 * Unset, or a whole number from `min` to `max` (of `unit`): one message, naming the variable, for any way it
 * is wrong.
 */
function OptionalWholeNumber(min: number, max: number, unit?: string): PropertyDecorator {
  return (target, key) => {
    const message = `${String(key)} must be a whole number${unit ? ` of ${unit}` : ''} from ${min} to ${max}`;
    for (const decorate of [IsOptional(), IsInt({ message }), Min(min, { message }), Max(max, { message })]) {
      decorate(target, key);
    }
  };
}

/** The variables as they arrive: strings, each checked with a message a person can act on. */
class EnvironmentVariables {
  @OptionalWholeNumber(1, 65_535)
  PORT?: number;

  @IsOptional()
  @IsString()
  @IsNotEmpty({ message: 'HOST must not be empty when set' })
  HOST?: string;

  @IsOptional()
  @IsString()
  @IsNotEmpty({ message: 'DATA_DIR must not be empty when set' })
  DATA_DIR?: string;

  @IsOptional()
  @IsIn(EVENT_STORES, { message: `EVENT_STORE must be one of: ${EVENT_STORES.join(', ')}` })
  EVENT_STORE?: string;

  @ValidateIf(
    (env: EnvironmentVariables) => env.EVENT_STORE === 'eventstoredb' || env.EVENTSTORE_CONNECTION_STRING !== undefined,
  )
  @IsDefined({ message: 'EVENTSTORE_CONNECTION_STRING is required when EVENT_STORE=eventstoredb' })
  @Matches(/^(esdb|esdb\+discover|kurrentdb|kurrentdb\+discover|kdb|kdb\+discover):\/\/\S+$/, {
    message: 'EVENTSTORE_CONNECTION_STRING must be a connection string such as esdb://localhost:2113?tls=false',
  })
  EVENTSTORE_CONNECTION_STRING?: string;

  @IsOptional()
  @IsString()
  @Matches(/^[\x21-\x7e]{32,512}$/, {
    message: 'INBOX_ADMIN_TOKEN must be 32 to 512 printable characters without spaces (at least 128 random bits)',
  })
  INBOX_ADMIN_TOKEN?: string;

  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9+/]{43}=$/, {
    message: 'INBOX_SECRETS_KEY must be 32 random bytes in base64 (44 characters), e.g. from `openssl rand -base64 32`',
  })
  INBOX_SECRETS_KEY?: string;

  @IsOptional()
  @IsIn(['on', 'off'], { message: 'OUTBOUND_WEBHOOKS must be on or off' })
  OUTBOUND_WEBHOOKS?: string;

  @OptionalWholeNumber(10, 3_600_000, 'milliseconds')
  OUTBOUND_WEBHOOK_FIRST_RETRY_MS?: number;

  @OptionalWholeNumber(10, 86_400_000, 'milliseconds')
  OUTBOUND_WEBHOOK_MAX_RETRY_MS?: number;

  @OptionalWholeNumber(1, 100)
  OUTBOUND_WEBHOOK_MAX_ATTEMPTS?: number;

  @OptionalWholeNumber(100, 60_000, 'milliseconds')
  OUTBOUND_WEBHOOK_TIMEOUT_MS?: number;

  @OptionalWholeNumber(1, 1_000_000)
  AUTH_THROTTLE_MAX_FAILURES?: number;

  @OptionalWholeNumber(1, 86_400, 'seconds')
  AUTH_THROTTLE_WINDOW_SECONDS?: number;

  @IsOptional()
  @ValidateBy(
    { name: 'isTrustProxy', validator: { validate: isTrustProxy } },
    {
      message:
        "TRUST_PROXY must be a comma-separated list of the proxies' addresses (IPs, CIDRs, loopback, linklocal, uniquelocal); not a hop count, which cannot tell a proxy from a client that sends X-Forwarded-For itself",
    },
  )
  TRUST_PROXY?: string;

  @IsOptional()
  @ValidateBy(
    {
      name: 'isOriginList',
      validator: { validate: (value: unknown) => typeof value === 'string' && listItems(value).every(isExactOrigin) },
    },
    {
      message:
        'CORS_ORIGINS must be a comma-separated list of exact origins such as https://inbox.example.com (scheme, host and port; no path, no "*")',
    },
  )
  CORS_ORIGINS?: string;

  @OptionalWholeNumber(1, 1_000)
  STREAMS_PER_IDENTITY?: number;

  @OptionalWholeNumber(1, 100_000)
  STREAMS_TOTAL?: number;

  @OptionalWholeNumber(100, 300_000, 'milliseconds')
  STREAM_HEARTBEAT_MS?: number;

  @OptionalWholeNumber(100, 3_600_000, 'milliseconds')
  REQUEST_TIMEOUT_MS?: number;

  @OptionalWholeNumber(100, 3_600_000, 'milliseconds')
  HEADERS_TIMEOUT_MS?: number;

  @OptionalWholeNumber(100, 3_600_000, 'milliseconds')
  KEEP_ALIVE_TIMEOUT_MS?: number;

  @OptionalWholeNumber(1, 1_000_000)
  MAX_CONNECTIONS?: number;

  @OptionalWholeNumber(1, 1_000_000)
  MAX_CONNECTIONS_PER_CLIENT?: number;

  @OptionalWholeNumber(1, 65_536, 'MiB')
  BODIES_IN_FLIGHT_MIB?: number;

  @OptionalWholeNumber(1, 65_536, 'MiB')
  @ValidateBy(
    {
      name: 'isLessThanBodiesInFlight',
      validator: {
        // What is not a whole number is the range check's to refuse, in its own words.
        validate: (value: unknown, args) =>
          !Number.isInteger(value) ||
          (value as number) <
            ((args?.object as EnvironmentVariables | undefined)?.BODIES_IN_FLIGHT_MIB ?? DEFAULT_BODIES_IN_FLIGHT_MIB),
      },
    },
    {
      message: `PUBLIC_BODIES_IN_FLIGHT_MIB must be less than BODIES_IN_FLIGHT_MIB (${DEFAULT_BODIES_IN_FLIGHT_MIB} unless set), so that bodies sent with a token always have room`,
    },
  )
  PUBLIC_BODIES_IN_FLIGHT_MIB?: number;

  @IsOptional()
  @IsIn(LOG_LEVELS, { message: `LOG_LEVEL must be one of: ${LOG_LEVELS.join(', ')}` })
  LOG_LEVEL?: string;
}

export class ConfigurationError extends Error {
  override readonly name = 'ConfigurationError';

  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
  }
}

const NAMES = [
  'PORT',
  'HOST',
  'DATA_DIR',
  'EVENT_STORE',
  'EVENTSTORE_CONNECTION_STRING',
  'INBOX_ADMIN_TOKEN',
  'INBOX_SECRETS_KEY',
  'LOG_LEVEL',
  'OUTBOUND_WEBHOOKS',
  'OUTBOUND_WEBHOOK_FIRST_RETRY_MS',
  'OUTBOUND_WEBHOOK_MAX_RETRY_MS',
  'OUTBOUND_WEBHOOK_MAX_ATTEMPTS',
  'OUTBOUND_WEBHOOK_TIMEOUT_MS',
  'AUTH_THROTTLE_MAX_FAILURES',
  'AUTH_THROTTLE_WINDOW_SECONDS',
  'TRUST_PROXY',
  'CORS_ORIGINS',
  'REQUEST_TIMEOUT_MS',
  'HEADERS_TIMEOUT_MS',
  'KEEP_ALIVE_TIMEOUT_MS',
  'MAX_CONNECTIONS',
  'MAX_CONNECTIONS_PER_CLIENT',
  'BODIES_IN_FLIGHT_MIB',
  'PUBLIC_BODIES_IN_FLIGHT_MIB',
  'STREAMS_PER_IDENTITY',
  'STREAMS_TOTAL',
  'STREAM_HEARTBEAT_MS',
] as const;

/** The variables that are whole numbers: parsed strictly, so "80abc" or "1e3" is refused, not misread. */
const WHOLE_NUMBERS = [
  'PORT',
  'REQUEST_TIMEOUT_MS',
  'HEADERS_TIMEOUT_MS',
  'KEEP_ALIVE_TIMEOUT_MS',
  'MAX_CONNECTIONS',
  'MAX_CONNECTIONS_PER_CLIENT',
  'BODIES_IN_FLIGHT_MIB',
  'PUBLIC_BODIES_IN_FLIGHT_MIB',
  'OUTBOUND_WEBHOOK_FIRST_RETRY_MS',
  'OUTBOUND_WEBHOOK_MAX_RETRY_MS',
  'OUTBOUND_WEBHOOK_MAX_ATTEMPTS',
  'OUTBOUND_WEBHOOK_TIMEOUT_MS',
  'AUTH_THROTTLE_MAX_FAILURES',
  'AUTH_THROTTLE_WINDOW_SECONDS',
  'STREAMS_PER_IDENTITY',
  'STREAMS_TOTAL',
  'STREAM_HEARTBEAT_MS',
] as const;

/** Named in an error, never echoed. */
const SECRETS: readonly string[] = ['INBOX_ADMIN_TOKEN', 'INBOX_SECRETS_KEY'];

export function loadAppConfig(env: NodeJS.ProcessEnv, cwd = process.cwd()): AppConfig {
  const raw: Record<string, string | number> = {};
  for (const name of NAMES) {
    const value = env[name];
    if (value !== undefined && value !== '') raw[name] = value;
  }
  for (const name of WHOLE_NUMBERS) {
    const value = raw[name];
    if (typeof value === 'string') raw[name] = /^[0-9]{1,9}$/.test(value) ? Number(value) : Number.NaN;
  }

  const variables = plainToInstance(EnvironmentVariables, raw);
  const errors = validateSync(variables, { forbidUnknownValues: true, stopAtFirstError: true });
  if (errors.length > 0) throw new ConfigurationError(errors.map((error) => describeProblem(error, env)));

  return {
    port: variables.PORT ?? 3000,
    host: variables.HOST ?? '0.0.0.0',
    dataDir: resolve(cwd, variables.DATA_DIR ?? './data'),
    eventStore: (variables.EVENT_STORE as EventStoreChoice | undefined) ?? 'sqlite',
    eventStoreConnectionString: variables.EVENTSTORE_CONNECTION_STRING,
    adminToken: variables.INBOX_ADMIN_TOKEN,
    secretsKey:
      variables.INBOX_SECRETS_KEY === undefined ? undefined : Buffer.from(variables.INBOX_SECRETS_KEY, 'base64'),
    logLevel: (variables.LOG_LEVEL as LogLevel | undefined) ?? 'info',
    outboundWebhooks: {
      enabled: (variables.OUTBOUND_WEBHOOKS ?? 'on') === 'on',
      firstRetryDelayMs: variables.OUTBOUND_WEBHOOK_FIRST_RETRY_MS ?? 5_000,
      maxRetryDelayMs: variables.OUTBOUND_WEBHOOK_MAX_RETRY_MS ?? 3_600_000,
      maxAttempts: variables.OUTBOUND_WEBHOOK_MAX_ATTEMPTS ?? 20,
      timeoutMs: variables.OUTBOUND_WEBHOOK_TIMEOUT_MS ?? 10_000,
    },
    authThrottle: {
      maxFailures: variables.AUTH_THROTTLE_MAX_FAILURES ?? 20,
      windowMs: (variables.AUTH_THROTTLE_WINDOW_SECONDS ?? 60) * 1000,
    },
    trustProxy: trustProxyOf(variables.TRUST_PROXY),
    corsOrigins: variables.CORS_ORIGINS === undefined ? [] : listItems(variables.CORS_ORIGINS),
    connections: connectionLimitsOf(variables),
    liveStreams: {
      perIdentity: variables.STREAMS_PER_IDENTITY ?? 16,
      total: variables.STREAMS_TOTAL ?? 1000,
      heartbeatMs: variables.STREAM_HEARTBEAT_MS ?? 15_000,
    },
  };
}

function connectionLimitsOf(variables: EnvironmentVariables): AppConfig['connections'] {
  const requestTimeoutMs = variables.REQUEST_TIMEOUT_MS ?? 30_000;
  const bodiesInFlightMib = variables.BODIES_IN_FLIGHT_MIB ?? DEFAULT_BODIES_IN_FLIGHT_MIB;
  return {
    requestTimeoutMs,
    // Node refuses a headers timeout longer than the request's.
    headersTimeoutMs: Math.min(variables.HEADERS_TIMEOUT_MS ?? 10_000, requestTimeoutMs),
    // Longer than the idle timeouts of common load balancers, which would otherwise reuse a closed connection.
    keepAliveTimeoutMs: variables.KEEP_ALIVE_TIMEOUT_MS ?? 72_000,
    maxConnections: variables.MAX_CONNECTIONS ?? 2_000,
    maxConnectionsPerClient: variables.MAX_CONNECTIONS_PER_CLIENT ?? 256,
    bodyBytesInFlight: bodiesInFlightMib * MIB,
    // A quarter unless set; a whole MiB at least, for a body of the largest size to fit.
    publicBodyBytesInFlight:
      (variables.PUBLIC_BODIES_IN_FLIGHT_MIB ?? Math.max(1, Math.floor(bodiesInFlightMib / 4))) * MIB,
  };
}

function trustProxyOf(value: string | undefined): AppConfig['trustProxy'] {
  return value === undefined ? false : listItems(value);
}

function describeProblem(error: ValidationError, env: NodeJS.ProcessEnv): string {
  const messages = [...new Set(Object.values(error.constraints ?? {}))];
  // Secrets are named, never echoed.
  const shown = SECRETS.includes(error.property) ? '' : ` (got "${env[error.property] ?? ''}")`;
  return `${messages.join('; ')}${shown}`;
}
