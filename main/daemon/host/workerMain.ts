// The daemon's thread. Everything heavy (SQLite, sync, search) runs here so
// the host's event loop (window events, IPC, HTTP) never waits on it.
// daemonWorker.ts runs it with the connectors this build ships; the daemon
// benchmark runs the same thread with its own feed connector.
import { parentPort, workerData } from 'node:worker_threads';
import { openDaemon, type DaemonApi } from '../openDaemon.js';
import type { ConnectorRegistry } from '../connectors/registry.js';
import type { SecretBroker } from '../secrets/secretBroker.js';
import type { HostToWorker, WorkerData, WorkerToHost } from './protocol.js';

/** Runs the daemon on this worker thread until the host sends `close`. */
export function runDaemonWorker(connectors?: ConnectorRegistry): void {
  const port = parentPort;
  if (!port) throw new Error('daemonWorker must run in a worker thread');
  const post = (message: WorkerToHost) => port.postMessage(message);

  let nextSecretId = 1;
  const pendingSecrets = new Map<
    number,
    { resolve: (v: unknown) => void; reject: (e: Error) => void }
  >();
  type SecretRequest =
    | { type: 'secret'; op: 'get' | 'delete'; key: string }
    | { type: 'secret'; op: 'set'; key: string; secret: string };
  function askHost<T>(message: SecretRequest): Promise<T> {
    const id = nextSecretId++;
    return new Promise<T>((resolve, reject) => {
      pendingSecrets.set(id, { resolve: resolve as (v: unknown) => void, reject });
      post({ ...message, id });
    });
  }

  const secrets: SecretBroker = {
    get: (key) => askHost<string | null>({ type: 'secret', op: 'get', key }),
    set: (key, secret) => askHost<void>({ type: 'secret', op: 'set', key, secret }),
    delete: (key) => askHost<boolean>({ type: 'secret', op: 'delete', key }),
  };

  let daemon: DaemonApi;
  try {
    // A damaged database still starts: the app shows it and offers a backup.
    daemon = openDaemon({
      profileDir: (workerData as WorkerData).profileDir,
      testOnlyLoopbackFetchPorts: (workerData as WorkerData).testOnlyLoopbackFetchPorts ?? [],
      secrets,
      ...(connectors ? { connectors } : {}),
      log: (line) => post({ type: 'log', line }),
    });
    daemon.subscribe((event) => post({ type: 'event', event }));
    post({ type: 'ready' });
  } catch (err) {
    post({ type: 'fatal', message: (err as Error).message });
    process.exit(1);
  }

  port.on('message', (message: HostToWorker) => {
    switch (message.type) {
      case 'call':
        void daemon.call(message.name, message.input).then((result) => {
          post({ type: 'result', id: message.id, result });
        });
        return;
      case 'secret-reply': {
        const pending = pendingSecrets.get(message.id);
        pendingSecrets.delete(message.id);
        if (!pending) return;
        if (message.ok) pending.resolve(message.value);
        else pending.reject(Object.assign(new Error(message.message), { name: message.name }));
        return;
      }
      case 'start-sync':
        void daemon.start();
        return;
      case 'close':
        void daemon.close().finally(() => {
          post({ type: 'closed' });
          port.close();
        });
        return;
      default: {
        const never: never = message;
        throw new Error(`unknown message ${JSON.stringify(never)}`);
      }
    }
  });
}
