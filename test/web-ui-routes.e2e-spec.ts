/** What the web UI needs of the API: its page and assets, who a token is (`GET /me`), and the tab counts. */
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { loadAppConfig } from '@team-inbox/config';
import { request as httpRequest } from 'node:http';
import { createApp } from '../apps/inbox-api/src/create-app';
import { Inbox } from './support/inbox';
import { temporaryDataDir } from './support/test-app';
import { builtWebAssets } from './support/web-assets';

interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** A request with its path sent byte for byte (fetch would resolve `.`, `..` and `%2e%2e` before sending). */
function rawRequest(
  baseUrl: string,
  method: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<RawAnswer> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    httpRequest({ host: hostname, port, method, path, headers, agent: false }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, text }));
    })
      .once('error', reject)
      .end();
  });
}

/** The built page's script and stylesheet: in a path below, SCRIPT and STYLESHEET stand for them. */
function builtAssets(): { SCRIPT: string; STYLESHEET: string } {
  const { script, stylesheet } = builtWebAssets();
  return { SCRIPT: script, STYLESHEET: stylesheet };
}
const withAssets = (path: string): string =>
  path.replace(/SCRIPT|STYLESHEET/, (name) => builtAssets()[name as 'SCRIPT' | 'STYLESHEET']);

