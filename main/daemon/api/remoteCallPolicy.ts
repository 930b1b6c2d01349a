// What a call from outside the daemon's process may not do: give an input
// that names a file on this machine (LOCAL_ONLY_INPUTS), or watch every
// chat's timeline. Web mode and the renderer's IPC ask this before passing a
// call on; the CLI, which runs the daemon in-process on the user's own command
// line, does not. Their watches are held under their connection's name.
import { LOCAL_ONLY_INPUTS, type ApiResult, type ProcedureName } from './contract.js';

/** The refusal for a remote call that uses a local-only input, or null when it may pass. */
export function remoteCallRefusal(name: unknown, input: unknown): ApiResult<never> | null {
  if (typeof name !== 'string' || typeof input !== 'object' || input === null) return null;
  if (name === 'timeline.watch' && (input as { chatIds?: unknown }).chatIds === 'all')
    return {
      ok: false,
      error: {
        code: 'invalid_input',
        message: 'timeline.watch takes the chats a page shows, not all of them',
        issues: [{ path: 'chatIds', message: 'not accepted from a remote caller' }],
      },
    };
  const fields = Object.hasOwn(LOCAL_ONLY_INPUTS, name)
    ? LOCAL_ONLY_INPUTS[name as ProcedureName]
    : undefined;
  const used = fields?.filter((field) => Object.hasOwn(input, field)) ?? [];
  if (used.length === 0) return null;
  return {
    ok: false,
    error: {
      code: 'invalid_input',
      message: `${name} takes ${used.join(', ')} only from the command line; upload the file instead`,
      issues: used.map((field) => ({ path: field, message: 'not accepted from a remote caller' })),
    },
  };
}

/**
 * A remote caller watches timelines under its connection's own name (a
 * window, a socket), whatever name its input gave: a page can neither end
 * another's watch nor leave one behind once its connection is gone (the
 * transport ends it). `'all'` is refused: it is for callers in the daemon's
 * own process, and a page shows a few chats, never every one.
 */
export function asConnection(name: string, input: unknown, connection: string): unknown {
  if (name !== 'timeline.watch' || typeof input !== 'object' || input === null) return input;
  return { ...input, watcher: connection };
}

/** The call that ends a connection's watch when the connection goes. */
export function endWatch(connection: string): { name: 'timeline.watch'; input: unknown } {
  return { name: 'timeline.watch', input: { watcher: connection, chatIds: [] } };
}
