// Lists at any size, sync you can see, and reach (issue 13), end to end in web
// mode: the built renderer in Chromium over the real web host and daemon
// worker, on a profile with 10,000 chats and one chat of 50,000 messages, plus
// a REST chat account signed in against the reference server
// (test/servers/rest-chat) whose initial sync the page shows to 100%.
//
//   node scripts/run-tests.mjs e2e/lists.e2e.ts
//
// axe-core (npm) is evaluated in the page; the context bypasses the app's CSP
// for that one script (webMode.e2e.ts checks the CSP itself). Screenshots of
// each screen, light and dark, go to test-results/lists/.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { DaemonHost } from '../main/daemon/host/daemonHost.js';
import { Store } from '../main/daemon/store/store.js';
import type { RemoteMessage } from '../main/daemon/model/types.js';
import type { SecretBroker } from '../main/daemon/secrets/secretBroker.js';
import { startRestChatServer, type RestChatServer } from '../test/servers/rest-chat/server.js';
import { chromiumMissing, openWebApp, shotsDir, type WebApp } from './support.js';

const skip = chromiumMissing;
if (skip) console.log(`# skipping lists e2e: ${skip}`);

const CHATS = 10_000;
const BIG = 50_000;
/** The target: DOM nodes at any time. */
const MAX_DOM_NODES = 3000;
const SYNC_CHATS = 300;

const memorySecrets = (): SecretBroker => {
  const map = new Map<string, string>();
  return {
    get: async (k) => map.get(k) ?? null,
    set: async (k, v) => void map.set(k, v),
    delete: async (k) => map.delete(k),
  };
};

const pad = (n: number) => String(n).padStart(5, '0');

function seedProfile(dir: string): void {
  const store = Store.open(dir);
  try {
    const account = store.accounts.add({
      protocol: 'matrix',
      server: 'https://lists.example.test',
      username: 'me',
      label: 'Lists',
      workspace: 'Lists',
    });
    const now = Date.now();
    store.writer.apply(account.id, {
      people: [
        { remoteId: '@me', displayName: 'Me', isSelf: true },
        { remoteId: '@ann', displayName: 'Ann' },
      ],
      chats: [
        { remoteId: '!big', kind: 'group', name: 'Big history' },
        ...Array.from({ length: CHATS - 1 }, (_, i) => ({
          remoteId: `!c${i + 1}`,
          kind: 'group' as const,
          name: `Chat ${pad(i + 1)}`,
        })),
      ],
    });
    const BATCH = 5000;
    for (let start = 0; start < BIG; start += BATCH) {
      const messages: RemoteMessage[] = [];
      for (let i = start; i < Math.min(BIG, start + BATCH); i++)
        messages.push({
          remoteId: `$big${i + 1}`,
          chatRemoteId: '!big',
          senderRemoteId: '@ann',
          senderName: 'Ann',
          ts: now - (BIG - i) * 30_000,
          kind: 'text',
          body: `big line ${i + 1}`,
        });
      store.writer.apply(account.id, { messages });
    }
    // Chat 00001 is the newest after the big one, Chat 09999 the oldest; every other one unread.
    const small: RemoteMessage[] = Array.from({ length: CHATS - 1 }, (_, i) => ({
      remoteId: `$c${i + 1}`,
      chatRemoteId: `!c${i + 1}`,
      senderRemoteId: '@ann',
      senderName: 'Ann',
      ts: now - 60_000 * (i + 1),
      kind: 'text',
      body: `hello from chat ${i + 1}`,
    }));
    for (let i = 0; i < small.length; i += BATCH)
      store.writer.apply(account.id, { messages: small.slice(i, i + BATCH) });
    store.writer.apply(account.id, {
      readPositions: [
        { chatRemoteId: '!big', messageRemoteId: `$big${BIG}` },
        ...small
          .filter((_, i) => i % 2 === 1)
          .map((m) => ({ chatRemoteId: m.chatRemoteId, messageRemoteId: m.remoteId })),
      ],
    });
  } finally {
    store.close();
  }
}