describe('the routes behind the web UI', () => {
  let inbox: Inbox;
  beforeEach(async () => (inbox = await Inbox.start()));
  afterEach(() => inbox.stop());

  it('serves the page at / and its assets under /app/, without a token; hashed assets are cached for long', async () => {
    const page = await inbox.request<string>('GET', '/', { token: null });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('cache-control')).toBe('no-cache');
    const { SCRIPT, STYLESHEET } = builtAssets();
    // An external module script (the CSP allows no inline one) and a stylesheet, both under /app/assets/.
    expect(page.body).toMatch(new RegExp(`<script type="module"[^>]*\\ssrc="${SCRIPT}">`));
    expect(page.body).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/);
    expect(page.body).toContain(`href="${STYLESHEET}"`);
    const script = await inbox.request<string>('GET', SCRIPT, { token: null });
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toMatch(/javascript/);
    expect(script.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    const stylesheet = await inbox.request<string>('GET', STYLESHEET, { token: null });
    expect(stylesheet.status).toBe(200);
    expect(stylesheet.headers.get('content-type')).toMatch(/^text\/css/);
    expect((await inbox.request('GET', '/app/missing.js', { token: null })).status).toBe(404);
    expect((await inbox.request('GET', '/app/assets/missing.js', { token: null })).status).toBe(404);
  });

  it.each(['GET', 'HEAD'])("%s /app/ (the assets' folder itself) is a 404, not a server error", async (method) => {
    for (const path of ['/app/', '/app']) {
      const answer = await inbox.request(method, path, { token: null });
      expect({ path, status: answer.status }).toEqual({ path, status: 404 });
      if (method === 'GET') expect(answer.body).toMatchObject({ statusCode: 404, error: 'Not Found' });
    }
  });

  it('GET /me names the token’s owner and role', async () => {
    const alice = await inbox.addMember('Alice');
    const chat = await inbox.addIntegration('Chat widget');
    expect((await inbox.request('GET', '/me', { token: alice.token })).body).toEqual({
      id: alice.id,
      type: 'member',
      name: 'Alice',
      role: 'agent',
    });
    expect((await inbox.request('GET', '/me', { token: chat.token })).body).toMatchObject({ role: 'integration' });
    expect((await inbox.request('GET', '/me', { token: 'ti_0000000000000000_nope' })).status).toBe(401);
  });

  it('GET /inbox/counts counts every view for the caller', async () => {
    const { alice, bob, chat } = await inbox.addTeam();
    const conversations = [];
    for (let n = 0; n < 5; n++) conversations.push(await inbox.startConversation(chat.token));
    const [mine, bobs, closed] = conversations;
    await inbox.request('POST', `/conversations/${mine.id}/assign`, { token: alice.token, body: { assigneeId: 'me' } });
    await inbox.request('POST', `/conversations/${bobs.id}/assign`, { token: bob.token, body: { assigneeId: 'me' } });
    const last = await inbox.request<{ position: string }>('POST', `/conversations/${closed.id}/close`, {
      token: alice.token,
    });

    const counts = await inbox.request('GET', `/inbox/counts?minPosition=${last.body.position}`, {
      token: alice.token,
    });
    expect(counts.status).toBe(200);
    // 5 conversations: Alice's, Bob's, one closed, two unassigned; none of them read by Alice yet, so each
    // view's unread count (API.md 1.1) is the view's count.
    const views = { inbox: 3, mine: 1, unassigned: 2, assigned: 2, closed: 1, all: 5 };
    expect(counts.body).toEqual({ ...views, unread: views });
    expect((await inbox.request('GET', '/inbox/counts', { token: chat.token })).status).toBe(403);
  });

  describe('/app/ assets refused by the static plugin or by their path', () => {
    const errorOf = (answer: RawAnswer) => JSON.parse(answer.text) as Record<string, unknown>;

    it.each([
      ['a failed If-Match', 'SCRIPT', { 'if-match': '"x"' }, 412, /If-Match or If-Unmodified-Since/],
      [
        'a failed If-Unmodified-Since',
        'SCRIPT',
        { 'if-unmodified-since': 'Thu, 01 Jan 1970 00:00:00 GMT' },
        412,
        /If-Match or If-Unmodified-Since/,
      ],
      ['a Range past the end', 'STYLESHEET', { range: 'bytes=999999-' }, 416, /Range bytes=999999- lies outside/],
      ['a NUL byte', '/app/%00', {}, 400, /NUL byte/],
      ['an escaped slash', 'SCRIPT%2f', {}, 400, /escaped slash/],
      ['a "." segment', '/app/.', {}, 403, /a "\." segment/],
      ['an empty segment', '/app//etc/passwd', {}, 403, /an empty segment/],
      ['".." segments, escaped', '/app/%2e%2e/%2e%2e/package.json', {}, 403, /a "\.\." segment/],
      ['".." segments', '/app/../../package.json', {}, 403, /a "\.\." segment/],
    ])(
      '%s: its own status and a message naming it, never a 500',
      async (_case, pathOrAsset, headers, status, message) => {
        const path = withAssets(pathOrAsset);
        const answer = await rawRequest(inbox.running.baseUrl, 'GET', path, headers);
        expect({ path, status: answer.status }).toEqual({ path, status });
        expect(answer.headers['content-type']).toMatch(/^application\/json/);
        expect(errorOf(answer)).toEqual({
          statusCode: status,
          error: expect.any(String),
          message: expect.stringMatching(message),
        });
        // Nothing of the project beside dist/web.
        expect(answer.text).not.toContain('"name": "team-inbox"');
        if (status === 416) expect(answer.headers['content-range']).toMatch(/^bytes \*\/\d+$/);
      },
    );

    it('HEAD with a failed If-Match is 412 too', async () => {
      const answer = await rawRequest(inbox.running.baseUrl, 'HEAD', builtAssets().SCRIPT, { 'if-match': '"x"' });
      expect(answer.status).toBe(412);
    });

    it('a range inside the file is still served (206)', async () => {
      const answer = await rawRequest(inbox.running.baseUrl, 'GET', builtAssets().SCRIPT, { range: 'bytes=0-5' });
      expect(answer.status).toBe(206);
      expect(answer.text).toHaveLength(6);
    });

    it('with the web UI not built: a NUL byte is 400, an asset 503 saying how to build it', async () => {
      const data = temporaryDataDir();
      let app: NestFastifyApplication | undefined;
      try {
        const config = loadAppConfig({ LOG_LEVEL: 'silent', HOST: '127.0.0.1', DATA_DIR: data.dir });
        app = await createApp({ config, webRoot: `${data.dir}/no-web-ui-here` });
        await app.listen(0, '127.0.0.1');
        const address = app.getHttpServer().address();
        if (address === null || typeof address === 'string') throw new Error('no TCP address');
        const baseUrl = `http://127.0.0.1:${address.port}`;
        const nul = await rawRequest(baseUrl, 'GET', '/app/%00');
        expect({ status: nul.status, body: errorOf(nul) }).toEqual({
          status: 400,
          body: { statusCode: 400, error: 'Bad Request', message: expect.stringMatching(/NUL byte/) },
        });
        const asset = await rawRequest(baseUrl, 'GET', '/app/main.js');
        expect({ status: asset.status, message: errorOf(asset).message }).toEqual({
          status: 503,
          message: expect.stringMatching(/not built: run `npm run build:web`/),
        });
      } finally {
        await app?.close();
        data.remove();
      }
    });
  });
});
