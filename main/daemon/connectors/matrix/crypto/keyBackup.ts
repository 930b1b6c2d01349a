// Server-side key backup, `m.megolm_backup.v1.curve25519-aes-sha2` (spec:
// "Server-side key backups"), around the crypto's backup machine
// (native/matrix-crypto/src/backup.rs):
// - set-up makes a backup key and a secret storage key, stores the backup key
//   in secret storage (`m.megolm_backup.v1`), creates a backup version signed
//   by this device, and hands back the recovery key (the secret storage key,
//   encoded) for the user to write down: it is shown once and kept nowhere;
// - while backup is on, the outgoing-requests loop uploads room keys not yet
//   backed up, and the machine marks them backed up once the server has them;
// - restore turns a recovery key into the backup key (through secret storage,
//   or directly for a recovery key that is the backup key itself, as older
//   clients made), downloads every room key, imports them, and from then on
//   this device backs up to the same version.
// The backup key is kept in the device's encrypted crypto store, never in
// parley.db or logs.
import { randomBytes } from 'node:crypto';
import * as z from 'zod';
import { MatrixHttpError, type MatrixTransport } from '../transport.js';
import { KeyBackupError } from './keyBackupError.js';

export { KeyBackupError } from './keyBackupError.js';
import type { NativeCrypto, NativeCryptoMachine } from './native.js';
import { decodeRecoveryKey, encodeRecoveryKey, RecoveryKeyFormatError } from './recoveryKey.js';
import { AccountSecretStorage, SECRET_NAMES, SecretStorageError } from './secretStorageAccount.js';

const C = '/_matrix/client/v3';
export const BACKUP_ALGORITHM = 'm.megolm_backup.v1.curve25519-aes-sha2';

const versionSchema = z.looseObject({
  version: z.string(),
  algorithm: z.string(),
  auth_data: z.looseObject({ public_key: z.string().optional() }),
  count: z.number().optional(),
});
type BackupVersion = z.infer<typeof versionSchema>;
const newKeySchema = z.object({ private_key: z.string(), public_key: z.string() });
const uploadSchema = z.object({
  id: z.string(),
  version: z.string(),
  body: z.object({ rooms: z.record(z.string(), z.unknown()) }),
});
const countsSchema = z.object({ total: z.number(), backed_up: z.number() });
const importSchema = z.object({
  imported: z.number(),
  total: z.number(),
  failed: z.number(),
  keys: z.array(z.object({ room_id: z.string(), session_id: z.string() })),
});

export interface KeyBackupStatus {
  /** The backup version this device uploads to (null: backup is off on this device). */
  version: string | null;
  /** The server's current backup version (null: the account has none). */
  serverVersion: string | null;
  /** Room keys on this device, and how many of them are in the backup. */
  keys: { total: number; backedUp: number };
  /** Whether the account has secret storage (a recovery key opens it). */
  secretStorage: boolean;
}

export interface RestoreResult {
  version: string;
  imported: number;
  total: number;
  /** Keys in the backup that did not decrypt with its key (another key's, or damaged). */
  failed: number;
}

export class KeyBackup {
  private resumed: Promise<void> | null = null;
  /** Room keys imported from the backup whose waiting events the next sync retries. */
  private imported: { roomId: string; sessionId: string }[] = [];

  constructor(
    private readonly native: NativeCrypto,
    private readonly machine: NativeCryptoMachine,
    private readonly transport: MatrixTransport,
    private readonly userId: string,
    private readonly log: (line: string) => void,
  ) {}

  /** The server's current backup, or null when the account has none. */
  async serverVersion(signal: AbortSignal): Promise<BackupVersion | null> {
    try {
      return await this.transport.json('GET', `${C}/room_keys/version`, versionSchema, { signal });
    } catch (err) {
      if (err instanceof MatrixHttpError && err.status === 404) return null;
      throw err;
    }
  }

  async status(signal: AbortSignal): Promise<KeyBackupStatus> {
    await this.resume();
    const [server, counts, version, secretStorage] = await Promise.all([
      this.serverVersion(signal),
      this.machine.roomKeyCounts().then((c) => countsSchema.parse(JSON.parse(c))),
      this.machine.activeBackupVersion(),
      new AccountSecretStorage(this.transport, this.userId, signal)
        .defaultKey()
        .then((k) => k !== null),
    ]);
    return {
      version,
      serverVersion: server?.version ?? null,
      keys: { total: counts.total, backedUp: counts.backed_up },
      secretStorage,
    };
  }

  /**
   * Sets up backup and secret storage; returns the recovery key, to be shown
   * once. Refuses when the account already has a backup (its keys would stop
   * being added to) unless `replace`.
   */
  async setUp(
    signal: AbortSignal,
    replace = false,
  ): Promise<{ recoveryKey: string; version: string }> {
    if (!replace && (await this.serverVersion(signal)))
      throw new KeyBackupError(
        'backup_exists',
        'this account already has a key backup: restore it with its recovery key, or replace it',
      );
    const backupKey = newKeySchema.parse(JSON.parse(this.native.newBackupKey()));
    const storageKey = randomBytes(32);
    const storage = new AccountSecretStorage(this.transport, this.userId, signal);
    // Secrets first, the default key last: a set-up that stops half-way leaves
    // the account's old secret storage (and what it opens) as it was.
    const keyId = await storage.addKey(storageKey, 'Recovery key');
    await storage.store(SECRET_NAMES.backup, backupKey.private_key, keyId, storageKey);
    await storage.makeDefault(keyId);
    const body = await this.machine.backupVersionBody(backupKey.private_key);
    const { version } = await this.transport.json(
      'POST',
      `${C}/room_keys/version`,
      z.object({ version: z.string() }),
      { body: JSON.parse(body), signal },
    );
    await this.machine.enableBackup(backupKey.private_key, version, body);
    this.resumed = Promise.resolve();
    this.log(`key backup set up (version ${version})`);
    // The keys this device already has go up now, not at the next sync (a CLI set-up exits).
    await this.upload(signal);
    return { recoveryKey: encodeRecoveryKey(storageKey), version };
  }

