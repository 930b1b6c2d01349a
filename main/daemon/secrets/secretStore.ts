// Where account passwords and tokens live. Two implementations:
//   - KeychainSecretStore: the OS keychain (Secret Service on Linux, Keychain
//     on macOS, Credential Manager on Windows) through keytar. The default.
//   - FileSecretStore: a plain-text JSON file in the profile directory, used
//     only when the user explicitly allows it with --insecure-store.
// openSecretStore() chooses between them. A SecretStore satisfies the
// daemon's SecretBroker interface, so it can be handed to the daemon as is.
//
// Secret values never appear in logs or error messages: implementations only
// ever mention the account name, the store's location and the reason.

/** The keychain "service" under which Parley's secrets are filed. */
export const DEFAULT_SECRET_SERVICE = 'Parley';

export interface SecretStore {
  readonly kind: 'keychain' | 'file';
  /** Human-readable: the keychain's name, or the file's absolute path. */
  readonly location: string;
  /** The secret stored for `account`, or null when there is none. */
  get(account: string): Promise<string | null>;
  /** Stores (or replaces) the secret for `account`. `secret` must not be empty. */
  set(account: string, secret: string): Promise<void>;
  /** Removes the secret for `account`; false when there was none. */
  delete(account: string): Promise<boolean>;
}

/** The command-line flag that permits the plain-text file fallback. */
export const INSECURE_STORE_FLAG = '--insecure-store';

/**
 * The OS keychain cannot be used (no D-Bus session, no Secret Service
 * provider, native module missing, timed out...) and the user has not allowed
 * the plain-text fallback. The message tells them how to proceed.
 */
export class KeychainUnavailableError extends Error {
  readonly code = 'KEYCHAIN_UNAVAILABLE';
  override readonly name = 'KeychainUnavailableError';

  constructor(
    /** Why the keychain could not be used (never contains secret values). */
    readonly reason: string,
    /** Where secrets would be stored with --insecure-store. */
    readonly insecureStorePath: string,
    options?: { cause?: unknown },
  ) {
    super(
      `The system keychain is not available: ${reason}.\n` +
        'Parley keeps account passwords and tokens in the system keychain' +
        (process.platform === 'linux'
          ? ' (on Linux: a Secret Service provider such as gnome-keyring or KWallet on the D-Bus session bus).\n'
          : '.\n') +
        `To store them in a plain-text file instead, run again with ${INSECURE_STORE_FLAG}: ` +
        `they would then be stored UNENCRYPTED in ${insecureStorePath} ` +
        '(readable by anything running as your user).',
      options,
    );
  }
}

export function assertAccount(account: string): void {
  if (typeof account !== 'string' || account.length === 0) {
    throw new TypeError('secret store: account must be a non-empty string');
  }
}

export function assertSecret(secret: string): void {
  // Same rule as keytar, so both stores accept exactly the same inputs.
  if (typeof secret !== 'string' || secret.length === 0) {
    throw new TypeError('secret store: secret must be a non-empty string');
  }
}
