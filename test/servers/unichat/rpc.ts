// The RPC conventions: named arguments in, a map out, or an error with a
// constant `error_code` (the only part clients may rely on).
import type { Hub } from './hub.js';
import type { Store, User } from './store.js';

export class RpcError extends Error {
  constructor(
    readonly code: string,
    text: string,
  ) {
    super(text);
  }
}

export type Args = Record<string, unknown>;
export type Result = Record<string, unknown>;

export interface Call {
  args: Args;
  /** The signed-in user, when USER_AUTH_TOKEN named a live session. */
  user: User | null;
  token: string | null;
}

export interface Ctx {
  store: Store;
  hub: Hub;
  /** Absolute base URL for file links. */
  baseUrl(): string;
  editWindowMs: number;
}

export type Method = (call: Call) => Result | Promise<Result>;
export type MethodTable = Record<string, Method>;

export function requireUser(call: Call): User {
  if (!call.user) throw new RpcError('not_logged_in', 'this method needs USER_AUTH_TOKEN');
  return call.user;
}

const bad = (name: string, what: string) => new RpcError('invalid_arguments', `${name}: ${what}`);

/** `<long>`: a number or a decimal string (Rails accepts both). */
export function optLong(args: Args, name: string): number | null {
  const v = args[name];
  if (v === undefined || v === null || v === '') return null;
  const n = typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isSafeInteger(n)) throw bad(name, 'must be an integer');
  return n;
}

export function long(args: Args, name: string): number {
  const n = optLong(args, name);
  if (n === null) throw bad(name, 'is required');
  return n;
}

export function optString(args: Args, name: string): string | null {
  const v = args[name];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') throw bad(name, 'must be a string');
  return v;
}

export function string(args: Args, name: string): string {
  const s = optString(args, name);
  if (s === null) throw bad(name, 'is required');
  return s;
}

export function optBool(args: Args, name: string): boolean | null {
  const v = args[name];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'boolean') throw bad(name, 'must be true or false');
  return v;
}

/** A long or an array of longs (`user_id: [<long>]` also accepts one id). */
export function longList(args: Args, name: string): number[] {
  const v = args[name];
  if (v === undefined || v === null) return [];
  const items = Array.isArray(v) ? v : [v];
  return items.map((item, i) => long({ [`${name}[${i}]`]: item }, `${name}[${i}]`));
}

/** `someMethod` → `some_method` (the camelCase aliases). */
export function snakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** `"2018-10-15T18:33:56Z"`: ISO 8601 to the second, as the records show. */
export const isoTime = (d: Date | null): string | null =>
  d ? d.toISOString().replace(/\.\d{3}Z$/, 'Z') : null;
