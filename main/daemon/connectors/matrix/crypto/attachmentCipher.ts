// End-to-end encrypted attachments (the spec's EncryptedFile, v2): the file is
// AES-256-CTR encrypted under a random key and IV, uploaded as opaque bytes,
// and the key, IV and the SHA-256 of the ciphertext travel inside the
// (Megolm-encrypted) event. The cipher and hash are Node's (OpenSSL), used
// as the spec prescribes; nothing here implements a primitive.
//
// Receiving streams: the ciphertext is hashed and decrypted chunk by chunk,
// and a hash that does not match is thrown before the stream ends, so the
// blob store (which writes to a temp file and keeps it only when the stream
// ends cleanly) never keeps bytes that fail their check.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import * as z from 'zod';
import { PermanentError } from '../../errors.js';

/** The ciphertext's SHA-256 is not the one the sender signed into the event: nothing is kept. */
export class AttachmentIntegrityError extends PermanentError {
  override name = 'AttachmentIntegrityError';
}

const unpadded = (b: Buffer, url = false) =>
  b.toString(url ? 'base64url' : 'base64').replace(/=+$/, '');

/** The spec's JSON Web Key for A256CTR. */
const jwkSchema = z.looseObject({
  kty: z.literal('oct'),
  alg: z.literal('A256CTR'),
  k: z.string(),
  key_ops: z.array(z.string()).optional(),
  ext: z.boolean().optional(),
});

export const encryptedFileSchema = z.looseObject({
  url: z.string(),
  key: jwkSchema,
  iv: z.string(),
  hashes: z.looseObject({ sha256: z.string() }),
  v: z.string(),
});
export type EncryptedFile = z.infer<typeof encryptedFileSchema>;

/** Base64 in any of the spellings senders use (padded or not, standard or URL-safe). */
function decode64(s: string): Buffer {
  return Buffer.from(s.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
}

/** Key and IV of an EncryptedFile, checked: 32-byte key, 16-byte IV, version v2. */
function keyAndIv(file: EncryptedFile): { key: Buffer; iv: Buffer } {
  // v1 (a 64-bit counter that could wrap) is long gone; matrix-js-sdk and Element write v2.
  if (file.v !== 'v2')
    throw new AttachmentIntegrityError(`unsupported encrypted attachment version ${file.v}`);
  const key = decode64(file.key.k);
  const iv = decode64(file.iv);
  if (key.length !== 32 || iv.length !== 16)
    throw new AttachmentIntegrityError('the encrypted attachment has a malformed key or IV');
  return { key, iv };
}

/**
 * Encrypts a whole file for upload. Returns the ciphertext and the
 * EncryptedFile fields (all but `url`, which the upload gives).
 */
export function encryptAttachment(plaintext: Uint8Array): {
  ciphertext: Buffer;
  file: { v: string; key: EncryptedFile['key']; iv: string; hashes: { sha256: string } };
} {
  const key = randomBytes(32);
  // The spec: 64 random bits, then a 64-bit block counter starting at zero.
  const iv = Buffer.concat([randomBytes(8), Buffer.alloc(8)]);
  const cipher = createCipheriv('aes-256-ctr', key, iv);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return {
    ciphertext,
    file: {
      v: 'v2',
      key: {
        kty: 'oct',
        alg: 'A256CTR',
        k: unpadded(key, true),
        key_ops: ['encrypt', 'decrypt'],
        ext: true,
      },
      iv: unpadded(iv),
      hashes: { sha256: unpadded(createHash('sha256').update(ciphertext).digest()) },
    },
  };
}

/**
 * The plaintext of a downloaded encrypted attachment, streamed. Throws
 * AttachmentIntegrityError (before the stream ends) when the ciphertext's
 * SHA-256 differs from the event's.
 */
export async function* decryptAttachment(
  ciphertext: AsyncIterable<Uint8Array>,
  file: EncryptedFile,
): AsyncIterable<Uint8Array> {
  const { key, iv } = keyAndIv(file);
  const expected = decode64(file.hashes.sha256);
  const hash = createHash('sha256');
  const decipher = createDecipheriv('aes-256-ctr', key, iv);
  for await (const chunk of ciphertext) {
    hash.update(chunk);
    const clear = decipher.update(chunk);
    if (clear.length > 0) yield clear;
  }
  if (!hash.digest().equals(expected))
    throw new AttachmentIntegrityError(
      'the encrypted attachment does not match its checksum (changed or damaged on the server): it was not kept',
    );
  const rest = decipher.final();
  if (rest.length > 0) yield rest;
}
