// Web mode: the daemon's API and the built renderer over HTTP + WebSocket on
// 127.0.0.1, behind a per-launch token. The token travels to the browser in the
// URL fragment (never sent to a server or written to its logs); the renderer
// keeps it in sessionStorage.
//
//   GET  /, /assets/*        the renderer (public; strict CSP)
//   POST /api/<procedure>    JSON in, ApiResult out      Authorization: Bearer <token>
//   GET  /blob/<sha256>      a stored blob               Bearer header or ?token=
//   GET  /ws?token=<token>   WebSocket: {id,name,input} → {id,result}; pushes {event}
//
// Every request must name the host as 127.0.0.1:PORT or localhost:PORT, and a
// request that says where it comes from (Origin) must come from here.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { serveApi } from './apiRoute.js';
import { serveBlob, type BlobTypeLookup } from './blobRoute.js';
import { bearerToken, checkHostAndOrigin, newToken, tokenMatches } from './requestGuard.js';
import { SocketHub } from './socketHub.js';
import { COMMON_HEADERS, serveStatic } from './staticFiles.js';
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
  /** Operational log: never tokens, never bodies. */
  log?: (line: string) => void;
}

export interface WebHost {
  /** What to open: http://127.0.0.1:PORT/#token=TOKEN */
  url: string;
  token: string;
  port: number;
  close(): Promise<void>;
}

const TEXT = { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' };

function reject(res: ServerResponse, status: 401 | 403 | 404 | 426, reason: string): void {
  const headers: Record<string, string> = { ...TEXT };
  if (status === 401) headers['WWW-Authenticate'] = 'Bearer';
  res.writeHead(status, headers).end(`${reason}\n`);
}

function rejectUpgrade(socket: Duplex, status: 400 | 401 | 403 | 404, reason: string): void {
  const title = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found' }[
    status
  ];
  const body = `${reason}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${title}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

export async function startWebHost(options: WebHostOptions): Promise<WebHost> {
  const token = newToken();
  const log = options.log ?? (() => undefined);
  const rendererDir = options.rendererDir ?? null;
  let port = options.port ?? 0;
  const hub = new SocketHub(options.client);

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    for (const [name, value] of Object.entries(COMMON_HEADERS)) res.setHeader(name, value);
    const guard = checkHostAndOrigin(req.headers, port);
    if (!guard.ok) return reject(res, guard.status, guard.reason);
    const url = new URL(req.url ?? '/', guard.origin);
    const { pathname } = url;

    if (pathname.startsWith('/api/')) {
      if (!tokenMatches(bearerToken(req.headers), token))
        return reject(res, 401, 'missing or wrong token');
      let procedure: string;
      try {
        procedure = decodeURIComponent(pathname.slice('/api/'.length));
      } catch {
        procedure = pathname.slice('/api/'.length);
      }
      return serveApi(req, res, procedure, options.client);
    }
    if (pathname.startsWith('/blob/')) {
      const presented = bearerToken(req.headers) ?? url.searchParams.get('token');
      if (!tokenMatches(presented, token)) return reject(res, 401, 'missing or wrong token');
      return serveBlob(
        req,
        res,
        pathname.slice('/blob/'.length),
        options.blobDir,
        options.blobType,
      );
    }
    if (pathname === '/ws') return reject(res, 426, 'this endpoint speaks WebSocket');
    return serveStatic(req, res, rendererDir, pathname, port);
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
    const url = new URL(req.url ?? '/', guard.origin);
    if (url.pathname !== '/ws') return rejectUpgrade(socket, 404, 'no such endpoint');
    if (!tokenMatches(url.searchParams.get('token'), token))
      return rejectUpgrade(socket, 401, 'missing or wrong token');
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
    url: `http://127.0.0.1:${port}/#token=${token}`,
    token,
    port,
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
