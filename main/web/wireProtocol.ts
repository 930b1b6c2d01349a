// What the web host needs of the daemon. The WebSocket speaks the client
// protocol's frames, defined once in main/daemon/api/frames.ts (the renderer's
// web transport reads the same module).
import type { ApiResult, DaemonEvent } from '../daemon/api/contract.js';

/** The daemon as the web host sees it (a DaemonHost fits). */
export interface ApiClient {
  callRaw(name: string, input: unknown): Promise<ApiResult<unknown>>;
  subscribe(listener: (event: DaemonEvent) => void): () => void;
}
