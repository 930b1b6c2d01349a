// Web mode's host bridge: one WebSocket to /ws on the page's own origin,
// signed in by the session cookie (the page never sees the token).
// Frames are the client protocol's (main/daemon/api/frames.ts): {id,name,input}
// → {id,result}, and {event} pushed; each incoming one is checked there once.
// Reconnects with backoff; calls made while disconnected wait for the
// connection, calls in flight when it drops fail as 'unavailable'.
import type { ApiResult } from '../../../main/daemon/api/contract.js';
import {
  decodeText,
  encodeText,
  isFrameError,
  parseServerFrame,
} from '../../../main/daemon/api/frames.js';
import type { HostEvent, ParleyBridge } from './bridge.js';

export type ConnectionState = 'connecting' | 'open' | 'closed';

const MIN_DELAY_MS = 250;
const MAX_DELAY_MS = 10_000;

export interface WebBridge extends ParleyBridge {
  /** Calls the listener with the current state at once, then on every change. */
  onConnection(listener: (state: ConnectionState, everOpened: boolean) => void): () => void;
  /** Closes the socket for good: no reconnecting (the page cannot sign in). */
  close(): void;
}

export function createWebBridge(): WebBridge {
  const listeners = new Set<(event: HostEvent) => void>();
  const connectionListeners = new Set<(state: ConnectionState, everOpened: boolean) => void>();
  /** Calls awaiting a result; `sent` once they went out on a socket. */
  const pending = new Map<
    number,
    { resolve: (result: ApiResult<unknown>) => void; sent: boolean }
  >();
  const queue: { id: number; text: string }[] = [];
  let nextId = 1;
  let socket: WebSocket | null = null;
  let state: ConnectionState = 'connecting';
  let everOpened = false;
  let attempt = 0;
  let closedForGood = false;

  const setState = (next: ConnectionState) => {
    state = next;
    for (const l of connectionListeners) l(next, everOpened);
  };

  const connect = () => {
    if (closedForGood) return;
    const scheme = window.location.protocol === 'https:' ? 'wss' : 'ws';
    const ws = new WebSocket(`${scheme}://${window.location.host}/ws`);
    socket = ws;
    setState('connecting');
    ws.onopen = () => {
      attempt = 0;
      everOpened = true;
      setState('open');
      for (const { id, text } of queue.splice(0)) {
        const call = pending.get(id);
        if (call) call.sent = true;
        ws.send(text);
      }
    };
    ws.onmessage = (message) => {
      const frame = parseServerFrame(decodeText(String(message.data)));
      if (isFrameError(frame)) return;
      if ('event' in frame) {
        for (const l of listeners) l(frame.event);
        return;
      }
      if (typeof frame.id !== 'number') return;
      const call = pending.get(frame.id);
      pending.delete(frame.id);
      call?.resolve(frame.result);
    };
    ws.onclose = () => {
      socket = null;
      // A call that went out may or may not have run: say so. Queued ones wait.
      for (const [id, call] of pending) {
        if (!call.sent) continue;
        pending.delete(id);
        call.resolve({
          ok: false,
          error: { code: 'unavailable', message: 'the connection to Parley was lost' },
        });
      }
      setState('closed');
      if (closedForGood) return;
      const delay = Math.min(MAX_DELAY_MS, MIN_DELAY_MS * 2 ** attempt) * (0.5 + Math.random() / 2);
      attempt += 1;
      window.setTimeout(connect, delay);
    };
  };
  connect();

  return {
    call(name, input) {
      const id = nextId++;
      const text = encodeText({ id, name, input });
      return new Promise((resolve) => {
        const open = socket !== null && socket.readyState === WebSocket.OPEN;
        pending.set(id, { resolve, sent: open });
        if (open) socket!.send(text);
        else queue.push({ id, text });
      });
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    onConnection(listener) {
      connectionListeners.add(listener);
      listener(state, everOpened);
      return () => connectionListeners.delete(listener);
    },
    close() {
      closedForGood = true;
      socket?.close();
    },
  };
}
