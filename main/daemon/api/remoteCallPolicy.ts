// What a call from outside the daemon's process may not do: give an input
// that names a file on this machine (LOCAL_ONLY_INPUTS). Web mode and the
// renderer's IPC ask this before passing a call on; the CLI, which runs the
// daemon in-process on the user's own command line, does not.
import { LOCAL_ONLY_INPUTS, type ApiResult, type ProcedureName } from './contract.js';

/** The refusal for a remote call that uses a local-only input, or null when it may pass. */
export function remoteCallRefusal(name: unknown, input: unknown): ApiResult<never> | null {
  if (typeof name !== 'string' || typeof input !== 'object' || input === null) return null;
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
