// A transcript is what a connector and a real server said to each other during
// a sync: every request (method, path and query, the JMAP method names) and its
// answer (status, the headers a connector reads, the body). The fuzz harness
// records one per connector from the real servers (recordTranscripts.ts), then
// replays it, mutated, in place of the network: `globalThis.fetch` answers from
// the transcript, so the connector's own transport, schemas and mappers run
// unchanged. Nothing here knows a protocol beyond the request key.
import { oversizedStream, toBytes } from './mutations.js';

export interface Exchange {
  /** How requests are matched: "GET /path" (query left out) or "POST /api Email/get,…". */
  key: string;
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface Transcript {
  protocol: string;
  /** The account's server as the connector sees it (replayed at any origin). */
  server: string;
  username: string;
  /** The keychain secret the connector made at login, with the real token replaced. */
  secret: string;
  /** The first sync of a fresh account: initial sync and backfill. */
  initial: Exchange[];
  /** A catch-up after the server changed (new messages, an edit, a reaction, a deletion). */
  catchUp: Exchange[];
  /**
   * A first sync cut short, then resumed: answers for requests that only a
   * resumed sync makes (JMAP Chat asks each type's /changes on its own then,
   * where a catch-up asks them all in one request). Never mutated: they let a
   * case's sync after a refused first sync find its answers.
   */
  resumed?: Exchange[];
}

/** Every answer of a transcript, for requests a phase's own exchanges do not hold. */
export const allExchanges = (t: Transcript): Exchange[] => [
  ...t.initial,
  ...t.catchUp,
  ...(t.resumed ?? []),
];

/** The headers a connector reads; the rest (dates, server names) only add noise. */
const KEPT_HEADERS = ['content-type', 'retry-after', 'location'];

/** The request key: method and path; for a JMAP API call also the method names it makes. */
export async function requestKey(input: RequestInfo | URL, init?: RequestInit): Promise<string> {
  const url = new URL(input instanceof Request ? input.url : String(input));
  const method = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase();
  let key = `${method} ${url.pathname}`;
  if (typeof init?.body === 'string' && init.body.includes('"methodCalls"')) {
    try {
      const calls = (JSON.parse(init.body) as { methodCalls: [string][] }).methodCalls;
      key += ` ${calls.map((c) => c[0]).join(',')}`;
    } catch {
      // not JSON after all: the path alone
    }
  }
  return key;
}

/**
 * Wraps `globalThis.fetch` so every exchange is kept (until the returned stop
 * is called). `secrets` are replaced by "<redacted>" in what is kept.
 */
export function recordFetch(): { exchanges: Exchange[]; stop: () => void } {
  const original = globalThis.fetch;
  const exchanges: Exchange[] = [];
  globalThis.fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    const res = await original(input, init);
    const key = await requestKey(input, init);
    const type = res.headers.get('content-type') ?? '';
    // Streams (EventSource, media) are not part of a sync's transcript.
    if (type.startsWith('text/event-stream') || !/json|text/.test(type) || !res.body) return res;
    const body = await res.text();
    const headers: Record<string, string> = {};
    for (const h of KEPT_HEADERS) {
      const v = res.headers.get(h);
      if (v !== null) headers[h] = v;
    }
    exchanges.push({ key, status: res.status, headers, body });
    return new Response(body, { status: res.status, headers });
  };
  return { exchanges, stop: () => (globalThis.fetch = original) };
}

/** Replaces every secret and the server's origin in a recorded text. */
export function scrub(text: string, secrets: string[], origin: string): string {
  let out = text;
  for (const s of secrets) if (s) out = out.split(s).join('<redacted>');
  out = out.split(origin).join(REPLAY_ORIGIN);
  return out.split(origin.replace(/^http/, 'ws')).join(REPLAY_ORIGIN.replace(/^http/, 'ws'));
}

/** Where a replayed account's server is (never contacted: fetch answers from the transcript). */
export const REPLAY_ORIGIN = 'http://replay.parley.test';

/** The network error code of a request past the replay's budget. */
export const REPLAY_EXHAUSTED = 'REPLAY_EXHAUSTED';

export interface Replay {
  /** Requests answered so far. */
  readonly served: number;
  restore(): void;
}

/**
 * Answers `fetch` from the exchanges: the next unused exchange with the same
 * key, else the last one with that key again (a connector asking twice gets
 * what the server said before), else the last answer with that key anywhere
 * in `others` (the rest of the transcript: a fresh connector signs in again,
 * a store with cursors catches up), else a 404. After `budget` requests every
 * request fails as a network error, so a mutated answer that makes a
 * connector page forever ends as a transient failure, like a server that
 * stopped answering.
 */
export function replayFetch(
  exchanges: readonly Exchange[],
  others: readonly Exchange[] = [],
  budget = 100,
): Replay {
  const original = globalThis.fetch;
  const used = new Set<number>();
  let served = 0;
  const lastOf = (list: readonly Exchange[], key: string): Exchange | null => {
    for (let j = list.length - 1; j >= 0; j--) if (list[j]!.key === key) return list[j]!;
    return null;
  };
  const pick = (key: string): Exchange | null => {
    const i = exchanges.findIndex((e, j) => e.key === key && !used.has(j));
    if (i >= 0) {
      used.add(i);
      return exchanges[i]!;
    }
    return lastOf(exchanges, key) ?? lastOf(others, key);
  };
  globalThis.fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    const signal = init?.signal ?? undefined;
    signal?.throwIfAborted();
    if (++served > budget)
      throw new TypeError('fetch failed', { cause: { code: REPLAY_EXHAUSTED } });
    const key = await requestKey(input, init);
    if (process.env.FUZZ_TRACE) process.stderr.write(`${new Date().toISOString()} ${key}\n`);
    const e = pick(key);
    if (!e)
      return new Response('{"error":"not found"}', {
        status: 404,
        headers: { 'content-type': 'application/json' },
      });
    const body =
      e.status === 204 || e.status === 304
        ? null
        : (oversizedStream(e.body) ?? (toBytes(e.body) as Uint8Array<ArrayBuffer>));
    return new Response(body, {
      status: e.status,
      headers: e.headers,
    });
  };
  return {
    get served() {
      return served;
    },
    restore: () => (globalThis.fetch = original),
  };
}
