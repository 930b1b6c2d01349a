// A small typed JMAP client (RFC 8620): batched method calls with result
// references, the session's limits honoured, /get split by maxObjectsInGet,
// /changes paged by hasMoreChanges, /queryChanges, upload and download through
// the URL templates. Every server answer is validated at this edge.
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { z } from 'zod';
import { ProtocolError } from '../errors.js';
import {
  ERROR_BODY_BYTES,
  issueSummary,
  readText,
  timedFetch,
  wellFormedEscapes,
} from '../http/index.js';
import { CannotCalculateChangesError, httpError, JmapMethodError, methodError } from './errors.js';
import { expandTemplate, fetchSession, type FetchLike, type Session } from './session.js';
import {
  CORE,
  ChangesResponseSchema,
  GetResponseSchema,
  MethodErrorSchema,
  ProblemSchema,
  QueryChangesResponseSchema,
  QueryResponseSchema,
  ResponseSchema,
  SetResponseSchema,
  UploadResponseSchema,
  type ChangesResponse,
  type Invocation,
  type QueryChangesResponse,
  type QueryResponse,
  type ResultReference,
  type SetResponse,
  type UploadResponse,
} from './wire.js';

export interface JmapClientOptions {
  /** The server origin (discovery via /.well-known/jmap) or the Session URL itself. */
  server: string;
  /** The Authorization header value: `Basic …` or `Bearer …`. */
  authorization: string;
  /** Capabilities every request declares besides core. */
  using: string[];
  fetch?: FetchLike;
}

export function basicAuth(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
}

export const ref = (resultOf: string, name: string, path: string): ResultReference => ({
  resultOf,
  name,
  path,
});

const summary = (err: z.ZodError): string => issueSummary(err, 3);

/** Deadlines: a method call, an upload, a download streamed to the end. */
const API_TIMEOUT_MS = 60_000;
const UPLOAD_TIMEOUT_MS = 10 * 60_000;
const DOWNLOAD_TIMEOUT_MS = 30 * 60_000;

/** Parses a method's arguments with a schema; a mismatch is a ProtocolError naming the method. */
export function parseArgs<S extends z.ZodType>(
  schema: S,
  method: string,
  args: unknown,
): z.infer<S> {
  const parsed = schema.safeParse(args);
  if (!parsed.success)
    throw new ProtocolError(`${method} response is malformed: ${summary(parsed.error)}`);
  return parsed.data;
}

/**
 * What a failed Foo/changes means to the caller: a state the server cannot
 * compute from is CannotCalculateChangesError (Cyrus answers an unknown state
 * with invalidArguments on sinceState: same meaning); anything else as thrown.
 * Shared by changes() and callers that send /changes inside a larger request.
 */
export function changesFailure(type: string, sinceState: string, err: unknown): unknown {
  if (
    err instanceof JmapMethodError &&
    (err.type === 'cannotCalculateChanges' || err.type === 'invalidArguments')
  )
    return new CannotCalculateChangesError(type, sinceState, err.type);
  return err;
}

/** The answers of one request, looked up by call id. */
export class JmapResponse {
  constructor(
    readonly methodResponses: Invocation[],
    readonly sessionState: string,
    readonly createdIds: Record<string, string> = {},
  ) {}

  /** The arguments of the response to `callId` named `name`; method errors are thrown typed. */
  get(callId: string, name: string): Record<string, unknown> {
    const answers = this.methodResponses.filter(([, , id]) => id === callId);
    const found = answers.find(([n]) => n === name);
    if (found) return found[1];
    const error = answers.find(([n]) => n === 'error');
    if (error) {
      const e = MethodErrorSchema.safeParse(error[1]);
      if (!e.success) throw new ProtocolError(`${name}: malformed error response`);
      throw methodError(name, e.data.type, e.data.description, e.data.serverRetryAfter);
    }
    throw new ProtocolError(`${name}: the server sent no response for call ${callId}`);
  }

  /** Like get(), parsed by a schema. */
  parse<S extends z.ZodType>(callId: string, name: string, schema: S): z.infer<S> {
    return parseArgs(schema, name, this.get(callId, name));
  }

  /** The raw error type answered for `callId`, if the call failed. */
  errorType(callId: string): string | null {
    const error = this.methodResponses.find(([n, , id]) => id === callId && n === 'error');
    return error ? String(error[1].type ?? 'unknown') : null;
  }
}

/** A counting semaphore: at most `limit` holders at a time. */
class Gate {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(private readonly limit: number) {}
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= Math.max(1, this.limit))
      await new Promise<void>((r) => this.waiting.push(r));
    this.active++;
    try {
      return await fn();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}

export class JmapClient {
  private requests: Gate;
  private uploads: Gate;
  private sessionStale = false;

  private constructor(
    private sessionValue: Session,
    private readonly options: JmapClientOptions,
  ) {
    this.requests = new Gate(sessionValue.core.maxConcurrentRequests);
    this.uploads = new Gate(sessionValue.core.maxConcurrentUpload);
  }

