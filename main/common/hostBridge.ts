// What the renderer expects of the host that runs it, shared by the three
// sides that meet here: the renderer (which calls it), the Electron preload
// (which implements it as window.parley over one IPC channel) and the shell's
// IPC binding (which answers it). Types only: nothing here runs, so any
// environment may import it.
import type { ApiResult, DaemonEvent } from '../daemon/api/contract.js';

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
