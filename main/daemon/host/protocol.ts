// Messages between the host thread (Electron main, web host, CLI) and the
// daemon worker. Structured-clone only; no functions cross. Calls, results and
// events are the client protocol's frames (api/frames.ts), tagged for the port.
import type { CallFrame, EventFrame, ResultFrame } from '../api/frames.js';

export type HostToWorker =
  | ({ type: 'call'; id: number } & CallFrame)
  | { type: 'secret-reply'; id: number; ok: true; value: string | boolean | null }
  | { type: 'secret-reply'; id: number; ok: false; name: string; message: string }
  | { type: 'start-sync' }
  | { type: 'close' };

export type WorkerToHost =
  | { type: 'ready' }
  | { type: 'fatal'; message: string }
  | ({ type: 'result'; id: number } & ResultFrame)
  | ({ type: 'event' } & EventFrame)
  | { type: 'secret'; id: number; op: 'get' | 'delete'; key: string }
  | { type: 'secret'; id: number; op: 'set'; key: string; secret: string }
  | { type: 'log'; line: string }
  | { type: 'closed' };

export interface WorkerData {
  profileDir: string;
  /** See DaemonOptions.testOnlyLoopbackFetchPorts. */
  testOnlyLoopbackFetchPorts?: number[];
}
