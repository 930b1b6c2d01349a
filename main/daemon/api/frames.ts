// The frames of Parley's one client protocol, whatever carries them: the
// daemon worker's message port (structured clone), web mode's WebSocket (JSON
// text) and the renderer's side of that socket. A call goes out, its result
// comes back under the caller's id, and events are pushed. Each receiving edge
// checks a frame's shape once, here; a frame that is not one is refused with
// the reason and never reaches a handler. Plain TypeScript: no Node or DOM
// APIs, so the renderer imports it too.
import type { ApiResult, DaemonEvent, EventName } from './contract.js';

/** The caller's own id for a call, echoed back with its result. */
export type FrameId = number | string;

/** Caller → daemon: one procedure call. */
export interface CallFrame {
  id: FrameId;
  name: string;
  input?: unknown;
}

/** Daemon → caller: the result of a call (`id` null when the call's id could not be read). */
export interface ResultFrame {
  id: FrameId | null;
  result: ApiResult<unknown>;
}

/** Daemon → caller: a pushed event. */
export interface EventFrame {
  event: DaemonEvent;
}

export type ServerFrame = ResultFrame | EventFrame;

/** Why an incoming frame was refused, with the id to answer under when it had one. */
export interface FrameError {
  id: FrameId | null;
  error: string;
}

const EVENT_NAMES: Record<EventName, true> = {
  'messages.upserted': true,
  'messages.removed': true,
  'chats.updated': true,
  'account.status': true,
  'outbox.updated': true,
  notify: true,
  typing: true,
  presence: true,
  'sync.progress': true,
  'receipts.updated': true,
  'verification.updated': true,
  'security.identityChanged': true,
};

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const frameId = (v: unknown): FrameId | null =>
  typeof v === 'number' || typeof v === 'string' ? v : null;

/** Reads a text frame (JSON) into a value for the parsers below. */
export function decodeText(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

export const encodeText = (frame: CallFrame | ServerFrame): string => JSON.stringify(frame);

/** A call, or why the value is not one. The procedure's input is the contract's to check. */
export function parseCallFrame(value: unknown): CallFrame | FrameError {
  if (value === undefined) return { id: null, error: 'the frame is not valid JSON' };
  if (!isRecord(value)) return { id: null, error: 'a frame must be an object {id, name, input}' };
  const id = frameId(value.id);
  if (id === null) return { id: null, error: 'a frame needs an id (number or string)' };
  if (typeof value.name !== 'string') return { id, error: 'a frame needs a procedure name' };
  if (nestsDeeperThan(value.input, MAX_INPUT_DEPTH))
    return { id, error: `the input nests deeper than ${MAX_INPUT_DEPTH} levels` };
  return { id, name: value.name, input: value.input };
}

/**
 * No procedure's input nests this deep; a deeper one (JSON parses it fine)
 * would overflow the stack of whatever walks it next (the schema check, the
 * worker port's structured clone): refused at the edge instead.
 */
export const MAX_INPUT_DEPTH = 32;

/** Whether `value` has objects or arrays nested more than `limit` deep (walked without recursion). */
function nestsDeeperThan(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth >= limit) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, depth + 1]);
  }
  return false;
}

/** A result or an event, or why the value is neither (the receiver drops it). */
export function parseServerFrame(value: unknown): ServerFrame | FrameError {
  if (!isRecord(value)) return { id: null, error: 'a frame must be an object' };
  if ('event' in value) {
    const event = value.event;
    if (
      !isRecord(event) ||
      typeof event.name !== 'string' ||
      !Object.hasOwn(EVENT_NAMES, event.name)
    )
      return { id: null, error: 'an event frame needs a known event name' };
    if (!isRecord(event.payload)) return { id: null, error: 'an event frame needs a payload' };
    return { event: event as unknown as DaemonEvent };
  }
  const id = value.id === null ? null : frameId(value.id);
  const result = value.result;
  if (!isRecord(result) || typeof result.ok !== 'boolean')
    return { id, error: 'a result frame needs a result {ok, value | error}' };
  if (!result.ok && (!isRecord(result.error) || typeof result.error.code !== 'string'))
    return { id, error: 'a failed result needs an error {code, message}' };
  return { id, result: result as unknown as ApiResult<unknown> };
}

export const isFrameError = (v: CallFrame | ServerFrame | FrameError): v is FrameError =>
  'error' in v;
