// One server the soaked app has an account on. The soak knows sides only
// through this: what the app signs in with, where it sends, what another
// user adds while the app lives, and what the server holds that the app must
// store exactly once.
import type { Protocol } from '../../../main/daemon/model/types.js';

export interface SoakAccount {
  protocol: Protocol;
  server: string;
  username: string;
  password: string;
  /** The chat (remote id) the app queues its sends in each life; null: it only syncs. */
  sendTo: string | null;
}

export interface SoakSide {
  readonly account: SoakAccount;
  /** Another user (or sender) adds to the account: runs while a life does. */
  write(): Promise<void>;
  /** What the server holds that the app must store: remote id → body. */
  serverMessages(): Promise<Map<string, string>>;
  /** Whether a stored row of this account is one of the server's messages (not a state line). */
  counts(row: { kind: string }): boolean;
  /** What was seeded and written, for the summary. */
  describe(): Record<string, number>;
  close(): Promise<void>;
}

/** The body of the app's `j`th send in life `life` to `protocol`. */
export const soakSendBody = (protocol: string, life: number, j: number) =>
  `soak send ${protocol} ${life}-${j}`;
export const SOAK_SEND = /^soak send /;
