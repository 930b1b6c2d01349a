// A failed call, as the renderer sees it. (The contract's ApiError class is not
// imported: the renderer takes only types from the contract, never its runtime.)
import type { ApiErrorCode, ApiErrorShape } from '../../../main/daemon/api/contract.js';

export class CallError extends Error {
  readonly code: ApiErrorCode;
  readonly issues: ApiErrorShape['issues'];

  constructor(shape: ApiErrorShape) {
    super(shape.message);
    this.name = 'CallError';
    this.code = shape.code;
    this.issues = shape.issues;
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
