// npm run bench:ui — the renderer in Chromium over web mode, on a large profile.
//
//   npm run bench:ui [-- --profile DIR] [-- --messages N] [-- --chats N] [-- --baseline REF]
//                    [-- --compare N [--compare-profile DIR]] [-- --loads 3] [-- --opens 5]
//
// Builds a profile with one chat of N messages (default 50k) and N chats
// (default 10k) through the Store's BatchWriter (--profile DIR: built there
// and kept, or reused when DIR already holds one), starts the daemon worker
// and the web host, and measures in Chromium:
//   chatListMs   navigation start → first painted chat-list row (median of
//                --loads reloads after a warm-up load; each in chatListLoadsMs)
//   chatList     the whole chat list scrolled a screen per frame: long tasks,
//                the most DOM nodes at any frame
//   openChatMs   click on the big chat → first painted message of it (median
//                of --opens, each after opening a small chat; in openChatRunsMs)
//   scroll       the big chat scrolled to its first message and back to the
//                newest (--scroll 0; or back through N messages), paging
//                included: long tasks (PerformanceObserver 'longtask'), the
//                most DOM nodes and the most messages held at any frame
//   live         a simulated connector's batch written to the store → the message's
//                row in the DOM, median and p95 over --live samples (liveDelivery.ts)
// Every walk is traced ('toplevel'), so each long task's own CPU time is
// known: on a loaded machine a task can last 50 ms of wall time while its
// thread waits for a core (counted as `descheduled`); `cpuLongTasks` counts
// the tasks that did more than 50 ms of work themselves. --baseline REF
// measures the renderer at that git ref first, in the same run, on the same
// profile, daemon and browser, and prints its figures beside these.
// --compare N measures a second profile of N messages (same chats) first, in
// the same run, with the same renderer and browser: what the size costs.
// Prints one JSON line. Targets (issue #14): chatListMs ≤ 200, openChatMs ≤ 50,
// no long task > 50 ms, fewer than 3,000 DOM nodes at any time.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { buildRenderer, CHROMIUM } from '../../e2e/support.js';
import { launchBenchChromium } from './browser.js';
import { DaemonHost } from '../../main/daemon/host/daemonHost.js';
import type { SecretBroker } from '../../main/daemon/secrets/secretBroker.js';
import { startWebHost } from '../../main/web/webHost.js';
import { measureLiveDelivery } from './liveDelivery.js';
import { buildProfile, sentence } from './benchProfile.js';
import { percentile } from '../stats.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const { values: args } = parseArgs({
  options: {
    profile: { type: 'string' },
    messages: { type: 'string', default: '50000' },
    chats: { type: 'string', default: '10000' },
    /** 0: to the first message and back; N: back through N messages only. */
    scroll: { type: 'string', default: '0' },
    live: { type: 'string', default: '200' },
    /** A git ref whose renderer is measured too, first, in the same run (e.g. main). */
    baseline: { type: 'string' },
    /** A second profile of this many messages, measured first in the same run (e.g. 50000 beside 1M). */
    compare: { type: 'string' },
    'compare-profile': { type: 'string' },
    /** Measured loads of the app (after a warm-up one); chatListMs is their median. */
    loads: { type: 'string', default: '3' },
    /** Measured openings of the big chat; openChatMs is their median. */
    opens: { type: 'string', default: '5' },
  },
});
const BIG = Number(args.messages);
const CHATS = Number(args.chats);
const SCROLL = Number(args.scroll);
const LIVE = Number(args.live);
const LOADS = Math.max(1, Number(args.loads));
const OPENS = Math.max(1, Number(args.opens));
const ratio = (a: number, b: number): number => Math.round((a / b) * 100) / 100;
const median = (xs: number[]): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
};

const secrets: SecretBroker = {
  get: async () => null,
  set: async () => undefined,
  delete: async () => false,
};

