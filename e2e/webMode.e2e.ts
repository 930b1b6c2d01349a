// End to end in web mode: the built renderer in Chromium, over the real web
// host and the real daemon (worker thread) on a seeded profile.
//
//   node --import tsx --test e2e/webMode.e2e.ts
//
// Needs a Chromium (CHROMIUM_PATH, default /usr/bin/chromium); skips, saying
// so, without one. Screenshots go to test-results/webMode/.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import react from '@vitejs/plugin-react';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { DaemonHost } from '../main/daemon/host/daemonHost.js';
import { Store } from '../main/daemon/store/store.js';
import type { RemoteMessage } from '../main/daemon/model/types.js';
import type { SecretBroker } from '../main/daemon/secrets/secretBroker.js';
import { startWebHost, type WebHost } from '../main/web/webHost.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = join(ROOT, 'test-results', 'webMode');
const skip = existsSync(CHROMIUM)
  ? false
  : `no Chromium at ${CHROMIUM} (install chromium or set CHROMIUM_PATH)`;
if (skip) console.log(`# skipping web mode e2e: ${skip}`);

const memorySecrets = (): SecretBroker => {
  const map = new Map<string, string>();
  return {
    get: async (k) => map.get(k) ?? null,
    set: async (k, v) => void map.set(k, v),
    delete: async (k) => map.delete(k),
  };
};

/** The production renderer bundle, built with the same plugins as electron.vite.config.ts. */
async function buildRenderer(outDir: string): Promise<void> {
  await build({
    configFile: false,
    root: resolve(ROOT, 'renderer'),
    base: './',
    plugins: [react()],
    logLevel: 'warn',
    build: { outDir, emptyOutDir: true },
  });
}

const minutesAgo = (n: number) => Date.now() - n * 60_000;
const HISTORY = 130;

function seedProfile(profileDir: string): void {
  const store = Store.open(profileDir);
  try {
    const account = store.accounts.add({
      protocol: 'matrix',
      server: 'https://matrix.example.test',
      username: 'me',
      label: 'Me on Matrix',
      workspace: 'Work',
    });
    const msg = (
      chat: string,
      id: string,
      ago: number,
      body: string,
      extra: Partial<RemoteMessage> = {},
    ) => ({
      remoteId: id,
      chatRemoteId: chat,
      senderRemoteId: '@ann',
      senderName: 'Ann',
      ts: minutesAgo(ago),
      kind: 'text' as const,
      body,
      ...extra,
    });
    store.writer.apply(account.id, {
      chats: [
        { remoteId: '!design', kind: 'group', name: 'Design review' },
        { remoteId: '!budget', kind: 'group', name: 'Budget' },
        { remoteId: '!history', kind: 'group', name: 'Long history' },
      ],
      people: [
        { remoteId: '@me', displayName: 'Me', isSelf: true },
        { remoteId: '@ann', displayName: 'Ann' },
        { remoteId: '@bob', displayName: 'Bob' },
      ],
      messages: [
        msg('!budget', '$b1', 120, 'The quarterly numbers are in the shared folder.', {
          senderRemoteId: '@bob',
          senderName: 'Bob',
        }),
        msg('!design', '$d1', 30, 'Morning! The mockups for the settings page are ready.'),
        msg('!design', '$d2', 20, 'Can you look at the colour contrast in dark mode?'),
        msg('!design', '$d3', 10, '@me what do you think about the new icons?', {
          mentionsSelf: true,
        }),
        // Three pages of history, a minute apart, all older than the other chats.
        ...Array.from({ length: HISTORY }, (_, i) =>
          msg('!history', `$h${i + 1}`, 1000 + HISTORY - i, `history line ${i + 1}`),
        ),
      ],
      // Budget and the long history have been read; Design review has not.
      readPositions: [
        { chatRemoteId: '!budget', messageRemoteId: '$b1' },
        { chatRemoteId: '!history', messageRemoteId: `$h${HISTORY}` },
      ],
    });
  } finally {
    store.close();
  }
}

