// The few failure kinds the engine needs to tell apart. Connectors map their
// protocol's errors onto these; anything else counts as transient.
//
// Every reason is one short line: messages often quote what the server said
// (a user id, an errcode, a reason), and a hostile or broken server can make
// that a megabyte with newlines. The reason goes to the account's status, the
// log and an outbox entry's lastError, so it is bounded here, once, for all.

/** The longest reason kept (characters); longer ones end with "…". */
export const MAX_REASON_CHARS = 300;

/** A reason as one line of at most MAX_REASON_CHARS characters. */
export function oneLine(message: string): string {
  const line = message.replace(/[\r\n\u2028\u2029]+/g, ' ');
  return line.length > MAX_REASON_CHARS ? `${line.slice(0, MAX_REASON_CHARS - 1)}…` : line;
}

/** The base of the typed failures: its message is always one bounded line. */
export class ReasonError extends Error {
  constructor(message: string) {
    super(oneLine(message));
  }
}

/** Credentials are no longer accepted: the account waits for the user to sign in again. */
export class AuthError extends ReasonError {
  override name = 'AuthError';
}

/** The server asked us to slow down. */
export class RateLimitedError extends ReasonError {
  override name = 'RateLimitedError';
  constructor(
    message: string,
    readonly retryAfterMs: number,
  ) {
    super(message);
  }
}

/** The request can never succeed as it is (bad input, forbidden): do not retry. */
export class PermanentError extends ReasonError {
  override name = 'PermanentError';
}

/** The server sent something we cannot parse; the batch fails, the daemon lives on. */
export class ProtocolError extends ReasonError {
  override name = 'ProtocolError';
}

export class NotImplementedError extends Error {
  override name = 'NotImplementedError';
}

/** What the user reads when a write into an end-to-end encrypted chat is refused. */
export const ENCRYPTION_UNAVAILABLE_MESSAGE =
  'this chat is end-to-end encrypted and this account cannot encrypt (no crypto store or crypto module; signing in again makes one): nothing was sent';

/**
 * The chat is end-to-end encrypted and we cannot encrypt: the write must never
 * go out in plaintext. Named after the API's error code, which is how it reads
 * in an outbox entry's lastError.
 */
export class EncryptionUnavailableError extends PermanentError {
  override name = 'encryption_unavailable';
  constructor(message = ENCRYPTION_UNAVAILABLE_MESSAGE) {
    super(message);
  }
}
