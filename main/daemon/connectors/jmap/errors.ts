// JMAP's request-level and method-level errors mapped onto the engine's typed
// errors (connectors/errors.ts), keeping the JMAP type for callers that care.
import { AuthError, PermanentError, ProtocolError, RateLimitedError } from '../errors.js';

/** A method error the caller cannot fix by retrying (invalidArguments, forbidden, …). */
export class JmapMethodError extends PermanentError {
  override name = 'JmapMethodError';
  constructor(
    readonly type: string,
    readonly method: string,
    description?: string | null,
  ) {
    super(`${method}: ${type}${description ? ` (${description})` : ''}`);
  }
}

/**
 * The server cannot compute changes since our state (too old, unknown, or
 * expired): the caller must drop that type's cursor and resync it cleanly.
 */
export class CannotCalculateChangesError extends Error {
  override name = 'CannotCalculateChangesError';
  constructor(
    readonly dataType: string,
    readonly sinceState: string,
    readonly reason: string,
  ) {
    super(
      `${dataType}/changes cannot be calculated since state ${JSON.stringify(sinceState)} (${reason})`,
    );
  }
}

/** The server is temporarily unable to answer; transient (the engine backs off). */
export class JmapUnavailableError extends Error {
  override name = 'JmapUnavailableError';
}

const PERMANENT = new Set([
  'unknownMethod',
  'invalidArguments',
  'invalidResultReference',
  'forbidden',
  'accountNotFound',
  'accountNotSupportedByMethod',
  'accountReadOnly',
  'requestTooLarge',
  'stateMismatch',
  'anchorNotFound',
  'unsupportedSort',
  'unsupportedFilter',
  'tooManyChanges',
  'fromAccountNotFound',
  'fromAccountNotSupportedByMethod',
]);

/** Maps one method-level error response to the error a caller throws. */
export function methodError(
  method: string,
  type: string,
  description?: string | null,
  serverRetryAfter?: number | null,
): Error {
  if (type === 'rateLimited' || type === 'tooManyRequests') {
    const ms = Math.max(0, Math.round((serverRetryAfter ?? 1) * 1000));
    return new RateLimitedError(`${method}: ${type}`, ms);
  }
  if (type === 'unauthorized' || type === 'unauthenticated')
    return new AuthError(`${method}: ${type}`);
  if (type === 'serverUnavailable' || type === 'serverFail' || type === 'serverPartialFail') {
    if (serverRetryAfter)
      return new RateLimitedError(`${method}: ${type}`, Math.round(serverRetryAfter * 1000));
    return new JmapUnavailableError(`${method}: ${type}${description ? ` (${description})` : ''}`);
  }
  if (PERMANENT.has(type) || type === 'cannotCalculateChanges')
    return new JmapMethodError(type, method, description);
  // An unknown error type is still an answer the server gave on purpose.
  return new JmapMethodError(type, method, description);
}

/** Parses an HTTP Retry-After (seconds or an HTTP date) into milliseconds. */
export function retryAfterMs(header: string | null, now = Date.now()): number | null {
  if (!header) return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/** Maps a failed HTTP response (request-level) to a typed error. */
export function httpError(
  what: string,
  status: number,
  retryAfter: string | null,
  problem?: { type?: string; detail?: string; limit?: string },
): Error {
  const detail = problem?.type
    ? ` ${problem.type.replace('urn:ietf:params:jmap:error:', '')}${problem.limit ? ` (${problem.limit})` : ''}${problem.detail ? `: ${problem.detail}` : ''}`
    : '';
  if (status === 401) return new AuthError(`${what}: the server refused our credentials (401)`);
  if (status === 403) return new AuthError(`${what}: forbidden (403)${detail}`);
  if (status === 429)
    return new RateLimitedError(`${what}: rate limited (429)`, retryAfterMs(retryAfter) ?? 1000);
  if (status === 503 && retryAfter)
    return new RateLimitedError(`${what}: unavailable (503)`, retryAfterMs(retryAfter) ?? 1000);
  if (status >= 500) return new JmapUnavailableError(`${what}: server error ${status}${detail}`);
  if (status === 404) return new PermanentError(`${what}: not found (404)${detail}`);
  if (status === 400 || status === 413)
    return new PermanentError(`${what}: request rejected (${status})${detail}`);
  return new ProtocolError(`${what}: unexpected HTTP status ${status}${detail}`);
}
