// HTTP calls to a REST chat server over the connector kit: Bearer auth (Basic
// only for login, the one place the password is used), JSON bodies with their
// Content-Type (the server answers 415 without it), and Vapor's error body
// `{"error": true, "reason": …}` turned into the kit's error kinds with the
// server's reason in the message.
import type { z } from 'zod';
import {
  ERROR_BODY_BYTES,
  errorForStatus,
  parseJson,
  parseResponse,
  parseRetryAfter,
  readText,
  redactPath,
  timedFetch,
  type FetchLike,
} from '../http/index.js';
import { ErrorBodySchema } from './wire.js';

export interface RestTransportOptions {
  /** For tests: a fetch that loses answers or breaks bodies. */
  fetch?: FetchLike;
}

const STATUS = Symbol('http status');

/** The HTTP status a server error came with (for the few answers a caller acts on). */
export const statusOf = (err: unknown): number | undefined =>
  (err as { [STATUS]?: number } | null)?.[STATUS];

const UPLOAD_TIMEOUT_MS = 10 * 60_000;
const DOWNLOAD_TIMEOUT_MS = 30 * 60_000;

export type Auth = { bearer: string } | { basic: { username: string; password: string } };

export class RestTransport {
  readonly base: string;

  constructor(
    server: string,
    private readonly auth: Auth,
    private readonly options: RestTransportOptions = {},
  ) {
    this.base = server.replace(/\/+$/, '');
  }

  /** A JSON answer parsed with `schema`. */
  async json<S extends z.ZodType>(
    method: string,
    path: string,
    schema: S,
    init: { body?: unknown; signal: AbortSignal },
  ): Promise<z.infer<S>> {
    const what = `${method} ${redactPath(path)}`;
    const text = await this.text(method, path, init);
    const value = parseJson(text, () => `${what}: the server's answer is not JSON`);
    return parseResponse(schema, value, (reason) => `${what}: unexpected answer (${reason})`);
  }

  /** A call whose answer is a plain OK (an empty body) or is not needed. */
  async ok(method: string, path: string, init: { body?: unknown; signal: AbortSignal }) {
    await this.text(method, path, init);
  }

  /**
   * POST /uploads: the raw bytes, named by File-Name (the server adds the
   * extension) and typed by the bare extension in Content-Type (the server
   * uses that header's value as the extension). Answers the stored file name.
   */
  async upload(name: string, ext: string, bytes: Uint8Array, signal: AbortSignal): Promise<string> {
    const what = 'POST /uploads';
    const res = await timedFetch(`${this.base}/uploads`, what, {
      method: 'POST',
      headers: { authorization: this.authorization(), 'file-name': name, 'content-type': ext },
      body: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) as unknown as BodyInit,
      signal,
      timeoutMs: UPLOAD_TIMEOUT_MS,
      fetch: this.options.fetch,
    });
    const text = await res.text();
    if (!res.ok) throw errorForStatus(`${what}: ${serverReason(res.status, text)}`, res.status);
    return text.trim();
  }

  /**
   * A served file by name, streamed: the documented server serves uploads at
   * the root, later ones at /files/ (the document) or /uploads/; null when
   * none of them has it (not uploaded yet, or deleted).
   */
  async file(name: string, signal: AbortSignal): Promise<Response | null> {
    for (const prefix of ['/', '/files/', '/uploads/']) {
      const path = `${prefix}${encodeURIComponent(name)}`;
      const what = `GET ${path}`;
      const res = await timedFetch(`${this.base}${path}`, what, {
        headers: { authorization: this.authorization() },
        signal,
        timeoutMs: DOWNLOAD_TIMEOUT_MS,
        fetch: this.options.fetch,
      });
      if (res.ok) return res;
      const text = await res.text();
      if (res.status !== 404)
        throw errorForStatus(`${what}: ${serverReason(res.status, text)}`, res.status);
    }
    return null;
  }

  private async text(
    method: string,
    path: string,
    { body, signal }: { body?: unknown; signal: AbortSignal },
  ): Promise<string> {
    const what = `${method} ${redactPath(path)}`;
    const headers: Record<string, string> = { authorization: this.authorization() };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await timedFetch(`${this.base}${path}`, what, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
      fetch: this.options.fetch,
    });
    const text = await readText(
      res,
      what,
      res.ok ? {} : { maxBytes: ERROR_BODY_BYTES, truncate: true },
    );
    if (res.ok) return text;
    const err = errorForStatus(`${what}: ${serverReason(res.status, text)}`, res.status, {
      retryAfterMs: parseRetryAfter(res.headers.get('retry-after')),
    });
    throw Object.assign(err, { [STATUS]: res.status });
  }

  private authorization(): string {
    if ('bearer' in this.auth) return `Bearer ${this.auth.bearer}`;
    const { username, password } = this.auth.basic;
    return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  }
}

/** The server's reason when it sent Vapor's error body, else the status. */
function serverReason(status: number, text: string): string {
  try {
    const parsed = ErrorBodySchema.safeParse(JSON.parse(text));
    if (parsed.success) return parsed.data.reason;
  } catch {
    // not JSON: fall through to the status alone
  }
  return `HTTP ${status}`;
}