/** Records, in the page, when the first chat row and the first message row are painted. */
const PROBE = `
  (() => {
    // expectTitle: the open-chat mark waits for that chat's title, so the rows of
    // the chat open before the click cannot count as the new chat's.
    const marks = { chatList: null, clickAt: null, openChat: null, expectTitle: null, longTasks: [] };
    Object.defineProperty(window, '__bench', { value: marks });
    // While marks.tracing, every API call over the web socket: its name, when it
    // went out and when its answer came (where an opening's time goes).
    marks.calls = [];
    // On from the start, so a load's calls before the first chat row are known.
    marks.tracing = true;
    const Native = window.WebSocket;
    window.WebSocket = class extends Native {
      constructor(...args) {
        super(...args);
        // The app's socket: when it was made and when it opened (a load's phases).
        if (marks.socketAt === undefined) {
          marks.socketAt = performance.now();
          this.addEventListener('open', () => { marks.socketOpen = performance.now(); }, { once: true });
        }
        this.addEventListener('message', (e) => {
          if (!marks.tracing || typeof e.data !== 'string') return;
          const id = /^\\{"id":(\\d+)/.exec(e.data)?.[1];
          const call = id && marks.calls.find((c) => c.id === Number(id));
          if (call) call.done = performance.now();
        });
      }
      send(text) {
        if (marks.tracing && typeof text === 'string') {
          const m = /^\\{"id":(\\d+),"name":"([^"]+)"/.exec(text);
          if (m) marks.calls.push({ id: Number(m[1]), name: m[2], at: performance.now(), done: null });
        }
        super.send(text);
      }
    };
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
      if (waitingChat && document.querySelector('[role=log] li.message') &&
          (marks.expectTitle === null || (document.getElementById('chat-title')?.textContent ?? '').includes(marks.expectTitle))) {
        waitingChat = false;
        painted('openChat');
      }
    }).observe(document, { childList: true, subtree: true });
  })();
`;

interface Marks {
  chatList: number | null;
  /** The app's socket made, and opened (ms after navigation start). */
  socketAt?: number;
  socketOpen?: number;
  clickAt: number | null;
  openChat: number | null;
  calls: { id: number; name: string; at: number; done: number | null }[];
  longTasks: { at: number; ms: number }[];
}

/** Long tasks in one phase: by wall time (what the page sees), and by the renderer main thread's own CPU time. */
interface TaskCounts {
  longTasks: number;
  maxLongTaskMs: number;
  /** Tasks over 50 ms of the main thread's CPU time (Chromium's trace, thread time). */
  cpuLongTasks: number;
  maxTaskCpuMs: number;
  /** Tasks over 50 ms of wall time that used under 50 ms of CPU: the thread was waiting for a core. */
  descheduled: number;
}

interface TraceEvent {
  name: string;
  ph: string;
  pid: number;
  tid: number;
  dur?: number;
  tdur?: number;
  args?: { name?: string };
}

/** The renderer main threads' tasks in a 'toplevel' trace: wall and thread (CPU) time, µs. */
function rendererTasks(trace: { traceEvents: TraceEvent[] }): { dur: number; tdur: number }[] {
  const mains = new Set(
    trace.traceEvents
      .filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain')
      .map((e) => `${e.pid}:${e.tid}`),
  );
  return trace.traceEvents
    .filter((e) => e.ph === 'X' && e.name.includes('RunTask') && mains.has(`${e.pid}:${e.tid}`))
    .map((e) => ({ dur: e.dur ?? 0, tdur: e.tdur ?? e.dur ?? 0 }));
}

/**
 * Runs a page-side walk in chunks of frames, tracing each chunk ('toplevel':
 * every task with its thread time) so a long task can be told apart from a
 * thread that waited for a core on a loaded machine. Chunks keep each trace small.
 */
async function tracedWalk(
  browser: Browser,
  page: Page,
  chunk: string,
): Promise<{ tasks: { dur: number; tdur: number }[]; result: Record<string, unknown> }> {
  const tasks: { dur: number; tdur: number }[] = [];
  for (;;) {
    await browser.startTracing(page, { categories: ['toplevel'] });
    const result = (await page.evaluate(chunk)) as Record<string, unknown> & { done: boolean };
    const trace = JSON.parse((await browser.stopTracing()).toString()) as {
      traceEvents: TraceEvent[];
    };
    tasks.push(...rendererTasks(trace));
    if (result.done) return { tasks, result };
  }
}

