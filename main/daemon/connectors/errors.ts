// The few failure kinds the engine needs to tell apart. Connectors map their
// protocol's errors onto these; anything else counts as transient.

/** Credentials are no longer accepted: the account waits for the user to sign in again. */
export class AuthError extends Error {
  override name = 'AuthError';
}

/** The server asked us to slow down. */
export class RateLimitedError extends Error {
  override name = 'RateLimitedError';
  constructor(
    message: string,
    readonly retryAfterMs: number,
  ) {
    super(message);
  }
}

/** The request can never succeed as it is (bad input, forbidden): do not retry. */
export class PermanentError extends Error {
  override name = 'PermanentError';
}

/** The server sent something we cannot parse; the batch fails, the daemon lives on. */
export class ProtocolError extends Error {
  override name = 'ProtocolError';
}

export class NotImplementedError extends Error {
  override name = 'NotImplementedError';
}

/** What the user reads when a write into an end-to-end encrypted chat is refused. */
export const ENCRYPTION_UNAVAILABLE_MESSAGE =
  'this chat is end-to-end encrypted and this account cannot encrypt (no crypto store or crypto module; signing in again makes one): nothing was sent';
export const ENCRYPTED_ATTACHMENTS_MESSAGE =
  'this chat is end-to-end encrypted and Parley cannot encrypt attachments yet: nothing was sent';

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
