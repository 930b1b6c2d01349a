// The API's errors and results, kept apart from the schemas in contract.ts so
// that a host which only relays calls to the daemon worker loads no zod (its
// start-up time is part of the app's cold start).

export type ApiErrorCode =
  | 'unknown_procedure'
  | 'invalid_input'
  | 'not_found'
  | 'conflict'
  | 'not_implemented'
  /** The account's connector does not handle this write (a mail edit): refused before queueing. */
  | 'unsupported'
  | 'auth_failed'
  | 'keychain_unavailable'
  /** A write into an end-to-end encrypted chat (ChatSummary.encrypted): this account cannot encrypt (its crypto module is missing or too old). */
  | 'encryption_unavailable'
  | 'unavailable'
  /** The disk the profile is on is full: nothing was stored; free space and try again. */
  | 'disk_full'
  /** Fetched bytes failed their checksum (an encrypted attachment changed on the server): nothing was stored. */
  | 'integrity_failed'
  | 'internal';

export interface ApiErrorShape {
  code: ApiErrorCode;
  message: string;
  /** For invalid_input: where and why, per field. */
  issues?: { path: string; message: string }[];
}

export type ApiResult<T> = { ok: true; value: T } | { ok: false; error: ApiErrorShape };

export class ApiError extends Error {
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly issues?: { path: string; message: string }[],
  ) {
    super(message);
    this.name = 'ApiError';
  }

  toShape(): ApiErrorShape {
    return this.issues
      ? { code: this.code, message: this.message, issues: this.issues }
      : { code: this.code, message: this.message };
  }
}
