// Secret storage as it lives in the account's data on the server (spec:
// "Secret storage"): `m.secret_storage.key.<id>` describes a key,
// `m.secret_storage.default_key` names the one new secrets go under, and each
// secret is account data of its own name (`m.megolm_backup.v1`,
// `m.cross_signing.master`, …) holding {encrypted: {<key id>: {iv,
// ciphertext, mac}}}. The cipher is in secretStorage.ts.
import { randomBytes } from 'node:crypto';
import * as z from 'zod';
import { enc, MatrixHttpError, type MatrixTransport } from '../transport.js';
import {
  decryptSecret,
  describeKey,
  encryptSecret,
  keyMatches,
  SecretMacError,
  type SecretStorageKeyDescription,
} from './secretStorage.js';

const C = '/_matrix/client/v3';
export const DEFAULT_KEY = 'm.secret_storage.default_key';
export const keyDescriptionType = (keyId: string) => `m.secret_storage.key.${keyId}`;

/** The secrets Parley reads and writes (the cross-signing ones for the verification work). */
export const SECRET_NAMES = {
  backup: 'm.megolm_backup.v1',
  crossSigningMaster: 'm.cross_signing.master',
  crossSigningSelf: 'm.cross_signing.self_signing',
  crossSigningUser: 'm.cross_signing.user_signing',
} as const;

const defaultKeySchema = z.object({ key: z.string() });
const keyDescriptionSchema = z.looseObject({
  algorithm: z.string(),
  iv: z.string().optional(),
  mac: z.string().optional(),
  name: z.string().optional(),
});
const encryptedSchema = z.object({ iv: z.string(), ciphertext: z.string(), mac: z.string() });
const secretSchema = z.object({ encrypted: z.record(z.string(), z.unknown()) });

/** What the user can act on: no secret storage yet, or this key does not open it. */
export class SecretStorageError extends Error {
  override name = 'SecretStorageError';
  constructor(
    readonly reason: 'no_secret_storage' | 'wrong_key' | 'no_secret',
    message: string,
  ) {
    super(message);
  }
}

export class AccountSecretStorage {
  constructor(
    private readonly transport: MatrixTransport,
    private readonly userId: string,
    private readonly signal: AbortSignal,
  ) {}

  /** One account data event, or null when the server has none of that type. */
  async get(type: string): Promise<unknown> {
    try {
      return await this.transport.json(
        'GET',
        `${C}/user/${enc(this.userId)}/account_data/${enc(type)}`,
        z.unknown(),
        { signal: this.signal },
      );
    } catch (err) {
      if (err instanceof MatrixHttpError && err.status === 404) return null;
      throw err;
    }
  }

  async put(type: string, content: unknown): Promise<void> {
    await this.transport.json(
      'PUT',
      `${C}/user/${enc(this.userId)}/account_data/${enc(type)}`,
      z.unknown(),
      { body: content, signal: this.signal },
    );
  }

  /** The default key's id and description, or null when the account has no secret storage. */
  async defaultKey(): Promise<{ keyId: string; description: SecretStorageKeyDescription } | null> {
    const d = defaultKeySchema.safeParse(await this.get(DEFAULT_KEY));
    if (!d.success) return null;
    const description = keyDescriptionSchema.safeParse(
      await this.get(keyDescriptionType(d.data.key)),
    );
    if (!description.success) return null;
    return {
      keyId: d.data.key,
      description: description.data as SecretStorageKeyDescription,
    };
  }

  /**
   * Stores a new key's description. It becomes the default only with
   * `makeDefault` (after the secrets are stored under it, so a set-up that
   * stops half-way leaves the old default, and what it opens, in place).
   */
  async addKey(key: Uint8Array, name: string): Promise<string> {
    // Ids are opaque; 32 random letters and digits like other clients make.
    const keyId = randomBytes(24).toString('base64url').replace(/[-_]/g, 'x').slice(0, 32);
    await this.put(keyDescriptionType(keyId), describeKey(key, name));
    return keyId;
  }

  async makeDefault(keyId: string): Promise<void> {
    await this.put(DEFAULT_KEY, { key: keyId });
  }

  /** Stores a secret under one key (replacing what other keys held: they may be stale). */
  async store(name: string, secret: string, keyId: string, key: Uint8Array): Promise<void> {
    await this.put(name, { encrypted: { [keyId]: encryptSecret(key, name, secret) } });
  }

  /** Checks `key` against the default key's description: the refusal names what is wrong. */
  async openDefault(key: Uint8Array): Promise<string> {
    const d = await this.defaultKey();
    if (!d)
      throw new SecretStorageError(
        'no_secret_storage',
        'this account has no secret storage: set up key backup on a device that has your keys',
      );
    if (!keyMatches(key, d.description))
      throw new SecretStorageError(
        'wrong_key',
        'that recovery key does not match this account’s secret storage',
      );
    return d.keyId;
  }

  /** A secret in clear, read with the default key (which `key` must be). */
  async read(name: string, key: Uint8Array): Promise<string> {
    const keyId = await this.openDefault(key);
    const s = secretSchema.safeParse(await this.get(name));
    const item = s.success ? encryptedSchema.safeParse(s.data.encrypted[keyId]) : null;
    if (!item?.success)
      throw new SecretStorageError('no_secret', `secret storage holds no ${name} for this key`);
    try {
      return decryptSecret(key, name, item.data);
    } catch (err) {
      if (err instanceof SecretMacError)
        throw new SecretStorageError(
          'wrong_key',
          'that recovery key does not match this account’s secret storage',
        );
      throw err;
    }
  }
}
