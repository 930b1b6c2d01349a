// What the renderer expects of the host that runs it. The Electron preload
// implements this as window.parley over one IPC channel; web mode implements it
// over a WebSocket (webTransport.ts). The renderer declares it, hosts conform:
// the preload and the shell import these types (type-only) from here.
import type { ApiResult, DaemonEvent } from '../../../main/daemon/api/contract.js';

/** Calls the Electron shell answers itself; web mode ignores them. */
export type ShellCall =
  | { name: 'shell.visibleChat'; input: { chatId: number | null } }
  | { name: 'shell.doNotDisturb'; input: { active: boolean } };

/** Events the shell sends besides the daemon's. */
export type ShellEvent = { name: 'shell.openChat'; payload: { chatId: number } };

export type HostEvent = DaemonEvent | ShellEvent;

export interface ParleyBridge {
  /** Any procedure or shell call; failures come back as typed results, never thrown. */
  call(name: string, input: unknown): Promise<ApiResult<unknown>>;
  /** Every event; returns the unsubscribe function. */
  subscribe(listener: (event: HostEvent) => void): () => void;
}

declare global {
  interface Window {
    /** Present in Electron (set by the preload); absent in web mode. */
    parley?: ParleyBridge;
  }
}
