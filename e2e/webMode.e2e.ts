// End to end in web mode: the built renderer in Chromium, over the real web
// host and the real daemon (worker thread) on a seeded profile.
//
//   node --import tsx --test e2e/webMode.e2e.ts
//
// Needs a Chromium (CHROMIUM_PATH, default /usr/bin/chromium); skips, saying
// so, without one. Screenshots go to test-results/webMode/.
import { after, before, describe, test } from 'node:test';
import { chromiumMissing, openWebApp, shotsDir, type WebApp } from './support.js';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { DaemonHost } from '../main/daemon/host/daemonHost.js';
import { Store } from '../main/daemon/store/store.js';
import type { RemoteMessage } from '../main/daemon/model/types.js';
import type { SecretBroker } from '../main/daemon/secrets/secretBroker.js';
import type { WebHost } from '../main/web/webHost.js';

const SHOTS = shotsDir('webMode');
const skip = chromiumMissing;
if (skip) console.log(`# skipping web mode e2e: ${skip}`);

const memorySecrets = (): SecretBroker => {
  const map = new Map<string, string>();
  return {
    get: async (k) => map.get(k) ?? null,
    set: async (k, v) => void map.set(k, v),
    delete: async (k) => map.delete(k),
  };
};

const minutesAgo = (n: number) => Date.now() - n * 60_000;
/** A tiny image server standing in for a mail sender's tracking pixel. */
let pixelUrl = '';
let pixelRequests = 0;
const PIXEL_URL = () => pixelUrl;
async function startPixelServer(): Promise<Server> {
  const png = Buffer.from(
    'iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGP8z8DAwMDAxMDAwMDAAAANHQEDasKb6QAAAABJRU5ErkJggg==',
    'base64',
  );
  const server = createServer((_req, res) => {
    pixelRequests += 1;
    res.writeHead(200, { 'content-type': 'image/png', 'content-length': png.length }).end(png);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  pixelUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}/pixel.png`;
  return server;
}
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
    // A chat showing every kind of row: system, encrypted, a thread, reactions, a reply.
    store.writer.apply(account.id, {
      chats: [{ remoteId: '!features', kind: 'group', name: 'Features' }],
      messages: [
        msg('!features', '$f0', 3000, 'Ann joined the room', { kind: 'system' }),
        msg('!features', '$f1', 2999, 'Which release train are we on?'),
        msg('!features', '$f2', 2998, '', { kind: 'encrypted' }),
        msg('!features', '$f3', 2997, 'Train 42, thread below', {
          senderRemoteId: '@bob',
          senderName: 'Bob',
        }),
        msg('!features', '$f4', 2996, 'first thread reply', { threadRootRemoteId: '$f3' }),
        msg('!features', '$f5', 2995, 'second thread reply', {
          threadRootRemoteId: '$f3',
          senderRemoteId: '@bob',
          senderName: 'Bob',
        }),
        msg('!features', '$f6', 2994, 'Thanks, noted', { replyToRemoteId: '$f1' }),
      ],
      reactionsAdded: [
        { messageRemoteId: '$f1', senderRemoteId: '@bob', key: '👍', ts: minutesAgo(2990) },
        { messageRemoteId: '$f1', senderRemoteId: '@ann', key: '👍', ts: minutesAgo(2990) },
      ],
      readPositions: [{ chatRemoteId: '!features', messageRemoteId: '$f6' }],
    });
    const mail = store.accounts.add({
      protocol: 'jmap-mail',
      server: 'https://mail.example.test',
      username: 'me@example.test',
      label: 'Mail',
      workspace: 'Home',
    });
    store.writer.apply(mail.id, {
      chats: [{ remoteId: 'T1', kind: 'mail', name: 'Quarterly newsletter' }],
      people: [{ remoteId: 'me@example.test', displayName: 'Me', isSelf: true }],
      messages: [
        {
          remoteId: 'E1',
          chatRemoteId: 'T1',
          senderRemoteId: 'news@example.org',
          senderName: 'Newsletter',
          ts: minutesAgo(6000),
          kind: 'mail',
          subject: 'Quarterly newsletter',
          body: 'Hello reader',
          html:
            '<h1 onclick="alert(1)">Hello reader</h1><script>window.parent.__pwned = 1</script>' +
            `<p>Our <a href="https://example.org/more">news</a> <img src="${PIXEL_URL()}" alt="pixel" width="4" height="4"></p>` +
            '<form action="https://evil.example"><input name="q"></form><iframe src="https://evil.example"></iframe>',
          mail: {
            from: [{ name: 'Newsletter', email: 'news@example.org' }],
            to: [{ name: 'Me', email: 'me@example.test' }],
            cc: [],
            flagged: false,
            draft: false,
          },
        },
      ],
      readPositions: [{ chatRemoteId: 'T1', messageRemoteId: 'E1' }],
    });
  } finally {
    store.close();
  }
}

describe('web mode end to end', { skip }, () => {
  const scratch = mkdtempSync(join(tmpdir(), 'parley-e2e-'));
  const profileDir = join(scratch, 'profile');
  let daemon: DaemonHost;
  let pixelServer: Server;
  let app: WebApp;
  let web: WebHost;
  let context: BrowserContext;
  let page: Page;
  /** A stored blob's path, as the mail test's loaded image shows it. */
  let blobPath = '';
  const origin = () => app.origin;

  before(async () => {
    pixelServer = await startPixelServer();
    seedProfile(profileDir);
    daemon = new DaemonHost({
      profileDir,
      secrets: memorySecrets(),
      // The pixel server is on loopback, which media.fetchRemote refuses in the app.
      testOnlyLoopbackFetchPorts: [Number(new URL(PIXEL_URL()).port)],
    });
    await daemon.ready;
    // Opened by the first test: taking the token out of the address bar is what it checks.
    app = await openWebApp({
      client: daemon,
      scratch,
      blobDir: join(profileDir, 'blobs'),
      open: false,
    });
    ({ web, context, page } = app);
  });

  after(async () => {
    await app?.close();
    await daemon?.close();
    pixelServer?.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  test('opens with the token, then takes it out of the address bar', async () => {
    await page.goto(web.url);
    await page.getByRole('listbox', { name: 'Chats' }).waitFor();
    assert.ok(!page.url().includes('token'), `address bar: ${page.url()}`);
    assert.equal(await page.evaluate(() => location.href), `${origin()}/`);
    // The session lives in an HttpOnly cookie: no script on the page can read the token.
    const visible = await page.evaluate(() => ({
      cookie: document.cookie,
      storage: JSON.stringify({ ...sessionStorage, ...localStorage }),
      history: history.length,
    }));
    assert.ok(!visible.cookie.includes(web.token), 'document.cookie has no token');
    assert.ok(!visible.storage.includes(web.token), 'web storage has no token');
    const cookies = await context.cookies(origin());
    const session = cookies.find((c) => c.value === web.token);
    assert.ok(session?.httpOnly, 'the session cookie is HttpOnly');
    assert.equal(session?.sameSite, 'Strict');
  });

  test('the address without the token says how to open Parley', async () => {
    await context.clearCookies();
    const fresh = await context.newPage();
    try {
      await fresh.goto(`${origin()}/`);
      await fresh.getByText(/address printed by "parley web"/).waitFor();
    } finally {
      await fresh.close();
    }
    await page.goto(web.url);
    await page.getByRole('listbox', { name: 'Chats' }).waitFor();
    assert.ok(!page.url().includes('token'));
  });

  test('the chat list shows the chats, newest activity first, with unread and mention badges', async () => {
    const options = page.getByRole('option');
    await options.first().waitFor();
    const names = await page.locator('[role=option] .chat-name').allTextContents();
    assert.deepEqual(
      names.map((n) => n.trim()),
      ['Design review', 'Budget', 'Long history', 'Features', 'Quarterly newsletter'],
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
    // Hits are grouped under their chat's name, with a count.
    const group = results.locator('.search-group').first();
    assert.match((await group.locator('.search-hit-chat').textContent()) ?? '', /Budget/);
    assert.match((await group.locator('.search-group-count').textContent()) ?? '', /^\d+$/);
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

  test('scrolling up in a long chat loads older pages until the beginning, keeping the view', async () => {
    await page.getByRole('option', { name: /Long history/ }).click();
    await page.getByRole('heading', { name: 'Long history' }).waitFor();
    const log = page.getByRole('log');
    await log.getByText(`history line ${HISTORY}`, { exact: true }).waitFor();
    const timeline = page.locator('.timeline');
    const fromBottom = () =>
      timeline.evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight);
    assert.ok((await fromBottom()) < 50, 'a chat opens at its newest message');
    // Virtualized: far fewer rows in the DOM than messages loaded.
    const rendered = await log.locator('li.message').count();
    assert.ok(rendered < HISTORY, `only rows near the viewport are rendered (${rendered})`);
    // Scroll up a little: the message at the top of the view stays there while older pages load.
    await timeline.evaluate((el) => el.scrollBy({ top: -400 }));
    await page.waitForTimeout(300);
    const probe = async () =>
      timeline.evaluate((el) => {
        const top = el.getBoundingClientRect().top;
        const rows = [...el.querySelectorAll<HTMLElement>('li.message')];
        const first = rows
          .map((r) => ({ id: r.dataset.messageId, y: r.getBoundingClientRect().top - top }))
          .filter((r) => r.y >= 0)
          .sort((a, b) => a.y - b.y)[0];
        return first ?? null;
      });
    const anchor = await probe();
    assert.ok(anchor);
    for (let i = 0; i < 20; i++) {
      if ((await log.getByText('history line 1', { exact: true }).count()) > 0) break;
      await timeline.evaluate((el) => el.scrollTo({ top: 0 }));
      await page.waitForTimeout(150);
    }
    await log.getByText('history line 1', { exact: true }).waitFor();
    await page.getByText('This is the beginning of the chat.').waitFor();
    assert.equal(
      Number(await timeline.getAttribute('data-total-rows')) >= HISTORY,
      true,
      'every message is loaded',
    );
    await page.screenshot({ path: join(SHOTS, '6-history-top.png') });
  });

  test('a search hit far back opens the chat there; Jump to latest goes to the newest', async () => {
    await page.getByRole('option', { name: /Budget/ }).click();
    await page.getByRole('heading', { name: 'Budget' }).waitFor();
    await page.getByRole('searchbox', { name: 'Search messages' }).fill('history line 3');
    const hit = page
      .getByRole('region', { name: 'Search results' })
      .locator('.search-hit')
      .filter({ has: page.locator('.search-hit-snippet', { hasText: /^history line 3$/ }) });
    await hit.getByRole('button').click();
    await page.getByRole('heading', { name: 'Long history' }).waitFor();
    const log = page.getByRole('log');
    await log.getByText('history line 3', { exact: true }).waitFor();
    // The chat opens on a window around the hit (messages.around), the hit in view;
    // with a history this short, newer pages then fill in below it.
    const timeline = page.locator('.timeline');
    const inView = async () => {
      const box = await log.getByText('history line 3', { exact: true }).boundingBox();
      const view = await timeline.boundingBox();
      return !!box && !!view && box.y >= view.y && box.y + box.height <= view.y + view.height;
    };
    await page.waitForTimeout(300);
    assert.ok(await inView(), 'the hit is in view');
    await page.getByRole('button', { name: /Jump to latest/ }).click();
    await log.getByText(`history line ${HISTORY}`, { exact: true }).waitFor();
    const fromBottom = () =>
      timeline.evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight);
    for (let i = 0; i < 20 && (await fromBottom()) >= 50; i++) await page.waitForTimeout(50);
    assert.ok((await fromBottom()) < 50, 'the view is at the newest message');
  });

  test('system, encrypted, reactions, replies and threads each look like themselves', async () => {
    await page.getByRole('option', { name: /Features/ }).click();
    const log = page.getByRole('log');
    await log.locator('li.kind-system').getByText('Ann joined the room').waitFor();
    await log
      .locator('li.kind-encrypted')
      .getByText(/Waiting for this message’s key/)
      .waitFor();
    const reacted = log.locator('li.message').filter({ hasText: 'Which release train' });
    const chip = reacted.getByRole('button', { name: /👍 2/ });
    assert.equal(await chip.getAttribute('aria-pressed'), 'false');
    const reply = log.locator('li.message').filter({ hasText: 'Thanks, noted' });
    assert.match((await reply.locator('.reply-quote').textContent()) ?? '', /Which release train/);
    // Thread replies stay out of the main timeline; the root says how many there are.
    assert.equal(await log.getByText('first thread reply').count(), 0);
    await log.getByRole('button', { name: '2 replies' }).click();
    const panel = page.getByRole('complementary', { name: 'Thread' });
    await panel.getByText('first thread reply').waitFor();
    await panel.getByText('second thread reply').waitFor();
    await page.screenshot({ path: join(SHOTS, '8-features-thread.png') });
    await panel.getByRole('button', { name: 'Close thread' }).click();
  });

  test('a mail shows subject, from and to; its HTML is sanitized in a sandboxed frame; images wait', async () => {
    await page.getByRole('option', { name: /Quarterly newsletter/ }).click();
    const mail = page.getByRole('article', { name: 'Quarterly newsletter' });
    await mail.getByText('Newsletter <news@example.org>').waitFor();
    await mail.getByText('Me <me@example.test>').waitFor();
    const frame = mail.locator('iframe.mail-frame');
    assert.equal(await frame.getAttribute('sandbox'), 'allow-same-origin');
    const srcdoc = (await frame.getAttribute('srcdoc')) ?? '';
    for (const bad of ['<script', 'onclick', '<form', '<iframe', 'evil.example', pixelUrl])
      assert.ok(!srcdoc.includes(bad), `${bad} is gone`);
    assert.match(srcdoc, /Content-Security-Policy/);
    const body = page.frameLocator('iframe.mail-frame');
    await body.getByRole('heading', { name: 'Hello reader' }).waitFor();
    assert.equal(await page.evaluate(() => 'pwned' in window || '__pwned' in window), false);
    await mail.getByText('1 remote image is blocked').waitFor();
    assert.equal(pixelRequests, 0, 'nothing reached the sender before the click');
    await page.screenshot({ path: join(SHOTS, '9-mail-blocked.png') });
    await mail.getByRole('button', { name: 'Load images' }).click();
    const img = body.getByRole('img', { name: 'pixel' });
    await img.waitFor();
    await page.waitForFunction(() => {
      const f = document.querySelector<HTMLIFrameElement>('iframe.mail-frame');
      const i = f?.contentDocument?.querySelector('img');
      return !!i && i.complete && i.naturalWidth > 0;
    });
    assert.equal(pixelRequests, 1, 'the daemon fetched it once');
    blobPath = (await img.getAttribute('src')) ?? '';
    assert.match(blobPath, /^\/blob\/[0-9a-f]{64}$/, 'blob URLs carry no token');
    await page.screenshot({ path: join(SHOTS, '10-mail-images.png') });
  });

  test('a page on another origin gets no blob, no API answer and no socket', async () => {
    assert.ok(blobPath, 'the mail test stored a blob');
    const own = await page.evaluate(async (path) => (await fetch(path)).status, blobPath);
    assert.equal(own, 200, 'the app itself reads it');
    // Another local server: same site as the web host (cookies ignore ports), other origin.
    const evil = createServer((_req, res) =>
      res
        .writeHead(200, { 'content-type': 'text/html' })
        .end('<!doctype html><title>other</title>'),
    );
    await new Promise<void>((r) => evil.listen(0, '127.0.0.1', r));
    const other = await context.newPage();
    try {
      await other.goto(`http://127.0.0.1:${(evil.address() as { port: number }).port}/`);
      // A string, not a function: tsx would wrap the helpers below in a __name() the page lacks.
      const got = (await other.evaluate(`(async () => {
        const base = ${JSON.stringify(origin())};
        const path = ${JSON.stringify(blobPath)};
        const outcome = async (attempt) => {
          try { return await attempt(); } catch (err) { return 'refused: ' + err.name; }
        };
        const cors = await outcome(async () => {
          const res = await fetch(base + path, { credentials: 'include' });
          return 'read ' + (await res.arrayBuffer()).byteLength + ' bytes';
        });
        const noCors = await outcome(async () => {
          const res = await fetch(base + path, { credentials: 'include', mode: 'no-cors' });
          return 'opaque ' + res.type + ' ' + (await res.arrayBuffer()).byteLength + ' bytes';
        });
        const image = await new Promise((resolve) => {
          const img = new Image();
          img.onload = () => resolve('loaded ' + img.naturalWidth + 'px');
          img.onerror = () => resolve('refused: error');
          img.src = base + path;
        });
        const api = await outcome(async () => {
          const res = await fetch(base + '/api/accounts.list', {
            method: 'POST', credentials: 'include', body: '{}',
          });
          return 'answered ' + res.status + ': ' + (await res.text());
        });
        const socket = await new Promise((resolve) => {
          const ws = new WebSocket(base.replace('http', 'ws') + '/ws');
          ws.onopen = () => resolve('open');
          ws.onmessage = () => resolve('message');
          ws.onerror = () => resolve('refused: error');
        });
        return { cors, noCors, image, api, socket };
      })()`)) as Record<'cors' | 'noCors' | 'image' | 'api' | 'socket', string>;
      assert.match(got.cors, /^refused/, `CORS fetch: ${got.cors}`);
      assert.ok(
        got.noCors.startsWith('refused') || got.noCors === 'opaque opaque 0 bytes',
        `no-cors fetch: ${got.noCors}`,
      );
      assert.equal(got.image, 'refused: error', 'an <img> elsewhere cannot load it');
      assert.match(got.api, /^refused/, `API: ${got.api}`);
      assert.equal(got.socket, 'refused: error', 'WebSocket');
    } finally {
      await other.close();
      evil.close();
    }
  });

  test('Ctrl+K opens the quick switcher; typing and Enter open a chat', async () => {
    await page.keyboard.press('Control+k');
    const dialog = page.getByRole('dialog', { name: 'Go to chat' });
    await dialog.getByRole('combobox').fill('budg');
    await dialog.getByRole('option', { name: 'Budget' }).waitFor();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Budget' }).waitFor();
    await dialog.waitFor({ state: 'detached' });
  });

  test('the chat list moves with arrow keys and pins from the keyboard menu', async () => {
    const first = page.getByRole('option', { name: /Design review/ });
    await first.focus();
    await page.keyboard.press('ArrowDown');
    const focused = await page.evaluate(
      () => document.activeElement?.querySelector('.chat-name')?.textContent,
    );
    assert.match(focused ?? '', /Budget/);
    await page.keyboard.press('Shift+F10');
    await page.getByRole('menu').waitFor();
    await page.keyboard.press('Enter'); // "Pin" is the first item
    await page.getByRole('option', { name: /Budget\W+pinned/ }).waitFor();
    const names = await page.locator('[role=option] .chat-name').allTextContents();
    assert.match(names[0]!, /Budget/);
  });

  test('settings: a do-not-disturb schedule and a per-account level are stored', async () => {
    await page.getByRole('button', { name: 'Settings' }).click();
    const dialog = page.getByRole('dialog', { name: 'Settings' });
    // Controlled by the stored settings: it turns on once settings.set answers.
    await dialog.getByLabel('Quiet hours').click();
    await dialog.locator('fieldset input[type=checkbox]:checked').first().waitFor();
    // The account's notification level (its security and key backup groups carry its name too).
    await dialog.getByRole('combobox', { name: /Me on Matrix/ }).selectOption('mentions');
    let stored = await daemon.call('settings.get', {});
    for (let i = 0; i < 100 && Object.values(stored.accountNotify)[0] !== 'mentions'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      stored = await daemon.call('settings.get', {});
    }
    assert.equal(stored.dnd.enabled, true);
    assert.deepEqual(Object.values(stored.accountNotify), ['mentions']);
    await page.screenshot({ path: join(SHOTS, '11-settings.png') });
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
  });

  test('dark mode follows the system setting', async () => {
    await page.emulateMedia({ colorScheme: 'dark' });
    const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    assert.equal(bg, 'rgb(27, 29, 33)');
    await page.screenshot({ path: join(SHOTS, '7-dark.png') });
    await page.emulateMedia({ colorScheme: 'light' });
  });

  test('no page errors and no CSP violations along the way', () => {
    assert.deepEqual(app.problems, []);
  });
});