function taskCounts(
  longTasks: { ms: number }[],
  tasks: { dur: number; tdur: number }[],
): TaskCounts {
  const cpuLong = tasks.filter((t) => t.tdur > 50_000);
  return {
    longTasks: longTasks.length,
    maxLongTaskMs: Math.round(longTasks.reduce((m, l) => Math.max(m, l.ms), 0)),
    cpuLongTasks: cpuLong.length,
    // reduce, not Math.max(...): a walk has hundreds of thousands of tasks.
    maxTaskCpuMs: Math.round(tasks.reduce((m, t) => Math.max(m, t.tdur), 0) / 1000),
    descheduled: tasks.filter((t) => t.dur > 50_000 && t.tdur <= 50_000).length,
  };
}

/** The chat list walk, a screen per frame, in chunks; state kept on window between chunks. */
const LIST_CHUNK = `(async () => {
  const el = document.querySelector('.chat-rows');
  const st = window.__listWalk ?? (window.__listWalk = { maxNodes: 0, frames: 0 });
  for (let k = 0; k < 400; k++) {
    if (el.scrollTop + el.clientHeight >= el.scrollHeight - 1) {
      // Back to the top, rendered, before the next phase clicks its rows.
      el.scrollTop = 0;
      await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(null))));
      return { done: true, ...st };
    }
    el.scrollTop += el.clientHeight;
    st.frames++;
    await new Promise((r) => requestAnimationFrame(() => r(null)));
    st.maxNodes = Math.max(st.maxNodes, document.getElementsByTagName('*').length);
  }
  return { done: false, ...st };
})()`;

/** The timeline walk: up a screen per frame (to the start, or through SCROLL messages), then down to the newest. */
const SCROLL_CHUNK = `(async () => {
  const el = document.querySelector('.timeline');
  const frame = () => new Promise((r) => requestAnimationFrame(() => r(null)));
  const st = window.__scrollWalk ?? (window.__scrollWalk = {
    maxNodes: 0, maxLoaded: 0, frames: 0, paged: 0, up: true, reachedStart: false,
    deadline: performance.now() + 900000,
  });
  const sample = () => {
    st.frames++;
    st.maxNodes = Math.max(st.maxNodes, document.getElementsByTagName('*').length);
    st.maxLoaded = Math.max(st.maxLoaded, Number(el.dataset.loadedMessages || 0));
  };
  const jump = () => [...document.querySelectorAll('button')].some((b) => /Jump to latest/.test(b.textContent));
  for (let k = 0; k < 400; k++) {
    if (performance.now() > st.deadline) return { done: true, ...st };
    if (st.up) {
      if (${SCROLL} === 0 ? el.querySelector('.timeline-start') && el.scrollTop === 0 : st.paged >= ${SCROLL}) {
        st.up = false;
        st.reachedStart = !!el.querySelector('.timeline-start');
        if (${SCROLL} !== 0) return { done: true, ...st };
        continue;
      }
      const before = el.scrollTop;
      el.scrollTop = Math.max(0, el.scrollTop - el.clientHeight);
      st.paged += Math.round((before - el.scrollTop) / 40);
    } else {
      if (!jump() && el.scrollHeight - el.scrollTop - el.clientHeight <= 2) return { done: true, ...st };
      el.scrollTop = el.scrollTop + el.clientHeight;
    }
    await frame();
    sample();
  }
  return { done: false, ...st };
})()`;

/**
 * The transport's floor under the machine's current load: a socket of the
 * page's own to the web host (the same cookie), 40 calls that do no work
 * (`settings.get`), one at a time; p50 and p95 in ms.
 */
const API_ROUND_TRIPS = `(async () => {
  const ws = new WebSocket(\`ws://\${location.host}/ws\`);
  await new Promise((r, f) => { ws.onopen = r; ws.onerror = f; });
  const times = [];
  for (let id = 1; id <= 40; id++) {
    const t = performance.now();
    await new Promise((r) => {
      ws.onmessage = (e) => { if (String(e.data).startsWith('{"id":' + id + ',')) r(null); };
      ws.send(JSON.stringify({ id, name: 'settings.get', input: {} }));
    });
    times.push(performance.now() - t);
  }
  ws.close();
  times.sort((a, b) => a - b);
  const at = (p) => Math.round(times[Math.min(times.length - 1, Math.floor(times.length * p))] * 100) / 100;
  return { p50: at(0.5), p95: at(0.95) };
})()`;

