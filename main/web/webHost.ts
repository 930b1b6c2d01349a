// Web mode: the daemon's API and the built renderer over HTTP + WebSocket on
// 127.0.0.1, behind a per-launch token. The address `parley web` prints carries
// the token once (?token=); the first load trades it for an HttpOnly,
// SameSite=Strict session cookie and redirects to the same page without it, so
// no later URL (blob, socket, history) carries the token.
//
//   GET  /?token=<token>     sets the session cookie, 303 to /
//   GET  /, /assets/*        the renderer (public; strict CSP)
//   GET  /session            204 when the request is signed in, else 401
//   POST /api/<procedure>    JSON in, ApiResult out
//   POST /upload             a file as the raw body → {sha256, size} (blob folder)
//   GET  /blob/<sha256>      a stored blob
//   GET  /ws                 WebSocket: {id,name,input} → {id,result}; pushes {event}
//
// Signed in means the session cookie or `Authorization: Bearer <token>` (the
// CLI, tests). Every request must name the host as 127.0.0.1:PORT or
// localhost:PORT, a request that says where it comes from (Origin,
// Sec-Fetch-Site) must come from here, and calls that name files on this
// machine are refused (remoteCallPolicy.ts).
import { AuthThrottle, type ThrottleOptions } from './authThrottle.js';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { remoteCallRefusal } from '../daemon/api/remoteCallPolicy.js';
import { serveApi } from './apiRoute.js';
import { serveBlob, type BlobTypeLookup } from './blobRoute.js';
import {
  checkFetchSite,
  checkHostAndOrigin,
  newToken,
  presentedToken,
  sessionCookie,
  tokenMatches,
} from './requestGuard.js';
import { SocketHub } from './socketHub.js';
import { COMMON_HEADERS, serveStatic } from './staticFiles.js';
import { DEFAULT_MAX_UPLOAD_BYTES, serveUpload } from './uploadRoute.js';
import type { ApiClient } from './wireProtocol.js';

export type { ApiClient } from './wireProtocol.js';

export interface WebHostOptions {
  client: ApiClient;
  /** 0 (the default) picks a free port. */
  port?: number;
  /** The built renderer (out/renderer); null serves the API only. */
  rendererDir?: string | null;
  /** The profile's blob folder (<profile>/blobs). */
  blobDir?: string;
  /** The stored MIME type of a blob, when the caller can look it up. */
  blobType?: BlobTypeLookup;
  /** The largest file POST /upload takes (default 2 GiB). */
  maxUploadBytes?: number;
  /** Operational log: never tokens, never bodies. */
  log?: (line: string) => void;
  /** How many wrong tokens per window before 429 (authThrottle.ts). */
  authThrottle?: ThrottleOptions;
  /**
   * The token, when a host that restarts keeps its open pages signed in (with
   * the same port: the cookie is per port); 43+ base64url characters. A fresh
   * random one by default, as `parley web` has.
   */
  token?: string;
}

export interface WebHost {
  /** What to open once: http://127.0.0.1:PORT/?token=TOKEN */
  url: string;
  token: string;
  port: number;
  /** What the socket hub holds now (open sockets, unanswered calls). */
  readonly socketLoad: { sockets: number; callsInFlight: number };
  close(): Promise<void>;
}

