// What the daemon needs of a secret store. In Electron the keychain lives in
// main and reaches the daemon worker through this interface; in the CLI it is
// the secret store itself.
export interface SecretBroker {
  get(key: string): Promise<string | null>;
  set(key: string, secret: string): Promise<void>;
  delete(key: string): Promise<boolean>;
}
