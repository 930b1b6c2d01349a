// The OS keychain through keytar. keytar is a native module linked against
// libsecret on Linux, so it is imported lazily: a machine without libsecret
// (or with a binary built for another runtime) gets a KeychainUnavailableError
// from openSecretStore() instead of a crash when this file is imported.
import type * as KeytarModule from 'keytar';
import {
  assertAccount,
  assertSecret,
  DEFAULT_SECRET_SERVICE,
  type SecretStore,
} from './secretStore.js';

export type Keytar = Pick<
  typeof KeytarModule,
  'getPassword' | 'setPassword' | 'deletePassword' | 'findCredentials'
>;

/** keytar failed to load: the message says why, without a stack of native noise. */
export class KeytarLoadError extends Error {
  override readonly name = 'KeytarLoadError';
}

let keytarPromise: Promise<Keytar> | undefined;

export function loadKeytar(): Promise<Keytar> {
  keytarPromise ??= import('keytar').then(
    (mod) => {
      // keytar is CommonJS: its exports arrive as the namespace's default.
      const k = ((mod as { default?: Keytar }).default ?? mod) as Keytar;
      if (typeof k.getPassword !== 'function')
        throw new KeytarLoadError('keytar loaded without its API');
      return k;
    },
    (err: unknown) => {
      keytarPromise = undefined; // let a later call retry (e.g. after a rebuild)
      // Native load errors wrap over several lines; keep them on one.
      const detail = (err instanceof Error ? err.message : String(err)).replace(/\s*\n\s*/g, ' ');
      const hint = /libsecret/.test(detail)
        ? ' (libsecret is missing: install libsecret-1-0, or run scripts/setup-test-env.sh)'
        : /NODE_MODULE_VERSION|was compiled against/.test(detail)
          ? ' (built for another runtime: run `npm run native:node` or `npm run native:electron`)'
          : '';
      throw new KeytarLoadError(`the keytar native module could not be loaded: ${detail}${hint}`, {
        cause: err,
      });
    },
  );
  return keytarPromise;
}

export function describeKeychain(service: string): string {
  const where =
    process.platform === 'darwin'
      ? 'macOS Keychain'
      : process.platform === 'win32'
        ? 'Windows Credential Manager'
        : 'Secret Service (D-Bus)';
  return `${where}, service "${service}"`;
}

export class KeychainSecretStore implements SecretStore {
  readonly kind = 'keychain' as const;
  readonly location: string;

  constructor(
    private readonly keytar: Keytar,
    readonly service: string = DEFAULT_SECRET_SERVICE,
  ) {
    this.location = describeKeychain(service);
  }

  /** Loads keytar (throws KeytarLoadError when it cannot) and returns a store. */
  static async open(service: string = DEFAULT_SECRET_SERVICE): Promise<KeychainSecretStore> {
    return new KeychainSecretStore(await loadKeytar(), service);
  }

  async get(account: string): Promise<string | null> {
    assertAccount(account);
    return this.keytar.getPassword(this.service, account);
  }

  async set(account: string, secret: string): Promise<void> {
    assertAccount(account);
    assertSecret(secret);
    await this.keytar.setPassword(this.service, account, secret);
  }

  async delete(account: string): Promise<boolean> {
    assertAccount(account);
    return this.keytar.deletePassword(this.service, account);
  }

  /** Account names that have a secret under this service (values are not returned). */
  async accounts(): Promise<string[]> {
    const creds = await this.keytar.findCredentials(this.service);
    return creds.map((c) => c.account);
  }
}
