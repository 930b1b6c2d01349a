// The other side of encrypted Matrix attachments in tests, written from the
// spec with WebCrypto (as browser clients such as Element do it), so Parley's
// node:crypto code is checked against an independent reading of the format:
// the key travels as a JWK that WebCrypto imports itself (alg A256CTR, key_ops,
// ext), the IV's low 64 bits are the block counter, and the SHA-256 of the
// ciphertext is compared before decrypting.
const { subtle } = globalThis.crypto;

export interface WebEncryptedFile {
  url: string;
  key: JsonWebKey;
  iv: string;
  hashes: { sha256: string };
  v: string;
}

const b64 = (bytes: ArrayBuffer | Uint8Array) =>
  Buffer.from(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes))
    .toString('base64')
    .replace(/=+$/, '');

export async function webCryptoEncrypt(
  plain: Uint8Array,
): Promise<{ ciphertext: Buffer; file: Omit<WebEncryptedFile, 'url'> }> {
  const iv = new Uint8Array(16);
  globalThis.crypto.getRandomValues(iv.subarray(0, 8));
  const key = await subtle.generateKey({ name: 'AES-CTR', length: 256 }, true, [
    'encrypt',
    'decrypt',
  ]);
  const jwk = await subtle.exportKey('jwk', key);
  const ciphertext = Buffer.from(
    await subtle.encrypt({ name: 'AES-CTR', counter: iv, length: 64 }, key, new Uint8Array(plain)),
  );
  const digest = await subtle.digest('SHA-256', ciphertext);
  return {
    ciphertext,
    file: { v: 'v2', key: jwk, iv: b64(iv), hashes: { sha256: b64(digest) } },
  };
}

export async function webCryptoDecrypt(
  ciphertext: Uint8Array,
  file: WebEncryptedFile,
): Promise<Buffer> {
  const bytes = new Uint8Array(ciphertext);
  const digest = b64(await subtle.digest('SHA-256', bytes));
  if (digest !== file.hashes.sha256.replace(/=+$/, '')) throw new Error('sha256 mismatch');
  const key = await subtle.importKey('jwk', file.key, { name: 'AES-CTR' }, false, ['decrypt']);
  const counter = Buffer.from(file.iv, 'base64');
  return Buffer.from(await subtle.decrypt({ name: 'AES-CTR', counter, length: 64 }, key, bytes));
}
