// Session discovery (RFC 8620 §2): GET /.well-known/jmap, following redirects;
// every URL in the Session is resolved against the URL the Session came from.
import { ProtocolError } from '../errors.js';
import { issueSummary, readText, timedFetch, wellFormedEscapes } from '../http/index.js';
import { httpError } from './errors.js';
import {
  CORE,
  CoreCapabilitySchema,
  SessionSchema,
  WebSocketCapabilitySchema,
  WEBSOCKET,
  type CoreCapability,
  type SessionWire,
} from './wire.js';
import type { z } from 'zod';

export interface Session {
  /** The Session object as received (unknown properties included). */
  readonly raw: SessionWire;
  /** The URL the Session was finally fetched from (after redirects). */
  readonly url: string;
  readonly apiUrl: string;
  readonly downloadUrl: string;
  readonly uploadUrl: string;
  readonly eventSourceUrl: string | null;
  readonly webSocket: { url: string; supportsPush: boolean } | null;
  readonly core: CoreCapability;
  readonly state: string;
  readonly username: string;
  hasCapability(uri: string): boolean;
  /** The primary account for a capability, or the first account that has it. */
  accountFor(capability: string): string | null;
  accountCapability(accountId: string, capability: string): Record<string, unknown> | null;
}

export type FetchLike = typeof fetch;

/** Where the Session lives: /.well-known/jmap of the origin unless the URL names a path. */
export function sessionUrlOf(server: string): string {
  const url = new URL(server);
  if (url.pathname === '/' || url.pathname === '')
    return new URL('/.well-known/jmap', url).toString();
  return url.toString();
}

/** `ref` resolved against `base`, or null when it is no URL at all. */
const resolveOrNull = (base: string, ref: string): string | null => {
  // URL templates contain {braces}; URL() would percent-encode them, so resolve
  // only the part before the first brace.
  const brace = ref.indexOf('{');
  try {
    if (brace < 0) return new URL(ref, base).toString();
    const head = ref.slice(0, brace);
    return new URL(head || '.', base).toString() + ref.slice(brace);
  } catch {
    return null; // new URL() throws a TypeError: not one of the connector kit's errors
  }
};

/** `ref` resolved against `base`; a session whose `name` is no URL is refused. */
const resolve = (base: string, ref: string, name: string): string => {
  const resolved = resolveOrNull(base, ref);
  if (resolved === null)
    throw new ProtocolError(`JMAP session at ${base}: its ${name} is not a URL`);
  return resolved;
};

const issues = (err: z.ZodError): string => issueSummary(err, 3);

export function parseSession(json: unknown, url: string): Session {
  const parsed = SessionSchema.safeParse(json);
  if (!parsed.success)
    throw new ProtocolError(`JMAP session at ${url} is malformed: ${issues(parsed.error)}`);
  const raw = parsed.data;
  if (!(CORE in raw.capabilities))
    throw new ProtocolError(`JMAP session at ${url} does not declare ${CORE}`);
  // Each limit falls back to its default when malformed; a capability that is
  // not even an object (an array, a string) gets them all.
  const declared = CoreCapabilitySchema.safeParse(raw.capabilities[CORE]);
  const core = declared.success ? declared.data : CoreCapabilitySchema.parse({});
  const ws = WebSocketCapabilitySchema.safeParse(raw.capabilities[WEBSOCKET]);
  // WebSocket is optional: one whose URL is broken is as good as none.
  const wsUrl = ws.success ? resolveOrNull(url, ws.data.url) : null;
  const webSocket =
    ws.success && wsUrl !== null
      ? { url: wsUrl.replace(/^http/, 'ws'), supportsPush: ws.data.supportsPush }
      : null;
  return {
    raw,
    url,
    apiUrl: resolve(url, raw.apiUrl, 'apiUrl'),
    downloadUrl: resolve(url, raw.downloadUrl, 'downloadUrl'),
    uploadUrl: resolve(url, raw.uploadUrl, 'uploadUrl'),
    eventSourceUrl: raw.eventSourceUrl ? resolve(url, raw.eventSourceUrl, 'eventSourceUrl') : null,
    webSocket,
    core,
    state: raw.state,
    username: raw.username,
    hasCapability: (uri) => uri in raw.capabilities,
    accountFor(capability) {
      const primary = raw.primaryAccounts[capability];
      if (primary && raw.accounts[primary]) return primary;
      for (const [id, account] of Object.entries(raw.accounts))
        if (capability in account.accountCapabilities) return id;
      return null;
    },
    accountCapability(accountId, capability) {
      const value = raw.accounts[accountId]?.accountCapabilities[capability];
      return value && typeof value === 'object' && !Array.isArray(value)
        ? (value as Record<string, unknown>)
        : null;
    },
  };
}

export async function fetchSession(
  server: string,
  authorization: string,
  { fetch: f = fetch, signal }: { fetch?: FetchLike; signal?: AbortSignal } = {},
): Promise<Session> {
  const target = sessionUrlOf(server);
  const res = await timedFetch(target, 'JMAP session', {
    fetch: f,
    headers: { authorization, accept: 'application/json' },
    redirect: 'follow',
    signal,
  });
  if (!res.ok) {
    await res.body?.cancel();
    throw httpError(`JMAP session (${target})`, res.status, res.headers.get('retry-after'));
  }
  const text = await readText(res, 'JMAP session');
  let json: unknown;
  try {
    json = JSON.parse(wellFormedEscapes(text));
  } catch {
    throw new ProtocolError(
      `JMAP session at ${res.url || target} is not JSON (${text.slice(0, 60).replace(/\s+/g, ' ')}…)`,
    );
  }
  return parseSession(json, res.url || target);
}

/** RFC 6570 level-1 expansion, as the JMAP URL templates need. */
export function expandTemplate(template: string, vars: Record<string, string>): string {
  return template.replace(/\{([A-Za-z0-9_]+)\}/g, (_, name: string) =>
    encodeURIComponent(vars[name] ?? ''),
  );
}
