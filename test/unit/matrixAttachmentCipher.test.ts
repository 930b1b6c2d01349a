// Encrypted Matrix attachments (EncryptedFile v2): what Parley writes is read
// back by an independent WebCrypto decryption (as Element's
// matrix-encrypt-attachment does it: JWK import, AES-CTR with a 64-bit
// counter), what WebCrypto writes Parley decrypts, and bytes that fail their
// checksum never reach the blob store.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  AttachmentIntegrityError,
  decryptAttachment,
  encryptAttachment,
  encryptedFileSchema,
} from '../../main/daemon/connectors/matrix/crypto/attachmentCipher.js';
import { encryptedSourceOf } from '../../main/daemon/connectors/matrix/encryptedMedia.js';
import { tempStore } from '../helpers/fixtures.js';
import { webCryptoDecrypt, webCryptoEncrypt } from '../helpers/webCryptoAttachments.js';

async function* chunks(bytes: Buffer, size = 65_536): AsyncIterable<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

async function collect(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const c of stream) parts.push(c);
  return Buffer.concat(parts);
}

test('a file Parley encrypts is decrypted by WebCrypto from the event fields alone', async () => {
  const plain = randomBytes(300_001);
  const { ciphertext, file } = encryptAttachment(plain);
  assert.equal(ciphertext.length, plain.length);
  assert.notDeepEqual(ciphertext, plain);
  assert.equal(file.v, 'v2');
  assert.deepEqual(file.key.key_ops, ['encrypt', 'decrypt']);
  assert.ok(!file.iv.includes('=') && !file.hashes.sha256.includes('='), 'unpadded base64');
  assert.deepEqual(Buffer.from(file.iv, 'base64').subarray(8), Buffer.alloc(8), 'counter at 0');
  const clear = await webCryptoDecrypt(ciphertext, { url: 'mxc://x/y', ...file });
  assert.deepEqual(clear, plain);
});

test('a file WebCrypto encrypts is decrypted by Parley, streamed in chunks', async () => {
  const plain = randomBytes(1_000_000);
  const { ciphertext, file } = await webCryptoEncrypt(plain);
  const parsed = encryptedFileSchema.parse({ url: 'mxc://x/y', ...file });
  assert.deepEqual(await collect(decryptAttachment(chunks(ciphertext, 4093), parsed)), plain);
});

test('a changed byte fails the checksum: a clear error, and the blob store keeps nothing', async () => {
  const { store, dir, cleanup } = tempStore();
  try {
    const plain = Buffer.from('the real invoice: 100 EUR');
    const { ciphertext, file } = encryptAttachment(plain);
    ciphertext[3] = ciphertext[3]! ^ 1;
    const stream = decryptAttachment(chunks(ciphertext, 5), { url: 'mxc://x/y', ...file });
    await assert.rejects(store.blobs.put(stream, 'text/plain'), (err: Error) => {
      assert.ok(err instanceof AttachmentIntegrityError);
      assert.match(err.message, /checksum/);
      return true;
    });
    assert.equal(store.db.prepare(`SELECT count(*) FROM blobs`).pluck().get(), 0);
    assert.deepEqual(readdirSync(join(dir, 'blobs', 'tmp')), [], 'no temp file left');
    const shards = readdirSync(join(dir, 'blobs')).filter((d) => d !== 'tmp');
    assert.deepEqual(shards, [], 'no blob file');
  } finally {
    cleanup();
  }
});

test('a wrong version or a short key is refused before any byte is read', async () => {
  const { file } = encryptAttachment(Buffer.from('x'));
  await assert.rejects(
    collect(decryptAttachment(chunks(Buffer.from('x')), { url: 'mxc://a/b', ...file, v: 'v1' })),
    /version v1/,
  );
  const short = { ...file, key: { ...file.key, k: 'AAAA' } };
  await assert.rejects(
    collect(decryptAttachment(chunks(Buffer.from('x')), { url: 'mxc://a/b', ...short })),
    /malformed key/,
  );
});

test('the mapper keeps an encrypted file and its encrypted thumbnail as the attachment source', () => {
  const { file } = encryptAttachment(Buffer.from('picture'));
  const { file: thumb } = encryptAttachment(Buffer.from('thumb'));
  const source = encryptedSourceOf({
    msgtype: 'm.image',
    body: 'cat.png',
    file: { url: 'mxc://hs/file', ...file },
    info: {
      mimetype: 'image/png',
      thumbnail_file: { url: 'mxc://hs/thumb', ...thumb },
      thumbnail_info: { mimetype: 'image/jpeg' },
    },
  });
  const parsed = JSON.parse(source!) as {
    file: { url: string };
    thumbnail: { file: { url: string }; mime: string };
  };
  assert.equal(parsed.file.url, 'mxc://hs/file');
  assert.equal(parsed.thumbnail.file.url, 'mxc://hs/thumb');
  assert.equal(parsed.thumbnail.mime, 'image/jpeg');
  assert.equal(encryptedSourceOf({ msgtype: 'm.image', url: 'mxc://hs/plain' }), null);
});