/** The navigation's own marks: the page's HTML received, its scripts run (DOMContentLoaded). */
const NAVIGATION = `(() => {
  const nav = performance.getEntriesByType('navigation')[0];
  return { htmlMs: nav.responseEnd, scriptsRunMs: nav.domContentLoadedEventEnd };
})()`;
interface NavigationMarks {
  htmlMs: number;
  scriptsRunMs: number;
}

/**
 * A load, phase by phase (ms after navigation start): the HTML received, the
 * bundle run (DOMContentLoaded: module scripts run before it), the app's
 * socket made and open, the first call sent, the chat list's first page
 * answered, its first row painted. What lies before the first call is the
 * web host's answer, the bundle and the socket's handshake.
 */
interface LoadPhases {
  htmlMs: number;
  scriptsRunMs: number;
  socketMadeMs: number | null;
  socketOpenMs: number | null;
  firstCallMs: number | null;
  chatListAnsweredMs: number | null;
  paintedMs: number;
}

function phasesOf(m: Marks, nav: NavigationMarks): LoadPhases {
  const at = (x: number | null | undefined) => (x == null ? null : Math.round(x));
  const before = m.calls.filter((c) => c.at <= m.chatList!);
  return {
    htmlMs: Math.round(nav.htmlMs),
    scriptsRunMs: Math.round(nav.scriptsRunMs),
    socketMadeMs: at(m.socketAt),
    socketOpenMs: at(m.socketOpen),
    firstCallMs: at(before[0]?.at),
    chatListAnsweredMs: at(before.find((c) => c.name === 'chats.list')?.done),
    paintedMs: Math.round(m.chatList!),
  };
}

/** The API calls sent between two page times, as ms after `from` (sent, answered). */
function callsBetween(m: Marks, from: number, to: number) {
  return m.calls
    .filter((c) => c.at >= from && c.at <= to)
    .map((c) => ({
      name: c.name,
      sentMs: Math.round(c.at - from),
      answeredMs: c.done === null ? null : Math.round(c.done - from),
    }));
}

