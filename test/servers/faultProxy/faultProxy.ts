// A fault-injecting HTTP proxy for tests: it sits on loopback in front of a
// real server (Synapse, Cyrus, a reference server) and forwards every request
// unchanged, except those a fault is armed for. The faults are the ways a
// network and a server misbehave:
//   reset      the answer's headers and part of its body, then the connection is reset
//   stall      the request is taken and never answered
//   status     500 / 503 (with or without Retry-After) instead of the answer
//   truncate   the answer's body cut short, the response ended cleanly (chunked)
//   oversized  a 200 MB JSON answer streamed in place of the real one
//   trickle    the real answer, a few bytes at a time
// A fault applies to requests whose path matches, `times` times (then the
// proxy heals by itself), or until `heal()`.
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { Socket } from 'node:net';
import { closeHttp, listenOn } from '../loopback.js';

export type Fault =
  | { kind: 'reset'; afterBytes: number }
  | { kind: 'stall' }
  | { kind: 'status'; status: number; retryAfter?: string }
  | { kind: 'truncate'; keepBytes: number }
  | { kind: 'oversized'; bytes: number }
  | { kind: 'trickle'; bytesPerTick: number; tickMs: number };

export interface Arming {
  /** Requests whose path (without the query) matches; every request when absent. */
  path?: RegExp;
  /** How many matching requests get the fault (default: until heal()). */
  times?: number;
}

export interface FaultProxy {
  readonly url: string;
  /** Requests that met a fault so far. */
  readonly faulted: number;
  arm(fault: Fault, arming?: Arming): void;
  heal(): void;
  close(): Promise<void>;
}

export async function startFaultProxy(upstream: string): Promise<FaultProxy> {
  const target = new URL(upstream);
  let armed: { fault: Fault; path?: RegExp; left: number } | null = null;
  let faulted = 0;
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();

  const take = (path: string): Fault | null => {
    if (!armed || (armed.path && !armed.path.test(path))) return null;
    const { fault } = armed;
    if (--armed.left <= 0) armed = null;
    faulted++;
    return fault;
  };

  const forward = (req: IncomingMessage, body: Buffer): Promise<IncomingMessage> =>
    new Promise((resolve, reject) => {
      const up = httpRequest(
        {
          host: target.hostname,
          port: target.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: target.host },
        },
        resolve,
      );
      up.on('error', reject);
      up.end(body);
    });

  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const path = (req.url ?? '/').split('?')[0]!;
    const fault = take(path);
    if (fault?.kind === 'stall') return; // never answered; close() drops it
    if (fault?.kind === 'status') {
      const headers: Record<string, string> = { 'content-type': 'text/html' };
      if (fault.retryAfter !== undefined) headers['retry-after'] = fault.retryAfter;
      res.writeHead(fault.status, headers);
      res.end(`<html><body>${fault.status} from the fault proxy</body></html>`);
      return;
    }
    if (fault?.kind === 'oversized') return streamOversized(res, fault.bytes);
    let up: IncomingMessage;
    try {
      up = await forward(req, Buffer.concat(chunks));
    } catch {
      res.socket?.destroy();
      return;
    }
    const body: Buffer[] = [];
    for await (const c of up) body.push(c as Buffer);
    const whole = Buffer.concat(body);
    const headers = { ...up.headers };
    delete headers['content-length'];
    delete headers['transfer-encoding'];
    delete headers.connection;
    if (!fault) {
      res.writeHead(up.statusCode ?? 502, { ...headers, 'content-length': whole.length });
      res.end(whole);
    } else if (fault.kind === 'reset') {
      // Declares the whole length, sends part, then resets: the client sees a cut.
      res.writeHead(up.statusCode ?? 502, { ...headers, 'content-length': whole.length });
      res.write(whole.subarray(0, Math.min(fault.afterBytes, whole.length - 1)), () =>
        res.socket?.resetAndDestroy(),
      );
    } else if (fault.kind === 'truncate') {
      res.writeHead(up.statusCode ?? 502, headers); // chunked: the end looks clean
      res.end(whole.subarray(0, fault.keepBytes));
    } else if (fault.kind === 'trickle') {
      res.writeHead(up.statusCode ?? 502, { ...headers, 'content-length': whole.length });
      let at = 0;
      const tick = () => {
        if (res.destroyed) return;
        const next = whole.subarray(at, at + fault.bytesPerTick);
        at += next.length;
        if (at >= whole.length) return res.end(next);
        res.write(next);
        const t = setTimeout(() => {
          timers.delete(t);
          tick();
        }, fault.tickMs);
        timers.add(t);
      };
      tick();
    }
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  const { url } = await listenOn(server);
  return {
    url,
    get faulted() {
      return faulted;
    },
    arm(fault, arming = {}) {
      armed = { fault, path: arming.path, left: arming.times ?? Number.POSITIVE_INFINITY };
    },
    heal() {
      armed = null;
    },
    async close() {
      for (const t of timers) clearTimeout(t);
      for (const s of sockets) s.destroy();
      await closeHttp(server);
    },
  };
}

/**
 * A JSON answer of `bytes` bytes, made as it is sent (the proxy holds none of
 * it): `{"pad":"xxxx…"}`, chunked, with no Content-Length, so only counting
 * what arrives can tell it is too large.
 */
function streamOversized(res: ServerResponse, bytes: number): void {
  res.writeHead(200, { 'content-type': 'application/json' });
  const chunk = Buffer.alloc(64 * 1024, 'x');
  let sent = 0;
  res.write('{"pad":"');
  const pump = () => {
    while (sent < bytes) {
      sent += chunk.length;
      if (!res.write(chunk)) return void res.once('drain', pump);
    }
    res.end('"}');
  };
  res.on('close', () => (sent = bytes + 1));
  pump();
}
