/**
 * The first start, as a new user makes it (issue 20, "First run"): the server in a process of its own on an
 * empty DATA_DIR, at the default log level, says once, right after it listens, where it is and how to sign
 * in (where the admin's token is, never the token); its request lines are short (id, method, route, status,
 * time) and carry the headers only at `debug`.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SIGN_IN_NOTICE_TITLE } from '../apps/inbox-api/src/sign-in-notice';
import { eventually } from './support/eventually';
import { freePort } from './support/free-port';
import { spawnServerFromSource, untilHealthy } from './support/server-from-source';
import { temporaryDataDir } from './support/test-app';

interface RequestLine {
  msg: string;
  req: Record<string, unknown> & { id: string };
  res: Record<string, unknown>;
  responseTime: unknown;
}

async function withServer(
  env: NodeJS.ProcessEnv,
  test: (server: { baseUrl: string; port: number; dataDir: string; output: () => string }) => Promise<void>,
): Promise<void> {
  const data = temporaryDataDir();
  const port = await freePort();
  let output = '';
  const server = spawnServerFromSource(
    // An empty variable is an unset one: the defaults, whatever this process's environment says.
    { LOG_LEVEL: '', INBOX_ADMIN_TOKEN: '', PORT: String(port), HOST: '127.0.0.1', DATA_DIR: data.dir, ...env },
    (chunk) => (output += chunk.toString()),
  );
  try {
    const baseUrl = `http://127.0.0.1:${port}`;
    await untilHealthy(baseUrl);
    await test({ baseUrl, port, dataDir: data.dir, output: () => output });
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
  } finally {
    server.child.kill('SIGKILL');
    data.remove();
  }
}

/** The request's log line, by the request id it was sent with: the raw line and what it says. */
async function requestLine(output: () => string, requestId: string): Promise<{ raw: string; line: RequestLine }> {
  return eventually(() => {
    const raw = output()
      .split('\n')
      .find((text) => text.includes(`"id":"${requestId}"`) && text.includes('"msg":"request completed"'));
    return raw === undefined ? undefined : { raw, line: JSON.parse(raw) as RequestLine };
  });
}

const occurrences = (text: string, part: string) => text.split(part).length - 1;

describe('the first start', () => {
  it('says once, after it listens, where it is and where the generated admin token is; request lines are short', async () => {
    await withServer({}, async ({ baseUrl, port, dataDir, output }) => {
      const tokenFile = join(dataDir, 'admin-token');
      const token = readFileSync(tokenFile, 'utf8').trim();
      await eventually(() => output().includes(SIGN_IN_NOTICE_TITLE));

      const text = output();
      expect(occurrences(text, SIGN_IN_NOTICE_TITLE)).toBe(1);
      const notice = text.slice(text.indexOf(SIGN_IN_NOTICE_TITLE)).split('\n\n')[0];
      expect(text.indexOf(SIGN_IN_NOTICE_TITLE)).toBeGreaterThan(text.indexOf('team-inbox listening on'));
      expect(notice).toContain(`http://127.0.0.1:${port}`);
      expect(notice).toContain(`was generated into ${tokenFile}`);
      expect(notice).toContain(`cat ${tokenFile}`);
      expect(text).not.toContain(token);
      // Nest's start-up chatter (a line per module and per route) is left for debug.
      expect(text).not.toContain('Mapped {');

      const response = await fetch(`${baseUrl}/conversations/${randomUUID()}?messagesLimit=7`, {
        headers: { authorization: `Bearer ${token}`, 'x-request-id': 'first-run-probe', 'x-probe': 'seen-at-debug' },
      });
      expect(response.status).toBe(404);
      const { raw, line } = await requestLine(output, 'first-run-probe');
      expect(line).toEqual(
        expect.objectContaining({
          msg: 'request completed',
          req: { id: 'first-run-probe', method: 'GET', route: '/conversations/:id', url: expect.any(String) },
          res: { statusCode: 404 },
          responseTime: expect.any(Number),
        }),
      );
      expect(line.req.url).toMatch(/^\/conversations\/[0-9a-f-]{36}$/); // the path: no query string
      for (const absent of ['headers', 'seen-at-debug', 'authorization', 'messagesLimit', token]) {
        expect(raw).not.toContain(absent);
      }
    });
  }, 60_000);

  it('at LOG_LEVEL=debug, request lines carry the headers (the token redacted); an INBOX_ADMIN_TOKEN is named, not shown', async () => {
    const adminToken = `first-run-${randomUUID()}`;
    await withServer({ LOG_LEVEL: 'debug', INBOX_ADMIN_TOKEN: adminToken }, async ({ baseUrl, output }) => {
      await eventually(() => output().includes(SIGN_IN_NOTICE_TITLE));
      expect(occurrences(output(), SIGN_IN_NOTICE_TITLE)).toBe(1);
      expect(output()).toContain('Sign in as the admin with the token INBOX_ADMIN_TOKEN holds.');

      const response = await fetch(`${baseUrl}/conversations/${randomUUID()}?messagesLimit=7`, {
        headers: { authorization: `Bearer ${adminToken}`, 'x-request-id': 'debug-probe', 'x-probe': 'seen-at-debug' },
      });
      expect(response.status).toBe(404);
      const { line } = await requestLine(output, 'debug-probe');
      expect(line.req).toMatchObject({
        id: 'debug-probe',
        method: 'GET',
        route: '/conversations/:id',
        url: expect.stringMatching(/\?messagesLimit=7$/),
        headers: expect.objectContaining({ 'x-probe': 'seen-at-debug', authorization: '[redacted]' }),
      });
      expect(line.res).toMatchObject({
        statusCode: 404,
        headers: expect.objectContaining({ 'x-request-id': 'debug-probe' }),
      });
      expect(output()).not.toContain(adminToken);
    });
  }, 60_000);
});
