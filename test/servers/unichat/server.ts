// A standalone, in-memory reference server for the unichat API (Universa
// chat), written from the groups/messages API page (seed 004) and
// shared/protocols/unichat/NOTES.md. Imports nothing from main/.
// Run directly: `npx tsx test/servers/unichat/server.ts --port 8767`.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { pathToFileURL } from 'node:url';
import { groupMethods } from './groupMethods.js';
import { Hub } from './hub.js';
import { messageMethods } from './messageMethods.js';
import { RpcError, snakeCase, type Args, type Ctx, type MethodTable } from './rpc.js';
import { Store, type User } from './store.js';
import { uploadMethods } from './uploadMethods.js';
import { userMethods } from './userMethods.js';
import { closeHttp, listenOn } from '../loopback.js';

/** The testing token the public pages name; more can be configured. */
export const TEST_APP_DOMAIN_TOKEN = 'test_token1';
/** Async chunks may be 1 MiB of bytes; base64 and JSON add about a third. */
const MAX_BODY_BYTES = 2 * 1024 * 1024;

export interface UnichatUser {
  email: string;
  password: string;
  nick?: string;
}

export interface UnichatServerOptions {
  port?: number;
  host?: string;
  users?: UnichatUser[];
  appDomainTokens?: string[];
  /** How long after creation a message may be edited (default one day). */
  editWindowMs?: number;
  log?: (line: string) => void;
}

export class UnichatServer {
  readonly store = new Store();
  readonly hub: Hub;
  private readonly methods: MethodTable;
  private readonly http = createServer((req, res) => void this.serve(req, res));
  private readonly log: (line: string) => void;
  private readonly appTokens: Set<string>;
  url = '';
  port = 0;

  constructor(private readonly options: UnichatServerOptions = {}) {
    this.log = options.log ?? (() => undefined);
    this.hub = new Hub(this.log);
    this.appTokens = new Set(options.appDomainTokens ?? [TEST_APP_DOMAIN_TOKEN]);
    const ctx: Ctx = {
      store: this.store,
      hub: this.hub,
      baseUrl: () => this.url,
      editWindowMs: options.editWindowMs ?? 24 * 3600_000,
    };
    this.methods = {
      ...userMethods(ctx),
      ...groupMethods(ctx),
      ...messageMethods(ctx),
      ...uploadMethods(ctx),
    };
    for (const u of options.users ?? []) this.store.addUser(u.email, u.password, u.nick);
  }

  user(email: string): User {
    const u = this.store.userByEmail(email);
    if (!u) throw new Error(`no user ${email}`);
    return u;
  }

  /** An auth_token for a user, as a login would make (for tests and `npm run servers`). */
  newSession(email: string): string {
    return this.store.newSession(this.user(email).id);
  }

  /** How many notification streams are open. */
  streamCount(): number {
    return this.hub.count();
  }

  async listen(): Promise<this> {
    ({ port: this.port, url: this.url } = await listenOn(
      this.http,
      this.options.port,
      this.options.host,
    ));
    return this;
  }

  async close(): Promise<void> {
    this.hub.closeAll();
    await closeHttp(this.http);
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    try {
      if (req.method === 'GET' && url.pathname === '/api/sse') return this.openStream(url, res);
      if (req.method === 'GET' && url.pathname.startsWith('/files/'))
        return this.serveFile(url, res);
      const m = /^\/api\/([A-Za-z_]+)$/.exec(url.pathname);
      if (req.method !== 'POST' || !m) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
        return;
      }
      const name = snakeCase(m[1]!);
      const result = await this.call(name, req);
      this.reply(res, 200, { status: 'OK', ...result });
      this.log(`${name} OK`);
    } catch (err) {
      const e = err instanceof RpcError ? err : new RpcError('internal_error', 'the server failed');
      if (!(err instanceof RpcError)) this.log(`${url.pathname}: ${String(err)}`);
      else this.log(`${url.pathname} ${e.code}`);
      this.reply(res, 400, { status: 'error', error_code: e.code, error_text: e.message });
    }
  }

  private async call(name: string, req: IncomingMessage) {
    const appToken = header(req, 'app_domain_token');
    if (!appToken || !this.appTokens.has(appToken))
      throw new RpcError('invalid_app_domain', 'APP_DOMAIN_TOKEN is missing or unknown');
    const method = Object.hasOwn(this.methods, name) ? this.methods[name] : undefined;
    if (!method) throw new RpcError('unknown_method', `no method ${name}`);
    const token = header(req, 'user_auth_token');
    let user: User | null = null;
    if (token !== null) {
      // A header that names no session is an error, not an anonymous call.
      const userId = this.store.sessions.get(token);
      if (userId === undefined) throw new RpcError('auth_failed', 'USER_AUTH_TOKEN is not valid');
      user = this.store.users.get(userId)!;
      user.lastActiveAt = new Date();
    }
    const args = await readArgs(req);
    return method({ args, user, token });
  }

  private reply(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify(body));
  }

  private openStream(url: URL, res: ServerResponse): void {
    if (!this.hub.open(url.searchParams.get('code') ?? '', res))
      throw new RpcError('auth_failed', 'unknown or used SSE code');
  }

  private serveFile(url: URL, res: ServerResponse): void {
    const [, , id, part] = url.pathname.split('/');
    const file = this.store.files.get(Number(id));
    const served = part === 'preview' ? file?.preview : file;
    if (!served) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, {
      'content-type': served.contentType,
      'content-length': served.data.length,
    });
    res.end(served.data);
  }
}

function header(req: IncomingMessage, name: string): string | null {
  // Node lower-cases names; proxies may turn `_` into `-`.
  const v = req.headers[name] ?? req.headers[name.replace(/_/g, '-')];
  const s = Array.isArray(v) ? v[0] : v;
  return s === undefined ? null : s;
}

async function readArgs(req: IncomingMessage): Promise<Args> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new RpcError('request_too_large', 'the body is too large');
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text.trim()) return {};
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new RpcError('invalid_json', 'the body is not JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new RpcError('invalid_arguments', 'the body must be {"args": {…}}');
  const args = (body as { args?: unknown }).args;
  if (args === undefined || args === null) return {};
  if (typeof args !== 'object' || Array.isArray(args))
    throw new RpcError('invalid_arguments', 'args must be an object');
  return args as Args;
}

/** Starts a server on loopback (random port unless given). */
export async function startUnichatServer(
  options: UnichatServerOptions = {},
): Promise<UnichatServer> {
  return new UnichatServer(options).listen();
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const portArg = process.argv.indexOf('--port');
  const port = portArg > 0 ? Number(process.argv[portArg + 1]) : 8767;
  const server = await startUnichatServer({ port, log: (l) => console.error(l) });
  console.log(`unichat reference server: ${server.url}`);
}
