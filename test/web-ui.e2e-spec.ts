/**
 * The inbox web UI in a real browser (Debian's Chromium through playwright-core) against the real app: sign
 * in, the views and their counts, assign, reply, close, a customer reopening live, a collision, the keyboard,
 * and the screenshots in docs/screenshots (`npm run screenshots` takes them alone). Elements are found by role
 * and accessible name, as a screen reader user would find them, so a spec fails where the UI stops saying what
 * it does.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser } from 'playwright-core';
import {
  DESKTOP,
  PHONE,
  eventually,
  expectGone,
  expectText,
  expectVisible,
  isFocused,
  launchChromium,
  pngSize,
  tabTo,
  type Viewport,
} from './support/browser';
import { LiveFeed } from '@team-inbox/inbox-views';
import { Inbox, type Conversation, type Member } from './support/inbox';
import { WebUiCast, expectNotReloaded, markDocument, sessionValues, showView, ui, type Ui } from './support/web-ui';

const TEST_TIMEOUT_MS = 30_000;
/**
 * docs/screenshots under `npm run screenshots` (SCREENSHOTS_DIR set); elsewhere a scratch folder, so that a
 * test run leaves the committed pictures as they are.
 */
const SCREENSHOTS = process.env.SCREENSHOTS_DIR
  ? resolve(process.env.SCREENSHOTS_DIR)
  : join(tmpdir(), `team-inbox-screenshots-${process.pid}`);

