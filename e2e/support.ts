// Shared by the e2e files: the app in web mode as a test opens it
// (`openWebApp`: the production renderer bundle, the web host over the test's
// daemon, Chromium launched the way the project runs it, the page's problems
// watched), an in-process daemon as the web host's client, screenshots in
// both themes, and a capture of `new Notification(...)` calls.
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import react from '@vitejs/plugin-react';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import type { ApiClient } from '../main/web/wireProtocol.js';
import { startWebHost, type WebHost, type WebHostOptions } from '../main/web/webHost.js';
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

/**
 * The production renderer bundle, built with the same plugins as
 * electron.vite.config.ts, from this checkout or from another one's sources
 * (bench:ui's --baseline builds a renderer at an older commit).
 */
export async function buildRenderer(outDir: string, sourceRoot: string = ROOT): Promise<void> {
  await build({
    configFile: false,
    root: resolve(sourceRoot, 'renderer'),
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

export async function launchChromium(
  userDataDir: string,
  options: { bypassCSP?: boolean } = {},
): Promise<BrowserContext> {
  return chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 800 },
    ...options,
  });
}

export interface WebAppOptions {
  /** The daemon the page talks to: an in-process Daemon (daemonClient) or a DaemonHost. */
  client: ApiClient;
  /** The test's scratch folder: the renderer is built and Chromium keeps its profile under it. */
  scratch: string;
  /** The daemon profile's blob folder (<profile>/blobs), served at /blob/. */
  blobDir: string;
  /** Browser permissions for the app's origin (notifications, clipboard-read…). */
  permissions?: string[];
  /** Record `new Notification(...)` calls (see `notifications`). */
  captureNotifications?: boolean;
  /** Turn the page's CSP off: only for axe-core, which is evaluated as text. */
  bypassCSP?: boolean;
  /** Open the app (its one-time token URL) right away; a test that checks that step opens it itself. */
  open?: boolean;
  /** More web host options (log, throttles, upload limits). */
  host?: Omit<WebHostOptions, 'client' | 'rendererDir' | 'blobDir'>;
}

/** The app in web mode in Chromium, over a test's daemon; `close()` leaves the daemon to its owner. */
export interface WebApp {
  web: WebHost;
  context: BrowserContext;
  page: Page;
  /** Page errors and console errors (CSP violations among them) so far. */
  problems: string[];
  /** Origin of the web host (for permissions of extra pages). */
  origin: string;
  /** A screenshot of the page in the light and the dark theme: DIR/NAME-light.png, -dark.png. */
  shoot(dir: string, name: string): Promise<void>;
  close(): Promise<void>;
}

export async function openWebApp(options: WebAppOptions): Promise<WebApp> {
  const rendererDir = join(options.scratch, 'renderer');
  await buildRenderer(rendererDir);
  const web = await startWebHost({
    ...options.host,
    client: options.client,
    port: options.host?.port ?? 0,
    rendererDir,
    blobDir: options.blobDir,
  });
  let context: BrowserContext | null = null;
  try {
    context = await launchChromium(join(options.scratch, 'chromium'), {
      bypassCSP: options.bypassCSP ?? false,
    });
    const origin = new URL(web.url).origin;
    if (options.permissions?.length)
      await context.grantPermissions(options.permissions, { origin });
    if (options.captureNotifications) await context.addInitScript(CAPTURE_NOTIFICATIONS);
    const page = context.pages()[0] ?? (await context.newPage());
    const problems = watchProblems(page);
    if (options.open ?? true) await page.goto(web.url);
    const opened = context;
    return {
      web,
      context: opened,
      page,
      problems,
      origin,
      shoot: (dir, name) => shootBothThemes(page, dir, name),
      close: async () => {
        await opened.close().catch(() => undefined);
        await web.close();
      },
    };
  } catch (err) {
    await context?.close().catch(() => undefined);
    await web.close();
    throw err;
  }
}

/** The page in the light and the dark theme, back to light after. */
export async function shootBothThemes(page: Page, dir: string, name: string): Promise<void> {
  await page.emulateMedia({ colorScheme: 'light' });
  await page.screenshot({ path: join(dir, `${name}-light.png`) });
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.screenshot({ path: join(dir, `${name}-dark.png`) });
  await page.emulateMedia({ colorScheme: 'light' });
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
