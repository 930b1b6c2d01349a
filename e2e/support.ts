// Shared by the e2e files: the production renderer bundle, a Chromium launched
// the way the project runs it, an in-process daemon as the web host's client,
// and a capture of `new Notification(...)` calls.
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import react from '@vitejs/plugin-react';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import type { ApiClient } from '../main/web/wireProtocol.js';
import type { Daemon } from '../main/daemon/daemon.js';
import { requires } from '../test/helpers/prerequisites.js';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const chromiumMissing = requires(
  `Chromium at ${CHROMIUM}`,
  existsSync(CHROMIUM),
  'install chromium or set CHROMIUM_PATH',
);

export function shotsDir(area: string): string {
  const dir = join(ROOT, 'test-results', area);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** The production renderer bundle, built with the same plugins as electron.vite.config.ts. */
export async function buildRenderer(outDir: string): Promise<void> {
  await build({
    configFile: false,
    root: resolve(ROOT, 'renderer'),
    base: './',
    plugins: [react()],
    logLevel: 'warn',
    build: { outDir, emptyOutDir: true },
  });
}

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export async function launchChromium(userDataDir: string): Promise<BrowserContext> {
  return chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 800 },
  });
}

/** The page's errors and console errors (CSP violations among them). */
export function watchProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
  });
  return problems;
}

/** An in-process Daemon as the web host's client. */
export function daemonClient(daemon: Daemon): ApiClient {
  return {
    callRaw: (name, input) => daemon.call(name, input),
    subscribe: (listener) => daemon.subscribe(listener),
  };
}

/**
 * Replaces window.Notification with a recorder (permission "granted"), so a
 * test can count what the page would have shown: window.__notifications.
 */
export const CAPTURE_NOTIFICATIONS = `
  (() => {
    const shown = [];
    Object.defineProperty(window, '__notifications', { value: shown });
    class RecordingNotification {
      constructor(title, options) {
        shown.push({ title, body: (options && options.body) || '', tag: (options && options.tag) || '' });
        this.onclick = null;
      }
      close() {}
      static get permission() { return 'granted'; }
      static requestPermission() { return Promise.resolve('granted'); }
    }
    window.Notification = RecordingNotification;
  })();
`;

export async function notifications(page: Page): Promise<{ title: string; body: string }[]> {
  return page.evaluate(
    () =>
      (window as unknown as { __notifications: { title: string; body: string }[] }).__notifications,
  );
}