  static async connect(options: JmapClientOptions, signal?: AbortSignal): Promise<JmapClient> {
    const session = await fetchSession(options.server, options.authorization, {
      fetch: options.fetch,
      signal,
    });
    for (const capability of options.using)
      if (!session.hasCapability(capability))
        throw new ProtocolError(`the JMAP server does not offer ${capability}`);
    return new JmapClient(session, options);
  }

  get session(): Session {
    return this.sessionValue;
  }

  private get f(): FetchLike {
    return this.options.fetch ?? fetch;
  }

  /** Re-reads the Session when a response said it changed (new limits, URLs). */
  async refreshSession(signal?: AbortSignal): Promise<Session> {
    this.sessionValue = await fetchSession(this.options.server, this.options.authorization, {
      fetch: this.options.fetch,
      signal,
    });
    this.requests = new Gate(this.sessionValue.core.maxConcurrentRequests);
    this.uploads = new Gate(this.sessionValue.core.maxConcurrentUpload);
    this.sessionStale = false;
    return this.sessionValue;
  }

  /**
   * One API request. The calls must fit maxCallsInRequest (calls that refer to
   * each other's results have to travel together, so they are never split).
   */
  async request(calls: Invocation[], signal?: AbortSignal): Promise<JmapResponse> {
    if (this.sessionStale) await this.refreshSession(signal);
    const limit = this.session.core.maxCallsInRequest;
    if (calls.length > limit)
      throw new JmapMethodError(
        'requestTooLarge',
        'request',
        `${calls.length} calls, the server allows ${limit}`,
      );
    const body = JSON.stringify({ using: [CORE, ...this.options.using], methodCalls: calls });
    if (body.length > this.session.core.maxSizeRequest)
      throw new JmapMethodError(
        'requestTooLarge',
        'request',
        `${body.length} bytes, the server allows ${this.session.core.maxSizeRequest}`,
      );
    return this.requests.run(async () => {
      const res = await timedFetch(this.session.apiUrl, 'JMAP request', {
        fetch: this.f,
        timeoutMs: API_TIMEOUT_MS,
        method: 'POST',
        headers: {
          authorization: this.options.authorization,
          'content-type': 'application/json',
          accept: 'application/json',
        },
        body,
        signal,
      });
      const what = `JMAP request (${calls.map((c) => c[0]).join(', ')})`;
      const text = await readText(
        res,
        what,
        res.ok ? {} : { maxBytes: ERROR_BODY_BYTES, truncate: true },
      );
      if (!res.ok) {
        let problem: z.infer<typeof ProblemSchema> | undefined;
        try {
          const p = ProblemSchema.safeParse(JSON.parse(text));
          if (p.success) problem = p.data;
        } catch {
          /* not a problem document */
        }
        throw httpError(what, res.status, res.headers.get('retry-after'), problem);
      }
      let json: unknown;
      try {
        json = JSON.parse(wellFormedEscapes(text));
      } catch {
        throw new ProtocolError(
          `${what}: the response is not JSON (${text.slice(0, 60).replace(/\s+/g, ' ')}…)`,
        );
      }
      const parsed = ResponseSchema.safeParse(json);
      if (!parsed.success)
        throw new ProtocolError(`${what}: malformed response: ${summary(parsed.error)}`);
      if (parsed.data.sessionState !== this.session.state) this.sessionStale = true;
      return new JmapResponse(
        parsed.data.methodResponses as Invocation[],
        parsed.data.sessionState,
        parsed.data.createdIds,
      );
    });
  }

  /** A single call: its response arguments (method errors thrown typed). */
  async call(
    name: string,
    args: Record<string, unknown>,
    signal?: AbortSignal,
  ): Promise<Record<string, unknown>> {
    return (await this.request([[name, args, '0']], signal)).get('0', name);
  }

  /**
   * Foo/get for any number of ids, split into requests of maxObjectsInGet and
   * run within maxConcurrentRequests. Returns the objects (unknown properties
   * kept), the ids not found and the state of the last answer.
   */
  async get(
    type: string,
    accountId: string,
    ids: string[] | null,
    extra: Record<string, unknown> = {},
    signal?: AbortSignal,
  ): Promise<{ list: Record<string, unknown>[]; notFound: string[]; state: string }> {
    const method = `${type}/get`;
    if (ids === null) {
      const r = parseArgs(
        GetResponseSchema,
        method,
        await this.call(method, { accountId, ids: null, ...extra }, signal),
      );
      return { list: r.list, notFound: r.notFound ?? [], state: r.state };
    }
    const size = Math.max(1, this.session.core.maxObjectsInGet);
    const chunks: string[][] = [];
    for (let i = 0; i < ids.length; i += size) chunks.push(ids.slice(i, i + size));
    if (chunks.length === 0) chunks.push([]);
    const answers = await Promise.all(
      chunks.map(async (chunk) =>
        parseArgs(
          GetResponseSchema,
          method,
          await this.call(method, { accountId, ids: chunk, ...extra }, signal),
        ),
      ),
    );
    return {
      list: answers.flatMap((a) => a.list),
      notFound: answers.flatMap((a) => a.notFound ?? []),
      state: answers[answers.length - 1]!.state,
    };
  }

