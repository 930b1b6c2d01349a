// The `ws` package, loaded when the first socket opens. With it come
// node:http, https, net, tls and zlib: loading them with the daemon cost its
// cold start ~50 ms of CPU before the first chat list, which needs none of
// them (docs/performance.md, session 5).
import type WebSocket from 'ws';

let loading: Promise<typeof WebSocket> | null = null;

export function webSocketClass(): Promise<typeof WebSocket> {
  loading ??= import('ws').then((m) => m.default);
  return loading;
}
