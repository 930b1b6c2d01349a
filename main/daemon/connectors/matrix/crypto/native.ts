// The one place that loads the native Matrix crypto binding
// (native/matrix-crypto: matrix-sdk-crypto + its SQLite store, built by
// scripts/build-crypto.mjs). Everything else sees the typed interface below.
// A missing binding is not fatal: Matrix works as before, with encrypted rooms
// as placeholders, and the reason is logged once.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One Olm machine over its store; every argument and answer is JSON text. */
export interface NativeCryptoMachine {
  close(): void;
  identity(): string;
  receiveSyncChanges(input: string): Promise<string>;
  outgoingRequests(): Promise<string>;
  markRequestAsSent(id: string, kind: string, body: string): Promise<void>;
  updateTrackedUsers(users: string): Promise<void>;
  getMissingSessions(users: string): Promise<string>;
  shareRoomKey(roomId: string, users: string, settings: string): Promise<string>;
  encrypt(roomId: string, eventType: string, content: string): Promise<string>;
  decrypt(roomId: string, event: string): Promise<string>;
  // Key backup (native/matrix-crypto/src/backup.rs; used by keyBackup.ts).
  backupVersionBody(privateKey: string): Promise<string>;
  enableBackup(privateKey: string, version: string, info: string): Promise<void>;
  resumeBackup(): Promise<string | null>;
  activeBackupVersion(): Promise<string | null>;
  disableBackup(): Promise<void>;
  backupRoomKeys(): Promise<string>;
  markBackupSent(id: string, body: string): Promise<void>;
  roomKeyCounts(): Promise<string>;
  importBackup(privateKey: string, version: string, download: string): Promise<string>;
}

export interface NativeCrypto {
  openCryptoMachine(
    dir: string,
    keyBase64: string,
    userId: string,
    deviceId: string,
  ): Promise<NativeCryptoMachine>;
  /** A new random backup key: {private_key, public_key}, unpadded base64. */
  newBackupKey(): string;
  backupPublicKey(privateKey: string): string;
}

/** The file scripts/build-crypto.mjs writes: one per platform and CPU. */
export const nativeFileName = () => `parley-matrix-crypto.${process.platform}-${process.arch}.node`;

/**
 * Where the binding is: PARLEY_MATRIX_CRYPTO (a file), else
 * native/matrix-crypto/ in the nearest folder above this module (the repo in
 * development, the bundle's root in out/); inside a packaged app the file is
 * outside the asar archive (electron-builder asarUnpack).
 */
export function findNativeCrypto(): string | null {
  const override = process.env.PARLEY_MATRIX_CRYPTO;
  if (override) return existsSync(override) ? override : null;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'native', 'matrix-crypto', nativeFileName());
    const unpacked = candidate.replace(/app\.asar([\\/])/, 'app.asar.unpacked$1');
    if (existsSync(unpacked)) return unpacked;
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

let loaded: NativeCrypto | Error | undefined;

/** The binding, or the reason it cannot be used (loaded once per process). */
export function loadNativeCrypto(): NativeCrypto | Error {
  if (loaded !== undefined) return loaded;
  const file = findNativeCrypto();
  if (!file) {
    loaded = new Error(
      `the Matrix crypto module (${nativeFileName()}) is not built: run node scripts/build-crypto.mjs`,
    );
    return loaded;
  }
  try {
    loaded = createRequire(import.meta.url)(file) as NativeCrypto;
  } catch (err) {
    loaded = new Error(`the Matrix crypto module does not load: ${(err as Error).message}`);
  }
  return loaded;
}