describe('lists at any size, sync progress, accessibility', { skip }, () => {
  const scratch = mkdtempSync(join(tmpdir(), 'parley-lists-e2e-'));
  const profileDir = join(scratch, 'profile');
  const SHOTS = shotsDir('lists');
  let daemon: DaemonHost;
  let app: WebApp;
  let rest: RestChatServer;
  let page: Page;

  before(async () => {
    seedProfile(profileDir);
    daemon = new DaemonHost({ profileDir, secrets: memorySecrets() });
    await daemon.ready;
    rest = await startRestChatServer({
      // The server finds a chat by its members (its README, choice 17): one friend per room.
      users: [
        { username: 'syncer', password: 'syncer-password', name: 'Syncer' },
        ...Array.from({ length: SYNC_CHATS }, (_, i) => ({
          username: `friend${i + 1}`,
          password: `friend${i + 1}-password`,
        })),
      ],
    });
    // bypassCSP: axe-core is evaluated as text, which the app's CSP (rightly) forbids.
    app = await openWebApp({
      client: daemon,
      scratch,
      blobDir: join(profileDir, 'blobs'),
      bypassCSP: true,
    });
    page = app.page;
    await page.getByRole('listbox', { name: 'Chats' }).waitFor();
  });

  after(async () => {
    await app?.close();
    await daemon?.close();
    await rest?.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  test('10,000 chats: the list scrolls end to end with a bounded DOM, and the keyboard reaches the last', async () => {
    const list = page.getByRole('listbox', { name: 'Chats' });
    await page.waitForFunction(
      (n) => Number(document.querySelector('[role=listbox]')?.getAttribute('data-total-rows')) >= n,
      CHATS,
    );
    const rendered = await list.getByRole('option').count();
    assert.ok(
      rendered > 5 && rendered < 80,
      `only rows near the viewport are rendered (${rendered})`,
    );
    assert.equal(
      await list.getByRole('option').first().getAttribute('aria-setsize'),
      String(CHATS),
      'each option says how many there are',
    );
    await page.screenshot({ path: join(SHOTS, '1-chat-list-10k-light.png') });
    // Scroll to the end a screen at a time, counting DOM nodes all the way.
    const walk = (await page.evaluate(`(async () => {
      const el = document.querySelector('.chat-rows');
      let maxNodes = 0, maxOptions = 0, steps = 0;
      while (el.scrollTop + el.clientHeight < el.scrollHeight - 1 && steps < 5000) {
        el.scrollTop += el.clientHeight;
        steps++;
        await new Promise((r) => requestAnimationFrame(() => r(null)));
        maxNodes = Math.max(maxNodes, document.getElementsByTagName('*').length);
        maxOptions = Math.max(maxOptions, document.querySelectorAll('[role=option]').length);
      }
      await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(null))));
      return { maxNodes, maxOptions, steps };
    })()`)) as { maxNodes: number; maxOptions: number; steps: number };
    assert.ok(walk.steps > 100, `scrolled ${walk.steps} screens`);
    assert.ok(
      walk.maxNodes < MAX_DOM_NODES,
      `DOM nodes stayed under ${MAX_DOM_NODES}: ${walk.maxNodes}`,
    );
    assert.ok(walk.maxOptions < 100, `rendered options stayed few: ${walk.maxOptions}`);
    await list.getByRole('option', { name: /^Chat 09999/ }).waitFor();
    await page.screenshot({ path: join(SHOTS, '2-chat-list-end.png') });
    // Back to the top with Home, then End from the keyboard reaches the last chat and focuses it.
    await list.getByRole('option').first().focus();
    await page.keyboard.press('Home');
    await page.keyboard.press('End');
    await page.waitForFunction(() =>
      /Chat 09999/.test(document.activeElement?.querySelector('.chat-name')?.textContent ?? ''),
    );
    await page.keyboard.press('Home');
    await page.waitForFunction(() =>
      /Big history/.test(document.activeElement?.querySelector('.chat-name')?.textContent ?? ''),
    );
  });

  test('a 50,000-message chat scrolls to its start and back with a bounded window and DOM', async () => {
    await page.getByRole('option', { name: /^Big history/ }).click();
    const log = page.getByRole('log');
    await log.getByText(`big line ${BIG}`, { exact: true }).waitFor();
    // Opening a chat puts the focus in its composer.
    await page.waitForFunction(() => document.activeElement?.tagName === 'TEXTAREA');
    const trip = (await page.evaluate(`(async () => {
      const el = document.querySelector('.timeline');
      const frame = () => new Promise((r) => requestAnimationFrame(() => r(null)));
      let maxNodes = 0, maxLoaded = 0, steps = 0;
      const sample = () => {
        maxNodes = Math.max(maxNodes, document.getElementsByTagName('*').length);
        maxLoaded = Math.max(maxLoaded, Number(el.dataset.loadedMessages || 0));
      };
      const deadline = performance.now() + 240000;
      const atStart = () => !!el.querySelector('.timeline-start');
      while (!atStart() && performance.now() < deadline) {
        el.scrollTop = 0;
        steps++;
        await frame();
        sample();
      }
      // The start marker can show a frame before the rows under it are drawn
      // (a loaded machine): the user sees the first message once they are.
      const firstShown = () => [...el.querySelectorAll('.message-body')].some((b) => b.textContent === 'big line 1');
      for (let settle = 0; atStart() && !firstShown() && settle < 300; settle++) {
        el.scrollTop = 0;
        await frame();
      }
      const reachedStart = atStart() && firstShown();
      const up = steps;
      const jump = () => [...document.querySelectorAll('button')].some((b) => /Jump to latest/.test(b.textContent));
      while ((jump() || el.scrollHeight - el.scrollTop - el.clientHeight > 50) && performance.now() < deadline) {
        el.scrollTop = el.scrollHeight;
        steps++;
        await frame();
        sample();
      }
      const reachedEnd = [...el.querySelectorAll('.message-body')].some((b) => b.textContent === 'big line ${BIG}');
      return { maxNodes, maxLoaded, up, down: steps - up, reachedStart, reachedEnd };
    })()`)) as {
      maxNodes: number;
      maxLoaded: number;
      up: number;
      down: number;
      reachedStart: boolean;
      reachedEnd: boolean;
    };
    assert.ok(trip.reachedStart, `reached the first message (${trip.up} steps)`);
    assert.ok(trip.reachedEnd, `came back to the newest (${trip.down} steps)`);
    assert.ok(trip.maxLoaded <= 600, `the window held at most ${trip.maxLoaded} messages`);
    assert.ok(
      trip.maxNodes < MAX_DOM_NODES,
      `DOM nodes stayed under ${MAX_DOM_NODES}: ${trip.maxNodes}`,
    );
    assert.equal(await page.getByRole('button', { name: /Jump to latest/ }).count(), 0);
    await page.screenshot({ path: join(SHOTS, '3-big-chat-back-at-newest.png') });
  });

  test('the initial sync of a new account shows progress moving to 100%', async () => {
    // Chats for the new account on the reference server, made as another client would.
    const token = rest.newSession('syncer').accessToken;
    const post = async <T>(path: string, body: unknown): Promise<T> => {
      const res = await fetch(`${rest.url}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      assert.ok(res.ok, `POST ${path}: ${res.status}`);
      return (await res.json()) as T;
    };
    for (let i = 0; i < SYNC_CHATS; i++) {
      const chat = await post<{ id: string }>('/chats', {
        participants: [rest.user(`friend${i + 1}`).id],
        isPersonal: false,
        title: `Synced room ${i + 1}`,
      });
      for (let k = 0; k < 1; k++)
        await post(`/chats/${chat.id}/messages`, {
          localId: `local-${i}-${k}`.padEnd(36, '-'),
          text: `room ${i + 1} line ${k + 1}`,
        });
    }
    // Record every value the page's progress bars show, as they change.
    await page.evaluate(`(() => {
      const seen = [];
      window.__progress = seen;
      const record = () => {
        for (const bar of document.querySelectorAll('[role=progressbar]')) {
          const entry = { label: bar.getAttribute('aria-label'), phase: bar.dataset.phase, now: bar.getAttribute('aria-valuenow') };
          const last = seen[seen.length - 1];
          if (!last || last.label !== entry.label || last.phase !== entry.phase || last.now !== entry.now) seen.push(entry);
        }
      };
      new MutationObserver(record).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['aria-valuenow', 'data-phase'] });
    })()`);
    await daemon.call('accounts.add', {
      protocol: 'rest-chat',
      server: rest.url,
      username: 'syncer',
      password: 'syncer-password',
      label: 'Reference chat',
    });
    const bar = page.getByRole('progressbar', { name: /Reference chat/ });
    await bar.waitFor();
    await page.screenshot({ path: join(SHOTS, '4-sync-progress.png') });
    await page.waitForFunction(
      `window.__progress.some((p) => /Reference chat/.test(p.label) && p.phase === 'done' && p.now === '100')`,
      undefined,
      { timeout: 60_000 },
    );
    const seen = (await page.evaluate('window.__progress')) as {
      label: string;
      phase: string;
      now: string | null;
    }[];
    const initial = seen
      .filter((p) => /Reference chat/.test(p.label) && p.phase === 'initial' && p.now !== null)
      .map((p) => Number(p.now));
    assert.ok(
      initial.some((v) => v > 0 && v < 100),
      `the initial sync passed through the middle: ${initial.join(' ')}`,
    );
    assert.deepEqual(
      initial,
      [...initial].sort((a, b) => a - b),
      'it never went back',
    );
    await page.screenshot({ path: join(SHOTS, '5-sync-done.png') });
    // Every synced room is in the list.
    await page.getByRole('option', { name: new RegExp(`^Synced room ${SYNC_CHATS}\\b`) }).waitFor();
  });

  test('shortcuts: the cheat sheet (Ctrl+/) lists them; next unread and previous/next chat move', async () => {
    await page.keyboard.press('Control+/');
    const sheet = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
    await sheet.waitFor();
    for (const name of [
      'Next chat',
      'Previous chat',
      'Next unread chat',
      'Search messages',
      'Go to a chat (quick switcher)',
      'Mark the open chat read',
      /Edit your last message/,
    ])
      await sheet.getByRole('rowheader', { name }).waitFor();
    // The dialog has the focus (its close button), and Escape gives it back.
    assert.equal(
      await page.evaluate(() => !!document.activeElement?.closest('[role=dialog]')),
      true,
    );
    await page.screenshot({ path: join(SHOTS, '6-shortcuts-light.png') });
    await page.keyboard.press('Escape');
    await sheet.waitFor({ state: 'detached' });

    // Far down the list (the synced rooms are newer): the quick switcher goes there.
    await page.keyboard.press('Control+k');
    const switcher = page.getByRole('dialog', { name: 'Go to chat' });
    await switcher.getByRole('combobox').fill('Chat 00001');
    await switcher.getByRole('option', { name: 'Chat 00001' }).waitFor();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Chat 00001' }).waitFor();
    // The list brought the opened chat into view, selected.
    await page
      .getByRole('option', { name: /^Chat 00001/ })
      .and(page.locator('[aria-selected=true]'))
      .waitFor();
    // Chat 00002 was read in the seed; 00003 was not.
    await page.keyboard.press('Alt+Shift+ArrowDown');
    await page.getByRole('heading', { name: 'Chat 00003' }).waitFor();
    await page.keyboard.press('Alt+ArrowUp');
    await page.getByRole('heading', { name: 'Chat 00002' }).waitFor();
    await page.keyboard.press('Alt+ArrowDown');
    await page.getByRole('heading', { name: 'Chat 00003' }).waitFor();
  });

  test('axe finds no serious or critical violations on the main screens, light and dark', async () => {
    const require = createRequire(import.meta.url);
    const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
    await page.evaluate(axeSource);
    type Violation = {
      id: string;
      impact: string | null;
      help: string;
      nodes: { target: string[] }[];
    };
    const check = async (screen: string) => {
      const violations = (await page.evaluate(`axe
        .run(document, { resultTypes: ['violations'] })
        .then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => ({ target: n.target, data: n.any[0] && n.any[0].data })) })))`)) as Violation[];
      const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
      assert.deepEqual(
        bad.map((v) => `${screen}: ${v.id} (${v.impact}) ${v.help} at ${JSON.stringify(v.nodes)}`),
        [],
      );
    };
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      await check(`chat open (${scheme})`);
      await page.screenshot({ path: join(SHOTS, `7-chat-${scheme}.png`) });
      await page.keyboard.press('Control+k');
      await page.getByRole('dialog', { name: 'Go to chat' }).waitFor();
      await check(`quick switcher (${scheme})`);
      await page.screenshot({ path: join(SHOTS, `8-switcher-${scheme}.png`) });
      await page.keyboard.press('Escape');
      await page.getByRole('button', { name: 'Settings' }).click();
      const settings = page.getByRole('dialog', { name: 'Settings' });
      await settings.waitFor();
      await check(`settings (${scheme})`);
      await page.screenshot({ path: join(SHOTS, `9-settings-${scheme}.png`) });
      await page.keyboard.press('Escape');
      await settings.waitFor({ state: 'detached' });
      await page.keyboard.press('Control+/');
      await page.getByRole('dialog', { name: 'Keyboard shortcuts' }).waitFor();
      await check(`shortcuts (${scheme})`);
      await page.screenshot({ path: join(SHOTS, `10-shortcuts-${scheme}.png`) });
      await page.keyboard.press('Escape');
    }
    await page.emulateMedia({ colorScheme: 'light' });
  });

  test('no page errors along the way', () => {
    assert.deepEqual(app.problems, []);
  });
});
