// What the web host needs of the daemon, and the WebSocket frames it speaks.
// The renderer's web transport (renderer/src/api/webTransport.ts) mirrors these
// frames; it may not import this file, so keep the two in step.
import type { ApiResult, DaemonEvent } from '../daemon/api/contract.js';

/** The daemon as the web host sees it (a DaemonHost fits). */
export interface ApiClient {
  callRaw(name: string, input: unknown): Promise<ApiResult<unknown>>;
  subscribe(listener: (event: DaemonEvent) => void): () => void;
}

/** Client → host: one procedure call; `id` is the caller's, echoed back. */
export interface CallFrame {
  id: number | string;
  name: string;
  input?: unknown;
}

/** Host → client. */
export type ServerFrame =
  { id: number | string | null; result: ApiResult<unknown> } | { event: DaemonEvent };

/** Parses one incoming frame: a call, or why it is not one. */
export function parseCallFrame(
  data: string,
): CallFrame | { id: number | string | null; error: string } {
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return { id: null, error: 'the frame is not valid JSON' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return { id: null, error: 'a frame must be an object {id, name, input}' };
  const frame = value as Record<string, unknown>;
  const id = typeof frame.id === 'number' || typeof frame.id === 'string' ? frame.id : null;
  if (id === null) return { id: null, error: 'a frame needs an id (number or string)' };
  if (typeof frame.name !== 'string') return { id, error: 'a frame needs a procedure name' };
  return { id, name: frame.name, input: frame.input };
}
