/**
 * The web UI as a tool an agent keeps open all day (issue 20): one spec per defect the issue found (each
 * failed on the UI before the rebuild), and the stories of its list: paging to the oldest of 250, a live
 * update while scrolled, search by order number, unread, the customer panel after a Shopify order, routes
 * that survive a reload, the keyboard alone, 390 px with every menu inside the viewport, the server stopped
 * and started under an open tab, no page scrollbar at 1280×800, and the admin area. Real Chromium against
 * the real app; elements by role and accessible name.
 */
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import {
  DESKTOP,
  PHONE,
  eventually,
  expectGone,
  expectText,
  expectVisible,
  isFocused,
  launchChromium,
  tabTo,
  type PageGlobals,
} from './support/browser';
import { freePort } from './support/free-port';
import { ADMIN_TOKEN, Inbox, type Conversation, type Member } from './support/inbox';
import { spawnServerFromSource, untilHealthy } from './support/server-from-source';
import { temporaryDataDir } from './support/test-app';
import { WebUiCast, boxOf, httpRequester, open, showView, type Ui } from './support/web-ui';

const TEST_TIMEOUT_MS = 30_000;
const FIXTURES = join(__dirname, 'fixtures');

/** What the page's functions use of the browser beyond PageGlobals (the project compiles without the DOM). */
interface Box {
  top: number;
  bottom: number;
  left: number;
  right: number;
}
interface BrowserGlobals {
  document: {
    documentElement: { scrollHeight: number; scrollWidth: number };
    body: { scrollHeight: number; scrollWidth: number };
    activeElement: unknown;
    querySelector(selector: string): { scrollTop: number; scrollHeight: number; clientHeight: number } | null;
  };
  innerHeight: number;
  innerWidth: number;
  shownNotifications: { title: string; body: string }[];
  Notification: unknown;
}