  /**
   * Foo/changes from `sinceState`, one page per hasMoreChanges. A state the
   * server cannot compute from throws CannotCalculateChangesError (Cyrus
   * answers an unknown state with invalidArguments on sinceState: same meaning).
   */
  async *changes(
    type: string,
    accountId: string,
    sinceState: string,
    { maxChanges, signal }: { maxChanges?: number; signal?: AbortSignal } = {},
  ): AsyncGenerator<ChangesResponse> {
    const method = `${type}/changes`;
    let state = sinceState;
    for (let page = 0; ; page++) {
      const args: Record<string, unknown> = { accountId, sinceState: state };
      if (maxChanges) args.maxChanges = maxChanges;
      let answer: ChangesResponse;
      try {
        answer = parseArgs(ChangesResponseSchema, method, await this.call(method, args, signal));
      } catch (err) {
        throw changesFailure(type, state, err);
      }
      yield answer;
      if (!answer.hasMoreChanges) return;
      if (answer.newState === state || page > 10_000)
        throw new ProtocolError(`${method}: hasMoreChanges without progress from state ${state}`);
      state = answer.newState;
    }
  }

  async query(
    type: string,
    args: Record<string, unknown>,
    signal?: AbortSignal,
  ): Promise<QueryResponse> {
    return parseArgs(
      QueryResponseSchema,
      `${type}/query`,
      await this.call(`${type}/query`, args, signal),
    );
  }

  /** Foo/queryChanges; cannotCalculateChanges means: run the query again. */
  async queryChanges(
    type: string,
    args: Record<string, unknown>,
    signal?: AbortSignal,
  ): Promise<QueryChangesResponse> {
    const method = `${type}/queryChanges`;
    try {
      return parseArgs(QueryChangesResponseSchema, method, await this.call(method, args, signal));
    } catch (err) {
      if (err instanceof JmapMethodError && err.type === 'cannotCalculateChanges')
        throw new CannotCalculateChangesError(type, String(args.sinceQueryState ?? ''), err.type);
      throw err;
    }
  }

  async set(
    type: string,
    args: Record<string, unknown>,
    signal?: AbortSignal,
  ): Promise<SetResponse> {
    return parseArgs(
      SetResponseSchema,
      `${type}/set`,
      await this.call(`${type}/set`, args, signal),
    );
  }

  /** Uploads a blob (RFC 8620 §6.1), refusing what exceeds maxSizeUpload before sending. */
  async upload(
    accountId: string,
    data: Uint8Array,
    type: string,
    signal?: AbortSignal,
  ): Promise<UploadResponse> {
    const max = this.session.core.maxSizeUpload;
    if (data.byteLength > max)
      throw new JmapMethodError(
        'tooLarge',
        'upload',
        `${data.byteLength} bytes, the server accepts ${max}`,
      );
    const url = expandTemplate(this.session.uploadUrl, { accountId });
    return this.uploads.run(async () => {
      const res = await timedFetch(url, 'JMAP upload', {
        fetch: this.f,
        timeoutMs: UPLOAD_TIMEOUT_MS,
        method: 'POST',
        headers: { authorization: this.options.authorization, 'content-type': type },
        body: new Blob([data as Uint8Array<ArrayBuffer>]),
        signal,
      });
      const text = await readText(
        res,
        'JMAP upload',
        res.ok ? {} : { maxBytes: ERROR_BODY_BYTES, truncate: true },
      );
      if (!res.ok) throw httpError('JMAP upload', res.status, res.headers.get('retry-after'));
      let json: unknown;
      try {
        json = JSON.parse(wellFormedEscapes(text));
      } catch {
        throw new ProtocolError('JMAP upload: the response is not JSON');
      }
      return parseArgs(UploadResponseSchema, 'upload', json);
    });
  }

  /** Downloads a blob as a byte stream (RFC 8620 §6.2), without buffering it. */
  async download(
    accountId: string,
    blobId: string,
    {
      name = 'blob',
      type = 'application/octet-stream',
      signal,
    }: { name?: string; type?: string; signal?: AbortSignal } = {},
  ): Promise<{ type: string; size: number | null; stream: AsyncIterable<Uint8Array> }> {
    const url = expandTemplate(this.session.downloadUrl, { accountId, blobId, name, type });
    // The deadline covers the whole body, which the caller streams into the blob store.
    const res = await timedFetch(url, 'JMAP download', {
      fetch: this.f,
      timeoutMs: DOWNLOAD_TIMEOUT_MS,
      headers: { authorization: this.options.authorization },
      signal,
    });
    if (!res.ok || !res.body) {
      await res.body?.cancel();
      throw httpError('JMAP download', res.status, res.headers.get('retry-after'));
    }
    const length = Number(res.headers.get('content-length'));
    return {
      type: res.headers.get('content-type') ?? type,
      size: Number.isFinite(length) && res.headers.has('content-length') ? length : null,
      stream: Readable.fromWeb(res.body as WebReadableStream<Uint8Array>),
    };
  }
}
