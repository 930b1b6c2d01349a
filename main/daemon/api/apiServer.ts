// Answers procedure calls from any transport: checks the name, validates the
// input against the contract's schema, runs the handler, and turns every
// failure into a typed error. Malformed input never reaches a handler and
// never crashes the daemon.
import { ApiError, isProcedureName, procedures, type ApiResult } from './contract.js';
import type { Handlers } from './handlers.js';
import { NotImplementedError } from '../connectors/errors.js';
import { KeychainUnavailableError } from '../secrets/secretStore.js';
import { DISK_FULL_MESSAGE, isDiskFull } from '../store/diskFull.js';

export class ApiServer {
  constructor(
    private readonly handlers: Handlers | Partial<Handlers>,
    private readonly log: (line: string) => void = () => undefined,
    /** Why a procedure without a handler is unavailable (a daemon that only offers recovery). */
    private readonly unavailable = 'not available',
  ) {}

  async call(name: unknown, input: unknown): Promise<ApiResult<unknown>> {
    try {
      if (!isProcedureName(name))
        throw new ApiError(
          'unknown_procedure',
          `no procedure named ${JSON.stringify(String(name)).slice(0, 80)}`,
        );
      // An omitted input means "no arguments"; null is malformed like any other non-object.
      const parsed = procedures[name].input.safeParse(input === undefined ? {} : input);
      if (!parsed.success) {
        throw new ApiError(
          'invalid_input',
          `invalid input for ${name}`,
          parsed.error.issues.map((i) => ({
            path: i.path.join('.') || '(root)',
            message: i.message,
          })),
        );
      }
      const handler = this.handlers[name] as ((input: unknown) => unknown) | undefined;
      if (!handler) throw new ApiError('unavailable', this.unavailable);
      const started = performance.now();
      const value = await handler(parsed.data);
      const elapsed = performance.now() - started;
      // Slow calls are named in the log (never their inputs, which may hold text).
      if (elapsed > 40) this.log(`slow call ${name}: ${elapsed.toFixed(0)} ms`);
      return { ok: true, value };
    } catch (err) {
      if (err instanceof ApiError) return { ok: false, error: err.toShape() };
      if (err instanceof NotImplementedError)
        return { ok: false, error: { code: 'not_implemented', message: err.message } };
      // By name: in web mode and Electron the error crosses from the host thread.
      if ((err as Error)?.name === KeychainUnavailableError.name)
        return {
          ok: false,
          error: { code: 'keychain_unavailable', message: (err as Error).message },
        };
      if (isDiskFull(err))
        return { ok: false, error: { code: 'disk_full', message: DISK_FULL_MESSAGE } };
      this.log(`internal error in ${String(name)}: ${(err as Error)?.name ?? 'Error'}`);
      return {
        ok: false,
        error: { code: 'internal', message: (err as Error)?.message ?? 'internal error' },
      };
    }
  }
}
