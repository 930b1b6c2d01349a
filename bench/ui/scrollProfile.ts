// What the long frames of bench:ui's timeline scroll are made of.
//
//   npx tsx bench/ui/scrollProfile.ts [--profile DIR] [--screens N] [--messages N] [--chats N]
//
// The same profile and walk as bench:ui (a screen per frame, up N screens and
// back down; N = 0 walks to the first message and back), with the renderer
// built unminified so function names survive, and records:
//   - every 'long-animation-frame' over 50 ms: where its time went (script,
//     style and layout, rendering) and which callbacks ran in it (invoker,
//     function, duration, forced layout inside it);
//   - the 'longtask' entries (what bench:ui counts);
//   - a CPU profile of the walk (CDP Profiler), self time by function for the
//     samples that fall inside a long task.
// Prints a summary, and the raw entries as the last JSON line. With --profile
// DIR the profile is built there once and reused afterwards.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'vite';
import react from '@vitejs/plugin-react';
import { CHROMIUM } from '../../e2e/support.js';
import { launchBenchChromium } from './browser.js';
import { DaemonHost } from '../../main/daemon/host/daemonHost.js';
import type { SecretBroker } from '../../main/daemon/secrets/secretBroker.js';
import { startWebHost } from '../../main/web/webHost.js';
import { buildProfile } from './benchProfile.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const { values: args } = parseArgs({
  options: {
    profile: { type: 'string' },
    messages: { type: 'string', default: '50000' },
    chats: { type: 'string', default: '10000' },
    screens: { type: 'string', default: '400' },
  },
});
const SCREENS = Number(args.screens);

const secrets: SecretBroker = {
  get: async () => null,
  set: async () => undefined,
  delete: async () => false,
};

const PROBE = `
  (() => {
    const rec = { longTasks: [], frames: [], commits: [] };
    Object.defineProperty(window, '__prof', { value: rec });
    // Each React commit ends its task with one batch of mutation records: rows
    // added and removed, and the window's size then, to tell what a long task did.
    new MutationObserver((records) => {
      let added = 0, removed = 0;
      for (const r of records) {
        for (const n of r.addedNodes) if (n.nodeType === 1 && n.matches('li.timeline-row, li.message')) added++;
        for (const n of r.removedNodes) if (n.nodeType === 1 && n.matches('li.timeline-row, li.message')) removed++;
      }
      if (added + removed === 0) return;
      const el = document.querySelector('.timeline');
      rec.commits.push({ at: performance.now(), added, removed, loaded: Number(el?.dataset.loadedMessages || 0) });
    }).observe(document, { childList: true, subtree: true });
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) rec.longTasks.push({ at: e.startTime, ms: e.duration });
    }).observe({ type: 'longtask', buffered: true });
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        if (e.duration <= 50) continue;
        rec.frames.push({
          at: e.startTime,
          ms: e.duration,
          blocking: e.blockingDuration,
          renderStart: e.renderStart - e.startTime,
          styleAndLayoutStart: e.styleAndLayoutStart - e.startTime,
          scripts: e.scripts.map((s) => ({
            invoker: s.invoker,
            fn: s.sourceFunctionName,
            ms: Math.round(s.duration),
            forcedLayoutMs: Math.round(s.forcedStyleAndLayoutDuration),
          })),
        });
      }
    }).observe({ type: 'long-animation-frame', buffered: true });
  })();
`;

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

