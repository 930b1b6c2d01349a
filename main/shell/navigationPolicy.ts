// What happens when the app window is asked to go somewhere: stay (only the
// app's own pages), hand the link to the system browser (web and mail links),
// or nothing at all. Pure, so it is tested without Electron.
export type NavigationDecision = 'allow' | 'open-external' | 'deny';

const EXTERNAL_PROTOCOLS = new Set(['http:', 'https:', 'mailto:']);

/**
 * `appUrl` is the URL the window loaded (file:///…/index.html in production,
 * the dev server in development). In-app means the same origin; for file://
 * (whose origin is opaque) it means the very same file.
 */
export function isAppUrl(url: string, appUrl: string): boolean {
  let target: URL;
  let app: URL;
  try {
    target = new URL(url);
    app = new URL(appUrl);
  } catch {
    return false;
  }
  if (app.protocol === 'file:')
    return target.protocol === 'file:' && target.pathname === app.pathname;
  return target.origin === app.origin;
}

export function decideNavigation(url: string, appUrl: string): NavigationDecision {
  if (isAppUrl(url, appUrl)) return 'allow';
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return 'deny';
  }
  if (!EXTERNAL_PROTOCOLS.has(target.protocol)) return 'deny';
  // A link with credentials in it is a phishing shape; a mailto needs an address.
  if (target.username || target.password) return 'deny';
  if (target.protocol !== 'mailto:' && !target.hostname) return 'deny';
  return 'open-external';
}

/** window.open and target=_blank never make a new app window: external or nothing. */
export function decideNewWindow(url: string, appUrl: string): Exclude<NavigationDecision, 'allow'> {
  const decision = decideNavigation(url, appUrl);
  return decision === 'open-external' ? 'open-external' : 'deny';
}
