/**
 * The headers a browser acts on: helmet's on every answer (API routes, the web UI, the docs, a 404), a
 * Content-Security-Policy the web UI and Swagger UI both run under in Chromium, and CORS closed unless
 * CORS_ORIGINS names an origin.
 */
import type { Browser } from 'playwright-core';
import { freshPage, launchChromium } from './support/browser';
import { Inbox } from './support/inbox';
import { builtWebAssets } from './support/web-assets';

/** What the probe touches in the page (the specs are compiled without the DOM's types). */
interface CspProbeGlobals {
  cspViolations: string[];
  document: {
    addEventListener(
      type: 'securitypolicyviolation',
      listener: (event: { effectiveDirective: string; blockedURI: string }) => void,
    ): void;
  };
}

const FOREIGN = 'https://evil.example';
const ALLOWED = 'https://inbox.example.com';

function directives(policy: string | null): Map<string, string[]> {
  return new Map(
    (policy ?? '')
      .split(';')
      .filter((directive) => directive.trim() !== '')
      .map((directive) => {
        const [name, ...values] = directive.trim().split(/\s+/);
        return [name, values];
      }),
  );
}

function preflight(inbox: Inbox, origin: string) {
  return inbox.request('OPTIONS', '/members', {
    token: null,
    headers: {
      origin,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'authorization,content-type,idempotency-key',
    },
  });
}