describe('web mode end to end', { skip }, () => {
  const scratch = mkdtempSync(join(tmpdir(), 'parley-e2e-'));
  const profileDir = join(scratch, 'profile');
  const rendererDir = join(scratch, 'renderer');
  let daemon: DaemonHost;
  let web: WebHost;
  let context: BrowserContext;
  let page: Page;
  const problems: string[] = [];

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    await buildRenderer(rendererDir);
    seedProfile(profileDir);
    daemon = new DaemonHost({
      profileDir,
      secrets: memorySecrets(),
    });
    await daemon.ready;
    web = await startWebHost({
      client: daemon,
      port: 0,
      rendererDir,
      blobDir: join(profileDir, 'blobs'),
    });
    context = await chromium.launchPersistentContext(join(scratch, 'chromium-profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
      viewport: { width: 1280, height: 800 },
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
    });
  });

  after(async () => {
    await context?.close();
    await web?.close();
    await daemon?.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  test('opens with the token, then takes it out of the address bar', async () => {
    await page.goto(web.url);
    await page.getByRole('listbox', { name: 'Chats' }).waitFor();
    assert.ok(!page.url().includes('token'), `address bar: ${page.url()}`);
    assert.equal(await page.evaluate(() => sessionStorage.getItem('parley.token')), web.token);
  });

  test('the chat list shows the chats, newest activity first, with unread and mention badges', async () => {
    const options = page.getByRole('option');
    await options.first().waitFor();
    const names = await page.locator('[role=option] .chat-name').allTextContents();
    assert.deepEqual(
      names.map((n) => n.trim()),
      ['Design review', 'Budget', 'Long history'],
    );
    const design = page.getByRole('option', { name: /Design review/ });
    assert.equal(await design.locator('[data-testid=unread-badge]').textContent(), '3');
    assert.equal(await design.locator('.badge.mention').count(), 1);
    const budget = page.getByRole('option', { name: /Budget/ });
    assert.equal(await budget.locator('[data-testid=unread-badge]').count(), 0);
    const rail = page.getByRole('navigation', { name: 'Workspaces and accounts' });
    await rail.getByRole('button', { name: /Work/ }).first().waitFor();
    await rail.getByRole('button', { name: /Me on Matrix/ }).waitFor();
    await page.screenshot({ path: join(SHOTS, '1-chat-list.png') });
  });

  test('opening a chat shows its messages, newest at the bottom, and marks it read', async () => {
    await page.getByRole('option', { name: /Design review/ }).click();
    await page.getByRole('heading', { name: 'Design review' }).waitFor();
    const log = page.getByRole('log');
    await log.getByText('what do you think about the new icons?').waitFor();
    const bodies = await log.locator('.message-body').allTextContents();
    assert.equal(bodies.length, 3);
    assert.match(bodies[0]!, /mockups/);
    assert.match(bodies[2]!, /new icons/);
    await page
      .getByRole('option', { name: /Design review/ })
      .locator('[data-testid=unread-badge]')
      .waitFor({ state: 'detached' });
    await page.screenshot({ path: join(SHOTS, '2-chat-open.png') });
  });

  test('Enter sends; the message appears at the bottom, pending (no connector can deliver it)', async () => {
    const box = page.getByRole('textbox', { name: 'Message Design review' });
    await box.fill('Looks good to me');
    await box.press('Shift+Enter');
    await box.pressSequentially('ship it');
    assert.equal(await box.inputValue(), 'Looks good to me\nship it', 'Shift+Enter is a new line');
    await box.press('Enter');
    const echo = page.getByRole('log').locator('li.message').last();
    await echo.getByText('ship it').waitFor();
    assert.equal(await echo.locator('.message-body').textContent(), 'Looks good to me\nship it');
    const state = echo.locator('[data-outbox-state]');
    assert.equal(await state.getAttribute('data-outbox-state'), 'pending');
    assert.match((await state.textContent()) ?? '', /Pending/);
    assert.equal(await box.inputValue(), '', 'the composer is cleared');
    await page.screenshot({ path: join(SHOTS, '3-sent-pending.png') });
  });

  test('search finds a word, highlights it with <mark>, and a click opens the chat', async () => {
    await page.getByRole('searchbox', { name: 'Search messages' }).fill('quarterly');
    const results = page.getByRole('region', { name: 'Search results' });
    const hit = results.locator('.search-hit').first();
    await hit.waitFor();
    assert.match((await hit.locator('.search-hit-chat').textContent()) ?? '', /Budget/);
    const marked = await hit.locator('mark').allTextContents();
    assert.ok(
      marked.some((m) => /quarterly/i.test(m)),
      `marked: ${JSON.stringify(marked)}`,
    );
    assert.equal(
      await hit.locator('.search-hit-snippet').evaluate((el) => el.innerHTML.includes('<script')),
      false,
    );
    await page.screenshot({ path: join(SHOTS, '4-search.png') });
    await hit.getByRole('button').click();
    await page.getByRole('heading', { name: 'Budget' }).waitFor();
    await page
      .getByRole('log')
      .getByText('The quarterly numbers are in the shared folder.')
      .waitFor();
    await page
      .getByRole('option', { name: /Budget/ })
      .and(page.locator('[aria-selected=true]'))
      .waitFor();
    await page.screenshot({ path: join(SHOTS, '5-search-opened.png') });
  });

  test('scrolling up in a long chat loads older pages until the beginning', async () => {
    await page.getByRole('option', { name: /Long history/ }).click();
    await page.getByRole('heading', { name: 'Long history' }).waitFor();
    const log = page.getByRole('log');
    await log.getByText(`history line ${HISTORY}`, { exact: true }).waitFor();
    const before = await log.locator('li.message').count();
    assert.ok(before < HISTORY, `first page only (${before})`);
    const timeline = page.locator('.timeline');
    const fromBottom = () =>
      timeline.evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight);
    assert.ok((await fromBottom()) < 50, 'a chat opens at its newest message');
    // One scroll to the top loads a page above without jumping to it.
    await timeline.evaluate((el) => el.scrollTo({ top: 0 }));
    await page.waitForFunction(
      (n) => document.querySelectorAll('[role=log] li.message').length > n,
      before,
    );
    assert.ok(
      (await timeline.evaluate((el) => el.scrollTop)) > 200,
      'what was on screen stays on screen',
    );
    for (let i = 0; i < 10; i++) {
      if ((await log.getByText('history line 1', { exact: true }).count()) > 0) break;
      await timeline.evaluate((el) => el.scrollTo({ top: 0 }));
      await page.waitForTimeout(150);
    }
    await log.getByText('history line 1', { exact: true }).waitFor();
    assert.equal(await log.locator('li.message').count(), HISTORY);
    await page.getByText('This is the beginning of the chat.').waitFor();
    await page.screenshot({ path: join(SHOTS, '6-history-top.png') });
  });

  test('dark mode follows the system setting', async () => {
    await page.emulateMedia({ colorScheme: 'dark' });
    const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    assert.equal(bg, 'rgb(27, 29, 33)');
    await page.screenshot({ path: join(SHOTS, '7-dark.png') });
    await page.emulateMedia({ colorScheme: 'light' });
  });

  test('no page errors and no CSP violations along the way', () => {
    assert.deepEqual(problems, []);
  });
});