describe('the inbox web UI', () => {
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

  const converse = (subject: string, customer?: string, body?: string) => cast.converse(subject, customer, body);
  const command = (member: Member, id: string, action: 'assign' | 'unassign' | 'close' | 'reopen', body?: unknown) =>
    cast.command(member, id, action, body);
  const assign = (by: Member, id: string, to: Member | 'me') => cast.assign(by, id, to);
  const details = (id: string) => cast.details(id, alice);
  const openPage = (viewport?: Viewport) => cast.openPage(viewport);
  const signIn = (member: Member, options?: Parameters<WebUiCast['signIn']>[1]) => cast.signIn(member, options);

  async function open(view: Ui, subject: string): Promise<void> {
    await view.item(subject).click();
    await expectVisible(view.heading(subject));
  }

  // ----- the specs -----

  it(
    'signs in with a member token: a wrong one is refused, the right one shows the member and the views with counts',
    async () => {
      await converse('Where is my parcel?');
      await converse('Do you ship to Norway?', 'Grace');
      const mine = await converse('Order #1001 arrived broken', 'Linus');
      await assign(alice, mine.id, 'me');
      const bobs = await converse('Invoice address', 'Margaret');
      await assign(bob, bobs.id, 'me');
      const closed = await converse('Thanks!', 'Barbara');
      await assign(alice, closed.id, 'me');
      await command(alice, closed.id, 'close');

      const page = await openPage();
      await page.goto(`${inbox.running.baseUrl}/`);
      const token = page.getByRole('textbox', { name: 'Member token', exact: true });
      expect(await token.getAttribute('type')).toBe('password');

      await token.fill('not-a-real-token-0123456789abcdef0123456789');
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await expectVisible(page.getByRole('alert').filter({ hasText: /not accepted/ }));
      expect(await page.getByText(/Signed in as/).count()).toBe(0);

      await token.fill(alice.token);
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await expectVisible(page.getByText('Signed in as Alice', { exact: true }));
      await expectVisible(page.getByRole('button', { name: 'Sign out', exact: true }));
      const view = ui(page);
      // Inbox: Alice's open conversation and the two unassigned ones.
      for (const [name, count] of [
        ['Inbox', 3],
        ['Mine', 1],
        ['Unassigned', 2],
        ['All', 5],
        ['Closed', 1],
      ] as const) {
        await expectVisible(view.tab(name, count));
      }
      expect(await view.tabs.getByRole('tab').count()).toBe(5);
      // Each conversation of the view is a list item holding one button.
      await expectVisible(view.item('Order #1001 arrived broken', 'Assigned to Alice', 'Linus'));
      const items = view.list.getByRole('listitem');
      expect(await items.count()).toBe(3);
      for (const item of await items.all()) expect(await item.getByRole('button').count()).toBe(1);

      // The token is kept for the tab: a reload stays signed in.
      expect(await sessionValues(page)).toContain(alice.token);
      await page.reload();
      await expectVisible(page.getByText('Signed in as Alice', { exact: true }));

      // Signing out asks for a token again.
      await page.getByRole('button', { name: 'Sign out', exact: true }).click();
      await expectVisible(page.getByRole('textbox', { name: 'Member token', exact: true }));
      expect(await sessionValues(page)).not.toContain(alice.token);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    '"Assign to me" takes an unassigned conversation: the status says so, Mine counts it, the API agrees',
    async () => {
      const conversation = await converse('Where is my parcel?');
      const view = await signIn(alice);
      await showView(view, 'Inbox');
      await expectVisible(view.tab('Mine', 0));
      await expectVisible(view.item('Where is my parcel?', 'Unassigned'));

      await open(view, 'Where is my parcel?');
      await expectText('the status', view.status, /^Open · Unassigned$/);
      await view.button('Assign to me').click();

      await expectText('the status', view.status, /^Open · Assigned to Alice$/);
      await expectVisible(view.tab('Mine', 1));
      await expectVisible(view.item('Where is my parcel?', 'Assigned to Alice'));
      await expectGone('"Assign to me"', view.button('Assign to me'));
      expect((await details(conversation.id)).assigneeId).toBe(alice.id);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "⋯ → Assign… → Bob puts it in Bob's open Inbox within a second, without a reload",
    async () => {
      await inbox.addMember('Audrey', 'auditor'); // not someone a conversation can be assigned to
      const conversation = await converse('Exchange for a larger size');
      await assign(alice, conversation.id, 'me');

      const bobView = await signIn(bob);
      await showView(bobView, 'Inbox');
      await expectVisible(bobView.tab('Inbox', 0));
      await expectVisible(bobView.page.getByText('No conversations', { exact: true }));
      await markDocument(bobView.page);

      const aliceView = await signIn(alice);
      await showView(aliceView, 'Inbox');
      await open(aliceView, 'Exchange for a larger size');
      await expectText('the status', aliceView.status, /^Open · Assigned to Alice$/);
      await expectGone('"Assign to me" on her own conversation', aliceView.button('Assign to me'));

      const more = aliceView.button('More actions');
      expect(await more.getAttribute('aria-haspopup')).toBe('menu');
      await more.click();
      await expectVisible(aliceView.menuItem('Unassign'));
      await aliceView.menuItem('Assign…').click();
      const assignTo = aliceView.assignToMenu;
      await expectVisible(assignTo);
      // Every member who can be assigned, the reader marked "(you)", the current assignee ticked.
      const choices = assignTo.getByRole('menuitemradio');
      const checked = (items: unknown[]) =>
        items.map((item) => (item as { getAttribute(name: string): string | null }).getAttribute('aria-checked'));
      expect(await choices.evaluateAll(checked)).toEqual(['true', 'false']);
      expect(
        await Promise.all([
          assignTo.getByRole('menuitemradio', { name: 'Alice (you)', exact: true }).count(),
          assignTo.getByRole('menuitemradio', { name: 'Bob', exact: true }).count(),
          choices.count(),
        ]),
      ).toEqual([1, 1, 2]);
      expect((await choices.allInnerTexts()).map((text) => text.replace(/\s*\n\s*/g, ' '))).toEqual([
        '✓ Alice (you)',
        'Bob',
      ]);

      const bobsItem = bobView.item('Exchange for a larger size', 'Assigned to Bob');
      const clickedAt = Date.now();
      await assignTo.getByRole('menuitemradio', { name: 'Bob', exact: true }).click();
      await bobsItem.waitFor({ state: 'visible', timeout: 1_000 });
      const elapsed = Date.now() - clickedAt;
      expect(elapsed).toBeLessThanOrEqual(1_000);
      await expectVisible(bobView.tab('Inbox', 1));
      await expectNotReloaded(bobView.page);

      await expectText('the status', aliceView.status, /^Open · Assigned to Bob$/);
      await expectVisible(aliceView.timeline.filter({ hasText: 'Alice assigned it to Bob' }));
      expect((await details(conversation.id)).assigneeId).toBe(bob.id);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'a reply on an unassigned conversation shows in Messages and assigns it to the replier',
    async () => {
      const conversation = await converse('Can I change my address?', 'Ada', 'I moved last week.');
      const view = await signIn(alice);
      await showView(view, 'Inbox');
      await open(view, 'Can I change my address?');
      await expectText('the status', view.status, /^Open · Unassigned$/);
      await expectVisible(
        view.messages.filter({ hasText: 'Ada (customer)' }).filter({ hasText: 'I moved last week.' }),
      );

      await view.reply.fill('Yes, I have changed it for you.');
      await view.button('Send reply').click();

      await expectVisible(
        view.messages.filter({ hasText: 'Alice' }).filter({ hasText: 'Yes, I have changed it for you.' }),
      );
      await expectText('the status', view.status, /^Open · Assigned to Alice$/);
      expect(await view.messages.count()).toBe(2);
      const after = await details(conversation.id);
      expect(after).toMatchObject({ assigneeId: alice.id, messageCount: 2 });
      expect(after.messages!.at(-1)).toMatchObject({
        author: { type: 'member', id: alice.id },
        body: 'Yes, I have changed it for you.',
      });
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'a long conversation shows its latest 50 messages, the rest on "Show earlier messages", kept when another comes',
    async () => {
      const line = (n: number) => `Line ${String(n).padStart(3, '0')}`;
      const conversation = await converse('A long story', 'Ada', line(1));
      for (let n = 2; n <= 60; n++) {
        const response = await inbox.request('POST', `/conversations/${conversation.id}/messages`, {
          token: cast.chat.token,
          body: { body: line(n) },
        });
        expect(response.status).toBe(201);
      }
      const shownLines = async () =>
        (await view.messages.allInnerTexts()).map((text) => Number(/Line (\d{3})/.exec(text)?.[1]));
      const view = await signIn(alice);
      await showView(view, 'Inbox');
      await open(view, 'A long story');
      await expectVisible(view.messages.filter({ hasText: line(60) }));
      expect(await shownLines()).toEqual(Array.from({ length: 50 }, (_, i) => i + 11));

      await view.button('Show earlier messages').click();
      await eventually('all 60 messages', shownLines, (lines) => lines.length === 60);
      expect(await shownLines()).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
      await expectGone('the "Show earlier messages" button', view.button('Show earlier messages'));

      // A message arriving live: the earlier ones stay shown, the new one after them.
      await inbox.request('POST', `/conversations/${conversation.id}/messages`, {
        token: cast.chat.token,
        body: { body: line(61) },
      });
      await eventually('the 61st message', shownLines, (lines) => lines.length === 61);
      expect(await shownLines()).toEqual(Array.from({ length: 61 }, (_, i) => i + 1));
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'Close takes it out of the Inbox, moves on to the next conversation, and lists it under Closed',
    async () => {
      const conversation = await converse('Wrong colour delivered');
      await converse('Gift wrapping?', 'Grace');
      await assign(alice, conversation.id, 'me');
      const view = await signIn(alice);
      await showView(view, 'Inbox');
      await expectVisible(view.tab('Inbox', 2));
      await expectVisible(view.tab('Closed', 0));
      await open(view, 'Wrong colour delivered');

      await view.button('Close').click();

      // On to the next conversation of the Inbox, the closed one gone from it.
      await expectVisible(view.heading('Gift wrapping?'));
      await expectGone('the closed conversation in the Inbox', view.anyItem('Wrong colour delivered'));
      await expectVisible(view.item('Gift wrapping?', 'Unassigned', 'Grace'));
      await expectVisible(view.tab('Inbox', 1));
      await expectVisible(view.tab('Closed', 1));

      await showView(view, 'Closed');
      await expectVisible(view.item('Wrong colour delivered', 'Closed'));
      expect(await view.list.getByRole('listitem').count()).toBe(1);
      await open(view, 'Wrong colour delivered');
      await expectText('the status', view.status, /^Closed · Assigned to Alice$/);
      await expectVisible(view.button('Reopen'));
      await expectGone('"Close"', view.button('Close'));
      await expectVisible(view.timeline.filter({ hasText: 'Alice closed it' }));
      expect((await details(conversation.id)).status).toBe('closed');
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "a customer's message reopens the closed conversation on screen, live",
    async () => {
      const conversation = await converse('Missing invoice');
      await assign(alice, conversation.id, 'me');
      await command(alice, conversation.id, 'close');

      const view = await signIn(alice);
      await showView(view, 'Closed');
      await open(view, 'Missing invoice');
      await expectText('the status', view.status, /^Closed · Assigned to Alice$/);
      await expectVisible(view.button('Reopen'));
      await markDocument(view.page);

      const posted = await inbox.request<Conversation>('POST', `/conversations/${conversation.id}/messages`, {
        token: cast.chat.token,
        body: { body: 'Sorry, I still have not received it.' },
      });
      expect(posted.status).toBe(201);

      await expectText('the status', view.status, /^Open · Assigned to Alice$/);
      await expectVisible(
        view.messages.filter({ hasText: 'Ada (customer)' }).filter({ hasText: 'Sorry, I still have not received it.' }),
      );
      await expectVisible(view.timeline.filter({ hasText: 'Reopened: the customer replied' }));
      await expectVisible(view.button('Close'));
      await expectNotReloaded(view.page);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'says so while its live updates are down, and shows what it missed once they are back',
    async () => {
      const view = await signIn(alice);
      const interrupted = view.page.getByRole('status').filter({ hasText: 'Live updates interrupted: reconnecting…' });
      await expectGone('the interruption notice', interrupted);

      // The server ends the stream, and the network keeps the page from reconnecting for a while.
      const isStream = (url: URL) => url.pathname === '/stream';
      await view.page.route(isStream, (route) => route.abort());
      inbox.running.app.get(LiveFeed).endAll();
      await expectVisible(interrupted);
      await converse('Arrived while the stream was down', 'Grace');

      await view.page.unroute(isStream);
      await expectGone('the interruption notice', interrupted, 15_000);
      await expectVisible(view.item('Arrived while the stream was down', 'Unassigned', 'Grace'));
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'a collision: Bob took it first, so Close is not applied; Alice is told who did what and sees the new state',
    async () => {
      const conversation = await converse('Refund for a damaged mug');
      // Alice's page gets no live updates, so it still shows the conversation as it was when she opened it.
      const view = await signIn(alice, {
        beforeLoad: async (page) => {
          await page.route(
            (url) => url.pathname === '/stream',
            (route) => route.abort(),
          );
        },
      });
      await showView(view, 'Inbox');
      await open(view, 'Refund for a damaged mug');
      await expectText('the status', view.status, /^Open · Unassigned$/);

      await assign(bob, conversation.id, 'me');
      await view.button('Close').click();

      const alert = await expectText(
        'the collision alert',
        view.alert,
        /Bob changed this conversation before you: Bob assigned it to Bob\b/,
      );
      expect(alert).toMatch(/Nothing was overwritten/);
      await expectText('the status', view.status, /^Open · Assigned to Bob$/);
      await expectVisible(view.button('Close'));
      const after = await details(conversation.id);
      expect(after).toMatchObject({ status: 'open', assigneeId: bob.id });
      expect(after.timeline!.map((entry) => entry.type)).not.toContain('closed');
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'works from the keyboard: Tab reaches the tabs, the list and the actions; Enter operates them; Escape closes menus',
    async () => {
      const conversation = await converse('Where is my parcel?');
      const view = await signIn(alice);
      await showView(view, 'Inbox');
      const item = view.item('Where is my parcel?', 'Unassigned');
      await expectVisible(item);

      await view.tab('Inbox').focus();
      // From the selected tab, the first conversation is the next stop (allowing for the other tabs).
      await tabTo(view.page, item, 5);
      await view.page.keyboard.press('Enter');
      await expectVisible(view.heading('Where is my parcel?'));

      await tabTo(view.page, view.button('Assign to me'), 25);
      await view.page.keyboard.press('Enter');
      await expectText('the status', view.status, /^Open · Assigned to Alice$/);
      expect((await details(conversation.id)).assigneeId).toBe(alice.id);

      await view.button('More actions').focus();
      await view.page.keyboard.press('Enter');
      await expectVisible(view.menu);
      await view.page.keyboard.press('Escape');
      await expectGone('the menu', view.menu);
      // The "Assign to" menu closes with Escape too (a second Escape for the menu it came from, if still open).
      await view.button('More actions').click();
      await view.menuItem('Assign…').click();
      await expectVisible(view.assignToMenu);
      await view.page.keyboard.press('Escape');
      await expectGone('the "Assign to" menu', view.assignToMenu);
      if (await view.menu.count()) await view.page.keyboard.press('Escape');
      await expectGone('every menu', view.menu);

      // Shift+Tab goes back up to the views; Enter on a tab shows that view.
      await tabTo(view.page, view.tab('Inbox'), 40, 'Shift+Tab');
      await view.tab('Mine').focus();
      expect(await isFocused(view.tab('Mine'))).toBe(true);
      await view.page.keyboard.press('Enter');
      await eventually(
        'the Mine tab to be selected',
        () => view.tab('Mine').getAttribute('aria-selected'),
        (selected) => selected === 'true',
      );
      await expectVisible(view.item('Where is my parcel?', 'Assigned to Alice'));
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'screenshots of a real inbox at 1280×800 and 390×844 are taken (into docs/screenshots by npm run screenshots)',
    async () => {
      // The story: a few conversations in every state, replies, and an order event from the shop (the same
      // integration as the conversation's: an integration's customers are its own).
      const parcel = await converse('Where is my parcel?', 'Ada', 'I ordered a week ago and nothing has arrived yet.');
      await inbox.request('POST', `/conversations/${parcel.id}/messages`, {
        token: alice.token,
        body: { body: 'Sorry about that, Ada! I am checking with the carrier now.' },
      });
      const store = await inbox.request<{ conversationId: string }>('POST', '/store-events', {
        token: cast.chat.token,
        body: {
          id: 'order-1042-refunded',
          type: 'order.refund_requested',
          customer: { email: parcel.customer.email },
          requiresAction: true,
          summary: 'Order #1042: refund requested (€34.90)',
          details: {
            orderNumber: '#1042',
            total: '34.90',
            currency: 'EUR',
            status: 'refund requested',
            url: 'https://example-shop.myshopify.com/admin/orders/1042',
            items: [
              { name: 'Stoneware mug, sage', quantity: 2 },
              { name: 'Gift wrap', quantity: 1 },
            ],
          },
        },
      });
      expect(store).toMatchObject({ status: 202, body: { conversationId: parcel.id } });
      await inbox.request('POST', `/conversations/${parcel.id}/messages`, {
        token: cast.chat.token,
        body: { body: 'If it does not come by Friday, could I have a refund instead?' },
      });
      const size = await converse(
        'Exchange for a larger size',
        'Grace',
        'The jacket is too small, can I swap it for an L?',
      );
      await assign(bob, size.id, 'me');
      await converse('Do you ship to Norway?', 'Linus', 'Hi! Do you deliver to Oslo, and how long does it take?');
      await converse('Gift wrapping', 'Margaret', 'Can you wrap my order as a present and add a card?');
      const code = await converse('Discount code not working', 'Katherine', 'WELCOME10 says it has expired.');
      await assign(alice, code.id, 'me');
      await converse('Box arrived damaged', 'Alan', 'The box was crushed, but the cups inside look fine.');
      const thanks = await converse('Thank you!', 'Barbara', 'Got it today, lovely quality.');
      await assign(alice, thanks.id, 'me');
      await command(alice, thanks.id, 'close');

      mkdirSync(SCREENSHOTS, { recursive: true });
      const shots: Array<{ file: string; viewport: Viewport }> = [];
      for (const viewport of [DESKTOP, PHONE]) {
        const view = await signIn(alice, { viewport });
        await showView(view, 'Inbox');
        await expectVisible(view.item('Where is my parcel?', 'Assigned to Alice'));
        await expectVisible(view.item('Do you ship to Norway?', 'Unassigned', 'Linus'));
        const inboxFile = join(SCREENSHOTS, `inbox-${viewport.width}.png`);
        await view.page.screenshot({ path: inboxFile });
        shots.push({ file: inboxFile, viewport });

        await open(view, 'Where is my parcel?');
        await expectVisible(view.timeline.filter({ hasText: 'Store event: Order #1042: refund requested (€34.90)' }));
        await expectVisible(view.messages.filter({ hasText: 'could I have a refund instead?' }));
        if (viewport === PHONE) {
          // Stacked: the conversation takes the screen, with a way back to the list.
          const back = view.page.getByRole('button', { name: 'Back to conversations', exact: true });
          await expectVisible(back);
          const box = await view.region.boundingBox();
          expect(box).not.toBeNull();
          expect(box!.x).toBeGreaterThanOrEqual(0);
          expect(box!.x + box!.width).toBeLessThanOrEqual(PHONE.width + 1);
        }
        const conversationFile = join(SCREENSHOTS, `conversation-${viewport.width}.png`);
        await view.page.screenshot({ path: conversationFile });
        shots.push({ file: conversationFile, viewport });

        if (viewport === PHONE) {
          await view.page.getByRole('button', { name: 'Back to conversations', exact: true }).click();
          await expectVisible(view.item('Do you ship to Norway?', 'Unassigned', 'Linus'));
        }
      }

      expect(shots.map((shot) => shot.file.slice(SCREENSHOTS.length + 1))).toEqual([
        'inbox-1280.png',
        'conversation-1280.png',
        'inbox-390.png',
        'conversation-390.png',
      ]);
      for (const shot of shots) {
        expect({ file: shot.file, ...pngSize(readFileSync(shot.file)) }).toEqual({
          file: shot.file,
          width: shot.viewport.width,
          height: shot.viewport.height,
        });
      }
    },
    TEST_TIMEOUT_MS,
  );
});
