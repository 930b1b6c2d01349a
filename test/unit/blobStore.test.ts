import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BlobTooLargeError, writeBlobFile } from '../../main/daemon/store/blobFiles.js';
import { tempStore } from '../helpers/fixtures.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

test('blobs are content-addressed and stored once across accounts', async () => {
  const { store, dir, cleanup } = tempStore();
  try {
    const bytes = Buffer.from('the same attachment, from two accounts');
    const a = await store.blobs.put(bytes, 'text/plain');
    const b = await store.blobs.put(Buffer.from(bytes), 'text/plain');
    assert.equal(a, sha(bytes));
    assert.equal(a, b);
    assert.deepEqual(readFileSync(store.blobs.pathOf(a)), bytes);
    assert.equal(store.db.prepare(`SELECT count(*) FROM blobs`).pluck().get(), 1);
    assert.deepEqual(store.blobs.info(a), { size: bytes.length, mime: 'text/plain' });
    assert.deepEqual(readdirSync(join(dir, 'blobs', 'tmp')), [], 'no temp files left behind');
  } finally {
    cleanup();
  }
});

test('a large blob streams through without being held whole, and hashes correctly', async () => {
  const { store, cleanup } = tempStore();
  try {
    const chunks = Array.from({ length: 40 }, () => randomBytes(256 * 1024)); // 10 MiB
    const expected = sha(Buffer.concat(chunks));
    async function* source() {
      for (const c of chunks) yield c;
    }
    const id = await store.blobs.put(source(), 'application/octet-stream');
    assert.equal(id, expected);
    assert.equal(statSync(store.blobs.pathOf(id)).size, 40 * 256 * 1024);
  } finally {
    cleanup();
  }
});

test('a stream that fails midway leaves no blob and no temp file', async () => {
  const { store, dir, cleanup } = tempStore();
  try {
    async function* broken() {
      yield Buffer.from('partial data');
      throw new Error('connection dropped');
    }
    await assert.rejects(store.blobs.put(broken(), 'image/png'), /connection dropped/);
    assert.equal(store.db.prepare(`SELECT count(*) FROM blobs`).pluck().get(), 0);
    assert.deepEqual(readdirSync(join(dir, 'blobs', 'tmp')), []);
  } finally {
    cleanup();
  }
});

test('only well-formed hashes map to paths (no traversal)', () => {
  const { store, cleanup } = tempStore();
  try {
    assert.throws(() => store.blobs.pathOf('../../etc/passwd'), /not a sha256/);
    assert.equal(store.blobs.has('../x'), false);
    assert.equal(store.blobs.info('ABC'), null);
  } finally {
    cleanup();
  }
});

test('a file written beside the store (web upload) is adopted only when it hashes to its name', async () => {
  const { store, dir, cleanup } = tempStore();
  try {
    const bytes = randomBytes(70_000);
    const written = await writeBlobFile(join(dir, 'blobs'), bytes);
    assert.equal(written.sha256, sha(bytes));
    assert.equal(store.blobs.info(written.sha256), null, 'no row until the daemon adopts it');
    assert.equal(await store.blobs.adopt(written.sha256, 'application/zip'), true);
    assert.deepEqual(store.blobs.info(written.sha256), { size: 70_000, mime: 'application/zip' });

    // A file whose bytes do not match its name (tampered, or torn) is not taken in.
    const fake = 'ef'.repeat(32);
    mkdirSync(join(dir, 'blobs', 'ef'), { recursive: true });
    writeFileSync(join(dir, 'blobs', 'ef', fake), 'not what the name says');
    assert.equal(await store.blobs.adopt(fake, 'text/plain'), false);
    assert.equal(store.blobs.info(fake), null);
    assert.equal(await store.blobs.adopt('cd'.repeat(32), 'text/plain'), false, 'absent');
  } finally {
    cleanup();
  }
});

test('a blob write over its byte limit fails and leaves nothing behind', async () => {
  const { dir, cleanup } = tempStore();
  try {
    async function* source() {
      for (let i = 0; i < 10; i++) yield randomBytes(1000);
    }
    await assert.rejects(
      writeBlobFile(join(dir, 'blobs'), source(), { maxBytes: 5000 }),
      BlobTooLargeError,
    );
    assert.deepEqual(readdirSync(join(dir, 'blobs', 'tmp')), []);
  } finally {
    cleanup();
  }
});
