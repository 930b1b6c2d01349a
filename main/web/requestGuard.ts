// Who may talk to the web host. Every request must be addressed to the host by
// its loopback name (DNS rebinding defence), may only come from the host's own
// origin when a browser says where it comes from (CSRF / cross-site WebSocket
// defence), must not come from another page (Fetch Metadata), and must carry
// the per-launch token — in the session cookie or a Bearer header — for
// anything but the public renderer files.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

export type GuardVerdict =
  { ok: true; origin: string } | { ok: false; status: 401 | 403; reason: string };

/** A fresh token for one launch: 32 random bytes, URL-safe. */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Compares a presented token with the real one in constant time (lengths included). */
export function tokenMatches(presented: string | null | undefined, token: string): boolean {
  if (typeof presented !== 'string' || presented.length === 0) return false;
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(token).digest();
  return timingSafeEqual(a, b);
}

/** The Host header values that name this server: 127.0.0.1:PORT and localhost:PORT. */
export function allowedHosts(port: number): Set<string> {
  return new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
}

/**
 * Checks Host and Origin. The origin the browser should send is the one it
 * loaded the app from, i.e. `http://` + the (allowed) Host header.
 */
export function checkHostAndOrigin(headers: IncomingHttpHeaders, port: number): GuardVerdict {
  const host = headers.host?.toLowerCase();
  if (!host || !allowedHosts(port).has(host))
    return { ok: false, status: 403, reason: 'this server answers only to 127.0.0.1 or localhost' };
  const own = `http://${host}`;
  const origin = headers.origin;
  if (origin !== undefined && origin !== own)
    return { ok: false, status: 403, reason: 'cross-origin requests are not allowed' };
  return { ok: true, origin: own };
}

/**
 * Refuses what a browser marks as coming from another page than ours
 * (Sec-Fetch-Site: same-site, cross-site). Cookies ignore ports, so a page on
 * another 127.0.0.1 port is "same-site" and would carry our cookie; Fetch
 * Metadata is how such a page's <img> or no-cors fetch (which send no Origin)
 * is told apart. "none" is the user's own navigation (a typed or pasted URL).
 */
export function checkFetchSite(
  headers: IncomingHttpHeaders,
): { ok: false; status: 403; reason: string } | null {
  const site = headers['sec-fetch-site'];
  if (site === undefined || site === 'same-origin' || site === 'none') return null;
  return { ok: false, status: 403, reason: 'requests from other pages are not allowed' };
}

/**
 * The session cookie's name. Cookies are shared by every port of a host, so
 * the name carries the port: two launches never overwrite each other's.
 */
export function sessionCookieName(port: number): string {
  return `parley_session_${port}`;
}

/** The Set-Cookie value that keeps the token for this launch: script cannot read it. */
export function sessionCookie(port: number, token: string): string {
  return `${sessionCookieName(port)}=${token}; HttpOnly; SameSite=Strict; Path=/`;
}

/** The token a request presents: `Authorization: Bearer`, else the session cookie. */
export function presentedToken(headers: IncomingHttpHeaders, port: number): string | null {
  const bearer = bearerToken(headers);
  if (bearer !== null) return bearer;
  const name = sessionCookieName(port);
  for (const part of (headers.cookie ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return rest.join('=');
  }
  return null;
}

/** The token from `Authorization: Bearer <token>`, if any. */
export function bearerToken(headers: IncomingHttpHeaders): string | null {
  const value = headers.authorization;
  if (typeof value !== 'string') return null;
  const match = /^Bearer ([A-Za-z0-9_-]+)$/.exec(value.trim());
  return match ? match[1]! : null;
}
