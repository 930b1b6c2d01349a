// The Matrix recovery key ("security key" in Element): the 32-byte secret
// storage key as the user writes it down. Spec (client-server API, "Key
// representation"): the bytes 0x8B 0x01, the key, then a parity byte (the XOR
// of every byte before it), in base58 (Bitcoin's alphabet), shown in groups
// of 4 separated by spaces. Decoding ignores whitespace, so a key typed with
// other spacing or line breaks still works.

const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
const PREFIX = [0x8b, 0x01] as const;
export const RECOVERY_KEY_BYTES = 32;

/** A recovery key that is not one (typo, wrong text pasted); the message says which way. */
export class RecoveryKeyFormatError extends Error {
  override name = 'RecoveryKeyFormatError';
}

function base58Encode(bytes: Uint8Array): string {
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  let out = '';
  while (n > 0n) {
    out = ALPHABET[Number(n % 58n)] + out;
    n /= 58n;
  }
  // Each leading zero byte is one leading '1'.
  for (const b of bytes) {
    if (b !== 0) break;
    out = '1' + out;
  }
  return out;
}

function base58Decode(text: string): Uint8Array {
  let n = 0n;
  for (const c of text) {
    const digit = ALPHABET.indexOf(c);
    if (digit < 0)
      throw new RecoveryKeyFormatError(`a recovery key has no “${c}” in it: check for a typo`);
    n = n * 58n + BigInt(digit);
  }
  const bytes: number[] = [];
  while (n > 0n) {
    bytes.unshift(Number(n & 0xffn));
    n >>= 8n;
  }
  for (const c of text) {
    if (c !== '1') break;
    bytes.unshift(0);
  }
  return Uint8Array.from(bytes);
}

const parity = (bytes: Iterable<number>) => {
  let p = 0;
  for (const b of bytes) p ^= b;
  return p;
};

/** The key as the user sees it: base58 in groups of 4 ("EsTc LW2K …"). */
export function encodeRecoveryKey(key: Uint8Array): string {
  if (key.length !== RECOVERY_KEY_BYTES)
    throw new Error(`a recovery key holds ${RECOVERY_KEY_BYTES} bytes, not ${key.length}`);
  const body = [...PREFIX, ...key];
  const encoded = base58Encode(Uint8Array.from([...body, parity(body)]));
  return encoded.match(/.{1,4}/g)!.join(' ');
}

/** The 32-byte key inside a recovery key the user typed or pasted. */
export function decodeRecoveryKey(text: string): Uint8Array {
  const compact = text.replace(/\s+/g, '');
  if (compact.length === 0) throw new RecoveryKeyFormatError('the recovery key is empty');
  const bytes = base58Decode(compact);
  if (bytes.length !== PREFIX.length + RECOVERY_KEY_BYTES + 1)
    throw new RecoveryKeyFormatError(
      'that is not a whole recovery key (it is 12 groups of 4 letters and digits): check it is complete',
    );
  if (bytes[0] !== PREFIX[0] || bytes[1] !== PREFIX[1])
    throw new RecoveryKeyFormatError('that is not a Matrix recovery key');
  if (parity(bytes) !== 0)
    throw new RecoveryKeyFormatError(
      'the recovery key has a typo in it (its check digit is wrong)',
    );
  return bytes.slice(PREFIX.length, PREFIX.length + RECOVERY_KEY_BYTES);
}
