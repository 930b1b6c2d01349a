// bench:ui's live phase: how long a message takes from the moment a simulated
// connector's batch writes it to the store to its row in Chromium's DOM.
//
// The daemon runs in this process (the simulated connector must live beside
// it) behind the same web host; the page notes, in a MutationObserver, when a
// row holding the message's token is inserted. Both sides read epoch time
// (timeOrigin + now); the page's offset against ours is calibrated by the
// round trip with the smallest delay, so the two clocks agree to a fraction
// of a millisecond.
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { Daemon } from '../../main/daemon/daemon.js';
import { ConnectorRegistry } from '../../main/daemon/connectors/registry.js';
import type { SecretBroker } from '../../main/daemon/secrets/secretBroker.js';
import { startWebHost } from '../../main/web/webHost.js';
import { percentile, round } from '../stats.js';
import { LiveFeed } from './liveFeed.js';
import { pageClockOffset } from './browser.js';

export interface LiveDeliveryResult {
  samples: number;
  medianMs: number;
  p95Ms: number;
  maxMs: number;
}

/** Records, in the page, when a row with the expected token enters the timeline. */
const LIVE_PROBE = `
  (() => {
    const live = { expect: null, seenAt: null };
    Object.defineProperty(window, '__live', { value: live });
    new MutationObserver((records) => {
      if (live.expect === null || live.seenAt !== null) return;
      for (const r of records)
        for (const n of r.addedNodes)
          if (n.nodeType === 1 && n.closest('[role=log]') && n.textContent.includes(live.expect)) {
            live.seenAt = performance.timeOrigin + performance.now();
            return;
          }
    }).observe(document, { childList: true, subtree: true });
  })();
`;

const secrets: SecretBroker = {
  get: async () => 'bench-token',
  set: async () => undefined,
  delete: async () => false,
};

/**
 * Opens `chatName` (a chat of `chatRemoteId` on the profile's Matrix account)
 * and delivers `samples` messages to it one at a time, after `warmup` unmeasured ones.
 */
export async function measureLiveDelivery(options: {
  browser: Browser;
  profileDir: string;
  rendererDir: string;
  chatRemoteId: string;
  chatName: RegExp;
  samples: number;
  warmup?: number;
  body: (i: number) => string;
}): Promise<LiveDeliveryResult> {
  const feed = new LiveFeed();
  const daemon = new Daemon({
    profileDir: options.profileDir,
    secrets,
    connectors: new ConnectorRegistry().register('matrix', () => feed.connector()),
  });
  const web = await startWebHost({
    client: {
      callRaw: (name, input) => daemon.call(name, input),
      subscribe: (listener) => daemon.subscribe(listener),
    },
    port: 0,
    rendererDir: options.rendererDir,
    blobDir: join(options.profileDir, 'blobs'),
  });
  const context = await options.browser.newContext({
    viewport: { width: 1280, height: 800 },
    bypassCSP: true,
  });
  try {
    await daemon.start();
    await context.addInitScript(LIVE_PROBE);
    const page = await context.newPage();
    await page.goto(web.url);
    await page.getByRole('option', { name: options.chatName }).click();
    await page.waitForSelector('[role=log] li.message');

    const clockOffset = await pageClockOffset(page);

    const warmup = options.warmup ?? 10;
    const latencies: number[] = [];
    const run = Date.now().toString(36);
    for (let i = 0; i < warmup + options.samples; i++) {
      const token = `live${run}x${i}`;
      await page.evaluate(
        `window.__live.expect = ${JSON.stringify(token)}; window.__live.seenAt = null;`,
      );
      const writtenAt = await feed.push({
        messages: [
          {
            remoteId: `$live-${run}-${i}`,
            chatRemoteId: options.chatRemoteId,
            senderRemoteId: '@ann',
            senderName: 'Ann',
            ts: Date.now(),
            kind: 'text',
            body: `${options.body(i)} ${token}`,
          },
        ],
      });
      await page.waitForFunction('window.__live.seenAt !== null', undefined, { timeout: 10_000 });
      const seenAt = (await page.evaluate('window.__live.seenAt')) as number;
      if (i >= warmup) latencies.push(seenAt - clockOffset - writtenAt);
      // Let the page settle, so one sample's work does not spill into the next.
      await page.waitForTimeout(15);
    }
    return {
      samples: latencies.length,
      medianMs: round(percentile(latencies, 50), 2),
      p95Ms: round(percentile(latencies, 95), 2),
      maxMs: round(Math.max(...latencies), 2),
    };
  } finally {
    await context.close();
    await web.close();
    await daemon.close();
  }
}
