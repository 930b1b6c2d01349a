// The renderer's one client. In Electron the preload provides window.parley;
// in a browser (web mode) we speak WebSocket to the page's own origin. Either
// way the UI gets a typed ParleyClient and never learns which.
import type {
  DaemonEvent,
  ParleyClient,
  ProcedureInput,
  ProcedureName,
  ProcedureOutput,
} from '../../../main/daemon/api/contract.js';
import type { HostEvent, ParleyBridge, ShellCall, ShellEvent } from './bridge.js';
import { CallError } from './callError.js';
import { takeToken } from './token.js';
import { createWebBridge, type ConnectionState } from './webTransport.js';

export type { ConnectionState } from './webTransport.js';

export interface RendererClient extends ParleyClient {
  readonly mode: 'electron' | 'web';
  /** Where an <img>/<video> loads a stored blob from. */
  blobUrl(sha256: string): string;
  /** Tells the shell what the window shows (Electron); web mode ignores it. */
  shell(call: ShellCall): void;
  onShellEvent(listener: (event: ShellEvent) => void): () => void;
  /** The connection state now and on every change (web mode); Electron is always 'open'. */
  onConnection(listener: (state: ConnectionState, everOpened: boolean) => void): () => void;
}

const isShellEvent = (event: HostEvent): event is ShellEvent => event.name.startsWith('shell.');

function wrap(
  bridge: ParleyBridge,
  mode: RendererClient['mode'],
  blobUrl: (sha256: string) => string,
  onConnection: RendererClient['onConnection'],
): RendererClient {
  return {
    mode,
    blobUrl,
    onConnection,
    async call<P extends ProcedureName>(
      name: P,
      input: ProcedureInput<P>,
    ): Promise<ProcedureOutput<P>> {
      const result = await bridge.call(name, input);
      if (!result.ok) throw new CallError(result.error);
      return result.value as ProcedureOutput<P>;
    },
    subscribe(listener: (event: DaemonEvent) => void) {
      return bridge.subscribe((event) => {
        if (!isShellEvent(event)) listener(event);
      });
    },
    onShellEvent(listener) {
      return bridge.subscribe((event) => {
        if (isShellEvent(event)) listener(event);
      });
    },
    shell(call) {
      // Best effort: the shell only uses it to decide about notifications.
      if (mode === 'electron') bridge.call(call.name, call.input).catch(() => undefined);
    },
  };
}

/** Thrown when web mode has no token: the page was opened without #token=…. */
export class MissingTokenError extends Error {
  constructor() {
    super('Open Parley with the address printed by "parley web" (it ends in #token=…).');
    this.name = 'MissingTokenError';
  }
}

export function createClient(): RendererClient {
  const native = window.parley;
  if (native)
    return wrap(
      native,
      'electron',
      (sha) => `parley-blob://${encodeURIComponent(sha)}`,
      (listener) => {
        listener('open', true);
        return () => undefined;
      },
    );
  const token = takeToken();
  if (!token) throw new MissingTokenError();
  const bridge = createWebBridge(token);
  return wrap(
    bridge,
    'web',
    (sha) => `/blob/${encodeURIComponent(sha)}?token=${encodeURIComponent(token)}`,
    (listener) => bridge.onConnection(listener),
  );
}
