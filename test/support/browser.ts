/**
 * Debian's Chromium, driven by playwright-core, for the web UI specs: one browser per spec file, a fresh
 * context (its own cookies and storage, nothing shared) per signed-in user. Never downloads a browser.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';

/**
 * `launch()` refuses `--user-data-dir` in `args`: it makes its own fresh profile directory (mkdtemp) for the
 * browser and removes it on `close()`, and every `newContext()` starts empty on top of it.
 */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `No Chromium at ${CHROMIUM_PATH}: the web UI specs drive Debian's Chromium. ` +
        'Install it with `apt-get install -y --no-install-recommends chromium` (.ci/run does).',
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
}

export interface Viewport {
  width: number;
  height: number;
}

export const DESKTOP: Viewport = { width: 1280, height: 800 };
export const PHONE: Viewport = { width: 390, height: 844 };

/** A fresh context and its page; the caller closes the context. */
export async function freshPage(
  browser: Browser,
  viewport: Viewport = DESKTOP,
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport, deviceScaleFactor: 1 });
  context.setDefaultTimeout(5_000);
  const page = await context.newPage();
  return { context, page };
}

/** Polls `read` until `accept` holds, else fails naming what was last seen. */
export async function eventually<T>(
  what: string,
  read: () => Promise<T>,
  accept: (value: T) => boolean,
  timeoutMs = 5_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  let lastError: unknown;
  for (;;) {
    try {
      last = await read();
      lastError = undefined;
      if (accept(last)) return last;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const seen = lastError instanceof Error ? `failed: ${lastError.message}` : `last seen: ${JSON.stringify(last)}`;
  throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what} (${seen})`);
}

/** The locator's text with its whitespace collapsed, as a reader sees it. */
export async function visibleText(locator: Locator): Promise<string> {
  return (await locator.innerText({ timeout: 1_000 })).replace(/\s+/g, ' ').trim();
}

/** Waits until exactly one element matches and is visible. */
export async function expectVisible(locator: Locator, timeoutMs = 5_000): Promise<void> {
  await locator.waitFor({ state: 'visible', timeout: timeoutMs });
}

/** Waits until nothing matching is visible. */
export async function expectGone(what: string, locator: Locator, timeoutMs = 5_000): Promise<void> {
  await eventually(
    `${what} to be gone`,
    async () => {
      const count = await locator.count();
      let visible = 0;
      for (let i = 0; i < count; i++) if (await locator.nth(i).isVisible()) visible++;
      return visible;
    },
    (visible) => visible === 0,
    timeoutMs,
  );
}

/** Waits until the locator's text matches. */
export async function expectText(what: string, locator: Locator, pattern: RegExp, timeoutMs = 5_000): Promise<string> {
  return eventually(
    what,
    () => visibleText(locator),
    (text) => pattern.test(text),
    timeoutMs,
  );
}

/**
 * What the functions run inside the page use of the browser's globals: the project compiles without the DOM
 * library, and these few lines do not justify adding it.
 */
interface PageElement {
  tagName: string;
  textContent: string | null;
  getAttribute(name: string): string | null;
}
export interface PageGlobals {
  document: { activeElement: PageElement | null };
  sessionStorage: { length: number; key(index: number): string | null; getItem(key: string): string | null };
}

/** Whether the element has the keyboard focus. */
export async function isFocused(locator: Locator): Promise<boolean> {
  return locator.evaluate(
    (element: unknown) => element === (globalThis as unknown as PageGlobals).document.activeElement,
    undefined,
    { timeout: 1_000 },
  );
}

/** Presses Tab (or Shift+Tab) until `target` has the focus; fails after `maxPresses`. Returns the presses. */
export async function tabTo(page: Page, target: Locator, maxPresses: number, key = 'Tab'): Promise<number> {
  for (let presses = 1; presses <= maxPresses; presses++) {
    await page.keyboard.press(key);
    if (await isFocused(target)) return presses;
  }
  const focused = await page.evaluate(() => {
    const element = (globalThis as unknown as PageGlobals).document.activeElement;
    if (!element) return 'nothing';
    const name = element.getAttribute('aria-label') ?? element.textContent ?? '';
    return `<${element.tagName.toLowerCase()}> "${name.replace(/\s+/g, ' ').trim().slice(0, 80)}"`;
  });
  throw new Error(`${key} x${maxPresses} did not reach ${target.toString()}; the focus is on ${focused}`);
}

/** Width and height from a PNG file's IHDR chunk; fails if it is not a PNG. */
export function pngSize(bytes: Buffer): { width: number; height: number } {
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  if (bytes.length < 24 || !bytes.subarray(0, 8).equals(signature)) throw new Error('Not a PNG file');
  if (bytes.toString('latin1', 12, 16) !== 'IHDR') throw new Error('A PNG file whose first chunk is not IHDR');
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}
