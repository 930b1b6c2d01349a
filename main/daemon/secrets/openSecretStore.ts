// Chooses where this profile's secrets live.
//
//   1. <profileDir>/secrets.json exists  -> the insecure file store, always.
//   2. the OS keychain answers a probe   -> the keychain.
//   3. allowInsecure (--insecure-store)  -> the insecure file store.
//   4. otherwise                         -> KeychainUnavailableError, whose
//      message names --insecure-store and the file that would be used.
//
// Why rule 1 (an existing insecure file wins, even without the flag and even
// when the keychain works): the flag is given to one command, e.g.
// `parley account add --insecure-store`, but the secrets it stored must be
// found by every later command and by the desktop app, which do not repeat
// the flag. Going back to the keychain silently would make those accounts
// look like they had lost their passwords, and writing new secrets to the
// keychain while old ones stay in the file would split them across two
// stores. So the choice made once with the flag sticks to the profile until
// the user undoes it (moving the secrets into the keychain and deleting the
// file is an explicit step, never automatic: it needs a working keychain and
// must not lose a secret halfway). The returned store says kind 'file' and
// its location, so callers can keep showing that secrets are stored
// unencrypted. The flag itself only PERMITS the fallback: with a working
// keychain and no existing file, the keychain is used.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { FileSecretStore, insecureSecretsPath } from './fileSecretStore.js';
import { KeychainSecretStore } from './keychainSecretStore.js';
import {
  DEFAULT_SECRET_SERVICE,
  KeychainUnavailableError,
  type SecretStore,
} from './secretStore.js';

export { KeychainUnavailableError, INSECURE_STORE_FLAG, type SecretStore } from './secretStore.js';

export const DEFAULT_PROBE_TIMEOUT_MS = 5_000;

export interface OpenSecretStoreOptions {
  profileDir: string;
  /** True when the user passed --insecure-store. */
  allowInsecure: boolean;
  /** Keychain service name; default "Parley". */
  service?: string;
  /**
   * How long the keychain probe may take. keytar can hang (for the D-Bus
   * timeout, ~25 s) when no Secret Service provider answers.
   */
  probeTimeoutMs?: number;
  /** Replaces the real keychain (tests): must return a store to probe, or throw. */
  openKeychain?: (service: string) => Promise<SecretStore>;
}

export async function openSecretStore(opts: OpenSecretStoreOptions): Promise<SecretStore> {
  const filePath = insecureSecretsPath(opts.profileDir);
  if (existsSync(filePath)) {
    return new FileSecretStore(opts.profileDir);
  }

  const service = opts.service ?? DEFAULT_SECRET_SERVICE;
  const timeoutMs = opts.probeTimeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS;
  const openKeychain = opts.openKeychain ?? ((s: string) => KeychainSecretStore.open(s));

  let failure: { reason: string; cause: unknown };
  try {
    const keychain = await withTimeout(
      openKeychain(service),
      timeoutMs,
      'loading the keychain module',
    );
    await probe(keychain, timeoutMs);
    return keychain;
  } catch (err) {
    failure = { reason: reasonOf(err), cause: err };
  }

  if (opts.allowInsecure) {
    return new FileSecretStore(opts.profileDir);
  }
  throw new KeychainUnavailableError(failure.reason, filePath, { cause: failure.cause });
}

class ProbeTimeoutError extends Error {
  override readonly name = 'ProbeTimeoutError';
}

// A set/get/delete round trip of a throwaway entry: reading alone is not
// enough (a locked or read-only keychain can answer reads and fail writes).
async function probe(store: SecretStore, timeoutMs: number): Promise<void> {
  const account = `parley-probe-${process.pid}-${randomBytes(4).toString('hex')}`;
  const value = randomBytes(12).toString('hex'); // not a secret; never logged anyway
  let wrote = false;
  const roundTrip = (async () => {
    await store.set(account, value);
    wrote = true;
    const back = await store.get(account);
    if (back !== value) throw new Error('the keychain did not return what was stored');
    await store.delete(account);
    wrote = false;
  })();
  try {
    await withTimeout(roundTrip, timeoutMs, 'the keychain probe');
  } catch (err) {
    // If the round trip is still pending (timed out), tidy up if it ever
    // completes; if it failed after writing, try once now. Best effort.
    roundTrip.then(
      () => undefined,
      () => (wrote ? store.delete(account).catch(() => undefined) : undefined),
    );
    throw err;
  }
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new ProbeTimeoutError(`${what} did not answer within ${ms / 1000} s`)),
      ms,
    );
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

function reasonOf(err: unknown): string {
  if (err instanceof Error) {
    // First line only: native errors can be long; none of them carry secrets.
    return (err.message.split('\n')[0] ?? err.name).replace(/\.$/, '');
  }
  return String(err);
}