async function main(): Promise<void> {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}`);
  const scratch = mkdtempSync(join(tmpdir(), 'parley-scroll-profile-'));
  const profileDir = args.profile ? resolve(args.profile) : join(scratch, 'profile');
  if (!existsSync(profileDir)) buildProfile(profileDir, Number(args.messages), Number(args.chats));
  const rendererDir = join(scratch, 'renderer');
  await build({
    configFile: false,
    root: resolve(ROOT, 'renderer'),
    base: './',
    plugins: [react()],
    logLevel: 'warn',
    build: { outDir: rendererDir, emptyOutDir: true, minify: false },
  });
  const daemon = new DaemonHost({ profileDir, secrets });
  await daemon.ready;
  const web = await startWebHost({
    client: daemon,
    port: 0,
    rendererDir,
    blobDir: join(profileDir, 'blobs'),
  });
  const browser = await launchBenchChromium();
  try {
    const context = await browser.newContext({
      viewport: { width: 1280, height: 800 },
      bypassCSP: true,
    });
    await context.addInitScript(PROBE);
    const page = await context.newPage();
    await page.goto(web.url);
    await page.locator('[role=option]').nth(1).click();
    await page.waitForSelector('[role=log] li.message');
    await page.getByRole('option', { name: /Big room/ }).click();
    await page.waitForSelector('[role=log] li.message');
    await page.waitForTimeout(500);
    const cdp = await context.newCDPSession(page);
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
    const startAt = (await page.evaluate('performance.now()')) as number;
    await cdp.send('Profiler.start');
    await browser.startTracing(page, { categories: ['toplevel'] });
    const walk = (await page.evaluate(`(async () => {
      const el = document.querySelector('.timeline');
      const frame = () => new Promise((r) => requestAnimationFrame(() => r(null)));
      let frames = 0;
      const deadline = performance.now() + 600000;
      for (let k = 0; performance.now() < deadline; k++) {
        if (${SCREENS} === 0 ? el.querySelector('.timeline-start') && el.scrollTop === 0 : k >= ${SCREENS}) break;
        el.scrollTop = Math.max(0, el.scrollTop - el.clientHeight);
        await frame();
        frames++;
      }
      const jump = () => [...document.querySelectorAll('button')].some((b) => /Jump to latest/.test(b.textContent));
      while ((jump() || el.scrollHeight - el.scrollTop - el.clientHeight > 2) && performance.now() < deadline) {
        el.scrollTop = el.scrollTop + el.clientHeight;
        await frame();
        frames++;
      }
      return { frames };
    })()`)) as { frames: number };
    const trace = JSON.parse((await browser.stopTracing()).toString()) as {
      traceEvents: {
        name: string;
        ph: string;
        pid: number;
        tid: number;
        dur?: number;
        tdur?: number;
        args?: { name?: string };
      }[];
    };
    const { profile } = (await cdp.send('Profiler.stop')) as { profile: CpuProfile };
    const mains = new Set(
      trace.traceEvents
        .filter(
          (e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain',
        )
        .map((e) => `${e.pid}:${e.tid}`),
    );
    const runs = trace.traceEvents.filter(
      (e) => e.ph === 'X' && mains.has(`${e.pid}:${e.tid}`) && e.name.includes('RunTask'),
    );
    const longWall = runs.filter((e) => (e.dur ?? 0) > 50_000);
    const longCpu = runs.filter((e) => (e.tdur ?? 0) > 50_000);
    console.log(
      `trace: ${runs.length} renderer main-thread tasks (${runs.filter((e) => e.tdur !== undefined).length} with thread time); wall > 50 ms: ${longWall.length}; thread CPU > 50 ms: ${longCpu.length}; the wall-long ones used CPU ${longWall.map((e) => Math.round((e.tdur ?? 0) / 1000)).join(',')} ms`,
    );
    const rec = (await page.evaluate('window.__prof')) as {
      longTasks: { at: number; ms: number }[];
      commits: { at: number; added: number; removed: number; loaded: number }[];
      frames: {
        at: number;
        ms: number;
        blocking: number;
        renderStart: number;
        styleAndLayoutStart: number;
        scripts: { invoker: string; fn: string; ms: number; forcedLayoutMs: number }[];
      }[];
    };
    const tasks = rec.longTasks.filter((t) => t.at >= startAt);
    const frames = rec.frames.filter((f) => f.at >= startAt);

    // CPU samples inside long tasks, by function (self time).
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    // Profiler timestamps are microseconds on the monotonic clock; the page's
    // performance.now() is milliseconds since timeOrigin (epoch ms): align by
    // the profile's start, which Profiler.start took just after startAt.
    let ts = profile.startTime;
    const firstTs = profile.startTime;
    const inTask = (ms: number) => tasks.some((t) => ms >= t.at && ms <= t.at + t.ms);
    const self = new Map<string, number>();
    const selfAll = new Map<string, number>();
    for (let i = 0; i < profile.samples.length; i++) {
      ts += profile.timeDeltas[i] ?? 0;
      const node = byId.get(profile.samples[i]!)!;
      const name = `${node.callFrame.functionName || '(anon)'} ${node.callFrame.url.split('/').pop()}:${node.callFrame.lineNumber}`;
      const dt = (profile.timeDeltas[i + 1] ?? 0) / 1000;
      selfAll.set(name, (selfAll.get(name) ?? 0) + dt);
      const pageMs = startAt + (ts - firstTs) / 1000;
      if (inTask(pageMs)) self.set(name, (self.get(name) ?? 0) + dt);
    }
    const top = (m: Map<string, number>) =>
      [...m.entries()]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 30)
        .map(([k, v]) => `${v.toFixed(0).padStart(7)} ms  ${k}`)
        .join('\n');
    const invokers = new Map<string, { n: number; ms: number; forced: number }>();
    let script = 0;
    let layout = 0;
    let render = 0;
    for (const f of frames) {
      script += f.scripts.reduce((s, x) => s + x.ms, 0);
      layout += f.ms - (f.styleAndLayoutStart || f.ms);
      render += f.styleAndLayoutStart && f.renderStart ? f.styleAndLayoutStart - f.renderStart : 0;
      for (const s of f.scripts) {
        const key = `${s.invoker} → ${s.fn || '?'}`;
        const v = invokers.get(key) ?? { n: 0, ms: 0, forced: 0 };
        v.n++;
        v.ms += s.ms;
        v.forced += s.forcedLayoutMs;
        invokers.set(key, v);
      }
    }
    console.log(`frames walked: ${walk.frames}`);
    console.log(
      `longtasks > 50 ms: ${tasks.length}, max ${Math.round(Math.max(0, ...tasks.map((t) => t.ms)))} ms`,
    );
    console.log(
      `long animation frames > 50 ms: ${frames.length}; in them script ${script.toFixed(0)} ms, style+layout (frame end) ${layout.toFixed(0)} ms, rAF/render-start→layout ${render.toFixed(0)} ms`,
    );
    console.log('callbacks in long frames (count, total ms, forced layout ms):');
    for (const [k, v] of [...invokers.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, 20))
      console.log(
        `${String(v.n).padStart(5)} ${String(v.ms).padStart(7)} ${String(v.forced).padStart(6)}  ${k}`,
      );
    const commits = rec.commits.filter((c) => c.at >= startAt);
    const perCommit = commits.map((c) => c.added);
    console.log(
      `row-changing commits: ${commits.length}; rows added per commit: mean ${(perCommit.reduce((a, b) => a + b, 0) / Math.max(1, commits.length)).toFixed(1)}, max ${Math.max(0, ...perCommit)}`,
    );
    console.log(
      'long tasks and the commits that ended in them (added/removed rows, messages held):',
    );
    let prevLoaded = 0;
    for (const t of tasks) {
      const inIt = commits.filter((c) => c.at >= t.at && c.at <= t.at + t.ms + 1);
      const before = commits.filter((c) => c.at < t.at).pop();
      prevLoaded = before?.loaded ?? prevLoaded;
      console.log(
        `  ${t.at.toFixed(0)} +${t.ms.toFixed(0)} ms: ${inIt.map((c) => `+${c.added}/-${c.removed} held ${c.loaded}`).join(', ') || 'no row change'} (held before ${prevLoaded})`,
      );
    }
    console.log('CPU self time inside long tasks:\n' + top(self));
    console.log('CPU self time over the whole walk:\n' + top(selfAll));
    console.log(JSON.stringify({ longTasks: tasks, frames: frames.slice(0, 200) }));
    await context.close();
  } finally {
    await browser.close();
    await web.close();
    await daemon.close();
    rmSync(join(scratch, 'renderer'), { recursive: true, force: true });
    if (!args.profile) rmSync(scratch, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
