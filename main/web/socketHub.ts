// The WebSocket side of web mode: calls in, results and every daemon event out.
// One subscription to the daemon fans out to all sockets; a socket that cannot
// keep up is closed (its client reconnects and re-reads) rather than buffered
// without bound.
import { WebSocketServer, type WebSocket } from 'ws';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ApiResult, DaemonEvent } from '../daemon/api/contract.js';
import { MAX_BODY_BYTES } from './apiRoute.js';
import type { ApiClient } from './wireProtocol.js';
import { asConnection, endWatch } from '../daemon/api/remoteCallPolicy.js';
import {
  decodeText,
  encodeText,
  isFrameError,
  parseCallFrame,
  type ServerFrame,
} from '../daemon/api/frames.js';

/** Beyond this many queued bytes a socket is considered stuck. */
const MAX_BUFFERED_BYTES = 16 * 1024 * 1024;
const HEARTBEAT_MS = 30_000;
/**
 * Calls one socket may have unanswered at once. A client that sends without
 * waiting for answers is told to slow down instead of piling up promises and
 * results in the host: with the buffered-bytes cap and the frame size cap,
 * what one socket can make the host hold is bounded.
 */
export const MAX_CALLS_IN_FLIGHT = 64;

export class SocketHub {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: MAX_BODY_BYTES });
  private readonly alive = new WeakMap<WebSocket, boolean>();
  private readonly inFlight = new WeakMap<WebSocket, number>();
  private readonly unsubscribe: () => void;
  private readonly heartbeat: NodeJS.Timeout;
  /** Names each socket's timeline watch (timeline.watch); ended when the socket closes. */
  private sockets = 0;

  constructor(private readonly client: ApiClient) {
    this.unsubscribe = client.subscribe((event) => this.broadcast(event));
    this.wss.on('connection', (ws) => this.attach(ws));
    this.heartbeat = setInterval(() => this.sweep(), HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  /** Completes an upgrade the caller has already authorized. */
  accept(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.wss.handleUpgrade(req, socket, head, (ws) => this.wss.emit('connection', ws, req));
  }

  /** Open sockets and their unanswered calls (what the hub holds now). */
  get load(): { sockets: number; callsInFlight: number } {
    let calls = 0;
    for (const ws of this.wss.clients) calls += this.inFlight.get(ws) ?? 0;
    return { sockets: this.wss.clients.size, callsInFlight: calls };
  }

  async close(): Promise<void> {
    this.unsubscribe();
    clearInterval(this.heartbeat);
    for (const ws of this.wss.clients) ws.close(1001, 'server closing');
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    for (const ws of this.wss.clients) ws.terminate();
  }

  private attach(ws: WebSocket): void {
    const connection = `socket:${++this.sockets}`;
    this.alive.set(ws, true);
    ws.on('pong', () => this.alive.set(ws, true));
    ws.on('error', () => ws.terminate());
    ws.on('close', () => {
      const end = endWatch(connection);
      void this.client.callRaw(end.name, end.input).catch(() => undefined);
    });
    ws.on('message', (data, isBinary) => {
      if (isBinary) {
        this.send(ws, {
          id: null,
          result: { ok: false, error: { code: 'invalid_input', message: 'frames are JSON text' } },
        });
        return;
      }
      const frame = parseCallFrame(decodeText(data.toString()));
      if (isFrameError(frame)) {
        this.send(ws, {
          id: frame.id,
          result: { ok: false, error: { code: 'invalid_input', message: frame.error } },
        });
        return;
      }
      const pending = this.inFlight.get(ws) ?? 0;
      if (pending >= MAX_CALLS_IN_FLIGHT) {
        this.send(ws, {
          id: frame.id,
          result: {
            ok: false,
            error: {
              code: 'unavailable',
              message: `more than ${MAX_CALLS_IN_FLIGHT} calls waiting on this socket; wait for their answers`,
            },
          },
        });
        return;
      }
      this.inFlight.set(ws, pending + 1);
      void this.client
        .callRaw(frame.name, asConnection(frame.name, frame.input ?? {}, connection))
        .catch((err: unknown): ApiResult<unknown> => ({
          ok: false,
          error: { code: 'unavailable', message: (err as Error)?.message ?? 'the daemon failed' },
        }))
        .then((result) => {
          this.inFlight.set(ws, (this.inFlight.get(ws) ?? 1) - 1);
          this.send(ws, { id: frame.id, result });
        });
    });
  }

  private broadcast(event: DaemonEvent): void {
    if (this.wss.clients.size === 0) return;
    const text = encodeText({ event });
    for (const ws of this.wss.clients) this.sendText(ws, text);
  }

  private send(ws: WebSocket, frame: ServerFrame): void {
    this.sendText(ws, encodeText(frame));
  }

  private sendText(ws: WebSocket, text: string): void {
    if (ws.readyState !== ws.OPEN) return;
    if (ws.bufferedAmount > MAX_BUFFERED_BYTES) {
      ws.close(1013, 'too far behind; reconnect');
      return;
    }
    ws.send(text);
  }

  private sweep(): void {
    for (const ws of this.wss.clients) {
      if (this.alive.get(ws) === false) {
        ws.terminate();
        continue;
      }
      this.alive.set(ws, false);
      ws.ping();
    }
  }
}
