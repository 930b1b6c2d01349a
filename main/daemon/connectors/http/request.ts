// One HTTP exchange with a deadline. Every request has one (a hung server
// cannot stall an account's loop forever); the caller's own signal still
// cancels at once. A timeout or a network fault is transient and says which,
// never with the URL's query (it may carry tokens).
import { rememberExchange } from './body.js';
import { TransientHttpError } from './statusError.js';

export const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * Every deadline is multiplied by this (1 in the app). Test harnesses that
 * stall a server on purpose shorten them all at once, instead of each
 * connector growing a timeout option: `deadlines.scale = 0.05`.
 */
export const deadlines = { scale: 1 };

export type FetchLike = typeof fetch;

export interface TimedRequest extends Omit<RequestInit, 'signal'> {
  /** Cancels the request (the account stopped); rethrown as is. */
  signal?: AbortSignal;
  /** The deadline for the answer's headers and body together. */
  timeoutMs?: number;
  fetch?: FetchLike;
}

/** Fetches with a deadline; `what` names the request in errors ("GET /sync"). */
export async function timedFetch(
  url: string | URL,
  what: string,
  { signal, timeoutMs = DEFAULT_TIMEOUT_MS, fetch: f = fetch, ...init }: TimedRequest,
): Promise<Response> {
  const timeout = AbortSignal.timeout(Math.max(1, Math.round(timeoutMs * deadlines.scale)));
  const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
  try {
    const res = await f(url, { ...init, signal: combined });
    // The same deadline keeps running while the body is read (readText).
    rememberExchange(res, { what, timeout, caller: signal });
    return res;
  } catch (err) {
    if (signal?.aborted) throw err;
    const cause = (err as { cause?: { code?: string } }).cause?.code;
    throw new TransientHttpError(
      `${what}: ${timeout.aborted ? 'timed out' : `network error${cause ? ` (${cause})` : ''}`}`,
    );
  }
}

/** Paths go to logs and errors: keep ids, drop query strings (they may carry tokens). */
export function redactPath(path: string): string {
  return path.split('?')[0]!;
}
