// HTTP status → the failure kinds the engine tells apart (../errors.ts):
//   401 (and 403 where the protocol means "credentials") → AuthError: sign in again
//   429, and 503 with a Retry-After                      → RateLimitedError: wait as asked
//   5xx, 408                                             → TransientHttpError: back off, retry
//   other 4xx                                            → PermanentError: never retried
//   anything else (1xx, 3xx where a body was due)        → ProtocolError
// Protocol quirks (Matrix errcodes, JMAP problem types) stay in their
// transport, which looks at them first and calls this for the rest.
import {
  AuthError,
  PermanentError,
  ProtocolError,
  RateLimitedError,
  ReasonError,
} from '../errors.js';

/** A failure worth retrying after a backoff (a server error, a timeout, the network). */
export class TransientHttpError extends ReasonError {
  override name = 'TransientHttpError';
}

export interface StatusErrorOptions {
  /** What the server asked us to wait (parseRetryAfter), if it said. */
  retryAfterMs?: number | null;
  /** When a 429 says nothing about waiting. */
  defaultRetryAfterMs?: number;
  /** JMAP: a 403 means our credentials no longer open the account. */
  forbiddenIsAuth?: boolean;
}

export function errorForStatus(
  what: string,
  status: number,
  options: StatusErrorOptions = {},
): Error {
  const wait = options.retryAfterMs ?? null;
  if (status === 401) return new AuthError(what);
  if (status === 403 && options.forbiddenIsAuth) return new AuthError(what);
  if (status === 429)
    return new RateLimitedError(what, wait ?? options.defaultRetryAfterMs ?? 1000);
  if (status === 503 && wait !== null) return new RateLimitedError(what, wait);
  if (status >= 500 || status === 408) return new TransientHttpError(what);
  if (status >= 400) return new PermanentError(what);
  return new ProtocolError(what);
}
