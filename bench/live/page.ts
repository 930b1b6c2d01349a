// The page side of bench:live: the real renderer in Chromium with one chat
// open, noting (in epoch time) when the web host's socket delivers a frame
// holding the expected token and when a row holding it enters the timeline.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { pageClockOffset } from '../ui/browser.js';

/**
 * Runs before the app: wraps WebSocket so each frame is looked at (before the
 * app's own listeners, which are added after construction), and watches the
 * DOM for the row.
 */
const PROBE = `
  (() => {
    const live = { expect: null, socketAt: null, seenAt: null, onSeen: null };
    Object.defineProperty(window, '__live', { value: live });
    const stamp = () => performance.timeOrigin + performance.now();
    const Native = window.WebSocket;
    window.WebSocket = class extends Native {
      constructor(...args) {
        super(...args);
        this.addEventListener('message', (e) => {
          if (live.expect !== null && live.socketAt === null && typeof e.data === 'string' && e.data.includes(live.expect))
            live.socketAt = stamp();
        });
      }
    };
    new MutationObserver((records) => {
      if (live.expect === null || live.seenAt !== null) return;
      for (const r of records)
        for (const n of r.addedNodes)
          if (n.nodeType === 1 && n.closest('[role=log]') && n.textContent.includes(live.expect)) {
            live.seenAt = stamp();
            live.onSeen?.();
            return;
          }
    }).observe(document, { childList: true, subtree: true });
  })();
`;

export interface PageSeen {
  /** The socket frame carrying the message reached the page (epoch ms, our clock). */
  socketAt: number | null;
  /** Its row entered the DOM (epoch ms, our clock). */
  seenAt: number;
}

export class LivePage {
  private constructor(
    private readonly context: BrowserContext,
    private readonly page: Page,
    /** The page's epoch clock minus ours. */
    private readonly offset: number,
  ) {}

  /** Opens the app at `url` and the chat named `chatName`, and calibrates the page's clock against ours. */
  static async open(browser: Browser, url: string, chatName: RegExp): Promise<LivePage> {
    // bypassCSP: the probe is evaluated as text, which the app's CSP (rightly) forbids.
    const context = await browser.newContext({
      viewport: { width: 1280, height: 800 },
      bypassCSP: true,
    });
    await context.addInitScript(PROBE);
    const page = await context.newPage();
    await page.goto(url);
    await page.getByRole('option', { name: chatName }).click();
    await page.waitForSelector('[role=log]');
    const clockOffset = await pageClockOffset(page);
    return new LivePage(context, page, clockOffset);
  }

  /** From now on, the page looks for `token`. */
  async expect(token: string): Promise<void> {
    await this.page.evaluate(
      `Object.assign(window.__live, { expect: ${JSON.stringify(token)}, socketAt: null, seenAt: null, onSeen: null })`,
    );
  }

  /** Waits for the row with the expected token; its times on our clock. */
  async seen(timeoutMs = 20_000): Promise<PageSeen> {
    // The page resolves when its observer fires: no polling competes with the renderer.
    const waited = this.page.evaluate(`new Promise((resolve) => {
      const live = window.__live;
      const done = () => resolve({ socketAt: live.socketAt, seenAt: live.seenAt });
      if (live.seenAt !== null) done();
      else live.onSeen = done;
    })`) as Promise<{ socketAt: number | null; seenAt: number }>;
    let timer: NodeJS.Timeout | undefined;
    const live = await Promise.race([
      waited,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no row within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]).finally(() => clearTimeout(timer));
    return {
      socketAt: live.socketAt === null ? null : live.socketAt - this.offset,
      seenAt: live.seenAt - this.offset,
    };
  }

  async close(): Promise<void> {
    await this.context.close();
  }
}