const TEXT = { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' };

function reject(
  res: ServerResponse,
  status: 401 | 403 | 404 | 426 | 429,
  reason: string,
  retryAfterMs = 0,
): void {
  const headers: Record<string, string> = { ...TEXT };
  if (status === 401) headers['WWW-Authenticate'] = 'Bearer';
  if (status === 429) headers['Retry-After'] = String(Math.max(1, Math.ceil(retryAfterMs / 1000)));
  res.writeHead(status, headers).end(`${reason}\n`);
}

function rejectUpgrade(socket: Duplex, status: 400 | 401 | 403 | 404 | 429, reason: string): void {
  const title = {
    400: 'Bad Request',
    401: 'Unauthorized',
    403: 'Forbidden',
    404: 'Not Found',
    429: 'Too Many Requests',
  }[status];
  const body = `${reason}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${title}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

/** The daemon as remote callers may use it: no inputs that name local files. */
function remoteClient(client: ApiClient): ApiClient {
  return {
    callRaw: (name, input) =>
      Promise.resolve(remoteCallRefusal(name, input) ?? client.callRaw(name, input)),
    subscribe: (listener) => client.subscribe(listener),
  };
}

export async function startWebHost(options: WebHostOptions): Promise<WebHost> {
  if (options.token !== undefined && !/^[A-Za-z0-9_-]{43,}$/.test(options.token))
    throw new Error('the web host token must be at least 43 base64url characters');
  const token = options.token ?? newToken();
  const log = options.log ?? (() => undefined);
  const rendererDir = options.rendererDir ?? null;
  const maxUploadBytes = options.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES;
  let port = options.port ?? 0;
  const client = remoteClient(options.client);
  const hub = new SocketHub(client);
  const throttle = new AuthThrottle(options.authThrottle);
  /**
   * Checks a presented token: null when it is the right one; otherwise counts
   * the wrong one and says whether to answer 401 or, past the budget, 429.
   */
  const refuseToken = (presented: string | null): { status: 401 | 429; waitMs: number } | null => {
    if (tokenMatches(presented, token)) return null;
    const waitMs = throttle.waitMs();
    if (waitMs > 0) return { status: 429, waitMs };
    throttle.failed();
    return { status: 401, waitMs: 0 };
  };

  /** The first load's ?token= becomes the session cookie; the address loses it. */
  const exchangeToken = (url: URL, res: ServerResponse): void => {
    const refused = refuseToken(url.searchParams.get('token'));
    if (refused?.status === 429)
      return reject(res, 429, 'too many wrong tokens; wait a moment', refused.waitMs);
    if (refused)
      return reject(
        res,
        401,
        'this address has a wrong or old token; open the one "parley web" printed',
      );
    url.searchParams.delete('token');
    res
      .writeHead(303, {
        'Set-Cookie': sessionCookie(port, token),
        Location: url.pathname + url.search,
        'Cache-Control': 'no-store',
      })
      .end();
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    for (const [name, value] of Object.entries(COMMON_HEADERS)) res.setHeader(name, value);
    const guard = checkHostAndOrigin(req.headers, port);
    if (!guard.ok) return reject(res, guard.status, guard.reason);
    const url = new URL(req.url ?? '/', guard.origin);
    const { pathname } = url;
    const isPrivate = /^\/(api\/|blob\/|upload$|session$|ws$)/.test(pathname);
    const fromElsewhere = checkFetchSite(req.headers);
    if (fromElsewhere && (isPrivate || url.searchParams.has('token')))
      return reject(res, fromElsewhere.status, fromElsewhere.reason);
    if (!isPrivate) {
      if (req.method === 'GET' && url.searchParams.has('token')) return exchangeToken(url, res);
      return serveStatic(req, res, rendererDir, pathname, port);
    }
    const refused = refuseToken(presentedToken(req.headers, port));
    if (refused?.status === 429)
      return reject(res, 429, 'too many wrong tokens; wait a moment', refused.waitMs);
    if (refused) return reject(res, 401, 'not signed in: open the address "parley web" printed');

    if (pathname.startsWith('/api/')) {
      let procedure: string;
      try {
        procedure = decodeURIComponent(pathname.slice('/api/'.length));
      } catch {
        procedure = pathname.slice('/api/'.length);
      }
      return serveApi(req, res, procedure, client);
    }
    if (pathname.startsWith('/blob/'))
      return serveBlob(
        req,
        res,
        pathname.slice('/blob/'.length),
        options.blobDir,
        options.blobType,
      );
    if (pathname === '/upload') return serveUpload(req, res, options.blobDir, maxUploadBytes);
    if (pathname === '/session') {
      res.writeHead(204, { 'Cache-Control': 'no-store' }).end();
      return;
    }
    return reject(res, 426, 'this endpoint speaks WebSocket');
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      log(`web host: request failed: ${(err as Error).name}`);
      if (!res.headersSent) res.writeHead(500, TEXT).end('internal error\n');
      else res.destroy();
    });
  });

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const guard = checkHostAndOrigin(req.headers, port);
    if (!guard.ok) return rejectUpgrade(socket, guard.status, guard.reason);
    const fromElsewhere = checkFetchSite(req.headers);
    if (fromElsewhere) return rejectUpgrade(socket, fromElsewhere.status, fromElsewhere.reason);
    const url = new URL(req.url ?? '/', guard.origin);
    if (url.pathname !== '/ws') return rejectUpgrade(socket, 404, 'no such endpoint');
    const refused = refuseToken(presentedToken(req.headers, port));
    if (refused?.status === 429)
      return rejectUpgrade(socket, 429, 'too many wrong tokens; wait a moment');
    if (refused) return rejectUpgrade(socket, 401, 'not signed in');
    hub.accept(req, socket, head);
  });

  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });

  await new Promise<void>((resolve, rejectListen) => {
    server.once('error', rejectListen);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', rejectListen);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('web host: no TCP address');
  port = address.port;

  let closing: Promise<void> | null = null;
  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    token,
    port,
    get socketLoad() {
      return hub.load;
    },
    close() {
      closing ??= (async () => {
        await hub.close();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
      })();
      return closing;
    },
  };
}
