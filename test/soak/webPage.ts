// The web UI the soak keeps open: the built renderer in Chromium, on the web
// host each life starts on the same port with the same token. After a kill
// the page must say it lost the connection; after a restart it must
// reconnect by itself (no reload) and show the chat list again.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { buildRenderer, launchChromium } from '../../e2e/support.js';
import { freePort } from '../servers/synapse/harness.js';
import { newToken } from '../../main/web/requestGuard.js';

export interface SoakPage {
  port: number;
  token: string;
  rendererDir: string;
  /** Opens the page on the first web host (once). */
  open(): Promise<void>;
  readonly opened: boolean;
  /** Resolves once the page says the connection is lost. */
  noticesLoss(timeoutMs: number): Promise<void>;
  /**
   * Resolves once the page is connected and shows its chat list with at least
   * `rows` chats; rejects past the timeout, or as soon as `givenUp()` says so.
   */
  showsChatList(rows: number, timeoutMs: number, givenUp?: () => boolean): Promise<number>;
  /** The text of the chat list's rows now. */
  chatListText(): Promise<string>;
  close(): Promise<void>;
}

export async function soakPage(log: (line: string) => void): Promise<SoakPage> {
  const scratch = mkdtempSync(join(tmpdir(), 'parley-soak-web-'));
  const rendererDir = join(scratch, 'renderer');
  log('building the renderer for the web UI…');
  await buildRenderer(rendererDir);
  const port = await freePort();
  const token = newToken();
  let context: BrowserContext | null = null;
  let page: Page | null = null;
  const list = () => page!.locator('ul[role="listbox"]').first();
  const banner = () => page!.locator('.connection-banner');
  return {
    port,
    token,
    rendererDir,
    get opened() {
      return page !== null;
    },
    async open() {
      context = await launchChromium(join(scratch, 'chromium'));
      page = context.pages()[0] ?? (await context.newPage());
      await page.goto(`http://127.0.0.1:${port}/?token=${token}`);
    },
    async noticesLoss(timeoutMs) {
      await banner().waitFor({ state: 'visible', timeout: timeoutMs });
    },
    async showsChatList(rows, timeoutMs, givenUp = () => false) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        if (givenUp()) throw new Error('given up: the life ended first');
        const connected = (await banner().count()) === 0;
        const shown = Number(
          (await list()
            .getAttribute('data-total-rows')
            .catch(() => null)) ?? -1,
        );
        if (connected && shown >= rows && shown >= 0) return shown;
        if (Date.now() > deadline)
          throw new Error(
            `the page did not reconnect and show ${rows}+ chats (connected: ${connected}, rows: ${shown})`,
          );
        await new Promise((r) => setTimeout(r, 200));
      }
    },
    chatListText: async () =>
      (await list()
        .innerText()
        .catch(() => '')) ?? '',
    async close() {
      await context?.close();
      rmSync(scratch, { recursive: true, force: true });
    },
  };
}
