import { ConfigurationError, loadAppConfig } from './app-config';

const validToken = 'a'.repeat(40);
const secretsKey = Buffer.alloc(32, 7);

function problemsOf(env: NodeJS.ProcessEnv): readonly string[] {
  try {
    loadAppConfig(env, '/srv/inbox');
  } catch (error) {
    if (error instanceof ConfigurationError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigurationError');
}

describe('loadAppConfig', () => {
  it('has defaults for everything: the embedded store in ./data on port 3000', () => {
    expect(loadAppConfig({}, '/srv/inbox')).toEqual({
      port: 3000,
      host: '0.0.0.0',
      dataDir: '/srv/inbox/data',
      eventStore: 'sqlite',
      eventStoreConnectionString: undefined,
      adminToken: undefined,
      secretsKey: undefined,
      logLevel: 'info',
      outboundWebhooks: {
        enabled: true,
        firstRetryDelayMs: 5_000,
        maxRetryDelayMs: 3_600_000,
        maxAttempts: 20,
        timeoutMs: 10_000,
      },
      authThrottle: { maxFailures: 20, windowMs: 60_000 },
      trustProxy: false,
      corsOrigins: [],
      connections: {
        requestTimeoutMs: 30_000,
        headersTimeoutMs: 10_000,
        keepAliveTimeoutMs: 72_000,
        maxConnections: 2_000,
        maxConnectionsPerClient: 256,
        bodyBytesInFlight: 64 * 1024 * 1024,
        publicBodyBytesInFlight: 16 * 1024 * 1024,
      },
      liveStreams: { perIdentity: 16, total: 1000, heartbeatMs: 15_000 },
    });
  });

  it('reads every variable', () => {
    expect(
      loadAppConfig(
        {
          PORT: '8080',
          HOST: '127.0.0.1',
          DATA_DIR: '/var/lib/inbox',
          EVENT_STORE: 'eventstoredb',
          EVENTSTORE_CONNECTION_STRING: 'esdb://eventstore:2113?tls=false',
          INBOX_ADMIN_TOKEN: validToken,
          INBOX_SECRETS_KEY: secretsKey.toString('base64'),
          LOG_LEVEL: 'warn',
          OUTBOUND_WEBHOOKS: 'off',
          OUTBOUND_WEBHOOK_FIRST_RETRY_MS: '50',
          OUTBOUND_WEBHOOK_MAX_RETRY_MS: '1000',
          OUTBOUND_WEBHOOK_MAX_ATTEMPTS: '4',
          OUTBOUND_WEBHOOK_TIMEOUT_MS: '2000',
          AUTH_THROTTLE_MAX_FAILURES: '5',
          AUTH_THROTTLE_WINDOW_SECONDS: '600',
          TRUST_PROXY: '10.0.0.0/8',
          CORS_ORIGINS: 'https://inbox.example.com, http://localhost:5173',
          REQUEST_TIMEOUT_MS: '20000',
          HEADERS_TIMEOUT_MS: '5000',
          KEEP_ALIVE_TIMEOUT_MS: '65000',
          MAX_CONNECTIONS: '500',
          MAX_CONNECTIONS_PER_CLIENT: '50',
          BODIES_IN_FLIGHT_MIB: '16',
          PUBLIC_BODIES_IN_FLIGHT_MIB: '6',
          STREAMS_PER_IDENTITY: '4',
          STREAMS_TOTAL: '200',
          STREAM_HEARTBEAT_MS: '5000',
        },
        '/srv/inbox',
      ),
    ).toEqual({
      port: 8080,
      host: '127.0.0.1',
      dataDir: '/var/lib/inbox',
      eventStore: 'eventstoredb',
      eventStoreConnectionString: 'esdb://eventstore:2113?tls=false',
      adminToken: validToken,
      secretsKey,
      logLevel: 'warn',
      outboundWebhooks: {
        enabled: false,
        firstRetryDelayMs: 50,
        maxRetryDelayMs: 1000,
        maxAttempts: 4,
        timeoutMs: 2000,
      },
      authThrottle: { maxFailures: 5, windowMs: 600_000 },
      trustProxy: ['10.0.0.0/8'],
      corsOrigins: ['https://inbox.example.com', 'http://localhost:5173'],
      connections: {
        requestTimeoutMs: 20_000,
        headersTimeoutMs: 5000,
        keepAliveTimeoutMs: 65_000,
        maxConnections: 500,
        maxConnectionsPerClient: 50,
        bodyBytesInFlight: 16 * 1024 * 1024,
        publicBodyBytesInFlight: 6 * 1024 * 1024,
      },
      liveStreams: { perIdentity: 4, total: 200, heartbeatMs: 5000 },
    });
  });

  it.each(['abc', '0', '65536', '80abc', '1e3', '-1', '3000.5'])('refuses PORT=%s, naming it', (port) => {
    expect(problemsOf({ PORT: port })).toEqual([`PORT must be a whole number from 1 to 65535 (got "${port}")`]);
  });

  it('refuses an unknown EVENT_STORE, naming the choices', () => {
    expect(problemsOf({ EVENT_STORE: 'postgres' })).toEqual([
      'EVENT_STORE must be one of: sqlite, eventstoredb (got "postgres")',
    ]);
  });

  it('requires a connection string for EventStoreDB', () => {
    expect(problemsOf({ EVENT_STORE: 'eventstoredb' })[0]).toMatch(/^EVENTSTORE_CONNECTION_STRING is required/);
    expect(problemsOf({ EVENT_STORE: 'eventstoredb', EVENTSTORE_CONNECTION_STRING: 'http://x' })[0]).toMatch(
      /^EVENTSTORE_CONNECTION_STRING must be a connection string/,
    );
  });

  it('refuses a short admin token without echoing it', () => {
    const problems = problemsOf({ INBOX_ADMIN_TOKEN: 'secret123' });
    expect(problems[0]).toMatch(/^INBOX_ADMIN_TOKEN must be 32 to 512 printable characters/);
    expect(problems.join()).not.toContain('secret123');
  });

  it('lists every problem at once', () => {
    expect(problemsOf({ PORT: 'x', EVENT_STORE: 'y', LOG_LEVEL: 'loud' })).toHaveLength(3);
  });

  it('treats an empty variable as unset', () => {
    expect(loadAppConfig({ PORT: '', EVENT_STORE: '' }, '/srv').port).toBe(3000);
  });

  it('refuses an INBOX_SECRETS_KEY that is not 32 bytes of base64, without echoing it', () => {
    const problems = problemsOf({ INBOX_SECRETS_KEY: 'too-short-secret' });
    expect(problems).toEqual([expect.stringContaining('INBOX_SECRETS_KEY must be 32 random bytes in base64')]);
    expect(problems.join('')).not.toContain('too-short-secret');
  });

  it.each(['0', '5', 'soon', '1e3'])('refuses OUTBOUND_WEBHOOK_FIRST_RETRY_MS=%s', (value) => {
    expect(problemsOf({ OUTBOUND_WEBHOOK_FIRST_RETRY_MS: value })).toEqual([
      `OUTBOUND_WEBHOOK_FIRST_RETRY_MS must be a whole number of milliseconds from 10 to 3600000 (got "${value}")`,
    ]);
  });

  it.each(['0', '1000001', 'many', '1e3'])('refuses AUTH_THROTTLE_MAX_FAILURES=%s', (value) => {
    expect(problemsOf({ AUTH_THROTTLE_MAX_FAILURES: value })).toEqual([
      `AUTH_THROTTLE_MAX_FAILURES must be a whole number from 1 to 1000000 (got "${value}")`,
    ]);
  });

  it.each(['0', '86401', '1m'])('refuses AUTH_THROTTLE_WINDOW_SECONDS=%s', (value) => {
    expect(problemsOf({ AUTH_THROTTLE_WINDOW_SECONDS: value })).toEqual([
      `AUTH_THROTTLE_WINDOW_SECONDS must be a whole number of seconds from 1 to 86400 (got "${value}")`,
    ]);
  });

  it('holds the headers timeout to the request timeout (Node refuses a longer one)', () => {
    expect(loadAppConfig({ REQUEST_TIMEOUT_MS: '2000' }, '/srv').connections).toMatchObject({
      requestTimeoutMs: 2000,
      headersTimeoutMs: 2000,
    });
  });

  it.each([
    ['REQUEST_TIMEOUT_MS', '50', 'a whole number of milliseconds from 100 to 3600000'],
    ['HEADERS_TIMEOUT_MS', 'soon', 'a whole number of milliseconds from 100 to 3600000'],
    ['KEEP_ALIVE_TIMEOUT_MS', '3600001', 'a whole number of milliseconds from 100 to 3600000'],
    ['MAX_CONNECTIONS', '0', 'a whole number from 1 to 1000000'],
    ['BODIES_IN_FLIGHT_MIB', '1e3', 'a whole number of MiB from 1 to 65536'],
    ['MAX_CONNECTIONS_PER_CLIENT', '0', 'a whole number from 1 to 1000000'],
    ['PUBLIC_BODIES_IN_FLIGHT_MIB', 'half', 'a whole number of MiB from 1 to 65536'],
  ])('refuses %s=%s', (name, value, expected) => {
    expect(problemsOf({ [name]: value })).toEqual([`${name} must be ${expected} (got "${value}")`]);
  });

  it('keeps a part of the bodies in flight for callers with a token: a quarter goes to callers without one', () => {
    expect(loadAppConfig({ BODIES_IN_FLIGHT_MIB: '40' }, '/srv').connections.publicBodyBytesInFlight).toBe(
      10 * 1024 * 1024,
    );
    for (const env of [
      { PUBLIC_BODIES_IN_FLIGHT_MIB: '64' },
      { BODIES_IN_FLIGHT_MIB: '8', PUBLIC_BODIES_IN_FLIGHT_MIB: '9' },
    ]) {
      expect(problemsOf(env)).toEqual([
        `PUBLIC_BODIES_IN_FLIGHT_MIB must be less than BODIES_IN_FLIGHT_MIB (64 unless set), so that bodies sent with a token always have room (got "${env.PUBLIC_BODIES_IN_FLIGHT_MIB}")`,
      ]);
    }
  });

  it.each([
    ['10.0.0.1', ['10.0.0.1']],
    ['loopback, 10.0.0.0/8, fd00::/8', ['loopback', '10.0.0.0/8', 'fd00::/8']],
  ])('reads TRUST_PROXY=%s', (value, expected) => {
    expect(loadAppConfig({ TRUST_PROXY: value }, '/srv').trustProxy).toEqual(expected);
  });

  it.each(['true', '0', '2', 'proxy.example.com', '10.0.0.0/33', '10.0.0.1,'])('refuses TRUST_PROXY=%s', (value) => {
    expect(problemsOf({ TRUST_PROXY: value })[0]).toMatch(
      /^TRUST_PROXY must be a comma-separated list of the proxies' addresses/,
    );
  });

  it.each(['*', 'https://inbox.example.com/', 'https://inbox.example.com/app', 'inbox.example.com', 'ftp://x.example'])(
    'refuses CORS_ORIGINS=%s: exact origins only',
    (value) => {
      expect(problemsOf({ CORS_ORIGINS: value })).toEqual([
        `CORS_ORIGINS must be a comma-separated list of exact origins such as https://inbox.example.com (scheme, host and port; no path, no "*") (got "${value}")`,
      ]);
    },
  );
});
