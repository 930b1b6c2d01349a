// Opens the secret store on first use. Web mode and the desktop app can then
// start, and show everything already synced, on a machine whose keychain is
// locked or missing; only signing in needs it, and that fails with the
// keychain's own clear message (which names --insecure-store).
import type { SecretBroker } from './secretBroker.js';

export function lazySecretBroker(open: () => Promise<SecretBroker>): SecretBroker {
  let opened: Promise<SecretBroker> | null = null;
  const store = () => {
    // A failed open is retried next time: the user may unlock the keychain meanwhile.
    opened ??= open().catch((err: unknown) => {
      opened = null;
      throw err;
    });
    return opened;
  };
  return {
    get: async (key) => (await store()).get(key),
    set: async (key, secret) => (await store()).set(key, secret),
    delete: async (key) => (await store()).delete(key),
  };
}
