// The recovery key codec and secret storage's cipher, written from the spec,
// checked against matrix-js-sdk's own implementation (what Element and every
// js-sdk client write and read): its keys and secrets decode and decrypt with
// ours, and ours with its.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import {
  decodeRecoveryKey as jsDecodeRecoveryKey,
  encodeRecoveryKey as jsEncodeRecoveryKey,
} from 'matrix-js-sdk/lib/crypto-api/recovery-key.js';
import jsEncryptSecret from 'matrix-js-sdk/lib/utils/encryptAESSecretStorageItem.js';
import jsDecryptSecret from 'matrix-js-sdk/lib/utils/decryptAESSecretStorageItem.js';
import { calculateKeyCheck as jsKeyCheck } from 'matrix-js-sdk/lib/secret-storage.js';
import {
  decodeRecoveryKey,
  encodeRecoveryKey,
  RecoveryKeyFormatError,
} from '../../main/daemon/connectors/matrix/crypto/recoveryKey.js';
import {
  decryptSecret,
  describeKey,
  encryptSecret,
  keyMatches,
  SECRET_STORAGE_ALGORITHM,
  SecretMacError,
} from '../../main/daemon/connectors/matrix/crypto/secretStorage.js';

const BACKUP = 'm.megolm_backup.v1';

test('recovery keys: ours encode exactly as matrix-js-sdk, and each decodes the other', () => {
  // Keys with leading zero bytes too: base58 writes them as leading "1"s.
  const keys = [
    randomBytes(32),
    Buffer.alloc(32),
    Buffer.concat([Buffer.alloc(3), randomBytes(29)]),
  ];
  for (let i = 0; i < 20; i++) keys.push(randomBytes(32));
  for (const key of keys) {
    const ours = encodeRecoveryKey(key);
    assert.equal(ours, jsEncodeRecoveryKey(key));
    assert.match(ours, /^(\S{4} )+\S{1,4}$/);
    assert.deepEqual(Buffer.from(jsDecodeRecoveryKey(ours)), key);
    assert.deepEqual(Buffer.from(decodeRecoveryKey(jsEncodeRecoveryKey(key)!)), key);
  }
});

test('a recovery key typed with other spacing and line breaks still decodes', () => {
  const key = randomBytes(32);
  const shown = encodeRecoveryKey(key);
  const typed = `  ${shown.replace(/ /g, '').replace(/(.{10})/g, '$1\n')}  `;
  assert.deepEqual(Buffer.from(decodeRecoveryKey(typed)), key);
});

test('a recovery key with a typo, a missing group or foreign text is refused with a reason', () => {
  // A fixed key: a random one would, once in 256 runs, keep its parity after the typo.
  const shown = encodeRecoveryKey(createHash('sha256').update('parley').digest());
  const groups = shown.split(' ');
  // One character changed for another base58 one: the parity (or length/prefix) catches it.
  const last = groups[groups.length - 2]!;
  const swapped = (last[0] === 'a' ? 'b' : 'a') + last.slice(1);
  const typo = [...groups.slice(0, -2), swapped, groups.at(-1)].join(' ');
  assert.throws(() => decodeRecoveryKey(typo), RecoveryKeyFormatError);
  assert.throws(
    () => decodeRecoveryKey(groups.slice(1).join(' ')),
    /not a whole recovery key|not a Matrix recovery key/,
  );
  assert.throws(() => decodeRecoveryKey('0OIl'), /has no “0” in it/);
  assert.throws(() => decodeRecoveryKey('   '), /empty/);
  // A base58 string of the right length with another prefix (a Bitcoin-style key).
  const other = encodeRecoveryKey(randomBytes(32)).replace(/^\S/, 'F');
  assert.throws(() => decodeRecoveryKey(other), RecoveryKeyFormatError);
});

test('secrets encrypted by matrix-js-sdk decrypt with ours, and ours with its', async () => {
  const key = randomBytes(32);
  const secret = randomBytes(32).toString('base64').replace(/=+$/, '');
  const theirs = await jsEncryptSecret(secret, key, BACKUP);
  assert.equal(decryptSecret(key, BACKUP, theirs), secret);
  const ours = encryptSecret(key, BACKUP, secret);
  assert.equal(await jsDecryptSecret(ours, key, BACKUP), secret);
  // Bit 63 of our IV is clear (other clients count with a 64-bit counter).
  assert.equal(Buffer.from(ours.iv, 'base64')[8]! & 0x80, 0);
  // Non-ASCII secrets survive both ways too.
  const text = 'clé — 秘密';
  assert.equal(await jsDecryptSecret(encryptSecret(key, 'x', text), key, 'x'), text);
});

test('a secret does not decrypt with another key, or under another name', async () => {
  const key = randomBytes(32);
  const stored = await jsEncryptSecret('the backup key', key, BACKUP);
  assert.throws(() => decryptSecret(randomBytes(32), BACKUP, stored), SecretMacError);
  assert.throws(() => decryptSecret(key, 'm.cross_signing.master', stored), SecretMacError);
  const altered = { ...stored, ciphertext: Buffer.from('tampered').toString('base64') };
  assert.throws(() => decryptSecret(key, BACKUP, altered), SecretMacError);
});

test('key descriptions: ours check out in matrix-js-sdk, and a wrong key fails ours', async () => {
  const key = randomBytes(32);
  const d = describeKey(key, 'Recovery key');
  assert.equal(d.algorithm, SECRET_STORAGE_ALGORITHM);
  const theirs = await jsKeyCheck(key, d.iv);
  assert.equal(theirs.mac.replace(/=+$/, ''), d.mac.replace(/=+$/, ''));
  const jsMade = await jsKeyCheck(key);
  assert.equal(keyMatches(key, { algorithm: SECRET_STORAGE_ALGORITHM, ...jsMade }), true);
  assert.equal(
    keyMatches(randomBytes(32), { algorithm: SECRET_STORAGE_ALGORITHM, ...jsMade }),
    false,
  );
  assert.equal(keyMatches(key, { ...d, algorithm: 'm.secret_storage.v2.unknown' }), false);
});
