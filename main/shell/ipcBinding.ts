// The one IPC channel between the app window and main. Calls arrive on
// 'parley:call' as (name, input); only the app window's own top frame, showing
// the app's own page, is answered. Daemon events (and the shell's own, like a
// clicked notification) go to the window on 'parley:event'.
import { ipcMain, type BrowserWindow, type IpcMainInvokeEvent } from 'electron';
import type { ApiResult, DaemonEvent } from '../daemon/api/contract.js';
import type { HostEvent, ShellCall } from '../common/hostBridge.js';
import { gateCall } from './callGate.js';
import { asConnection, endWatch } from '../daemon/api/remoteCallPolicy.js';
import { isAppUrl } from './navigationPolicy.js';

export const CALL_CHANNEL = 'parley:call';
export const EVENT_CHANNEL = 'parley:event';

export interface IpcDaemon {
  callRaw(name: string, input: unknown): Promise<ApiResult<unknown>>;
  subscribe(listener: (event: DaemonEvent) => void): () => void;
}

export interface IpcBindingOptions {
  window: BrowserWindow;
  /** The URL the window was loaded with. */
  appUrl: string;
  daemon: IpcDaemon;
  /** Calls the shell answers itself ('shell.*'): what the window shows, do-not-disturb. */
  onShellCall: (call: ShellCall) => void;
}

export interface IpcBinding {
  /** Sends a shell event (e.g. a clicked notification) to the window. */
  sendShellEvent(event: Exclude<HostEvent, DaemonEvent>): void;
  dispose(): void;
}

function fromAppWindow(event: IpcMainInvokeEvent, window: BrowserWindow, appUrl: string): boolean {
  const frame = event.senderFrame;
  return (
    !window.isDestroyed() &&
    event.sender === window.webContents &&
    frame !== null &&
    frame.parent === null &&
    isAppUrl(frame.url, appUrl)
  );
}

function shellCall(name: string, input: unknown): ShellCall | null {
  const value = (input ?? {}) as Record<string, unknown>;
  if (name === 'shell.visibleChat') {
    const chatId = value.chatId;
    if (chatId === null || (typeof chatId === 'number' && Number.isInteger(chatId) && chatId > 0))
      return { name, input: { chatId } };
  }
  if (name === 'shell.doNotDisturb' && typeof value.active === 'boolean')
    return { name, input: { active: value.active } };
  return null;
}

export function bindIpc({ window, appUrl, daemon, onShellCall }: IpcBindingOptions): IpcBinding {
  // The window's timeline watch (timeline.watch) is held under its own name; a
  // reload watches again under the same name, replacing the old list.
  const connection = `window:${window.id}`;
  ipcMain.handle(
    CALL_CHANNEL,
    async (event, name: unknown, input: unknown): Promise<ApiResult<unknown>> => {
      if (!fromAppWindow(event, window, appUrl))
        throw new Error('parley:call refused: not the app window');
      if (typeof name === 'string' && name.startsWith('shell.')) {
        const call = shellCall(name, input);
        if (!call)
          return {
            ok: false,
            error: { code: 'invalid_input', message: `invalid shell call ${name.slice(0, 40)}` },
          };
        onShellCall(call);
        return { ok: true, value: null };
      }
      const gate = gateCall(name, input);
      if (!gate.ok) return gate.result;
      return daemon.callRaw(gate.name, asConnection(gate.name, gate.input, connection));
    },
  );

  const send = (event: HostEvent) => {
    if (!window.isDestroyed()) window.webContents.send(EVENT_CHANNEL, event);
  };
  const unsubscribe = daemon.subscribe(send);

  return {
    sendShellEvent: send,
    dispose() {
      unsubscribe();
      const end = endWatch(connection);
      void daemon.callRaw(end.name, end.input).catch(() => undefined);
      ipcMain.removeHandler(CALL_CHANNEL);
    },
  };
}
