// The daemon worker of bench:live: the app's worker thread (runDaemonWorker)
// with the real Matrix and JMAP Chat connectors, as defaultConnectors() makes
// them, instrumented only to report timestamps (marks.ts): when each HTTP
// response arrived (a wrapper around the global fetch both connectors use),
// when live() yielded the batch carrying a bench message, and when the engine
// came back for the next batch (that batch committed, its events emitted).
import { join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import type { Connector } from '../../main/daemon/connectors/connector.js';
import { ConnectorRegistry } from '../../main/daemon/connectors/registry.js';
import { MatrixConnector } from '../../main/daemon/connectors/matrix/connector.js';
import { matrixKind } from '../../main/daemon/connectors/matrix/kind.js';
import { JmapChatConnector } from '../../main/daemon/connectors/jmap-chat/connector.js';
import { JMAP_CHAT_KIND } from '../../main/daemon/connectors/jmap-chat/kind.js';
import { runDaemonWorker } from '../../main/daemon/host/workerMain.js';
import type { WorkerData } from '../../main/daemon/host/protocol.js';
import { TOKEN, epochNow, markPoster } from './marks.js';

const post = markPoster();

/** What a request was, for the breakdown: the path, and for JMAP the methods it called (never bodies or tokens). */
function describe(input: Parameters<typeof fetch>[0], init?: RequestInit): string {
  const url = new URL(input instanceof Request ? input.url : String(input));
  if (typeof init?.body === 'string' && url.pathname.includes('/jmap/api')) {
    try {
      const calls = (JSON.parse(init.body) as { methodCalls?: [string][] }).methodCalls ?? [];
      return calls.map((c) => c[0]).join('+');
    } catch {
      return url.pathname;
    }
  }
  return url.pathname.replace(/\/_matrix\/client\/v3/, '');
}

const nativeFetch = globalThis.fetch;
globalThis.fetch = async (input, init) => {
  const start = epochNow();
  const res = await nativeFetch(input, init);
  post({ kind: 'fetch', what: describe(input, init), start, end: epochNow() });
  return res;
};

/** The connector with its live() wrapped to mark each yielded batch and the engine's return for the next. */
function instrumented<C extends Connector>(connector: C): C {
  const live = connector.live?.bind(connector);
  if (!live) return connector;
  connector.live = async function* (ctx) {
    for await (const batch of live(ctx)) {
      const tokens = (batch.messages ?? []).flatMap((m) => m.body.match(TOKEN) ?? []);
      post({ kind: 'yield', at: epochNow(), tokens });
      yield batch;
      post({ kind: 'resume', at: epochNow() });
    }
  };
  return connector;
}

// The moment the daemon's coalesced message delta leaves the worker for the host.
const port = parentPort!;
const postToHost = port.postMessage.bind(port);
port.postMessage = (message: unknown, transfer?: Parameters<typeof postToHost>[1]) => {
  const m = message as { type?: string; event?: { name?: string } };
  if (m.type === 'event' && m.event?.name === 'messages.upserted')
    post({ kind: 'posted', at: epochNow() });
  postToHost(message, transfer);
};

const cryptoDir = join((workerData as WorkerData).profileDir, 'matrix-crypto');
runDaemonWorker(
  new ConnectorRegistry()
    .register(
      'matrix',
      () => instrumented(new MatrixConnector({ cryptoDir })),
      matrixKind(cryptoDir),
    )
    .register('jmap-chat', () => instrumented(new JmapChatConnector()), JMAP_CHAT_KIND),
);