describe('the inbox web UI for daily use', () => {
  let browser: Browser;
  let inbox: Inbox;
  let alice: Member;
  let bob: Member;
  let cast: WebUiCast;

  beforeAll(async () => {
    browser = await launchChromium();
  }, TEST_TIMEOUT_MS);
  afterAll(async () => {
    await browser?.close();
  }, TEST_TIMEOUT_MS);

  beforeEach(async () => {
    inbox = await Inbox.start();
    alice = await inbox.addMember('Alice');
    bob = await inbox.addMember('Bob');
    cast = new WebUiCast(browser, inbox, await inbox.addIntegration('Chat widget'), inbox.running.baseUrl);
  }, TEST_TIMEOUT_MS);
  afterEach(async () => {
    await cast?.closeContexts();
    await inbox?.stop();
  }, TEST_TIMEOUT_MS);

  /**
   * The box the list scrolls in: the nearest of its ancestors that scrolls, whatever the markup (so that a
   * spec fails on what the UI does, not on where it puts the scrollbar), else the page.
   */
  const scrollerOf = (view: Ui) =>
    view.list.evaluateHandle((list) => {
      interface Scrolling {
        scrollHeight: number;
        clientHeight: number;
        parentElement: Scrolling | null;
      }
      const { document, getComputedStyle } = globalThis as unknown as {
        document: { body: Scrolling; scrollingElement: Scrolling };
        getComputedStyle(element: Scrolling): { overflowY: string };
      };
      for (let element: Scrolling | null = list; element; element = element.parentElement) {
        if (element === document.body) break;
        const scrolls = /auto|scroll/.test(getComputedStyle(element).overflowY);
        if (scrolls && element.scrollHeight > element.clientHeight) return element;
      }
      return document.scrollingElement;
    });

  async function scrollList(view: Ui, to: 'bottom' | number): Promise<void> {
    const scroller = await scrollerOf(view);
    await scroller.evaluate((element, where) => {
      const box = element as unknown as { scrollTop: number; scrollHeight: number };
      box.scrollTop = where === 'bottom' ? box.scrollHeight : where;
    }, to);
  }

  const scrollTopOf = async (view: Ui) =>
    (await scrollerOf(view)).evaluate((element) => (element as unknown as { scrollTop: number }).scrollTop);

  /** Whether `target` is shown inside the box the list scrolls in (not scrolled out of it). */
  async function shownInList(view: Ui, target: Locator): Promise<boolean> {
    const scroller = (await scrollerOf(view)).asElement();
    const row = await boxOf(target);
    const list = (await scroller?.boundingBox()) ?? { y: 0, height: DESKTOP.height };
    return row.y >= list.y - 1 && row.y + row.height <= list.y + list.height + 1;
  }

  const activeElementText = (page: Page) =>
    page.evaluate(() => {
      const element = (globalThis as unknown as PageGlobals).document.activeElement;
      return element ? `${element.tagName}:${element.getAttribute('aria-label') ?? element.textContent ?? ''}` : '';
    });

  const focusIsOnBody = (page: Page) =>
    page.evaluate(() => ((globalThis as unknown as PageGlobals).document.activeElement?.tagName ?? 'BODY') === 'BODY');

  /** Whether the keyboard focus is inside `container`. */
  const focusInside = (container: Locator) =>
    container.evaluate((element) =>
      (element as unknown as { contains(node: unknown): boolean }).contains(
        (globalThis as unknown as PageGlobals).document.activeElement,
      ),
    );

  // ----- defects 1–13 -----

  it('defect 1 and the list: 250 conversations, paged by keyset as the list is scrolled, down to the oldest, with the count', async () => {
    await cast.converseMany(250);
    const view = await cast.signIn(alice);
    await showView(view, 'All');
    await expectVisible(view.tab('All', 250));
    await expectVisible(view.item('Question 250', 'Unassigned', 'Customer 250'));
    expect(await view.list.getByRole('listitem').count()).toBeLessThan(250);

    const oldest = view.item('Question 001', 'Unassigned', 'Customer 001');
    await eventually(
      'the oldest conversation, scrolled to',
      async () => {
        await scrollList(view, 'bottom');
        return oldest.count();
      },
      (count) => count === 1,
      15_000,
    );
    expect(await view.list.getByRole('listitem').count()).toBe(250);
    await oldest.scrollIntoViewIfNeeded();
    expect(await shownInList(view, oldest)).toBe(true);
    await expectVisible(view.page.getByText('250 of 250 shown', { exact: true }));
    // Each conversation once, newest first.
    const names = await view.list
      .getByRole('button')
      .evaluateAll((rows) =>
        rows.map((row) => (row as unknown as { getAttribute(name: string): string }).getAttribute('aria-label')),
      );
    expect(new Set(names).size).toBe(250);
    expect(names[0]).toMatch(/^Question 250 /);
    expect(names[249]).toMatch(/^Question 001 /);
  }, 60_000);

  it('defect 2: a live update while the list is scrolled keeps its scroll position, the open conversation and its row', async () => {
    await cast.converseMany(60);
    const view = await cast.signIn(alice);
    await showView(view, 'All');
    await expectVisible(view.tab('All', 60));
    const middle = view.item('Question 030', 'Unassigned', 'Customer 030');
    await middle.scrollIntoViewIfNeeded();
    await middle.click();
    await expectVisible(view.heading('Question 030'));
    // The focus back on a tab, as the issue found it, and the list scrolled down to the open conversation.
    await view.tab('All').focus();
    await middle.evaluate((row) =>
      (row as unknown as { scrollIntoView(options: object): void }).scrollIntoView({ block: 'center' }),
    );
    const scrolledTo = await scrollTopOf(view);
    expect(scrolledTo).toBeGreaterThan(500);

    // Something changes elsewhere: a new conversation comes in at the top of the list.
    await cast.converse('Arrived while scrolled', 'Grace');
    await expectVisible(view.tab('All', 61));
    await expectVisible(view.item('Arrived while scrolled', 'Unassigned', 'Grace'));

    expect(Math.abs((await scrollTopOf(view)) - scrolledTo)).toBeLessThan(150);
    expect(await shownInList(view, middle)).toBe(true);
    await expectVisible(view.heading('Question 030'));
    expect(await view.currentItem.getAttribute('aria-label')).toMatch(/^Question 030 · /);
  }, 45_000);

  it(
    'defect 3: at 390 px the ⋯ menu and the "Assign to" menu lie wholly inside the viewport',
    async () => {
      await inbox.addMember('Clémence Martin-Delacroix-Fontaine');
      const conversation = await cast.converse('Where is my parcel?');
      // Her own: no \"Assign to me\", so ⋯ is the second button at the left edge, where the issue found it.
      await cast.assign(alice, conversation.id, 'me');
      const view = await cast.signIn(alice, { viewport: PHONE });
      await showView(view, 'All');
      await open(view, 'Where is my parcel?');
      const inside = async (what: string, locator: Locator) => {
        for (const [index, element] of (await locator.all()).entries()) {
          const box = await boxOf(element);
          expect({ what, index, left: box.x >= 0, right: box.x + box.width <= PHONE.width, top: box.y >= 0 }).toEqual({
            what,
            index,
            left: true,
            right: true,
            top: true,
          });
          expect(box.y + box.height).toBeLessThanOrEqual(PHONE.height);
        }
      };
      await view.button('More actions').click();
      await expectVisible(view.menu);
      await inside('the ⋯ menu', view.menu);
      await inside('its items', view.menu.getByRole('menuitem'));
      await view.menuItem('Assign…').click();
      await expectVisible(view.assignToMenu);
      await inside('the "Assign to" menu', view.assignToMenu);
      await inside('its items', view.assignToMenu.getByRole('menuitemradio'));
      // A press anywhere else puts the menu away.
      await view.heading('Where is my parcel?').click();
      await expectGone('every menu', view.menu);
    },
    TEST_TIMEOUT_MS,
  );

  it('defects 4 and 7: the server stopped (SIGTERM, exit 0 with the tab open) and started again: "reconnecting…" while it is down, then gone, no stale error, the open conversation and its row agree', async () => {
    const port = await freePort();
    const data = temporaryDataDir();
    const baseUrl = `http://127.0.0.1:${port}`;
    const env = {
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: data.dir,
      INBOX_ADMIN_TOKEN: ADMIN_TOKEN,
      LOG_LEVEL: 'warn',
    };
    const output: Buffer[] = [];
    let server = spawnServerFromSource(env, (chunk) => output.push(chunk));
    try {
      await untilHealthy(baseUrl);
      const api = httpRequester(baseUrl);
      const member = (
        await api.request<Member>('POST', '/members', {
          body: { name: 'Alice', email: 'alice@example.com' },
        })
      ).body;
      const chat = (
        await api.request<{ id: string; token: string }>('POST', '/integrations', {
          body: { name: 'Chat' },
        })
      ).body;
      const own = new WebUiCast(browser, api, chat, baseUrl);
      try {
        await own.converse('First question', 'Ada');
        await own.converse('Second question', 'Grace');
        const view = await own.signIn(member);
        await showView(view, 'Inbox');
        await open(view, 'First question');
        await expectGone('the interruption notice', view.reconnecting);

        const stoppedAt = Date.now();
        server.child.kill('SIGTERM');
        expect(await server.exited).toBe(0);
        expect(Date.now() - stoppedAt).toBeLessThan(5_000);
        await expectVisible(view.reconnecting, 10_000);

        // While it is down, the agent opens another conversation.
        await view.item('Second question', 'Unassigned', 'Grace').click();
        await view.page.waitForTimeout(500);
        expect(await view.page.getByText(/Failed to fetch|NetworkError|Load failed/).count()).toBe(0);

        server = spawnServerFromSource(env, (chunk) => output.push(chunk));
        await untilHealthy(baseUrl);
        await expectGone('the interruption notice', view.reconnecting, 15_000);
        await expectVisible(view.heading('Second question'), 10_000);
        expect(await view.currentItem.getAttribute('aria-label')).toMatch(/^Second question · /);
        expect(await view.page.getByText(/Failed to fetch|NetworkError|Load failed/).count()).toBe(0);
        expect(await view.alert.count()).toBe(0);
      } finally {
        await own.closeContexts();
      }
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
      data.remove();
    }
  }, 90_000);

  it(
    'defect 5: the 412 notice goes once the conversation changes again',
    async () => {
      const conversation = await cast.converse('Refund for a damaged mug');
      const isStream = (url: URL) => url.pathname === '/stream';
      const view = await cast.signIn(alice, {
        beforeLoad: async (page) => {
          await page.route(isStream, (route) => route.abort());
        },
      });
      await showView(view, 'Inbox');
      await open(view, 'Refund for a damaged mug');
      await cast.assign(bob, conversation.id, 'me');
      await view.button('Close').click();
      await expectText('the collision notice', view.alert, /Bob changed this conversation before you/);

      // Live updates are back; the conversation then changes again.
      await view.page.unroute(isStream);
      await expectGone('the interruption notice', view.reconnecting, 15_000);
      await cast.command(bob, conversation.id, 'unassign');
      await expectText('the status', view.status, /^Open · Unassigned$/);
      await expectGone('the out-of-date collision notice', view.alert);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'defect 6: the list is one Tab stop with arrow keys, and the focus stays on the acted-on control after each action',
    async () => {
      for (const subject of ['One', 'Two', 'Three', 'Four', 'Five', 'Six']) await cast.converse(subject);
      const view = await cast.signIn(alice);
      await showView(view, 'Inbox');
      const rows = view.list.getByRole('button');
      await eventually(
        'six rows',
        () => rows.count(),
        (count) => count === 6,
      );

      await view.tab('Inbox').focus();
      await view.page.keyboard.press('Tab');
      expect(await isFocused(view.anyItem('Six'))).toBe(true);
      // One Tab stop: the next Tab leaves the list.
      await view.page.keyboard.press('Tab');
      expect(await focusInside(view.list)).toBe(false);
      await view.anyItem('Six').focus();
      await view.page.keyboard.press('ArrowDown');
      expect(await isFocused(view.anyItem('Five'))).toBe(true);
      await view.page.keyboard.press('End');
      expect(await isFocused(view.anyItem('One'))).toBe(true);
      await view.page.keyboard.press('ArrowUp');
      expect(await isFocused(view.anyItem('Two'))).toBe(true);
      await view.page.keyboard.press('Home');
      expect(await isFocused(view.anyItem('Six'))).toBe(true);
      await view.page.keyboard.press('ArrowDown');
      await view.page.keyboard.press('Enter');
      await expectVisible(view.heading('Five'));
      expect(await focusIsOnBody(view.page)).toBe(false);

      await view.button('Assign to me').focus();
      await view.page.keyboard.press('Enter');
      await expectText('the status', view.status, /^Open · Assigned to Alice$/);
      await eventually(
        "the focus on the conversation's actions",
        () => activeElementText(view.page),
        (text) => text === 'BUTTON:Close',
      );

      await view.button('More actions').focus();
      await view.page.keyboard.press('Enter');
      await view.menuItem('Assign…').focus();
      await view.page.keyboard.press('Enter');
      await view.assignToMenu.getByRole('menuitemradio', { name: 'Bob', exact: true }).focus();
      await view.page.keyboard.press('Enter');
      await expectText('the status', view.status, /^Open · Assigned to Bob$/);
      await eventually(
        'the focus back on ⋯',
        () => isFocused(view.button('More actions')),
        (focused) => focused,
      );

      await view.reply.focus();
      await view.page.keyboard.type('On its way.');
      await view.page.keyboard.press('Control+Enter');
      await expectVisible(view.messages.filter({ hasText: 'On its way.' }));
      // Sent from the keyboard, the focus leaves the box for the conversation's row (see "a new user" below),
      // here its heading: assigned to Bob, it is no longer in Alice's Inbox.
      await eventually(
        "the focus on the conversation's heading",
        () => isFocused(view.heading('Five')),
        (focused) => focused,
      );
    },
    TEST_TIMEOUT_MS,
  );

  it("defect 8: after an action the open conversation's row is brought into view where it moved", async () => {
    await cast.converseMany(40);
    const view = await cast.signIn(alice);
    await showView(view, 'Inbox');
    const oldest = view.item('Question 001', undefined, 'Customer 001');
    await eventually(
      'the oldest conversation, scrolled to',
      async () => {
        await scrollList(view, 'bottom');
        return oldest.count();
      },
      (count) => count === 1,
    );
    await oldest.scrollIntoViewIfNeeded();
    await oldest.click();
    await expectVisible(view.heading('Question 001'));

    await view.reply.fill('We are on it.');
    await view.button('Send reply').click();
    // The reply took it.
    await expectText('the status', view.status, /^Open · Assigned to Alice$/);
    // A reply is activity: the conversation goes to the top of the list, and the list follows it there.
    await eventually(
      'the open conversation first in the list',
      () => view.list.getByRole('button').first().getAttribute('aria-label'),
      (name) => name?.startsWith('Question 001 ') ?? false,
    );
    await eventually(
      'its row shown',
      () => shownInList(view, view.currentItem),
      (shown) => shown,
    );
  }, 45_000);

  it(
    'defect 9: the tabs and their counts stay in place while the list scrolls',
    async () => {
      await cast.converseMany(40);
      const view = await cast.signIn(alice);
      await showView(view, 'Inbox');
      await expectVisible(view.tab('Inbox', 40));
      const before = await boxOf(view.tab('Inbox'));
      await scrollList(view, 'bottom');
      await eventually(
        'the list scrolled',
        () => scrollTopOf(view),
        (top) => top > 300,
      );
      const after = await boxOf(view.tab('Inbox'));
      expect(after.y).toBe(before.y);
      expect(after.y).toBeGreaterThanOrEqual(0);
      expect(await view.tab('Inbox').isVisible()).toBe(true);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "defect 10: a conversation a store started shows the customer's email, never the store's raw id, and no empty heading",
    async () => {
      const started = await inbox.request<{ conversationId: string }>('POST', '/store-events', {
        token: cast.chat.token,
        body: {
          id: 'order-9001-placed',
          type: 'order.placed',
          customer: { id: 'shop-9001', email: 'zoe@example.com' },
          requiresAction: true,
          summary: 'Order #9001 placed: confirm and ship it',
          details: { orderNumber: '#9001', total: '12.50', currency: 'EUR', status: 'paid' },
        },
      });
      expect(started.status).toBe(202);
      const view = await cast.signIn(alice);
      await showView(view, 'Inbox');
      const item = view.item('Order #9001 placed: confirm and ship it', 'Unassigned', 'zoe@example.com');
      await expectVisible(item);
      await item.click();
      await expectVisible(view.heading('Order #9001 placed: confirm and ship it'));
      await expectVisible(view.region.getByText(/Store event: Order #9001 placed/));
      expect(await view.page.getByText(/shop-9001/).count()).toBe(0);
      expect(await view.region.getByRole('heading', { name: 'Messages' }).count()).toBe(0);
      await expectVisible(view.customerPanel.getByText('zoe@example.com', { exact: true }));
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'defect 11: the admin token signs in to the admin area, and nothing offers it what only a member can do',
    async () => {
      await cast.converse('Where is my parcel?');
      const page = await cast.openPage();
      await page.goto(`${inbox.running.baseUrl}/#/inbox`);
      await page.getByRole('textbox', { name: 'Member token', exact: true }).fill(ADMIN_TOKEN);
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await expectVisible(page.getByText('Signed in as Bootstrap admin', { exact: true }));
      // Wherever it lands, with any conversation open, nothing offers it a member's action.
      const members = page.getByRole('heading', { name: 'Members', level: 2 });
      const conversation = page.getByRole('list', { name: 'Conversations' }).getByRole('button').first();
      await expectVisible(members.or(conversation));
      if (await conversation.isVisible()) {
        await conversation.click();
        await expectVisible(page.getByRole('heading', { name: 'Where is my parcel?', level: 2 }));
      }
      expect(await page.getByRole('button', { name: 'Assign to me' }).count()).toBe(0);
      expect(await page.getByRole('textbox', { name: 'Reply' }).count()).toBe(0);
      // It is the admin area, with the team in it; a route to the inbox still shows the admin area.
      await expectVisible(members);
      await expectVisible(page.getByRole('table', { name: 'Members' }).getByText('Alice', { exact: true }));
      expect(await page.getByRole('list', { name: 'Conversations' }).count()).toBe(0);
      await page.goto(`${inbox.running.baseUrl}/#/inbox`);
      await expectVisible(members);
      expect(await page.getByRole('button', { name: 'Assign to me' }).count()).toBe(0);
    },
    TEST_TIMEOUT_MS,
  );

  it('defect 12 and the shell: no page-level scrollbar at 1280×800, and nothing shifts on a click', async () => {
    await cast.converseMany(40);
    const long = await cast.converse('A long story', 'Ada', 'Line 1');
    for (let n = 2; n <= 30; n++) await cast.customerWrites(long.id, `Line ${n}\n${'More words. '.repeat(20)}`);
    const view = await cast.signIn(alice);
    await showView(view, 'Inbox');
    await open(view, 'A long story');
    await expectVisible(view.region.getByText(/^Line 30\b/));
    const pageSize = () =>
      view.page.evaluate(() => {
        const { document, innerHeight, innerWidth } = globalThis as unknown as BrowserGlobals;
        return {
          height: Math.max(document.documentElement.scrollHeight, document.body.scrollHeight) <= innerHeight,
          width: Math.max(document.documentElement.scrollWidth, document.body.scrollWidth) <= innerWidth,
        };
      });
    expect(await pageSize()).toEqual({ height: true, width: true });
    // The header, the reply box and the latest message all on screen at once.
    const header = await boxOf(view.page.getByRole('banner'));
    const reply = await boxOf(view.reply);
    expect(reply.y + reply.height).toBeLessThanOrEqual(DESKTOP.height);
    await view.anyItem('Question 020').click();
    await expectVisible(view.heading('Question 020'));
    expect(await boxOf(view.page.getByRole('banner'))).toEqual(header);
    expect(await pageSize()).toEqual({ height: true, width: true });
  }, 45_000);

  it(
    'defect 13: at 390 px the header stays on one line, inside the viewport',
    async () => {
      // A long name, as a team has.
      const clemence = await inbox.addMember('Clémence Martin-Delacroix');
      const view = await cast.signIn(clemence, { viewport: PHONE });
      const header = view.page.getByRole('banner');
      const lines = (locator: Locator) =>
        locator.evaluate((element) => {
          const tops = new Set<number>();
          const { document } = globalThis as unknown as {
            document: { createRange(): { selectNodeContents(node: unknown): void; getClientRects(): Box[] } };
          };
          const range = document.createRange();
          range.selectNodeContents(element);
          for (const rect of Array.from(range.getClientRects())) tops.add(Math.round(rect.top));
          return tops.size;
        });
      for (const part of [
        header.getByText('team-inbox', { exact: true }),
        header.getByText('Signed in as Clémence Martin-Delacroix', { exact: true }),
        header.getByRole('button', { name: 'Sign out', exact: true }),
      ]) {
        expect({ part: part.toString(), lines: await lines(part) }).toEqual({ part: part.toString(), lines: 1 });
        const box = await boxOf(part);
        expect(box.x).toBeGreaterThanOrEqual(0);
        expect(box.x + box.width).toBeLessThanOrEqual(PHONE.width);
      }
      expect((await boxOf(header)).height).toBeLessThanOrEqual(48);
    },
    TEST_TIMEOUT_MS,
  );

  // ----- the stories -----

  it(
    'the timeline says who took it from whom, every time carries its date, and the head how long the customer has waited',
    async () => {
      const conversation = await cast.converse('Exchange for a larger size', 'Grace', 'Can I swap it for an L?');
      await cast.assign(bob, conversation.id, 'me');
      const view = await cast.signIn(alice);
      await showView(view, 'All');
      await open(view, 'Exchange for a larger size');
      await expectVisible(view.timeline.filter({ hasText: 'Bob assigned it to Bob' }));
      await view.button('Assign to me').click();
      await expectVisible(view.timeline.filter({ hasText: 'Alice took it from Bob' }));
      // A date with each time ("3 Dec, 14:05"), in the thread and in the list.
      const date = /\b\d{1,2} [A-Z][a-z]{2}(?: \d{4})?, \d{2}:\d{2}\b/;
      for (const time of await view.thread.locator('time').allInnerTexts()) expect(time).toMatch(date);
      expect(await view.item('Exchange for a larger size', 'Assigned to Alice', 'Grace').innerText()).toMatch(date);
      await expectText('the customer line', view.region.locator('.customer-line'), /waiting (just now|\d+ min)$/);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'search as you type: an order number finds the conversation of that order, a customer their own; the route keeps it',
    async () => {
      const parcel = await cast.converse('Where is my parcel?', 'Ada');
      await cast.converse('Do you ship to Norway?', 'Linus');
      await cast.converse('Gift wrapping', 'Margaret');
      const event = await inbox.request('POST', '/store-events', {
        token: cast.chat.token,
        body: {
          id: 'order-1002-paid',
          type: 'order.paid',
          customer: { email: parcel.customer.email },
          requiresAction: false,
          summary: 'Order paid',
          details: { orderNumber: '#1002', total: '59.00', currency: 'EUR', status: 'paid' },
        },
      });
      expect(event.status).toBe(202);
      const view = await cast.signIn(alice);
      await showView(view, 'Inbox');
      await expectVisible(view.tab('Inbox', 3));

      await view.search.click();
      await view.page.keyboard.type('#1002');
      await expectVisible(view.anyItem('Where is my parcel?'));
      await eventually(
        'one result',
        () => view.list.getByRole('listitem').count(),
        (count) => count === 1,
      );
      expect(view.page.url()).toMatch(/#\/search\?q=%231002$/);

      await view.search.fill('marg');
      await expectVisible(view.anyItem('Gift wrapping'));
      await eventually(
        'one result',
        () => view.list.getByRole('listitem').count(),
        (count) => count === 1,
      );

      await view.page.reload();
      await expectVisible(view.anyItem('Gift wrapping'));
      expect(await view.search.inputValue()).toBe('marg');
      expect(await view.list.getByRole('listitem').count()).toBe(1);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'unread in bold with a count per tab: cleared on opening, set again by a customer reply from another context',
    async () => {
      await cast.converse('Where is my parcel?', 'Ada');
      const other = await cast.converse('Do you ship to Norway?', 'Linus');
      const view = await cast.signIn(alice);
      await showView(view, 'Inbox');
      await expectVisible(view.tab('Inbox', 2, 2));
      const parcel = view.item('Where is my parcel?', 'Unassigned', 'Ada');
      expect(await parcel.getAttribute('aria-label')).toMatch(/ · Unread$/);
      const weight = (locator: Locator) =>
        locator.locator('.subject').evaluate((element) => {
          const view = globalThis as unknown as { getComputedStyle(element: unknown): { fontWeight: string } };
          return Number(view.getComputedStyle(element).fontWeight);
        });
      expect(await weight(parcel)).toBeGreaterThanOrEqual(700);

      await view.anyItem('Do you ship to Norway?').click();
      await expectVisible(view.heading('Do you ship to Norway?'));
      await expectVisible(view.tab('Inbox', 2, 1));
      const norway = view.item('Do you ship to Norway?', 'Unassigned', 'Linus');
      await eventually(
        'Norway read',
        () => norway.getAttribute('aria-label'),
        (name) => !name?.endsWith('Unread'),
      );
      expect(await weight(norway)).toBeLessThan(700);

      await parcel.click();
      await expectVisible(view.heading('Where is my parcel?'));
      await expectVisible(view.tab('Inbox', 2, 0));

      // The customer writes again (from the chat widget): unread again, live.
      await cast.customerWrites(other.id, 'Also: how long does it take?');
      await eventually(
        'Norway unread',
        () => norway.getAttribute('aria-label'),
        (name) => name?.endsWith('Unread') ?? false,
      );
      await expectVisible(view.tab('Inbox', 2, 1));
      expect(await weight(norway)).toBeGreaterThanOrEqual(700);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "the customer panel after a signed Shopify order: its number, total, status, items, a link to the shop, and the customer's other conversations",
    async () => {
      const shop = await inbox.addIntegration('Shop');
      const secret = 'shpss_web_ui_0123456789abcdef';
      const domain = 'example-shop.myshopify.com';
      expect(
        (await inbox.request('PUT', `/integrations/${shop.id}/secret`, { body: { secret, shopDomain: domain } }))
          .status,
      ).toBe(200);
      // The shop's customer wrote before, twice; the order goes to the most recent conversation.
      const customer = { id: '115310627314723954', name: 'John Smith', email: 'jon@example.com' };
      const first = await inbox.request<Conversation>('POST', '/conversations', {
        token: shop.token,
        body: { customer, subject: 'Gift wrap?', body: 'Can you wrap it?' },
      });
      await cast.assign(alice, first.body.id, 'me');
      await cast.command(alice, first.body.id, 'close');
      await inbox.request<Conversation>('POST', '/conversations', {
        token: shop.token,
        body: { customer, subject: 'About my order', body: 'I am about to order two iPods.' },
      });
      const body = readFileSync(join(FIXTURES, 'shopify', 'orders-create.json'));
      const delivered = await inbox.request('POST', `/integrations/shopify/${shop.id}/webhooks`, {
        token: null,
        rawBody: body.toString('utf8'),
        headers: {
          'content-type': 'application/json',
          'x-shopify-topic': 'orders/create',
          'x-shopify-hmac-sha256': createHmac('sha256', secret).update(body).digest('base64'),
          'x-shopify-shop-domain': domain,
          'x-shopify-webhook-id': 'b54557e4-bdd9-4b37-8a5f-bf7d70bcd043',
        },
      });
      expect(delivered.status).toBe(200);

      const view = await cast.signIn(alice);
      await showView(view, 'Inbox');
      await open(view, 'About my order');
      const panel = view.customerPanel;
      await expectVisible(panel.getByText('John Smith', { exact: true }));
      const order = panel.getByRole('list', { name: 'Orders', exact: true }).getByRole('listitem').first();
      await expectVisible(order.getByText('#9999', { exact: true }));
      await expectVisible(order.getByText('408.00 USD', { exact: true }));
      await expectVisible(order.getByText(/paid|pending|unfulfilled/));
      await expectVisible(order.getByText('1 × IPod Nano - 8GB').first());
      const link = order.getByRole('link', { name: 'Open #9999 in the shop', exact: true });
      expect(await link.getAttribute('href')).toBe(`https://${domain}/admin/orders/820982911946154508`);
      const others = panel.getByRole('list', { name: 'Other conversations', exact: true });
      await expectVisible(others.getByRole('link', { name: 'Gift wrap?', exact: true }));
      await others.getByRole('link', { name: 'Gift wrap?', exact: true }).click();
      await expectVisible(view.heading('Gift wrap?'));
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'routes: a view and a conversation survive a reload and open in a new tab, and Back goes back to where one was',
    async () => {
      const parcel = await cast.converse('Where is my parcel?', 'Ada');
      await cast.converse('Do you ship to Norway?', 'Linus');
      await cast.assign(alice, parcel.id, 'me');
      const view = await cast.signIn(alice);
      await showView(view, 'Mine');
      await open(view, 'Where is my parcel?');
      expect(view.page.url()).toMatch(new RegExp(`#/mine/c/${parcel.id}$`));

      await view.page.reload();
      await expectVisible(view.heading('Where is my parcel?'));
      expect(await view.tab('Mine').getAttribute('aria-selected')).toBe('true');
      expect(await view.currentItem.getAttribute('aria-label')).toMatch(/^Where is my parcel\? · /);

      // A new tab (signing in again: the token is kept per tab) opens at the same place.
      const url = view.page.url();
      const second = await cast.signIn(alice, { path: url.slice(url.indexOf('/#')) });
      await expectVisible(second.heading('Where is my parcel?'));
      expect(await second.tab('Mine').getAttribute('aria-selected')).toBe('true');

      // A conversation's own link, #/c/<id>, opens it beside the Inbox.
      await view.page.goto(`${inbox.running.baseUrl}/#/c/${parcel.id}`);
      await expectVisible(view.heading('Where is my parcel?'));
      expect(await view.tab('Inbox').getAttribute('aria-selected')).toBe('true');
      await view.page.goBack();
      await expectVisible(view.heading('Where is my parcel?'));
      expect(await view.tab('Mine').getAttribute('aria-selected')).toBe('true');

      await showView(view, 'All');
      await open(view, 'Do you ship to Norway?');
      await view.page.goBack();
      await expectGone('the Norway conversation', view.heading('Do you ship to Norway?'));
      await view.page.goBack();
      await expectVisible(view.heading('Where is my parcel?'));
      expect(await view.tab('Mine').getAttribute('aria-selected')).toBe('true');
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'the keyboard alone: ? lists the shortcuts, j/k move, Enter opens, a assigns to me, Ctrl+Enter sends, e closes and moves on, / searches',
    async () => {
      await cast.converse('First', 'Ada');
      await cast.converse('Second', 'Grace');
      await cast.converse('Third', 'Linus');
      const view = await cast.signIn(alice);
      await showView(view, 'Inbox');
      await expectVisible(view.tab('Inbox', 3));
      const keys = view.page.keyboard;
      await view.page.locator('body').focus();

      await keys.press('?');
      const dialog = view.page.getByRole('dialog', { name: 'Keyboard shortcuts' });
      await expectVisible(dialog);
      for (const key of ['j / k', 'Enter', 'e', 'a', 'Ctrl+Enter', '/', '?']) {
        await expectVisible(dialog.getByText(key, { exact: true }));
      }
      await keys.press('Escape');
      await expectGone('the shortcuts', dialog);

      await keys.press('j');
      expect(await isFocused(view.anyItem('Third'))).toBe(true);
      await keys.press('j');
      expect(await isFocused(view.anyItem('Second'))).toBe(true);
      await keys.press('k');
      await keys.press('j');
      await keys.press('Enter');
      await expectVisible(view.heading('Second'));

      await keys.press('a');
      await expectText('the status', view.status, /^Open · Assigned to Alice$/);

      await tabTo(view.page, view.reply, 15);
      await keys.type('Yes, it ships tomorrow.');
      await keys.press('Control+Enter');
      await expectVisible(view.messages.filter({ hasText: 'Yes, it ships tomorrow.' }));

      await keys.press('Escape'); // out of the reply box
      expect(await focusInside(view.reply)).toBe(false);
      await keys.press('e');
      // Closed, and on to the next conversation of the Inbox (Second went to the top when Alice replied).
      await expectVisible(view.heading('Third'));
      await expectGone('the closed conversation', view.anyItem('Second'));

      await keys.press('/');
      expect(await isFocused(view.search)).toBe(true);
      await keys.type('Linus');
      await expectVisible(view.anyItem('Third'));
      await eventually(
        'one result',
        () => view.list.getByRole('listitem').count(),
        (count) => count === 1,
      );
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'a desktop notification, with the permission asked on a click, when someone else assigns a conversation to me',
    async () => {
      const conversation = await cast.converse('Exchange for a larger size');
      const view = await cast.signIn(alice, {
        beforeLoad: async (page) => {
          await page.addInitScript(() => {
            const page = globalThis as unknown as BrowserGlobals;
            page.shownNotifications = [];
            let permission = 'default';
            page.Notification = class {
              static get permission() {
                return permission;
              }
              static requestPermission() {
                permission = 'granted';
                return Promise.resolve(permission);
              }
              onclick: unknown = null;
              constructor(title: string, options?: { body?: string }) {
                page.shownNotifications.push({ title, body: options?.body ?? '' });
              }
            };
          });
        },
      });
      const ask = view.page.getByRole('button', { name: 'Turn on desktop notifications', exact: true });
      await ask.click();
      await expectGone('the request for permission', ask);

      await cast.assign(bob, conversation.id, alice);
      const shown = await eventually(
        'a notification',
        () => view.page.evaluate(() => (globalThis as unknown as BrowserGlobals).shownNotifications),
        (notifications) => notifications.length > 0,
      );
      expect(shown).toEqual([
        { title: 'Assigned to you', body: expect.stringContaining('Exchange for a larger size') },
      ]);
      expect(shown[0].body).toContain('by Bob');

      // Her own doing is no news to her.
      await cast.assign(alice, (await cast.converse('Another one')).id, 'me');
      await view.page.waitForTimeout(500);
      expect(await view.page.evaluate(() => (globalThis as unknown as BrowserGlobals).shownNotifications.length)).toBe(
        1,
      );
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'the admin area: adds a member whose token, shown once, signs in and answers a sample conversation; an integration and its secret; a webhook and its deliveries; removes the member',
    async () => {
      const admin = await cast.signIn({ token: ADMIN_TOKEN, name: 'Bootstrap admin' }, { path: '/#/admin/members' });
      const page = admin.page;
      await expectVisible(page.getByRole('heading', { name: 'Members', level: 2 }));
      const form = page.getByRole('form', { name: 'Add a member' });
      await form.getByRole('textbox', { name: 'Name' }).fill('Dana');
      await form.getByRole('textbox', { name: 'Email' }).fill('dana@example.com');
      await form.getByRole('combobox', { name: 'Role' }).selectOption('agent');
      await form.getByRole('button', { name: 'Add member' }).click();
      const shownOnce = page.getByRole('status', { name: 'New token for Dana' });
      await expectVisible(shownOnce);
      await expectVisible(shownOnce.getByRole('button', { name: 'Copy token for Dana' }));
      const token = (await shownOnce.locator('[data-secret]').innerText()).trim();
      expect(token.length).toBeGreaterThan(30);
      await expectVisible(page.getByRole('table', { name: 'Members' }).getByText('dana@example.com'));
      await shownOnce.getByRole('button', { name: 'Done' }).click();
      await expectGone('the token', shownOnce);
      expect(await page.getByText(token).count()).toBe(0);

      const dana = await cast.signIn({ token, name: 'Dana' });
      await expectVisible(dana.tab('Inbox', 0));

      await page.getByRole('link', { name: 'Integrations', exact: true }).click();
      const addIntegration = page.getByRole('form', { name: 'Add an integration' });
      await addIntegration.getByRole('textbox', { name: 'Name' }).fill('My shop');
      await addIntegration.getByRole('button', { name: 'Add integration' }).click();
      await expectVisible(page.getByRole('status', { name: 'New token for My shop' }));
      // A first conversation without curl: a sample customer writes through it, and Dana answers it.
      await page.getByRole('button', { name: 'Send a sample customer message through it', exact: true }).click();
      await expectVisible(page.getByText(/^Ada wrote "Where is my order\?"/));
      await dana.anyItem('Where is my order?').click();
      await expectVisible(dana.heading('Where is my order?'));
      await dana.reply.fill('It ships today.');
      await dana.button('Send reply').click();
      await expectText('the status', dana.status, /^Open · Assigned to Dana$/);
      await expectVisible(dana.messages.filter({ hasText: 'It ships today.' }));
      const secretForm = page.getByRole('form', { name: 'Webhook secret of My shop' });
      await secretForm.getByLabel('Webhook secret').fill('a-shop-secret-0123456789');
      await secretForm.getByRole('textbox', { name: 'Shop domain' }).fill('my-shop.myshopify.com');
      await secretForm.getByRole('button', { name: 'Set secret' }).click();
      await expectVisible(page.getByText('The webhook secret of My shop is set.'));
      await expectVisible(page.getByText(/shop my-shop\.myshopify\.com · webhook secret set/));

      await page.getByRole('link', { name: 'Outbound webhooks', exact: true }).click();
      const addWebhook = page.getByRole('form', { name: 'Add an outbound webhook' });
      await addWebhook.getByRole('textbox', { name: 'URL' }).fill('http://127.0.0.1:9/hooks');
      await addWebhook.getByRole('button', { name: 'Add webhook' }).click();
      await expectVisible(page.getByRole('status', { name: 'New signing secret for http://127.0.0.1:9/hooks' }));
      const webhooks = page.getByRole('list', { name: 'Outbound webhooks' });
      await expectVisible(webhooks.getByRole('heading', { name: 'http://127.0.0.1:9/hooks' }));
      await webhooks.getByRole('button', { name: 'Deliveries' }).click();
      await expectVisible(webhooks.getByText(/No deliveries yet|Deliveries to/).first());
      await webhooks.getByRole('button', { name: 'Remove webhook' }).click();
      await expectGone('the webhook', webhooks.getByRole('heading', { name: 'http://127.0.0.1:9/hooks' }));

      // Removing Dana asks once more, then her token stops working: her tab asks for a token again.
      await page.getByRole('link', { name: 'Members', exact: true }).click();
      await page.getByRole('button', { name: 'Remove Dana', exact: true }).click();
      await page.getByRole('button', { name: 'Remove Dana now', exact: true }).click();
      await expectGone(
        'Dana in the members',
        page.getByRole('table', { name: 'Members' }).getByText('dana@example.com'),
      );
      await expectVisible(dana.page.getByRole('alert').filter({ hasText: 'Your token stopped working' }));
      await expectVisible(dana.page.getByRole('textbox', { name: 'Member token', exact: true }));
    },
    TEST_TIMEOUT_MS,
  );

  // ----- a new user's first morning -----

  it('a new user: replying to an unassigned conversation reads "Alice took it by replying"', async () => {
    await cast.converse('Gift wrapping');
    const view = await cast.signIn(alice);
    await showView(view, 'Inbox');
    await open(view, 'Gift wrapping');
    await view.reply.fill('Yes, we can.');
    await view.button('Send reply').click();
    await expectVisible(view.timeline.filter({ hasText: /^Alice took it by replying / }));
  });

  // ----- a new user's first morning -----

  it('a new user: replying to an unassigned conversation reads "Alice took it by replying"', async () => {
    await cast.converse('Gift wrapping');
    const view = await cast.signIn(alice);
    await showView(view, 'Inbox');
    await open(view, 'Gift wrapping');
    await view.reply.fill('Yes, we can.');
    await view.button('Send reply').click();
    await expectVisible(view.timeline.filter({ hasText: /^Alice took it by replying / }));
  });

  it('a new user: the sample customer message is offered inside the new integration token box, before Done', async () => {
    const admin = await cast.signIn({ token: ADMIN_TOKEN, name: 'Bootstrap admin' }, { path: '/#/admin/integrations' });
    const addIntegration = admin.page.getByRole('form', { name: 'Add an integration' });
    await addIntegration.getByRole('textbox', { name: 'Name' }).fill('My shop');
    await addIntegration.getByRole('button', { name: 'Add integration' }).click();
    const shownOnce = admin.page.getByRole('status', { name: 'New token for My shop' });
    await expectVisible(shownOnce);
    const buttons = await shownOnce.getByRole('button').allInnerTexts();
    const sample = buttons.indexOf('Send a sample customer message through it');
    expect(sample).toBeGreaterThanOrEqual(0);
    expect(sample).toBeLessThan(buttons.indexOf('Done'));
  });

  // ----- a new user's first morning -----

  it('a new user: replying to an unassigned conversation reads "Alice took it by replying"', async () => {
    await cast.converse('Gift wrapping');
    const view = await cast.signIn(alice);
    await showView(view, 'Inbox');
    await open(view, 'Gift wrapping');
    await view.reply.fill('Yes, we can.');
    await view.button('Send reply').click();
    await expectVisible(view.timeline.filter({ hasText: /^Alice took it by replying / }));
  });

  it('a new user: the sample customer message is offered inside the new integration token box, before Done', async () => {
    const admin = await cast.signIn({ token: ADMIN_TOKEN, name: 'Bootstrap admin' }, { path: '/#/admin/integrations' });
    const addIntegration = admin.page.getByRole('form', { name: 'Add an integration' });
    await addIntegration.getByRole('textbox', { name: 'Name' }).fill('My shop');
    await addIntegration.getByRole('button', { name: 'Add integration' }).click();
    const shownOnce = admin.page.getByRole('status', { name: 'New token for My shop' });
    await expectVisible(shownOnce);
    const buttons = await shownOnce.getByRole('button').allInnerTexts();
    const sample = buttons.indexOf('Send a sample customer message through it');
    expect(sample).toBeGreaterThanOrEqual(0);
    expect(sample).toBeLessThan(buttons.indexOf('Done'));
  });

  it(
    'a new user: at 390 px the Members table breaks no word, and a long name in the Assign menu ends in an ellipsis',
    async () => {
      const longName = 'Maximiliana Fitzgerald-Worthington of Northumberland';
      await inbox.addMember(longName);
      const admin = await cast.signIn(
        { token: ADMIN_TOKEN, name: 'Bootstrap admin' },
        { path: '/#/admin/members', viewport: PHONE },
      );
      const table = admin.page.getByRole('table', { name: 'Members' });
      await expectVisible(table.getByText(longName, { exact: true }));
      const remove = await boxOf(table.getByRole('button', { name: `Remove ${longName}`, exact: true }));
      expect(remove.x + remove.width).toBeLessThanOrEqual(PHONE.width);
      // A word laid out on two lines has two boxes; only one too long for a phone's line (the email) may be.
      const brokenWords = await table.evaluate((element) => {
        interface TextNode {
          textContent: string | null;
        }
        const { document } = globalThis as unknown as {
          document: {
            createTreeWalker(root: unknown, what: number): { nextNode(): TextNode | null };
            createRange(): {
              setStart(node: TextNode, offset: number): void;
              setEnd(node: TextNode, offset: number): void;
              getClientRects(): { length: number };
            };
          };
        };
        const broken: string[] = [];
        const walker = document.createTreeWalker(element, 4 /* text nodes */);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
          for (const match of (node.textContent ?? '').matchAll(/\S+/g)) {
            if (match[0].length > 40) continue;
            const range = document.createRange();
            range.setStart(node, match.index);
            range.setEnd(node, match.index + match[0].length);
            if (range.getClientRects().length > 1) broken.push(match[0]);
          }
        }
        return broken;
      });
      expect(brokenWords).toEqual([]);

      await cast.converse('Size exchange');
      const view = await cast.signIn(alice, { viewport: PHONE });
      await showView(view, 'Inbox');
      await open(view, 'Size exchange');
      await view.button('More actions').click();
      await view.menuItem('Assign…').click();
      const item = view.assignToMenu.getByRole('menuitemradio', { name: longName, exact: true });
      await expectVisible(item);
      const fit = await item.evaluate((element) => {
        interface Sized {
          scrollWidth: number;
          clientWidth: number;
          getBoundingClientRect(): { right: number };
          querySelector(selector: string): Sized | null;
        }
        const { innerWidth, getComputedStyle } = globalThis as unknown as {
          innerWidth: number;
          getComputedStyle(element: Sized): { textOverflow: string };
        };
        const name = (element as unknown as Sized).querySelector('[title]');
        return {
          insideViewport: (element as unknown as Sized).getBoundingClientRect().right <= innerWidth,
          cut: name !== null && name.scrollWidth > name.clientWidth,
          ellipsis: name !== null && getComputedStyle(name).textOverflow === 'ellipsis',
        };
      });
      expect(fit).toEqual({ insideViewport: true, cut: true, ellipsis: true });
    },
    TEST_TIMEOUT_MS,
  );

  it('a new user: the unread badge of a tab says what its number is', async () => {
    await cast.converse('New question');
    const view = await cast.signIn(alice);
    await expectVisible(view.tab('Inbox', 1, 1));
    const badge = view.tab('Inbox').getByText('1 unread', { exact: true });
    await expectVisible(badge);
    expect(await badge.getAttribute('title')).toBe('1 unread');
  });

  it('a new user: the customer panel follows the window: opened narrow, then widened, it shows its contents', async () => {
    await cast.converse('Where is my parcel?');
    const view = await cast.signIn(alice, { viewport: { width: 1000, height: 800 } });
    await showView(view, 'Inbox');
    await open(view, 'Where is my parcel?');
    const orders = view.customerPanel.getByRole('heading', { name: 'Orders', exact: true });
    expect(await orders.isVisible()).toBe(false); // folded above the thread
    await view.page.setViewportSize(DESKTOP);
    await expectVisible(orders);
  });

  it(
    'a new user: with the focus in the list, a and e act on the highlighted row, not on the open conversation',
    async () => {
      await cast.converse('First', 'Ada');
      await cast.converse('Second', 'Grace');
      await cast.converse('Third', 'Linus');
      const view = await cast.signIn(alice);
      await showView(view, 'Inbox');
      await open(view, 'Third');
      const keys = view.page.keyboard;
      await keys.press('j');
      expect(await isFocused(view.anyItem('Second'))).toBe(true);

      await keys.press('a');
      await expectVisible(view.item('Second', 'Assigned to Alice', 'Grace'));
      await keys.press('e');
      await expectGone('the closed conversation', view.anyItem('Second'));
      // The open conversation was not touched.
      await expectVisible(view.heading('Third'));
      await expectText('the open conversation', view.status, /^Open · Unassigned$/);

      await view.page.locator('body').focus();
      await keys.press('?');
      const dialog = view.page.getByRole('dialog', { name: 'Keyboard shortcuts' });
      await expectVisible(dialog.getByText(/^close the highlighted conversation of the list \(else the open one\)/));
      await expectVisible(dialog.getByText(/^assign the highlighted conversation of the list \(else the open one\)/));
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'a new user: Close moves on with the focus on the next row (a second Enter closes nothing), and "Closed …" offers Undo',
    async () => {
      await cast.converse('First');
      const second = await cast.converse('Second');
      await cast.converse('Third');
      const view = await cast.signIn(alice);
      await showView(view, 'Inbox');
      await open(view, 'Second');
      await view.button('Close').click();
      await expectVisible(view.heading('First'));
      await eventually(
        "the focus on the next conversation's row",
        () => isFocused(view.anyItem('First')),
        (focused) => focused,
      );
      const closed = view.page.getByRole('status').filter({ hasText: 'Closed “Second”' });
      await expectVisible(closed);

      await view.page.keyboard.press('Enter');
      await expectText('the next conversation, still open', view.status, /^Open · Unassigned$/);
      expect((await cast.details(second.id, alice)).status).toBe('closed');

      await closed.getByRole('button', { name: 'Undo', exact: true }).click();
      await expectVisible(view.anyItem('Second'));
      expect((await cast.details(second.id, alice)).status).toBe('open');
      await expectGone('the closed status', closed);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'a new user: after Ctrl+Enter sends, the focus is out of the reply box, so e closes rather than types',
    async () => {
      await cast.converse('First');
      await cast.converse('Second');
      const view = await cast.signIn(alice);
      await showView(view, 'Inbox');
      await open(view, 'Second');
      await view.reply.fill('It ships today.');
      await view.reply.focus();
      const keys = view.page.keyboard;
      await keys.press('Control+Enter');
      await expectVisible(view.messages.filter({ hasText: 'It ships today.' }));
      await eventually(
        "the focus on the open conversation's row",
        () => isFocused(view.anyItem('Second')),
        (focused) => focused,
      );
      await keys.press('e');
      await expectVisible(view.heading('First'));
      expect(await view.reply.inputValue()).toBe('');

      await view.page.locator('body').focus();
      await keys.press('?');
      const dialog = view.page.getByRole('dialog', { name: 'Keyboard shortcuts' });
      await expectVisible(dialog.getByText(/^leave the reply box/));
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'a new user: an action while the server cannot be reached says so beside it, keeps the reply, and goes on the next success',
    async () => {
      await cast.converse('Lost parcel');
      const view = await cast.signIn(alice);
      await showView(view, 'Inbox');
      await open(view, 'Lost parcel');
      const commands = '**/conversations/*/*';
      await view.page.route(commands, (route) =>
        route.request().method() === 'POST' ? route.abort('connectionrefused') : route.fallback(),
      );
      await view.button('Assign to me').click();
      await expectText('the alert', view.alert, /^Not done: the server cannot be reached\./);

      await view.reply.fill('We are on it.');
      await view.button('Send reply').click();
      await expectText(
        'the alert',
        view.alert,
        /^Not sent: the server cannot be reached\. Your reply is kept; send it again when it is back\.$/,
      );
      expect(await view.reply.inputValue()).toBe('We are on it.');

      await view.page.unroute(commands);
      await view.button('Send reply').click();
      await expectVisible(view.messages.filter({ hasText: 'We are on it.' }));
      await expectGone('the alert', view.alert);
    },
    TEST_TIMEOUT_MS,
  );
});
