// Where an account's crypto store lives and who has it open. One store per
// device (a new sign-in is a new device, so a new store):
//   <cryptoDir>/<hash of homeserver, user and device>/matrix-sdk-crypto.sqlite3
// encrypted with the 32-byte key kept in the keychain with the session. The
// binding takes an OS lock on it, so a second process cannot open it; within
// this process one machine per store is shared by every connector instance.
import { createHash } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { MatrixTransport } from '../transport.js';
import type { MatrixSession } from '../wire.js';
import { AccountCrypto } from './accountCrypto.js';
import { KeyBackup } from './keyBackup.js';
import { loadNativeCrypto } from './native.js';

const open = new Map<string, Promise<AccountCrypto>>();

export function cryptoStoreDir(cryptoDir: string, s: MatrixSession): string {
  const id = createHash('sha256')
    .update(`${s.homeserver}\n${s.userId}\n${s.deviceId}`)
    .digest('hex')
    .slice(0, 24);
  return join(cryptoDir, id);
}

/**
 * The account's crypto, opened once per process; null (with the reason
 * logged) when the binding is missing or the session predates encryption
 * support (it has no store key: signing in again makes one).
 */
export async function openAccountCrypto(
  cryptoDir: string,
  s: MatrixSession,
  transport: MatrixTransport,
  log: (line: string) => void,
): Promise<AccountCrypto | null> {
  if (!s.cryptoKey) {
    log('this Matrix session has no crypto store key; sign in again to read encrypted rooms');
    return null;
  }
  const native = loadNativeCrypto();
  if (native instanceof Error) {
    log(native.message);
    return null;
  }
  const dir = cryptoStoreDir(cryptoDir, s);
  let pending = open.get(dir);
  if (!pending) {
    pending = native.openCryptoMachine(dir, s.cryptoKey, s.userId, s.deviceId).then((machine) => {
      const crypto = new AccountCrypto(machine, transport, log);
      crypto.backup = new KeyBackup(native, machine, transport, s.userId, log);
      return crypto;
    });
    open.set(dir, pending);
    pending.catch(() => open.delete(dir));
  }
  return pending;
}

/** Closes the store (releasing its lock) if this process has it open. */
export async function closeAccountCrypto(cryptoDir: string, s: MatrixSession): Promise<void> {
  const dir = cryptoStoreDir(cryptoDir, s);
  const pending = open.get(dir);
  if (!pending) return;
  open.delete(dir);
  const crypto = await pending.catch(() => null);
  crypto?.close();
}

/** After the device is deleted on the server: its keys are of no use to anyone. */
export async function deleteCryptoStore(cryptoDir: string, s: MatrixSession): Promise<void> {
  await closeAccountCrypto(cryptoDir, s);
  await rm(cryptoStoreDir(cryptoDir, s), { recursive: true, force: true });
}