describe('security headers', () => {
  let inbox: Inbox;
  beforeAll(async () => {
    inbox = await Inbox.start();
  });
  afterAll(() => inbox.stop());

  it.each([
    ['an API route', 'GET', '/members', 200],
    ['a refused request', 'GET', '/members', 401],
    ['a command', 'POST', '/members', 400],
    ['the web UI', 'GET', '/', 200],
    ['its scripts', 'GET', 'the web UI script', 200],
    ['health', 'GET', '/health', 200],
    ['a 404', 'GET', '/no/such/route', 404],
  ])('are set on %s (%s %s)', async (_what, method, path, status) => {
    const response = await inbox.request(method, path === 'the web UI script' ? builtWebAssets().script : path, {
      token: status === 401 ? null : undefined,
      body: method === 'POST' ? {} : undefined,
    });
    expect(response.status).toBe(status);
    const headers = Object.fromEntries(response.headers);
    expect(headers).toMatchObject({
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'referrer-policy': 'no-referrer',
      'strict-transport-security': expect.stringMatching(/^max-age=\d+/),
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-resource-policy': 'same-origin',
      'x-dns-prefetch-control': 'off',
      'x-permitted-cross-domain-policies': 'none',
    });
    const csp = directives(response.headers.get('content-security-policy'));
    expect(Object.fromEntries(csp)).toMatchObject({
      'default-src': ["'self'"],
      'script-src': ["'self'"],
      'style-src': ["'self'"],
      'connect-src': ["'self'"],
      'frame-ancestors': ["'none'"],
      'object-src': ["'none'"],
      'base-uri': ["'self'"],
    });
    // Plain http stays plain: nothing to upgrade to on a local server.
    expect(csp.has('upgrade-insecure-requests')).toBe(false);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('let the docs (Swagger UI) use inline styles, and nothing else more', async () => {
    for (const path of ['/docs', '/docs/swagger-ui-init.js', '/docs/openapi.json']) {
      const response = await inbox.request('GET', path, { token: null });
      expect(response.status).toBe(200);
      const csp = directives(response.headers.get('content-security-policy'));
      expect(csp.get('style-src')).toEqual(["'self'", "'unsafe-inline'"]);
      expect(csp.get('script-src')).toEqual(["'self'"]);
      expect(csp.get('frame-ancestors')).toEqual(["'none'"]);
      expect(csp.has('upgrade-insecure-requests')).toBe(false);
    }
  });

  describe('CORS, by default', () => {
    it('gives another origin no Access-Control-Allow-Origin, on a request or a preflight', async () => {
      const response = await inbox.request('GET', '/members', { headers: { origin: FOREIGN } });
      expect(response.status).toBe(200);
      expect(response.headers.get('access-control-allow-origin')).toBeNull();
      const answer = await preflight(inbox, FOREIGN);
      expect(answer.status).not.toBe(204);
      for (const name of [
        'access-control-allow-origin',
        'access-control-allow-methods',
        'access-control-allow-headers',
      ]) {
        expect(answer.headers.get(name)).toBeNull();
      }
    });
  });

  describe('CORS with CORS_ORIGINS', () => {
    let withCors: Inbox;
    beforeAll(async () => {
      withCors = await Inbox.start({ env: { CORS_ORIGINS: `${ALLOWED},http://localhost:5173` } });
    });
    afterAll(() => withCors.stop());

    it('answers a listed origin’s preflight, Authorization allowed', async () => {
      const answer = await preflight(withCors, ALLOWED);
      expect(answer.status).toBe(204);
      expect(answer.headers.get('access-control-allow-origin')).toBe(ALLOWED);
      expect(answer.headers.get('access-control-allow-methods')).toContain('POST');
      const allowedHeaders = answer.headers
        .get('access-control-allow-headers')
        ?.toLowerCase()
        .split(/\s*,\s*/);
      expect(allowedHeaders).toEqual(expect.arrayContaining(['authorization', 'content-type', 'idempotency-key']));
      expect(answer.headers.get('access-control-allow-credentials')).toBeNull();
    });

    it('lets a listed origin read the answer and the headers it needs', async () => {
      const response = await withCors.request('GET', '/members', { headers: { origin: 'http://localhost:5173' } });
      expect(response.status).toBe(200);
      expect(response.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
      expect(response.headers.get('vary')?.toLowerCase()).toContain('origin');
      const exposed = response.headers
        .get('access-control-expose-headers')
        ?.toLowerCase()
        .split(/\s*,\s*/);
      expect(exposed).toEqual(expect.arrayContaining(['etag', 'retry-after', 'x-projection-position']));
    });

    it('still gives an origin not listed nothing', async () => {
      const response = await withCors.request('GET', '/members', { headers: { origin: FOREIGN } });
      expect(response.headers.get('access-control-allow-origin')).toBeNull();
      const answer = await preflight(withCors, FOREIGN);
      expect(answer.headers.get('access-control-allow-origin')).toBeNull();
      // A refused preflight is not a way round the guard either.
      expect((await withCors.request('GET', '/members', { token: null, headers: { origin: ALLOWED } })).status).toBe(
        401,
      );
    });
  });

  describe('in a browser (Chromium)', () => {
    let browser: Browser;
    beforeAll(async () => {
      browser = await launchChromium();
    });
    afterAll(() => browser.close());

    /** Loads `path`, and answers what the CSP refused, and the page's text. */
    async function visit(path: string, afterLoad?: string): Promise<{ violations: string[]; text: string }> {
      const { context, page } = await freshPage(browser);
      try {
        await page.addInitScript(() => {
          const page = globalThis as unknown as CspProbeGlobals;
          page.cspViolations = [];
          page.document.addEventListener('securitypolicyviolation', (event) =>
            page.cspViolations.push(`${event.effectiveDirective} ${event.blockedURI}`),
          );
        });
        await page.goto(`${inbox.running.baseUrl}${path}`);
        await page.waitForLoadState('networkidle');
        if (afterLoad) await page.evaluate(afterLoad);
        await page.waitForTimeout(100);
        return {
          violations: await page.evaluate(() => (globalThis as unknown as CspProbeGlobals).cspViolations),
          text: await page.locator('body').innerText(),
        };
      } finally {
        await context.close();
      }
    }

    it('runs the web UI with no CSP violation, and refuses an injected inline style', async () => {
      const page = await visit('/');
      expect(page.text).toContain('Member token');
      expect(page.violations).toEqual([]);
      // The probe works: an inline <style> is refused, so an empty list above means something.
      const probed = await visit(
        '/',
        "document.head.appendChild(Object.assign(document.createElement('style'), {textContent: 'body{color:red}'}))",
      );
      expect(probed.violations).toEqual([expect.stringMatching(/^style-src-elem inline/)]);
    });

    it('runs Swagger UI at /docs with no CSP violation', async () => {
      const page = await visit('/docs');
      expect(page.text).toContain('/conversations/{id}/assign');
      expect(page.violations).toEqual([]);
    });
  });
});
