// JMAP's request-level and method-level errors mapped onto the engine's typed
// errors (connectors/errors.ts), keeping the JMAP type for callers that care.
import { AuthError, PermanentError, RateLimitedError } from '../errors.js';
import { errorForStatus, parseRetryAfter, TransientHttpError } from '../http/index.js';
import type { SetResponse } from './wire.js';

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

/** Maps one method-level error response to the error a caller throws. */
export function methodError(
  method: string,
  type: string,
  description?: string | null,
  serverRetryAfter?: number | null,
): Error {
  const wait = parseRetryAfter(serverRetryAfter);
  if (type === 'rateLimited' || type === 'tooManyRequests')
    return new RateLimitedError(`${method}: ${type}`, wait ?? 1000);
  if (type === 'unauthorized' || type === 'unauthenticated')
    return new AuthError(`${method}: ${type}`);
  if (type === 'serverUnavailable' || type === 'serverFail' || type === 'serverPartialFail') {
    if (wait) return new RateLimitedError(`${method}: ${type}`, wait);
    return new TransientHttpError(`${method}: ${type}${description ? ` (${description})` : ''}`);
  }
  // invalidArguments, forbidden, stateMismatch, cannotCalculateChanges… and
  // unknown types alike: an answer the server gave on purpose, never retried.
  return new JmapMethodError(type, method, description);
}

/**
 * Throws the first SetError of a Foo/set answer, typed for the caller: a
 * rateLimited one waits as the server said (seconds or a date), any other is a
 * JmapMethodError. Both JMAP connectors check their /set answers with it.
 */
export function checkSet(r: SetResponse, what: string): void {
  const failures = { ...(r.notCreated ?? {}), ...(r.notUpdated ?? {}), ...(r.notDestroyed ?? {}) };
  const [id, err] = Object.entries(failures)[0] ?? [];
  if (!err) return;
  if (err.type === 'rateLimited' || err.type === 'rateLimit')
    throw new RateLimitedError(
      `${what}: rateLimited`,
      parseRetryAfter(err.serverRetryAfter) ?? 1000,
    );
  throw new JmapMethodError(err.type, what, `${id}: ${err.description ?? ''}`);
}

const STATUS_TEXT: Record<number, string> = {
  401: 'the server refused our credentials (401)',
  403: 'forbidden (403)',
  404: 'not found (404)',
  429: 'rate limited (429)',
};

/** Maps a failed HTTP response (request-level) to a typed error (the kit's status mapping). */
export function httpError(
  what: string,
  status: number,
  retryAfter: string | null,
  problem?: { type?: string; detail?: string; limit?: string },
): Error {
  const detail = problem?.type
    ? ` ${problem.type.replace('urn:ietf:params:jmap:error:', '')}${problem.limit ? ` (${problem.limit})` : ''}${problem.detail ? `: ${problem.detail}` : ''}`
    : '';
  const text =
    STATUS_TEXT[status] ??
    (status === 503 && retryAfter
      ? 'unavailable (503)'
      : status >= 500
        ? `server error ${status}`
        : status >= 400
          ? `request rejected (${status})`
          : `unexpected HTTP status ${status}`);
  return errorForStatus(
    `${what}: ${text}${status === 401 || status === 429 ? '' : detail}`,
    status,
    {
      retryAfterMs: parseRetryAfter(retryAfter),
      defaultRetryAfterMs: 1000,
      // JMAP: a 403 on the session or API means our credentials no longer open the account.
      forbiddenIsAuth: true,
    },
  );
}