/** One renderer build measured: first paint, the chat list walk, opening the big chat, its scroll. */
async function measureRenderer(browser: Browser, url: string) {
  // bypassCSP: the probes below are evaluated as text, which the app's CSP (rightly) forbids.
  const context = await browser.newContext({
    viewport: { width: 1280, height: 800 },
    bypassCSP: true,
  });
  try {
    await context.addInitScript(PROBE);
    const page = await context.newPage();
    // Page code is passed as text: tsx would wrap functions in helpers the page lacks.
    const marks = () => page.evaluate('window.__bench') as Promise<Marks>;
    // A warm-up load (the browser's caches), then the measured ones.
    await page.goto(url);
    await page.waitForSelector('[role=option]');
    const chatListLoadsMs: number[] = [];
    /** Per load: the API calls before the first chat row was painted. */
    const loadCalls: { name: string; sentMs: number; answeredMs: number | null }[][] = [];
    /** Per load: where the time before the first painted row went (ms after navigation start). */
    const loadPhases: LoadPhases[] = [];
    for (let k = 0; k < LOADS; k++) {
      await page.reload();
      await page.waitForFunction('window.__bench.chatList !== null');
      const m = await marks();
      chatListLoadsMs.push(Math.round(m.chatList!));
      loadCalls.push(callsBetween(m, 0, m.chatList!));
      loadPhases.push(phasesOf(m, (await page.evaluate(NAVIGATION)) as NavigationMarks));
    }
    await page.evaluate('window.__bench.tracing = false');
    const chatListMs = median(chatListLoadsMs);

    // The whole chat list (once every page of it arrived), a screen per frame.
    await page.waitForFunction(
      `Number(document.querySelector('[role=listbox]')?.getAttribute('data-total-rows')) >= ${CHATS}`,
    );
    const listStart = (await page.evaluate('performance.now()')) as number;
    const list = await tracedWalk(browser, page, LIST_CHUNK);
    const listEnd = (await page.evaluate('performance.now()')) as number;
    const listTasks = (await marks()).longTasks.filter((l) => l.at >= listStart && l.at < listEnd);

    // Open a small chat (warm), then the big one, measured; OPENS times.
    const openChatRunsMs: number[] = [];
    /** Per opening: the API calls made between the click and the first painted message. */
    const openCalls: { name: string; sentMs: number; answeredMs: number | null }[][] = [];
    /** Per opening (from the click to the mark): the renderer thread's CPU, all tasks and the longest. */
    const openCpu: { cpuMs: number; maxTaskCpuMs: number }[] = [];
    await page.evaluate('window.__bench.tracing = true');
    for (let k = 0; k < OPENS; k++) {
      await page.evaluate('window.__bench.expectTitle = null');
      await page
        .locator('[role=option]')
        .nth(1 + (k % 5))
        .click();
      await page.waitForFunction('window.__bench.openChat !== null');
      await page.evaluate(`window.__bench.expectTitle = 'Big room'`);
      // Traced: the renderer thread's own CPU time in the opening, apart from its waits.
      await browser.startTracing(page, { categories: ['toplevel'] });
      await page.getByRole('option', { name: /Big room/ }).click();
      await page.waitForFunction('window.__bench.openChat !== null');
      const trace = JSON.parse((await browser.stopTracing()).toString()) as {
        traceEvents: TraceEvent[];
      };
      const tasks = rendererTasks(trace);
      openCpu.push({
        cpuMs: Math.round(tasks.reduce((sum, t) => sum + t.tdur, 0) / 1000),
        maxTaskCpuMs: Math.round(tasks.reduce((m, t) => Math.max(m, t.tdur), 0) / 1000),
      });
      const m = await marks();
      openChatRunsMs.push(Math.round(m.openChat! - m.clickAt!));
      openCalls.push(callsBetween(m, m.clickAt!, m.openChat!));
      // Let the chat's rows settle before the next click (or the scroll).
      await page.waitForTimeout(300);
    }
    await page.evaluate('window.__bench.tracing = false');
    const openChatMs = median(openChatRunsMs);
    const medianOpening = openChatRunsMs.indexOf(openChatMs);
    const apiRoundTripMs = (await page.evaluate(API_ROUND_TRIPS)) as { p50: number; p95: number };

    // Scroll back through SCROLL messages, one screen per frame, paging as it goes.
    const scrollStart = (await page.evaluate('performance.now()')) as number;
    const t = performance.now();
    const scroll = await tracedWalk(browser, page, SCROLL_CHUNK);
    const walk = scroll.result as {
      maxNodes: number;
      maxLoaded: number;
      frames: number;
      reachedStart: boolean;
    };
    const scrollMs = Math.round(performance.now() - t);
    const during = (await marks()).longTasks.filter((l) => l.at >= scrollStart);
    const rows = Number(await page.locator('.timeline').getAttribute('data-total-rows'));
    const listWalk = list.result as { maxNodes: number; frames: number };
    return {
      chatListMs,
      chatListLoadsMs,
      /** The median load's API calls, ms after navigation start (sent, answered). */
      chatListCalls: loadCalls[chatListLoadsMs.indexOf(chatListMs)] ?? [],
      /** The median load's phases, ms after navigation start. */
      chatListPhases: loadPhases[chatListLoadsMs.indexOf(chatListMs)] ?? null,
      chatList: {
        frames: listWalk.frames,
        maxDomNodes: listWalk.maxNodes,
        ...taskCounts(listTasks, list.tasks),
      },
      openChatMs,
      openChatRunsMs,
      /** The floor of any call: page → web host → daemon worker → page, for a call that does nothing. */
      apiRoundTripMs,
      /** The median opening's API calls, ms after the click (sent, answered). */
      openChatCalls: openCalls[medianOpening] ?? [],
      /** The median opening's renderer-thread CPU (trace thread time; the trace spans click to mark). */
      openChatCpu: openCpu[medianOpening] ?? null,
      scroll: {
        toStartAndBack: SCROLL === 0,
        reachedStart: walk.reachedStart,
        frames: walk.frames,
        rowsInWindowAtEnd: rows,
        maxMessagesHeld: walk.maxLoaded,
        maxDomNodes: walk.maxNodes,
        ms: scrollMs,
        ...taskCounts(during, scroll.tasks),
      },
      /** Wall-time long tasks, for the targets. */
      wallLongTasks: [...during, ...listTasks],
    };
  } finally {
    await context.close();
  }
}

