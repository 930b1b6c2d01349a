// Secret storage's cipher, `m.secret_storage.v1.aes-hmac-sha2` (spec:
// client-server API, "Secret storage"), from node:crypto's primitives:
// - HKDF-SHA-256 of the 32-byte storage key, salt 32 zero bytes, info the
//   secret's name, gives 64 bytes: the AES-256 key, then the HMAC key;
// - the secret (UTF-8) is encrypted with AES-256-CTR under a random 16-byte IV
//   whose bit 63 is cleared (so a 64-bit counter never wraps, as other clients
//   count), and HMAC-SHA-256 is taken over the ciphertext;
// - iv, ciphertext and mac are base64.
// A key description carries {iv, mac} of 32 zero bytes encrypted under the
// name "": that is how a client tells the right key from a wrong one before
// trying it on a secret. No account data I/O here (secretStorageAccount.ts).
import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  hkdfSync,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto';

export const SECRET_STORAGE_ALGORITHM = 'm.secret_storage.v1.aes-hmac-sha2';

export interface EncryptedSecret {
  iv: string;
  ciphertext: string;
  mac: string;
}

/** The key's description as account data `m.secret_storage.key.<id>` holds it. */
export interface SecretStorageKeyDescription {
  algorithm: typeof SECRET_STORAGE_ALGORITHM;
  iv: string;
  mac: string;
  name?: string;
}

/** The secret does not decrypt with this key (or was altered): its MAC does not match. */
export class SecretMacError extends Error {
  override name = 'SecretMacError';
}

function deriveKeys(key: Uint8Array, name: string): { aes: Buffer; hmac: Buffer } {
  const out = Buffer.from(hkdfSync('sha256', key, Buffer.alloc(32), name, 64));
  return { aes: out.subarray(0, 32), hmac: out.subarray(32) };
}

/** Other clients send base64 with or without padding; both decode the same. */
const fromBase64 = (s: string) => Buffer.from(s, 'base64');
const macOf = (hmacKey: Buffer, ciphertext: Buffer) =>
  createHmac('sha256', hmacKey).update(ciphertext).digest();

function sameMac(expected: Buffer, given: string): boolean {
  const g = fromBase64(given);
  return g.length === expected.length && timingSafeEqual(g, expected);
}

export function newIv(): Buffer {
  const iv = randomBytes(16);
  iv[8]! &= 0x7f;
  return iv;
}

export function encryptSecret(
  key: Uint8Array,
  name: string,
  secret: string,
  iv: Buffer = newIv(),
): EncryptedSecret {
  const { aes, hmac } = deriveKeys(key, name);
  const cipher = createCipheriv('aes-256-ctr', aes, iv);
  const ciphertext = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  return {
    iv: iv.toString('base64'),
    ciphertext: ciphertext.toString('base64'),
    mac: macOf(hmac, ciphertext).toString('base64'),
  };
}

/** The secret in clear; SecretMacError when the key (or name) is not the one it was stored with. */
export function decryptSecret(key: Uint8Array, name: string, item: EncryptedSecret): string {
  const { aes, hmac } = deriveKeys(key, name);
  const ciphertext = fromBase64(item.ciphertext);
  if (!sameMac(macOf(hmac, ciphertext), item.mac))
    throw new SecretMacError(`the secret ${name} does not decrypt with this key`);
  const decipher = createDecipheriv('aes-256-ctr', aes, fromBase64(item.iv));
  return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
}

/** A new key's description: the check value other clients (and we) test a key against. */
export function describeKey(key: Uint8Array, name?: string): SecretStorageKeyDescription {
  const check = encryptSecret(key, '', '\0'.repeat(32));
  return {
    algorithm: SECRET_STORAGE_ALGORITHM,
    iv: check.iv,
    mac: check.mac,
    ...(name ? { name } : {}),
  };
}

/** Whether `key` is the key this description was made for (a wrong recovery key is false). */
export function keyMatches(
  key: Uint8Array,
  d: { algorithm: string; iv?: unknown; mac?: unknown },
): boolean {
  if (d.algorithm !== SECRET_STORAGE_ALGORITHM) return false;
  // A description without a check value cannot tell keys apart: the secret's own MAC will.
  if (typeof d.iv !== 'string' || typeof d.mac !== 'string') return true;
  const { aes, hmac } = deriveKeys(key, '');
  const cipher = createCipheriv('aes-256-ctr', aes, fromBase64(d.iv));
  const ciphertext = Buffer.concat([cipher.update(Buffer.alloc(32)), cipher.final()]);
  return sameMac(macOf(hmac, ciphertext), d.mac);
}
