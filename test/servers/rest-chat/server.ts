// A standalone, in-memory reference server for the REST chat API (the
// documented API of maratal/ChatServer at 4345132), written from its
// documentation and from the notes on what that server actually does.
// Imports nothing from main/. Run directly: `npx tsx test/servers/rest-chat/server.ts --port 8766`.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { pathToFileURL } from 'node:url';
import { WebSocketServer } from 'ws';
import { chatRoutes } from './chatRoutes.js';
import type { Ctx } from './context.js';
import { fileRoutes, MAX_UPLOAD_BYTES } from './fileRoutes.js';
import { Abort, Router, Text, readBody, send, sendError } from './http.js';
import { SocketHub } from './hub.js';
import { messageRoutes } from './messageRoutes.js';
import { Store, newUuid, type DeviceSession, type User } from './store.js';
import { userRoutes } from './userRoutes.js';
import { closeHttp, listenOn } from '../loopback.js';

/** Vapor's default limit for a collected (non-streamed) request body. */
const MAX_JSON_BODY_BYTES = 16 * 1024;

export interface RestChatUser {
  username: string;
  password: string;
  name?: string;
}

export interface RestChatServerOptions {
  port?: number;
  host?: string;
  /** Registered at start (usernames lower-case, as registration would store them). */
  users?: RestChatUser[];
  log?: (line: string) => void;
}

export class RestChatServer {
  readonly store = new Store();
  readonly hub: SocketHub;
  private readonly router = new Router();
  private readonly http = createServer((req, res) => void this.serve(req, res));
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly log: (line: string) => void;
  url = '';
  port = 0;

  constructor(private readonly options: RestChatServerOptions = {}) {
    this.log = options.log ?? (() => undefined);
    this.hub = new SocketHub(this.store, this.log);
    const ctx: Ctx = { store: this.store, hub: this.hub, log: this.log };
    this.router.on('GET', '/', () => new Text('Chat Server v0.1.0'));
    userRoutes(this.router, ctx);
    chatRoutes(this.router, ctx);
    messageRoutes(this.router, ctx);
    fileRoutes(this.router, ctx);
    for (const u of options.users ?? [])
      this.store.addUser(u.name ?? u.username, u.username.toLowerCase(), u.password);
    // Any path upgrades (the id in the documented `/<DeviceSession.id>` is never read);
    // the Bearer token of the upgrade request picks the session.
    this.http.on('upgrade', (req, socket, head) => {
      this.wss.handleUpgrade(req, socket, head, (ws) => {
        const m = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '');
        const session = m ? this.store.sessionByToken(m[1]!) : undefined;
        if (!session) {
          // The real server upgrades anyway, logs, and never registers the socket.
          this.log('websocket without a valid session: not registered');
          return;
        }
        session.ipAddress = req.socket.remoteAddress;
        this.hub.attach(session.id, ws);
      });
    });
  }

  user(username: string): User {
    const u = this.store.userByUsername(username.toLowerCase());
    if (!u) throw new Error(`no user ${username}`);
    return u;
  }

  /** A device session for a user, as a login would make (for tests and `npm run servers`). */
  newSession(username: string, deviceName = 'Reference server'): DeviceSession {
    return this.store.addSession(this.user(username).id, {
      id: newUuid(),
      name: deviceName,
      model: 'server',
      transport: 'none',
    });
  }

  /** How many device sessions have a registered websocket. */
  socketCount(): number {
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

  /**
   * A restart: every connection and websocket drops, and the server listens
   * again on the same port with the same data, as the real server does with
   * its data in PostgreSQL (this one keeps it in memory, in this process).
   */
  async restart(): Promise<void> {
    await this.stop();
    await listenOn(this.http, this.port, this.options.host);
    this.log('restarted');
  }

  /**
   * Fault injection for tests: the next request `match` accepts is carried out
   * (its changes are kept, its events sent) and then the server stops before
   * answering, as a crash between the database commit and the response would,
   * and comes back after `downMs`. Resolves when it is back.
   */
  crashAfterNext(match: (method: string, path: string) => boolean, downMs = 300): Promise<void> {
    return new Promise((resolve) => {
      this.crash = { match, downMs, resolve };
    });
  }

  async close(): Promise<void> {
    await this.stop();
  }

  private async stop(): Promise<void> {
    this.hub.closeAll();
    for (const ws of this.wss.clients) ws.terminate();
    await closeHttp(this.http);
  }

  private crash: {
    match: (method: string, path: string) => boolean;
    downMs: number;
    resolve: () => void;
  } | null = null;

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const url = new URL(req.url ?? '/', 'http://x');
      const limit = url.pathname === '/uploads' ? MAX_UPLOAD_BYTES : MAX_JSON_BODY_BYTES;
      const body = await readBody(req, limit);
      const reply = await this.router.handle({
        method: req.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        params: [],
        headers: req.headers,
        body,
        remoteAddress: req.socket.remoteAddress,
      });
      const crash = this.crash;
      if (crash?.match(req.method ?? 'GET', url.pathname)) {
        this.crash = null;
        this.log(`${req.method} ${url.pathname}: done, crashing before the answer`);
        req.socket.destroy();
        await this.stop();
        await new Promise((r) => setTimeout(r, crash.downMs));
        await listenOn(this.http, this.port, this.options.host);
        this.log('restarted');
        crash.resolve();
        return;
      }
      send(res, reply);
      this.log(`${req.method} ${url.pathname} 200`);
    } catch (err) {
      if (!(err instanceof Abort)) this.log(`${req.method} ${req.url}: ${String(err)}`);
      else this.log(`${req.method} ${req.url} ${err.status}`);
      sendError(res, err);
      // A refused oversized body is not drained; the connection cannot be reused.
      if (err instanceof Abort && err.status === 413) res.once('finish', () => req.destroy());
    }
  }
}

/** Starts a server on loopback (random port unless given). */
export async function startRestChatServer(
  options: RestChatServerOptions = {},
): Promise<RestChatServer> {
  return new RestChatServer(options).listen();
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const portArg = process.argv.indexOf('--port');
  const port = portArg > 0 ? Number(process.argv[portArg + 1]) : 8766;
  const server = await startRestChatServer({ port, log: (l) => console.error(l) });
  console.log(`REST chat reference server: ${server.url}`);
}