  /**
   * Restores every room key in the server's backup with the recovery key, and
   * backs up to that version from now on. A wrong key changes nothing.
   */
  async restore(recoveryKey: string, signal: AbortSignal): Promise<RestoreResult> {
    let key: Uint8Array;
    try {
      key = decodeRecoveryKey(recoveryKey);
    } catch (err) {
      if (err instanceof RecoveryKeyFormatError)
        throw new KeyBackupError('bad_recovery_key', err.message);
      throw err;
    }
    const server = await this.serverVersion(signal);
    if (!server || server.algorithm !== BACKUP_ALGORITHM)
      throw new KeyBackupError('no_backup', 'this account has no key backup to restore');
    const privateKey = await this.backupKeyFor(key, server, signal);
    const download = await this.transport.json(
      'GET',
      `${C}/room_keys/keys`,
      z.looseObject({ rooms: z.record(z.string(), z.unknown()) }),
      { query: { version: server.version }, signal },
    );
    const r = importSchema.parse(
      JSON.parse(
        await this.machine.importBackup(privateKey, server.version, JSON.stringify(download)),
      ),
    );
    await this.machine.enableBackup(
      privateKey,
      server.version,
      JSON.stringify({ algorithm: server.algorithm, auth_data: server.auth_data }),
    );
    this.resumed = Promise.resolve();
    this.imported.push(...r.keys.map((k) => ({ roomId: k.room_id, sessionId: k.session_id })));
    this.log(
      `key backup restored: ${r.imported} of ${r.total} room keys imported${r.failed ? `, ${r.failed} did not decrypt` : ''}`,
    );
    return { version: server.version, imported: r.imported, total: r.total, failed: r.failed };
  }

  /** Room keys restored since the last call (the sync retries their waiting events). */
  takeImported(): { roomId: string; sessionId: string }[] {
    const taken = this.imported;
    this.imported = [];
    return taken;
  }

  /**
   * Uploads room keys not yet in the backup, batch by batch (part of the
   * outgoing-requests loop). Never throws: a failure is logged and the next
   * pass tries again; a backup that is gone or replaced on the server stops
   * this device's uploads (its keys are the new backup's to take, after a restore).
   */
  async upload(signal: AbortSignal): Promise<void> {
    try {
      await this.resume();
      for (;;) {
        const next = JSON.parse(await this.machine.backupRoomKeys()) as unknown;
        if (next === null || signal.aborted) return;
        const r = uploadSchema.parse(next);
        let answer: unknown;
        try {
          answer = await this.transport.json('PUT', `${C}/room_keys/keys`, z.unknown(), {
            query: { version: r.version },
            body: r.body,
            signal,
          });
        } catch (err) {
          if (
            err instanceof MatrixHttpError &&
            (err.errcode === 'M_WRONG_ROOM_KEYS_VERSION' || err.status === 404)
          ) {
            this.log(
              `key backup ${r.version} is no longer the server's: backup stopped on this device`,
            );
            await this.machine.disableBackup();
            return;
          }
          throw err;
        }
        await this.machine.markBackupSent(r.id, JSON.stringify(answer ?? {}));
      }
    } catch (err) {
      if (!signal.aborted) this.log(`key backup upload failed: ${(err as Error).message}`);
    }
  }

  /**
   * Once per process: backup goes back on from the key and version the store
   * kept, if that version is still the server's (else it was deleted or
   * replaced elsewhere, and this device's keys wait for a restore of the new one).
   */
  private resume(): Promise<void> {
    this.resumed ??= (async () => {
      const saved = await this.machine.resumeBackup();
      if (saved === null) return;
      const server = await this.serverVersion(AbortSignal.timeout(60_000));
      if (server?.version !== saved) {
        await this.machine.disableBackup();
        this.log(`key backup ${saved} is no longer the server's: backup is off on this device`);
      }
    })().catch((err: unknown) => {
      this.resumed = null;
      throw err;
    });
    return this.resumed;
  }

  /** The backup's private key, from secret storage or (older clients) the recovery key itself. */
  private async backupKeyFor(
    key: Uint8Array,
    server: BackupVersion,
    signal: AbortSignal,
  ): Promise<string> {
    const wrong = () =>
      new KeyBackupError(
        'wrong_recovery_key',
        'that recovery key does not open this account’s key backup: check it and try again',
      );
    // Unpadded base64 is the norm, but some clients pad: compare the keys, not their spelling.
    const unpadded = (b64: string | undefined) => b64?.replace(/=+$/, '');
    const matches = (privateKey: string) => {
      try {
        return (
          unpadded(this.native.backupPublicKey(privateKey)) ===
          unpadded(server.auth_data.public_key)
        );
      } catch {
        return false; // not a backup key at all (another client's damaged secret)
      }
    };
    const storage = new AccountSecretStorage(this.transport, this.userId, signal);
    let fromStorage: string | null = null;
    try {
      fromStorage = await storage.read(SECRET_NAMES.backup, key);
    } catch (err) {
      if (!(err instanceof SecretStorageError)) throw err;
    }
    if (fromStorage !== null) {
      if (matches(fromStorage)) return fromStorage;
      throw new KeyBackupError(
        'no_backup',
        'secret storage holds the key of an older backup, not of the server’s current one',
      );
    }
    const direct = Buffer.from(key).toString('base64').replace(/=+$/, '');
    if (matches(direct)) return direct;
    throw wrong();
  }
}
