// The sandboxed preload: exposes window.parley = { call, subscribe } over the
// single IPC channel, and nothing else. The renderer never sees ipcRenderer or
// a channel name.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { ApiResult } from '../main/daemon/api/contract.js';
import type { HostEvent, ParleyBridge } from '../main/common/hostBridge.js';

const CALL_CHANNEL = 'parley:call';
const EVENT_CHANNEL = 'parley:event';

const bridge: ParleyBridge = {
  call(name: string, input: unknown): Promise<ApiResult<unknown>> {
    return ipcRenderer.invoke(CALL_CHANNEL, String(name), input) as Promise<ApiResult<unknown>>;
  },
  subscribe(listener: (event: HostEvent) => void): () => void {
    if (typeof listener !== 'function') throw new TypeError('subscribe needs a function');
    const handler = (_event: IpcRendererEvent, payload: HostEvent) => listener(payload);
    ipcRenderer.on(EVENT_CHANNEL, handler);
    return () => {
      ipcRenderer.removeListener(EVENT_CHANNEL, handler);
    };
  },
};

contextBridge.exposeInMainWorld('parley', bridge);
