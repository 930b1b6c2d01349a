// npm run bench:ui — the renderer in Chromium over web mode, on a large profile.
//
//   npm run bench:ui [-- --profile DIR] [-- --messages N] [-- --chats N]
//
// Builds a profile with one chat of N messages (default 50k) and N chats
// (default 10k) through the Store's BatchWriter (or reuses --profile DIR),
// starts the daemon worker and the web host, and measures in Chromium:
//   chatListMs   navigation start → first painted chat-list row
//   chatList     the whole chat list scrolled a screen per frame: long tasks,
//                the most DOM nodes at any frame
//   openChatMs   click on the big chat → first painted message
//   scroll       the big chat scrolled to its first message and back to the
//                newest (--scroll 0; or back through N messages), paging
//                included: long tasks (PerformanceObserver 'longtask'), the
//                most DOM nodes and the most messages held at any frame
//   live         a simulated connector's batch written to the store → the message's
//                row in the DOM, median and p95 over --live samples (liveDelivery.ts)
// Prints one JSON line. Targets: chatListMs ≤ 300, openChatMs ≤ 100, no long
// task > 50 ms, fewer than 3,000 DOM nodes at any time.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'vite';
import react from '@vitejs/plugin-react';
import { chromium } from 'playwright-core';
import { DaemonHost } from '../../main/daemon/host/daemonHost.js';
import type { SecretBroker } from '../../main/daemon/secrets/secretBroker.js';
import { startWebHost } from '../../main/web/webHost.js';
import { measureLiveDelivery } from './liveDelivery.js';
import { buildProfile, sentence } from './benchProfile.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const { values: args } = parseArgs({
  options: {
    profile: { type: 'string' },
    messages: { type: 'string', default: '50000' },
    chats: { type: 'string', default: '10000' },
    /** 0: to the first message and back; N: back through N messages only. */
    scroll: { type: 'string', default: '0' },
    live: { type: 'string', default: '200' },
  },
});
const BIG = Number(args.messages);
const CHATS = Number(args.chats);
const SCROLL = Number(args.scroll);
const LIVE = Number(args.live);

const secrets: SecretBroker = {
  get: async () => null,
  set: async () => undefined,
  delete: async () => false,
};

/** Records, in the page, when the first chat row and the first message row are painted. */
const PROBE = `
  (() => {
    const marks = { chatList: null, clickAt: null, openChat: null, longTasks: [] };
    Object.defineProperty(window, '__bench', { value: marks });
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) marks.longTasks.push({ at: e.startTime, ms: e.duration });
    }).observe({ type: 'longtask', buffered: true });
    const painted = (key) => requestAnimationFrame(() => setTimeout(() => { marks[key] = performance.now(); }, 0));
    let waitingList = true;
    let waitingChat = false;
    document.addEventListener('click', (e) => {
      if (e.target.closest && e.target.closest('[role=option]')) {
        marks.clickAt = performance.now();
        marks.openChat = null;
        waitingChat = true;
      }
    }, true);
    new MutationObserver(() => {
      if (waitingList && document.querySelector('[role=option]')) { waitingList = false; painted('chatList'); }
      if (waitingChat && document.querySelector('[role=log] li.message')) { waitingChat = false; painted('openChat'); }
    }).observe(document, { childList: true, subtree: true });
  })();
`;

