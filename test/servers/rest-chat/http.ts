// HTTP plumbing in the shape of Vapor's defaults: a method+path router,
// `{"error": true, "reason": …}` errors (Abort with the status phrase when no
// reason is given), JSON bodies decoded strictly (a missing required key is a
// 400 naming it, like Swift's DecodingError), empty 200 bodies for "OK".
import type { IncomingMessage, ServerResponse } from 'node:http';
import { STATUS_CODES } from 'node:http';
import { httpJson } from './wire.js';

export type Obj = Record<string, unknown>;

export class Abort extends Error {
  constructor(
    readonly status: number,
    reason?: string,
  ) {
    super(reason ?? STATUS_CODES[status] ?? 'Error');
  }
}

export const OK = Symbol('OK');
/** What a handler answers: JSON (ISO dates), OK (empty 200), or plain text. */
export type Reply = unknown;
export class Text {
  constructor(readonly text: string) {}
}

export interface Request {
  method: string;
  path: string;
  query: URLSearchParams;
  params: string[];
  headers: IncomingMessage['headers'];
  /** The raw body; JSON routes read it through `json()`. */
  body: Buffer;
  remoteAddress?: string;
}

type Handler = (req: Request) => Reply | Promise<Reply>;
interface Route {
  method: string;
  parts: string[];
  handler: Handler;
}

export class Router {
  private readonly routes: Route[] = [];
  fallback?: (req: Request) => Reply | undefined;

  on(method: string, pattern: string, handler: Handler): void {
    this.routes.push({ method, parts: pattern.split('/').filter(Boolean), handler });
  }

  async handle(req: Request): Promise<Reply> {
    const parts = req.path.split('/').filter(Boolean);
    for (const r of this.routes) {
      if (r.method !== req.method || r.parts.length !== parts.length) continue;
      const params: string[] = [];
      const match = r.parts.every((p, i) => {
        if (p === ':') return params.push(decodeURIComponent(parts[i]!)) > 0;
        return p === parts[i];
      });
      if (match) return r.handler({ ...req, params });
    }
    const served = req.method === 'GET' ? this.fallback?.(req) : undefined;
    if (served !== undefined) return served;
    throw new Abort(404);
  }
}

export function send(res: ServerResponse, reply: Reply): void {
  if (reply === OK) {
    res.writeHead(200, { 'content-length': 0 }).end();
  } else if (reply instanceof Text) {
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end(reply.text);
  } else if (reply instanceof FileReply) {
    res.writeHead(200, { 'content-type': reply.type, 'content-length': reply.data.length });
    res.end(reply.data);
  } else {
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end(httpJson(reply));
  }
}

export class FileReply {
  constructor(
    readonly data: Buffer,
    readonly type: string,
  ) {}
}

export function sendError(res: ServerResponse, err: unknown): void {
  const status = err instanceof Abort ? err.status : 500;
  // Non-Abort errors: Vapor's production ErrorMiddleware hides the cause.
  const reason = err instanceof Abort ? err.message : 'Something went wrong.';
  res
    .writeHead(status, { 'content-type': 'application/json; charset=utf-8' })
    .end(JSON.stringify({ error: true, reason }));
}

// ------------------------------------------------------------ strict decoding

export function json(req: Request): Obj {
  // Vapor picks the decoder by Content-Type; without a JSON one there is none.
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') throw new Abort(415);
  let v: unknown;
  try {
    v = JSON.parse(req.body.toString('utf8'));
  } catch {
    throw new Abort(400, 'The data couldn’t be read because it isn’t in the correct format.');
  }
  if (!v || typeof v !== 'object' || Array.isArray(v))
    throw new Abort(400, 'Expected to decode Dictionary<String, Any> but found another type.');
  return v as Obj;
}

const missing = (key: string) => new Abort(400, `Value required for key '${key}'.`);
const mistyped = (key: string, type: string) =>
  new Abort(400, `Value of type '${type}' required for key '${key}'.`);

export function str(o: Obj, key: string): string {
  const v = o[key];
  if (v === undefined || v === null) throw missing(key);
  if (typeof v !== 'string') throw mistyped(key, 'String');
  return v;
}
export function optStr(o: Obj, key: string): string | undefined {
  return o[key] === undefined || o[key] === null ? undefined : str(o, key);
}
export function bool(o: Obj, key: string): boolean {
  const v = o[key];
  if (v === undefined || v === null) throw missing(key);
  if (typeof v !== 'boolean') throw mistyped(key, 'Bool');
  return v;
}
export function optBool(o: Obj, key: string): boolean | undefined {
  return o[key] === undefined || o[key] === null ? undefined : bool(o, key);
}
export function int(o: Obj, key: string): number {
  const v = o[key];
  if (v === undefined || v === null) throw missing(key);
  if (typeof v !== 'number' || !Number.isInteger(v)) throw mistyped(key, 'Int');
  return v;
}
export function optInt(o: Obj, key: string): number | undefined {
  return o[key] === undefined || o[key] === null ? undefined : int(o, key);
}
export function obj(o: Obj, key: string): Obj {
  const v = o[key];
  if (v === undefined || v === null) throw missing(key);
  if (typeof v !== 'object' || Array.isArray(v)) throw mistyped(key, 'Dictionary');
  return v as Obj;
}
export function optObj(o: Obj, key: string): Obj | undefined {
  return o[key] === undefined || o[key] === null ? undefined : obj(o, key);
}
export function intArray(o: Obj, key: string): number[] {
  const v = o[key];
  if (v === undefined || v === null) throw missing(key);
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'number' && Number.isInteger(x)))
    throw mistyped(key, 'Array<Int>');
  return v as number[];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (s: string): boolean => UUID.test(s);

/** A UUID path parameter, compared upper-case (Swift decodes either case). */
export function uuidParam(req: Request, i: number): string {
  const v = req.params[i] ?? '';
  if (!isUuid(v)) throw new Abort(400, 'UUID id was not found in the path.');
  return v.toUpperCase();
}
export function intParam(req: Request, i: number, what: 'Integer' | 'Message' | 'User'): number {
  const v = req.params[i] ?? '';
  if (!/^-?\d+$/.test(v))
    throw new Abort(
      400,
      what === 'Integer'
        ? 'Integer id was not found in the path.'
        : `${what} id was not found in the path.`,
    );
  return Number(v);
}

export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new Abort(413);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
