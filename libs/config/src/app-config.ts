/**
 * The server's configuration, read from the environment once at start-up and validated as a whole: a bad
 * value stops the start with a message that names the variable and what it expected. Each variable's name,
 * parsing, default and doc are its entry in `environment-variables.ts`; here is where each one lands.
 */
import { resolve } from 'node:path';
import { readVariables, type Settings } from './environment-variables';

const MIB = 1024 * 1024;

export class ConfigurationError extends Error {
  override readonly name = 'ConfigurationError';

  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
  }
}

export type AppConfig = ReturnType<typeof configFrom>;
export type EventStoreChoice = AppConfig['eventStore'];
export type LogLevel = AppConfig['logLevel'];

export function loadAppConfig(env: NodeJS.ProcessEnv, cwd = process.cwd()): AppConfig {
  const read = readVariables(env);
  if ('problems' in read) throw new ConfigurationError(read.problems);
  return configFrom(read.settings, cwd);
}

/** Where each variable lands, in the units the server works in, and what follows from two of them together. */
function configFrom(settings: Settings, cwd: string) {
  const bodiesInFlightMib = settings.BODIES_IN_FLIGHT_MIB;
  return {
    port: settings.PORT,
    host: settings.HOST,
    dataDir: resolve(cwd, settings.DATA_DIR),
    eventStore: settings.EVENT_STORE,
    eventStoreConnectionString: settings.EVENTSTORE_CONNECTION_STRING,
    adminToken: settings.INBOX_ADMIN_TOKEN,
    secretsKey: settings.INBOX_SECRETS_KEY,
    logLevel: settings.LOG_LEVEL,
    outboundWebhooks: {
      enabled: settings.OUTBOUND_WEBHOOKS,
      firstRetryDelayMs: settings.OUTBOUND_WEBHOOK_FIRST_RETRY_MS,
      maxRetryDelayMs: settings.OUTBOUND_WEBHOOK_MAX_RETRY_MS,
      maxAttempts: settings.OUTBOUND_WEBHOOK_MAX_ATTEMPTS,
      timeoutMs: settings.OUTBOUND_WEBHOOK_TIMEOUT_MS,
    },
    authThrottle: {
      maxFailures: settings.AUTH_THROTTLE_MAX_FAILURES,
      windowMs: settings.AUTH_THROTTLE_WINDOW_SECONDS * 1000,
    },
    /** Fastify's `trustProxy`: false (the client is the TCP peer), or the proxies' addresses. */
    trustProxy: settings.TRUST_PROXY,
    corsOrigins: settings.CORS_ORIGINS,
    connections: {
      requestTimeoutMs: settings.REQUEST_TIMEOUT_MS,
      // Node refuses a headers timeout longer than the request's.
      headersTimeoutMs: Math.min(settings.HEADERS_TIMEOUT_MS, settings.REQUEST_TIMEOUT_MS),
      keepAliveTimeoutMs: settings.KEEP_ALIVE_TIMEOUT_MS,
      maxConnections: settings.MAX_CONNECTIONS,
      maxConnectionsPerClient: settings.MAX_CONNECTIONS_PER_CLIENT,
      bodyBytesInFlight: bodiesInFlightMib * MIB,
      // A quarter unless set; a whole MiB at least, for a body of the largest size to fit.
      publicBodyBytesInFlight:
        (settings.PUBLIC_BODIES_IN_FLIGHT_MIB ?? Math.max(1, Math.floor(bodiesInFlightMib / 4))) * MIB,
    },
    liveStreams: {
      perIdentity: settings.STREAMS_PER_IDENTITY,
      total: settings.STREAMS_TOTAL,
      heartbeatMs: settings.STREAM_HEARTBEAT_MS,
    },
  };
}
