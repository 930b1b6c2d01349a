// npm run bench:live — a message written on the server by another user, to
// its row in Chromium's DOM, against real servers on loopback (issue #14).
//
//   npm run bench:live [-- --server matrix|jmap-chat|all] [--samples 100] [--warmup 5]
//                      [--settle 60] [--raw FILE]
//
// Per server: the web mode app as `parley web` runs it (DaemonHost, its
// worker with the real connector: liveWorker.ts; the web host; the real
// renderer in Chromium with the chat open), signed in as `me`; `ann` writes
// into that chat with one plain HTTP request; the time runs from the moment
// that request is issued to the row entering the DOM (MutationObserver, the
// page's clock calibrated against ours). Alternating with those samples, the
// same sends into a bare client's chat measure the floor the server and
// loopback impose (matrixServer.ts, jmapChatServer.ts). Every Parley sample
// is broken down (breakdown.ts). One JSON object on the last line of stdout.
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Browser } from 'playwright-core';
import { launchBenchChromium } from '../ui/browser.js';
import { buildRenderer } from '../../e2e/support.js';
import { DaemonHost } from '../../main/daemon/host/daemonHost.js';
import { startWebHost } from '../../main/web/webHost.js';
import { memorySecrets } from '../../test/helpers/fixtures.js';
import { sentence } from '../ui/benchProfile.js';
import { startJmapChatSide } from './jmapChatServer.js';
import { markCollector } from './marks.js';
import { startMatrixSide } from './matrixServer.js';
import { LivePage } from './page.js';
import { HostEvents, measure } from './sampler.js';
import type { LiveServer } from './sides.js';

const { values: args } = parseArgs({
  options: {
    server: { type: 'string', default: 'all' },
    samples: { type: 'string', default: '100' },
    warmup: { type: 'string', default: '5' },
    /** Pause after each sample, so the next send starts from a quiet state. */
    settle: { type: 'string', default: '60' },
    /** Writes every sample (Parley's stages, the floor's times) here as JSON, one server per line. */
    raw: { type: 'string' },
  },
});
const SERVERS = args.server === 'all' ? ['matrix', 'jmap-chat'] : [args.server!];
for (const s of SERVERS)
  if (s !== 'matrix' && s !== 'jmap-chat')
    throw new Error(`--server ${s}: matrix, jmap-chat or all`);

/** One server: Parley signed in through the app's worker and web host, measured against the floor. */
async function measureServer(browser: Browser, rendererDir: string, side: LiveServer) {
  const profileDir = mkdtempSync(join(tmpdir(), 'parley-bench-live-'));
  const collector = markCollector();
  const daemon = new DaemonHost({
    profileDir,
    secrets: memorySecrets(),
    workerFile: fileURLToPath(new URL('./liveWorker.ts', import.meta.url)),
  });
  const host = new HostEvents();
  const unsubscribe = daemon.subscribe(host.listener);
  let web: Awaited<ReturnType<typeof startWebHost>> | null = null;
  let page: LivePage | null = null;
  try {
    await daemon.ready;
    web = await startWebHost({
      client: daemon,
      port: 0,
      rendererDir,
      blobDir: join(profileDir, 'blobs'),
    });
    daemon.startSync();
    const added = await daemon.callRaw('accounts.add', side.parleyAccount);
    if (!added.ok) throw new Error(`accounts.add: ${added.error.code} ${added.error.message}`);
    page = await LivePage.open(browser, web.url, side.chatName);
    return await measure({
      server: side,
      page,
      marks: collector.marks,
      host,
      samples: Number(args.samples),
      warmup: Number(args.warmup),
      settleMs: Number(args.settle),
      body: sentence,
    });
  } finally {
    await page?.close();
    await web?.close();
    unsubscribe();
    await daemon.close();
    collector.close();
    rmSync(profileDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const scratch = mkdtempSync(join(tmpdir(), 'parley-bench-live-ui-'));
  const loadBefore = loadavg().map((l) => Math.round(l * 100) / 100);
  const browser = await launchBenchChromium();
  try {
    const rendererDir = join(scratch, 'renderer');
    await buildRenderer(rendererDir);
    const results: Record<string, unknown> = {};
    for (const name of SERVERS) {
      console.error(`bench:live: ${name}…`);
      const side = name === 'matrix' ? await startMatrixSide() : await startJmapChatSide();
      try {
        const { raw, ...figures } = await measureServer(browser, rendererDir, side);
        results[name] = figures;
        if (args.raw) appendFileSync(args.raw, `${JSON.stringify({ server: name, ...raw })}\n`);
      } finally {
        await side.close();
      }
      console.error(`bench:live: ${name}: ${JSON.stringify(results[name])}`);
    }
    console.log(
      JSON.stringify({
        bench: 'live',
        samples: Number(args.samples),
        warmup: Number(args.warmup),
        settleMs: Number(args.settle),
        loadavg: { before: loadBefore, after: loadavg().map((l) => Math.round(l * 100) / 100) },
        ...results,
      }),
    );
  } finally {
    await browser.close();
    rmSync(scratch, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
