// HTTP to a Matrix homeserver: the auth header, timeouts, and the mapping of
// Matrix errors onto the engine's kinds (errors.ts):
//   M_UNKNOWN_TOKEN / M_MISSING_TOKEN        → AuthError ("sign in again")
//   429 / M_LIMIT_EXCEEDED                   → RateLimitedError (retry_after_ms or Retry-After)
//   5xx, network faults, timeouts            → plain Error (transient: back off)
//   other 4xx                                → PermanentError (with the errcode)
//   a 2xx body that is not JSON              → ProtocolError
import type { z } from 'zod';
import { AuthError, PermanentError, ProtocolError, RateLimitedError } from '../errors.js';
import { errorBodySchema, parseWire } from './wire.js';

export interface RequestOptions {
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  /** Raw bytes instead of JSON (media upload). */
  bytes?: Uint8Array;
  contentType?: string;
  signal?: AbortSignal;
  /** Per-request ceiling; long-polls pass their timeout plus a margin. */
  timeoutMs?: number;
  /** No Authorization header (login, versions). */
  anonymous?: boolean;
}

/** A Matrix error the caller may want to look at (errcode, status). */
export class MatrixHttpError extends PermanentError {
  constructor(
    message: string,
    readonly status: number,
    readonly errcode: string | null,
  ) {
    super(message);
  }
}

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_RETRY_AFTER_MS = 5_000;

export class MatrixTransport {
  readonly baseUrl: string;

  constructor(
    homeserver: string,
    private readonly accessToken: string | null = null,
  ) {
    this.baseUrl = homeserver.replace(/\/+$/, '');
  }

  /** A JSON request whose answer is parsed with `schema`. */
  async json<T extends z.ZodType>(
    method: string,
    path: string,
    schema: T,
    options: RequestOptions = {},
  ): Promise<z.infer<T>> {
    const res = await this.send(method, path, options);
    const text = await res.text();
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw new ProtocolError(
        `${method} ${redactPath(path)}: the answer is not JSON (${res.status})`,
      );
    }
    return parseWire(schema, value, `${method} ${redactPath(path)} answer`);
  }

  /** A request whose body is returned as bytes (media). */
  async bytes(path: string, options: RequestOptions = {}): Promise<{ data: Buffer; mime: string }> {
    const res = await this.send('GET', path, options);
    const data = Buffer.from(await res.arrayBuffer());
    return { data, mime: res.headers.get('content-type') ?? 'application/octet-stream' };
  }

  /** A GET whose body is streamed (media downloads); the caller must consume or cancel it. */
  async stream(
    path: string,
    options: RequestOptions = {},
  ): Promise<{ mime: string; size: number | null; body: AsyncIterable<Uint8Array> }> {
    const res = await this.send('GET', path, options);
    const length = Number(res.headers.get('content-length'));
    const body = res.body as unknown as AsyncIterable<Uint8Array> | null;
    return {
      mime: res.headers.get('content-type') ?? 'application/octet-stream',
      size: Number.isFinite(length) && res.headers.has('content-length') ? length : null,
      body: body ?? (async function* () {})(),
    };
  }

  private async send(method: string, path: string, options: RequestOptions): Promise<Response> {
    const url = new URL(this.baseUrl + path);
    for (const [k, v] of Object.entries(options.query ?? {}))
      if (v !== undefined) url.searchParams.set(k, String(v));
    const headers: Record<string, string> = {};
    if (!options.anonymous && this.accessToken)
      headers.authorization = `Bearer ${this.accessToken}`;
    let body: string | Blob | undefined;
    if (options.bytes) {
      body = new Blob([options.bytes as Uint8Array<ArrayBuffer>]);
      headers['content-type'] = options.contentType ?? 'application/octet-stream';
    } else if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] = 'application/json';
    }
    const timeout = AbortSignal.timeout(options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    let res: Response;
    try {
      res = await fetch(url, { method, headers, body, signal });
    } catch (err) {
      if (options.signal?.aborted) throw err;
      const cause = (err as { cause?: { code?: string } }).cause?.code;
      throw new Error(
        `${method} ${redactPath(path)}: ${timeout.aborted ? 'timed out' : `network error${cause ? ` (${cause})` : ''}`}`,
      );
    }
    if (res.ok) return res;
    return this.fail(method, path, res);
  }

  private async fail(method: string, path: string, res: Response): Promise<never> {
    const text = await res.text().catch(() => '');
    let parsed: z.infer<typeof errorBodySchema> = {};
    try {
      const r = errorBodySchema.safeParse(JSON.parse(text));
      if (r.success) parsed = r.data;
    } catch {
      // not JSON: the status says enough
    }
    const errcode = parsed.errcode ?? null;
    const what = `${method} ${redactPath(path)}: ${res.status}${errcode ? ` ${errcode}` : ''}${parsed.error ? ` (${parsed.error.slice(0, 200)})` : ''}`;
    if (
      errcode === 'M_UNKNOWN_TOKEN' ||
      errcode === 'M_MISSING_TOKEN' ||
      (res.status === 401 && errcode !== 'M_FORBIDDEN')
    )
      throw new AuthError(what);
    if (res.status === 429 || errcode === 'M_LIMIT_EXCEEDED')
      throw new RateLimitedError(
        what,
        retryAfter(parsed.retry_after_ms, res.headers.get('retry-after')),
      );
    if (res.status >= 500 || res.status === 408) throw new Error(what);
    throw new MatrixHttpError(what, res.status, errcode);
  }
}

function retryAfter(bodyMs: number | undefined, header: string | null): number {
  if (bodyMs !== undefined && bodyMs >= 0) return bodyMs;
  if (header) {
    const secs = Number(header);
    if (Number.isFinite(secs) && secs >= 0) return secs * 1000;
    const at = Date.parse(header);
    if (!Number.isNaN(at)) return Math.max(0, at - Date.now());
  }
  return DEFAULT_RETRY_AFTER_MS;
}

/** Paths go to logs: keep ids, drop query strings (they may carry tokens). */
function redactPath(path: string): string {
  return path.split('?')[0]!;
}

export const enc = encodeURIComponent;
