// HTTP to a Matrix homeserver over the connector kit (../http/): the auth
// header, deadlines, and Matrix's errors onto the engine's kinds (errors.ts).
// Matrix's own part is the errcode, looked at before the status:
//   M_UNKNOWN_TOKEN / M_MISSING_TOKEN, 401   → AuthError ("sign in again")
//   429 / M_LIMIT_EXCEEDED                   → RateLimitedError (retry_after_ms or Retry-After)
//   5xx, 408, network faults, timeouts       → TransientHttpError (back off)
//   other 4xx                                → MatrixHttpError, permanent (with the errcode)
//   a 2xx body that is not JSON              → ProtocolError
import type { z } from 'zod';
import { AuthError, PermanentError } from '../errors.js';
import {
  ERROR_BODY_BYTES,
  errorForStatus,
  readJsonSplit,
  readText,
  redactPath,
  retryAfterMs,
  timedFetch,
  type SplitAt,
} from '../http/index.js';
import { parseJson } from '../http/schema.js';
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
  /**
   * The answer's large parts, parsed one at a time as they stream in (the
   * rooms of a /sync): the whole text is never held (http/jsonSplit.ts).
   */
  splitAt?: SplitAt;
  /** The answer's byte cap, when not the kit's default. */
  maxBytes?: number;
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
    const what = `${method} ${redactPath(path)}`;
    const read = { maxBytes: options.maxBytes };
    const value = options.splitAt
      ? await readJsonSplit(res, what, options.splitAt, read)
      : parseJson(
          await readText(res, what, read),
          () => `${what}: the answer is not JSON (${res.status})`,
        );
    return parseWire(schema, value, `${what} answer`);
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
    const res = await timedFetch(url, `${method} ${redactPath(path)}`, {
      method,
      headers,
      body,
      signal: options.signal,
      timeoutMs: options.timeoutMs,
    });
    if (res.ok) return res;
    return this.fail(method, path, res);
  }

  private async fail(method: string, path: string, res: Response): Promise<never> {
    const text = await readText(res, `${method} ${redactPath(path)}`, {
      maxBytes: ERROR_BODY_BYTES,
      truncate: true,
    }).catch(() => '');
    let parsed: z.infer<typeof errorBodySchema> = {};
    try {
      const r = errorBodySchema.safeParse(JSON.parse(text));
      if (r.success) parsed = r.data;
    } catch {
      // not JSON: the status says enough
    }
    const errcode = parsed.errcode ?? null;
    const what = `${method} ${redactPath(path)}: ${res.status}${errcode ? ` ${errcode}` : ''}${parsed.error ? ` (${parsed.error.slice(0, 200)})` : ''}`;
    if (errcode === 'M_UNKNOWN_TOKEN' || errcode === 'M_MISSING_TOKEN') throw new AuthError(what);
    // M_FORBIDDEN on a 401 is a refusal of this request, not of our token.
    const status =
      errcode === 'M_LIMIT_EXCEEDED'
        ? 429
        : res.status === 401 && errcode === 'M_FORBIDDEN'
          ? 403
          : res.status;
    const header = res.headers.get('retry-after');
    const err = errorForStatus(what, status, {
      retryAfterMs:
        status === 429 || header !== null
          ? retryAfterMs({ bodyMs: parsed.retry_after_ms, header }, DEFAULT_RETRY_AFTER_MS)
          : null,
    });
    // A permanent refusal keeps Matrix's errcode for callers that look at it.
    if (err instanceof PermanentError) throw new MatrixHttpError(what, res.status, errcode);
    throw err;
  }
}

export const enc = encodeURIComponent;