/** The renderer's source at a git ref, beside the current one (so its imports resolve the same). */
function checkoutRenderer(ref: string): string {
  const dir = mkdtempSync(join(ROOT, 'bench', 'ui', '.baseline-'));
  const tar = join(dir, 'src.tar');
  execFileSync('git', ['-C', ROOT, 'archive', '--format=tar', '-o', tar, ref, 'renderer', 'main']);
  execFileSync('tar', ['-xf', tar, '-C', dir]);
  rmSync(tar);
  return dir;
}

/**
 * The profile in `dir` of `messages` messages and CHATS chats: reused when the
 * directory holds one, else built there. Returns how long building took (0: reused).
 */
function prepareProfile(dir: string, messages: number): number {
  if (existsSync(join(dir, 'parley.db'))) return 0;
  if (existsSync(dir) && readdirSync(dir).length > 0)
    throw new Error(`${dir} is neither empty nor a profile`);
  mkdirSync(dir, { recursive: true });
  const t = performance.now();
  buildProfile(dir, messages, CHATS);
  return Math.round(performance.now() - t);
}

const launchBrowser = launchBenchChromium;

type Measured = Awaited<ReturnType<typeof measureRenderer>>;
/** A measurement without its raw long-task list (that is only for the targets). */
const strip = (r: Measured | null) => {
  if (!r) return null;
  const { wallLongTasks: _omit, ...rest } = r;
  void _omit;
  return rest;
};

/**
 * The daemon's share of a load and of an opening, without a browser: the
 * renderer's first calls (the chat list's first page of 60, the big chat's
 * first page of 40 messages) through the worker, as the web host makes them.
 */
async function daemonCalls(daemon: DaemonHost, rounds = 40) {
  const timed = async (name: string, input: unknown) => {
    const t = performance.now();
    const r = await daemon.callRaw(name, input);
    if (!r.ok) throw new Error(`${name}: ${r.error.message}`);
    return { ms: performance.now() - t, value: r.value };
  };
  const first = await timed('chats.list', { limit: 60 });
  const big = (first.value as { chats: { id: number; name: string | null }[] }).chats.find(
    (c) => c.name === 'Big room',
  );
  if (!big) throw new Error('no Big room in the first page of chats');
  const list: number[] = [];
  const page: number[] = [];
  for (let k = 0; k < rounds; k++) {
    list.push((await timed('chats.list', { limit: 60 })).ms);
    page.push((await timed('messages.page', { chatId: big.id, limit: 40 })).ms);
  }
  const fig = (xs: number[]) => ({
    p50: Math.round(percentile(xs, 50) * 100) / 100,
    p95: Math.round(percentile(xs, 95) * 100) / 100,
  });
  return { chatsListFirstPageMs: fig(list), bigChatFirstPageMs: fig(page) };
}

/** --compare: the same chats with another size of big chat, measured on a daemon of its own. */
async function measureCompare(browser: Browser, rendererDir: string, scratch: string) {
  const messages = Number(args.compare);
  const dir = args['compare-profile'] ? resolve(args['compare-profile']) : join(scratch, 'compare');
  const buildProfileMs = prepareProfile(dir, messages);
  const daemon = new DaemonHost({ profileDir: dir, secrets });
  try {
    await daemon.ready;
    const calls = await daemonCalls(daemon);
    const web = await startWebHost({
      client: daemon,
      port: 0,
      rendererDir,
      blobDir: join(dir, 'blobs'),
    });
    try {
      const { wallLongTasks: _omit, ...measured } = await measureRenderer(browser, web.url);
      void _omit;
      console.error(`compare (${messages} messages): ${JSON.stringify(measured)}`);
      return { messages, buildProfileMs, daemonCalls: calls, ...measured };
    } finally {
      await web.close();
    }
  } finally {
    await daemon.close();
  }
}

