// The unichat HTTP RPC endpoint over the connector kit: `POST /api/<method>`
// with `{"args": {…}}`, the APP_DOMAIN_TOKEN header on every call and
// USER_AUTH_TOKEN once signed in (never empty: the notes say an empty one is
// an error). 200 `{"status":"OK", …}` is the result; 400
// `{"status":"error","error_code","error_text"}` an error whose code decides
// its kind: a refused token is AuthError (sign in again), the rest of the 400s
// are PermanentError naming the method and the code. Other statuses go through
// the kit's mapping; a body that is not JSON or fails its schema is a
// ProtocolError that names the method and where it broke.
import type { z } from 'zod';
import { AuthError, PermanentError, ProtocolError } from '../errors.js';
import {
  errorForStatus,
  parseJson,
  parseResponse,
  parseRetryAfter,
  readText,
  timedFetch,
  type FetchLike,
} from '../http/index.js';
import { ErrorBodySchema } from './wire.js';

/**
 * The application-domain token the public pages give for testing. A real
 * deployment registers its own (unichat_application_domain); the connector
 * option `appDomainToken` takes it.
 */
export const DEFAULT_APP_DOMAIN_TOKEN = 'test_token1';

/** How much of an error answer is read (its code and text are short). */
const ERROR_BODY_BYTES = 64 * 1024;

/** error_codes that mean our credentials are not (or no longer) accepted. */
const AUTH_CODES = new Set(['auth_failed', 'not_logged_in', 'not_confirmed']);

export interface UnichatTransportOptions {
  appDomainToken?: string;
  /** For tests: a fetch that loses answers or breaks bodies. */
  fetch?: FetchLike;
}

/** A 400 answer: the server's constant code, kept for callers that look at it. */
export class UnichatError extends PermanentError {
  override name = 'UnichatError';
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

export class UnichatTransport {
  readonly base: string;

  constructor(
    server: string,
    private authToken: string | null,
    private readonly options: UnichatTransportOptions = {},
  ) {
    this.base = server.replace(/\/+$/, '');
  }

  get appDomainToken(): string {
    return this.options.appDomainToken ?? DEFAULT_APP_DOMAIN_TOKEN;
  }

  get fetchImpl(): FetchLike | undefined {
    return this.options.fetch;
  }

  /** Calls `method` and parses the merged result with `schema`. */
  async call<S extends z.ZodType>(
    method: string,
    args: Record<string, unknown>,
    schema: S,
    init: { signal: AbortSignal; timeoutMs?: number },
  ): Promise<z.infer<S>> {
    const what = `unichat ${method}`;
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      APP_DOMAIN_TOKEN: this.appDomainToken,
    };
    if (this.authToken) headers.USER_AUTH_TOKEN = this.authToken;
    const res = await timedFetch(`${this.base}/api/${method}`, what, {
      method: 'POST',
      headers,
      body: JSON.stringify({ args }),
      signal: init.signal,
      timeoutMs: init.timeoutMs,
      fetch: this.options.fetch,
    });
    // Within the kit's cap and the request's deadline; an error body is only read for its reason.
    const text = await readText(
      res,
      what,
      res.ok ? {} : { maxBytes: ERROR_BODY_BYTES, truncate: true },
    );
    if (res.status === 400) throw errorFromBody(what, text);
    if (!res.ok)
      throw errorForStatus(`${what}: HTTP ${res.status}`, res.status, {
        retryAfterMs: parseRetryAfter(res.headers.get('retry-after')),
      });
    const value = parseJson(text, () => `${what}: the server's answer is not JSON`);
    if ((value as { status?: unknown } | null)?.status !== 'OK')
      throw new ProtocolError(`${what}: the answer does not say "status": "OK"`);
    return parseResponse(schema, value, (reason) => `${what}: unexpected answer (${reason})`);
  }
}

/** A 400 body → AuthError or UnichatError with the code; a body without one is the status alone. */
function errorFromBody(what: string, text: string): Error {
  let code = 'HTTP 400';
  let detail = '';
  try {
    const body = ErrorBodySchema.safeParse(JSON.parse(text));
    if (body.success) {
      code = body.data.error_code;
      detail = body.data.error_text ? ` (${body.data.error_text})` : '';
    }
  } catch {
    // not JSON: the status alone says it
  }
  const message = `${what}: ${code}${detail}`;
  if (AUTH_CODES.has(code)) return new AuthError(message);
  return new UnichatError(message, code);
}
