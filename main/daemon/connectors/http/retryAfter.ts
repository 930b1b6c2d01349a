// How long a server asked us to wait, in every form servers say it: the HTTP
// Retry-After header (seconds or an HTTP date), a JSON body's milliseconds
// (Matrix retry_after_ms), a JMAP SetError's serverRetryAfter (seconds, or a
// date from some servers). One parser for all connectors.

/**
 * Seconds (a number or a numeric string) or an HTTP / ISO date → milliseconds
 * from `now`, never negative; null when absent or unreadable.
 */
export function parseRetryAfter(
  value: string | number | null | undefined,
  now = Date.now(),
): number | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number')
    return Number.isFinite(value) ? Math.max(0, Math.round(value * 1000)) : null;
  const text = value.trim();
  if (text === '') return null;
  const seconds = Number(text);
  if (Number.isFinite(seconds)) return Math.max(0, Math.round(seconds * 1000));
  const at = Date.parse(text);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/**
 * The wait for a rate-limited answer: the body's milliseconds win (they are
 * the more precise), then the Retry-After header, then `fallbackMs`.
 */
export function retryAfterMs(
  said: { bodyMs?: number | null; header?: string | null },
  fallbackMs: number,
  now = Date.now(),
): number {
  if (typeof said.bodyMs === 'number' && Number.isFinite(said.bodyMs) && said.bodyMs >= 0)
    return said.bodyMs;
  return parseRetryAfter(said.header, now) ?? fallbackMs;
}
