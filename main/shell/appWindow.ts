// The app window: created with the locked-down options, kept on its own page,
// with links handed to the system browser and everything else refused.
import { BrowserWindow, nativeTheme, session, shell } from 'electron';
import { appContentSecurityPolicy } from './contentSecurityPolicy.js';
import { decideNavigation, decideNewWindow } from './navigationPolicy.js';
import { appWindowOptions } from './windowOptions.js';

export interface AppWindowPaths {
  preload: string;
  /** The built renderer's index.html (production). */
  indexHtml: string;
  /** Vite's dev server, when running `electron-vite dev`. */
  devServerUrl?: string;
  /** Where to open (the remembered window state). */
  bounds?: { x?: number; y?: number; width: number; height: number };
}

export interface AppWindow {
  window: BrowserWindow;
  /** The URL the window loads; in-app navigation and IPC are limited to it. */
  appUrl: string;
  loaded: Promise<void>;
}

export function createAppWindow(paths: AppWindowPaths): AppWindow {
  const window = new BrowserWindow({
    ...appWindowOptions(paths.preload, { dark: nativeTheme.shouldUseDarkColors }),
    ...paths.bounds,
  });
  const appUrl = paths.devServerUrl ?? new URL(`file://${paths.indexHtml}`).href;
  const csp = appContentSecurityPolicy(
    paths.devServerUrl ? { devServerOrigin: new URL(paths.devServerUrl).origin } : {},
  );

  // The page carries a CSP meta tag too; the header covers the dev server.
  // Documents only: a blob keeps its own `sandbox` policy.
  window.webContents.session.webRequest.onHeadersReceived((details, callback) => {
    if (details.resourceType !== 'mainFrame' && details.resourceType !== 'subFrame') {
      callback({});
      return;
    }
    const headers = Object.fromEntries(
      Object.entries(details.responseHeaders ?? {}).filter(
        ([name]) => name.toLowerCase() !== 'content-security-policy',
      ),
    );
    callback({ responseHeaders: { ...headers, 'Content-Security-Policy': [csp] } });
  });
  // No permission (camera, geolocation, notifications from the page…) is granted to web content.
  window.webContents.session.setPermissionRequestHandler((_wc, _permission, callback) =>
    callback(false),
  );

  const openExternal = (url: string) => void shell.openExternal(url).catch(() => undefined);
  window.webContents.on('will-navigate', (event, url) => {
    const decision = decideNavigation(url, appUrl);
    if (decision === 'allow') return;
    event.preventDefault();
    if (decision === 'open-external') openExternal(url);
  });
  window.webContents.on('will-redirect', (event, url) => {
    if (decideNavigation(url, appUrl) !== 'allow') event.preventDefault();
  });
  window.webContents.setWindowOpenHandler(({ url }) => {
    if (decideNewWindow(url, appUrl) === 'open-external') openExternal(url);
    return { action: 'deny' };
  });
  window.webContents.on('will-attach-webview', (event) => event.preventDefault());
  window.once('ready-to-show', () => window.show());

  const loaded = paths.devServerUrl
    ? window.loadURL(paths.devServerUrl)
    : window.loadFile(paths.indexHtml);
  return { window, appUrl, loaded };
}

/** Session-wide: no other session may be used to smuggle content in. */
export function lockDownSessions(): void {
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) =>
    callback(false),
  );
}
