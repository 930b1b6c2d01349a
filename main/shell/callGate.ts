// Main checks every call from the renderer against the contract before it
// crosses to the daemon worker: an unknown name or an input that fails its
// schema is answered here, typed, and never reaches the daemon; so is an input
// that names a file on this machine (the renderer sends bytes, never paths). Pure.
import { remoteCallRefusal } from '../daemon/api/remoteCallPolicy.js';
import {
  isProcedureName,
  procedures,
  type ApiResult,
  type ProcedureName,
} from '../daemon/api/contract.js';

export type GateVerdict =
  { ok: true; name: ProcedureName; input: unknown } | { ok: false; result: ApiResult<never> };

export function gateCall(name: unknown, input: unknown): GateVerdict {
  if (!isProcedureName(name))
    return {
      ok: false,
      result: {
        ok: false,
        error: {
          code: 'unknown_procedure',
          message: `no procedure named ${JSON.stringify(String(name)).slice(0, 80)}`,
        },
      },
    };
  const refusal = remoteCallRefusal(name, input);
  if (refusal) return { ok: false, result: refusal };
  const parsed = procedures[name].input.safeParse(input ?? {});
  if (!parsed.success)
    return {
      ok: false,
      result: {
        ok: false,
        error: {
          code: 'invalid_input',
          message: `invalid input for ${name}`,
          issues: parsed.error.issues.map((i) => ({
            path: i.path.join('.') || '(root)',
            message: i.message,
          })),
        },
      },
    };
  return { ok: true, name, input: parsed.data };
}