async function main(): Promise<void> {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}`);
  const scratch = mkdtempSync(join(tmpdir(), 'parley-bench-ui-'));
  const profileDir = args.profile ? resolve(args.profile) : join(scratch, 'profile');
  let t = performance.now();
  if (!args.profile) buildProfile(profileDir, BIG, CHATS);
  const buildProfileMs = Math.round(performance.now() - t);
  const rendererDir = join(scratch, 'renderer');
  await build({
    configFile: false,
    root: resolve(ROOT, 'renderer'),
    base: './',
    plugins: [react()],
    logLevel: 'warn',
    build: { outDir: rendererDir, emptyOutDir: true },
  });
  const daemon = new DaemonHost({ profileDir, secrets });
  await daemon.ready;
  const web = await startWebHost({
    client: daemon,
    port: 0,
    rendererDir,
    blobDir: join(profileDir, 'blobs'),
  });
  let hostsOpen = true;
  const browser = await chromium.launch({
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
  });
  try {
    // bypassCSP: the probes below are evaluated as text, which the app's CSP (rightly) forbids.
    const context = await browser.newContext({
      viewport: { width: 1280, height: 800 },
      bypassCSP: true,
    });
    await context.addInitScript(PROBE);
    const page = await context.newPage();
    type Marks = {
      chatList: number | null;
      clickAt: number | null;
      openChat: number | null;
      longTasks: { at: number; ms: number }[];
    };
    // Page code is passed as text: tsx would wrap functions in helpers the page lacks.
    const marks = () => page.evaluate('window.__bench') as Promise<Marks>;
    // A warm-up load (the browser's caches), then the measured one.
    await page.goto(web.url);
    await page.waitForSelector('[role=option]');
    await page.reload();
    await page.waitForFunction('window.__bench.chatList !== null');
    const chatListMs = Math.round((await marks()).chatList!);

    // The whole chat list (once every page of it arrived), a screen per frame.
    await page.waitForFunction(
      `Number(document.querySelector('[role=listbox]')?.getAttribute('data-total-rows')) >= ${CHATS}`,
    );
    const listStart = (await page.evaluate('performance.now()')) as number;
    const listWalk = (await page.evaluate(`(async () => {
      const el = document.querySelector('.chat-rows');
      let maxNodes = 0, frames = 0;
      while (el.scrollTop + el.clientHeight < el.scrollHeight - 1) {
        el.scrollTop += el.clientHeight;
        frames++;
        await new Promise((r) => requestAnimationFrame(() => r(null)));
        maxNodes = Math.max(maxNodes, document.getElementsByTagName('*').length);
      }
      // Back to the top, rendered, before the next phase clicks its rows.
      el.scrollTop = 0;
      await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(null))));
      return { maxNodes, frames };
    })()`)) as { maxNodes: number; frames: number };
    const listTasks = (await marks()).longTasks.filter((l) => l.at >= listStart);

    // Open a small chat first (warm), then the big one, measured.
    await page.locator('[role=option]').nth(1).click();
    await page.waitForSelector('[role=log] li.message');
    await page.getByRole('option', { name: /Big room/ }).click();
    await page.waitForFunction('window.__bench.openChat !== null');
    const m = await marks();
    const openChatMs = Math.round(m.openChat! - m.clickAt!);

    // Scroll back through SCROLL messages, one screen per frame, paging as it goes.
    const scrollStart = (await page.evaluate('performance.now()')) as number;
    t = performance.now();
    const walk = (await page.evaluate(`(async () => {
      const el = document.querySelector('.timeline');
      const frame = () => new Promise((r) => requestAnimationFrame(() => r(null)));
      let maxNodes = 0, maxLoaded = 0, frames = 0, paged = 0;
      const sample = () => {
        frames++;
        maxNodes = Math.max(maxNodes, document.getElementsByTagName('*').length);
        maxLoaded = Math.max(maxLoaded, Number(el.dataset.loadedMessages || 0));
      };
      const deadline = performance.now() + 600000;
      const newestId = () => Number(el.querySelector('li.message:last-of-type')?.dataset.messageId || 0);
      let last = null;
      // Up a screen per frame: to the first message, or through N messages.
      while (performance.now() < deadline) {
        if (${SCROLL} === 0 ? el.querySelector('.timeline-start') && el.scrollTop === 0 : paged >= ${SCROLL}) break;
        const before = el.scrollTop;
        el.scrollTop = Math.max(0, el.scrollTop - el.clientHeight);
        paged += Math.round((before - el.scrollTop) / 40);
        await frame();
        sample();
      }
      const reachedStart = !!el.querySelector('.timeline-start');
      if (${SCROLL} === 0) {
        // And down again to the newest, a screen per frame.
        const jump = () => [...document.querySelectorAll('button')].some((b) => /Jump to latest/.test(b.textContent));
        while ((jump() || el.scrollHeight - el.scrollTop - el.clientHeight > 2) && performance.now() < deadline) {
          el.scrollTop = el.scrollTop + el.clientHeight;
          await frame();
          sample();
        }
      }
      return { maxNodes, maxLoaded, frames, reachedStart };
    })()`)) as { maxNodes: number; maxLoaded: number; frames: number; reachedStart: boolean };
    const scrollMs = Math.round(performance.now() - t);
    const after = await marks();
    const during = after.longTasks.filter((l) => l.at >= scrollStart);
    const rows = Number(await page.locator('.timeline').getAttribute('data-total-rows'));
    await context.close();
    // The live phase runs its own daemon on the profile: this one lets go of it first.
    await web.close();
    await daemon.close();
    hostsOpen = false;
    const live = await measureLiveDelivery({
      browser,
      profileDir,
      rendererDir,
      chatRemoteId: '!big',
      chatName: /Big room/,
      samples: LIVE,
      body: sentence,
    });
    const result = {
      bench: 'ui',
      messages: BIG,
      chats: CHATS,
      buildProfileMs,
      chatListMs,
      chatList: {
        frames: listWalk.frames,
        maxDomNodes: listWalk.maxNodes,
        longTasks: listTasks.length,
        maxLongTaskMs: Math.round(Math.max(0, ...listTasks.map((l) => l.ms))),
      },
      openChatMs,
      scroll: {
        toStartAndBack: SCROLL === 0,
        reachedStart: walk.reachedStart,
        frames: walk.frames,
        rowsInWindowAtEnd: rows,
        maxMessagesHeld: walk.maxLoaded,
        maxDomNodes: walk.maxNodes,
        ms: scrollMs,
        longTasks: during.length,
        maxLongTaskMs: Math.round(Math.max(0, ...during.map((l) => l.ms))),
      },
      liveWriteToDom: live,
      targets: {
        chatListMs: chatListMs <= 300,
        openChatMs: openChatMs <= 100,
        noLongTaskOver50ms: [...during, ...listTasks].every((l) => l.ms <= 50),
        domNodesUnder3000: Math.max(walk.maxNodes, listWalk.maxNodes) < 3000,
      },
    };
    console.log(JSON.stringify(result));
  } finally {
    await browser.close();
    if (hostsOpen) {
      await web.close();
      await daemon.close();
    }
    rmSync(scratch, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
