/**
 * The server as an operator starts it: its own process, configured by the environment, stopped by a signal.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './support/free-port';
import { spawnServerFromSource, type ServerFromSource } from './support/server-from-source';
import { temporaryDataDir } from './support/test-app';

function startServer(env: NodeJS.ProcessEnv): ServerFromSource & { output: () => string } {
  let output = '';
  const server = spawnServerFromSource({ LOG_LEVEL: 'info', ...env }, (chunk) => (output += chunk.toString()));
  return { ...server, output: () => output };
}

async function waitForHealth(url: string, timeoutMs: number): Promise<Response> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fetch(url);
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

describe('the server process', () => {
  it('starts on the embedded store in DATA_DIR, answers /health, and stops cleanly on SIGTERM', async () => {
    const data = temporaryDataDir();
    const port = await freePort();
    const server = startServer({ PORT: String(port), HOST: '127.0.0.1', DATA_DIR: data.dir, INBOX_ADMIN_TOKEN: '' });
    try {
      const response = await waitForHealth(`http://127.0.0.1:${port}/health`, 15_000);
      expect(await response.json()).toMatchObject({ status: 'ok', eventStore: 'sqlite' });
      expect(existsSync(join(data.dir, 'events.sqlite'))).toBe(true);
      expect(server.output()).toContain(`team-inbox listening on http://127.0.0.1:${port}`);
      // No INBOX_ADMIN_TOKEN: one is generated into DATA_DIR, and the log names the file, never the token.
      const adminToken = readFileSync(join(data.dir, 'admin-token'), 'utf8').trim();
      expect(server.output()).toContain(`wrote it to ${join(data.dir, 'admin-token')}`);
      expect(server.output()).not.toContain(adminToken);

      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
      expect(server.output()).toContain('Shut down cleanly');
    } finally {
      server.child.kill('SIGKILL');
      data.remove();
    }
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT must be a whole number from 1 to 65535 (got "eighty")'],
    [{ EVENT_STORE: 'mongodb' }, 'EVENT_STORE must be one of: sqlite, eventstoredb (got "mongodb")'],
    [{ EVENT_STORE: 'eventstoredb' }, 'EVENTSTORE_CONNECTION_STRING is required when EVENT_STORE=eventstoredb'],
  ])('refuses to start with %j, naming the variable', async (env, message) => {
    const data = temporaryDataDir();
    const server = startServer({ ...env, DATA_DIR: data.dir });
    try {
      expect(await server.exited).toBe(78);
      expect(server.output()).toContain('team-inbox cannot start. Invalid configuration');
      expect(server.output()).toContain(message);
      expect(existsSync(join(data.dir, 'events.sqlite'))).toBe(false);
    } finally {
      data.remove();
    }
  });

  it("is started by the Dockerfile with npm start's Node flags (the heap's sizes the benchmark measured)", () => {
    const root = join(__dirname, '..');
    const start = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: { start: string } })
      .scripts.start;
    const cmd = /^CMD (\[.*\])$/m.exec(readFileSync(join(root, 'Dockerfile'), 'utf8'));
    expect(cmd).not.toBeNull();
    expect((JSON.parse(cmd![1]) as string[]).join(' ')).toBe(start);
    expect(start).toContain('--initial-old-space-size=64');
  });

  it("has the Dockerfile's HEALTHCHECK probe /livez, which asks nothing of the event store", () => {
    const dockerfile = readFileSync(join(__dirname, '..', 'Dockerfile'), 'utf8');
    const healthcheck = /^HEALTHCHECK [^\n]*\\\n\s*CMD (.*)$/m.exec(dockerfile);
    expect(healthcheck).not.toBeNull();
    expect(healthcheck![1]).toContain("+'/livez')");
  });
});