async function main(): Promise<void> {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}`);
  const scratch = mkdtempSync(join(tmpdir(), 'parley-bench-ui-'));
  const profileDir = args.profile ? resolve(args.profile) : join(scratch, 'profile');
  const buildProfileMs = prepareProfile(profileDir, BIG);
  const rendererDir = join(scratch, 'renderer');
  await buildRenderer(rendererDir);
  const baselineDir = args.baseline ? join(scratch, 'baseline') : null;
  if (args.baseline && baselineDir) {
    const source = checkoutRenderer(args.baseline);
    try {
      await buildRenderer(baselineDir, source);
    } finally {
      rmSync(source, { recursive: true, force: true });
    }
  }
  const browser = await launchBrowser();
  let daemon: DaemonHost | null = null;
  try {
    const compare = args.compare ? await measureCompare(browser, rendererDir, scratch) : null;
    daemon = new DaemonHost({ profileDir, secrets });
    await daemon.ready;
    const calls = await daemonCalls(daemon);
    const client = daemon;
    const host = (dir: string) =>
      startWebHost({ client, port: 0, rendererDir: dir, blobDir: join(profileDir, 'blobs') });
    // The baseline first, then this tree, on the same daemon, profile and browser.
    let baseline: Measured | null = null;
    if (baselineDir) {
      const web = await host(baselineDir);
      try {
        baseline = await measureRenderer(browser, web.url);
        // Shown now: the measured tree's phase takes as long again.
        const { wallLongTasks: _omit, ...shown } = baseline;
        void _omit;
        console.error(`baseline ${args.baseline}: ${JSON.stringify(shown)}`);
      } finally {
        await web.close();
      }
    }
    const web = await host(rendererDir);
    let current: Measured;
    try {
      current = await measureRenderer(browser, web.url);
    } finally {
      await web.close();
    }
    // The live phase runs its own daemon on the profile: this one lets go of it first.
    await daemon.close();
    daemon = null;
    const live =
      LIVE > 0
        ? await measureLiveDelivery({
            browser,
            profileDir,
            rendererDir,
            chatRemoteId: '!big',
            chatName: /Big room/,
            samples: LIVE,
            body: sentence,
          })
        : null;
    const { wallLongTasks, ...figures } = current;
    const result = {
      bench: 'ui',
      messages: BIG,
      chats: CHATS,
      buildProfileMs,
      daemonCalls: calls,
      ...figures,
      liveWriteToDom: live,
      baseline: baseline ? { ref: args.baseline, ...strip(baseline) } : null,
      compare,
      /** This profile's figure ÷ the compare profile's: what the size costs. */
      vsCompare: compare
        ? {
            chatListMs: ratio(figures.chatListMs, compare.chatListMs),
            openChatMs: ratio(figures.openChatMs, compare.openChatMs),
            scrollCpuLongTasks: [figures.scroll.cpuLongTasks, compare.scroll.cpuLongTasks],
            scrollMaxTaskCpuMs: [figures.scroll.maxTaskCpuMs, compare.scroll.maxTaskCpuMs],
          }
        : null,
      targets: {
        chatListMs: figures.chatListMs <= 200,
        openChatMs: figures.openChatMs <= 50,
        noLongTaskOver50ms: wallLongTasks.every((l) => l.ms <= 50),
        noTaskOver50msCpu: figures.scroll.cpuLongTasks + figures.chatList.cpuLongTasks === 0,
        domNodesUnder3000:
          Math.max(figures.scroll.maxDomNodes, figures.chatList.maxDomNodes) < 3000,
      },
    };
    console.log(JSON.stringify(result));
  } finally {
    await browser.close();
    if (daemon) await daemon.close();
    rmSync(scratch, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
