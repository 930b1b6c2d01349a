// Blob files nothing needs any more are removed, after a grace period, and
// nothing else is: a file still shown by some message (of any account), one
// waiting in the outbox, one just written, and files that are not blobs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { BLOB_GRACE_MS, BlobCollector } from '../../main/daemon/store/blobCollector.js';
import { BLOB_OWN_COLUMN, BLOB_REFERENCES } from '../../main/daemon/store/blobReferences.js';
import { linkFetchedBlob } from '../../main/daemon/store/attachments.js';
import { rememberMedia } from '../../main/daemon/store/mediaCache.js';
import type { Store } from '../../main/daemon/store/store.js';
import { Daemon } from '../../main/daemon/daemon.js';
import {
  addAccount,
  chatBatch,
  memorySecrets,
  message,
  tempDir,
  tempStore,
} from '../helpers/fixtures.js';

const T0 = Date.UTC(2024, 0, 1);
const LATER = () => Date.now() + BLOB_GRACE_MS + 60_000;

/** A chat with one message carrying file `remoteId`, whose bytes were fetched. */
async function messageWithFile(
  store: Store,
  accountId: number,
  chat: string,
  msg: string,
  bytes: string,
) {
  store.writer.apply(
    accountId,
    chatBatch(chat, chat, [
      message(chat, msg, T0, 'see file', {
        attachments: [
          { remoteId: `f-${msg}`, name: 'a.bin', mime: 'application/octet-stream', size: 1 },
        ],
      }),
    ]),
  );
  const sha = await store.blobs.put(Buffer.from(bytes), 'application/octet-stream');
  linkFetchedBlob(store.db, accountId, `f-${msg}`, sha);
  return sha;
}

const collectLater = (store: Store) =>
  new BlobCollector(store.db, store.blobs.dir, { now: LATER }).collectAll();
const rowOf = (store: Store, sha: string) =>
  store.db.prepare(`SELECT count(*) FROM blobs WHERE sha256 = ?`).pluck().get(sha);

test("a deleted message's file goes once the grace period passed, not before", async () => {
  const { store, cleanup } = tempStore();
  try {
    const account = addAccount(store);
    const sha = await messageWithFile(store, account.id, '!a', '$1', 'holiday photo');
    store.writer.apply(account.id, { deletions: [{ messageRemoteId: '$1' }] });

    new BlobCollector(store.db, store.blobs.dir).collectAll();
    assert.ok(store.blobs.has(sha), 'a file written just now stays (grace period)');

    const got = collectLater(store);
    assert.equal(store.blobs.has(sha), false, 'the deleted message no longer keeps its file');
    assert.equal(rowOf(store, sha), 1, "the tombstone's attachment row still names it");
    assert.deepEqual(got, { files: 1, bytes: 'holiday photo'.length });
  } finally {
    cleanup();
  }
});

test("a cleared chat's and a removed account's files go", async () => {
  const { store, cleanup } = tempStore();
  try {
    const one = addAccount(store, 'one');
    const two = addAccount(store, 'two');
    const cleared = await messageWithFile(store, one.id, '!a', '$1', 'cleared bytes');
    const kept = await messageWithFile(store, one.id, '!b', '$2', 'other chat bytes');
    const removed = await messageWithFile(store, two.id, '!c', '$3', 'removed account bytes');
    const avatar = await store.blobs.put(Buffer.from('avatar'), 'image/png');
    rememberMedia(store.db, two.id, 'mxc://x/avatar', '', avatar);

    store.writer.apply(one.id, { clearedChats: [{ chatRemoteId: '!a' }] });
    store.accounts.remove(two.id);
    collectLater(store);

    assert.equal(store.blobs.has(cleared), false);
    assert.equal(store.blobs.has(removed), false);
    assert.equal(store.blobs.has(avatar), false, "the removed account's cached avatar goes too");
    assert.equal(rowOf(store, cleared), 0, 'the blob row goes with its file');
    assert.equal(store.blobs.has(kept), true, "another chat's file stays");
  } finally {
    cleanup();
  }
});

test('a file another account still shows stays when one account removes it', async () => {
  const { store, cleanup } = tempStore();
  try {
    const one = addAccount(store, 'one');
    const two = addAccount(store, 'two');
    const a = await messageWithFile(store, one.id, '!a', '$1', 'forwarded to both');
    const b = await messageWithFile(store, two.id, '!b', '$2', 'forwarded to both');
    assert.equal(a, b, 'one copy across accounts');
    store.accounts.remove(one.id);
    collectLater(store);
    assert.ok(store.blobs.has(a));
    assert.ok(store.blobs.info(a));
  } finally {
    cleanup();
  }
});

test('a file waiting in the outbox stays even when its echo is gone', async () => {
  const { store, cleanup } = tempStore();
  try {
    const account = addAccount(store);
    store.writer.apply(account.id, chatBatch('!a', 'Alpha'));
    const chat = store.read.chats()[0]!;
    const sha = await store.blobs.put(Buffer.from('to send'), 'text/plain');
    store.outbox.enqueue(account.id, chat.id, {
      op: 'sendAttachment',
      chatRemoteId: '!a',
      body: 'a.txt',
      replyToRemoteId: null,
      attachment: { sha256: sha, name: 'a.txt', mime: 'text/plain', size: 7 },
    });
    store.writer.apply(account.id, { clearedChats: [{ chatRemoteId: '!a' }] });
    store.db.prepare(`DELETE FROM attachments`).run(); // no echo row names it any more
    collectLater(store);
    assert.ok(store.blobs.has(sha), 'the pending upload keeps its bytes');

    store.db.prepare(`UPDATE outbox SET state = 'sent'`).run();
    collectLater(store);
    assert.equal(store.blobs.has(sha), false, 'once sent, nothing keeps it');
  } finally {
    cleanup();
  }
});

test('files that are not blobs are never touched', async () => {
  const { store, cleanup } = tempStore();
  try {
    const dir = store.blobs.dir;
    const old = new Date(Date.now() - 2 * BLOB_GRACE_MS);
    const others = [
      join(dir, 'tmp', '1234-unfinished'),
      join(dir, 'ab', 'notes.txt'),
      join(dir, 'ab', 'cd'.repeat(32)), // a hash in the wrong shard
      join(dir, 'ab', `${'ab'.repeat(32)}.part`),
      join(dir, 'README'),
    ];
    mkdirSync(join(dir, 'ab'), { recursive: true });
    for (const f of others) {
      writeFileSync(f, 'not a blob');
      utimesSync(f, old, old);
    }
    mkdirSync(join(dir, 'ef', 'ef'.repeat(32)), { recursive: true }); // a folder named like a blob
    collectLater(store);
    for (const f of others) assert.ok(existsSync(f), f);
    assert.ok(existsSync(join(dir, 'ef', 'ef'.repeat(32))));
  } finally {
    cleanup();
  }
});

test('content written again, or adopted, counts as fresh: an old unused copy is not taken from under it', async () => {
  const { store, cleanup } = tempStore();
  try {
    const sha = await store.blobs.put(Buffer.from('uploaded again'), 'text/plain');
    const old = new Date(Date.now() - 2 * BLOB_GRACE_MS);
    const path = store.blobs.pathOf(sha);
    utimesSync(path, old, old);
    await store.blobs.put(Buffer.from('uploaded again'), 'text/plain');
    new BlobCollector(store.db, store.blobs.dir).collectAll();
    assert.ok(store.blobs.has(sha), 'written again just now');

    utimesSync(path, old, old);
    assert.ok(await store.blobs.adopt(sha, 'text/plain'));
    new BlobCollector(store.db, store.blobs.dir).collectAll();
    assert.ok(store.blobs.has(sha), 'adopted just now');
  } finally {
    cleanup();
  }
});

test('every column that names a blob is known to the collector', () => {
  const { store, dir, cleanup } = tempStore();
  try {
    store.close();
    const db = new Database(join(dir, 'parley.db'), { readonly: true });
    const tables = db
      .prepare(`SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`)
      .pluck()
      .all() as string[];
    const named: string[] = [];
    for (const table of tables)
      for (const col of db.pragma(`table_info(${JSON.stringify(table)})`) as { name: string }[])
        if (/sha256/i.test(col.name)) named.push(`${table}.${col.name}`);
    db.close();
    const known = new Set([BLOB_OWN_COLUMN, ...BLOB_REFERENCES.map((r) => r.column)]);
    const unknown = named.filter((c) => !known.has(c));
    assert.deepEqual(
      unknown,
      [],
      'a column naming blobs that store/blobReferences.ts does not list: its blobs would be deleted',
    );
    assert.ok(
      named.includes('attachments.blob_sha256') && named.includes('media_cache.blob_sha256'),
    );
  } finally {
    cleanup();
  }
});

test('the daemon collects once shortly after it starts', async () => {
  const { dir, cleanup } = tempDir();
  const daemon = new Daemon({
    profileDir: dir,
    secrets: memorySecrets(),
    integrityCheck: false,
    backups: false,
    indexCompaction: false,
    blobCollection: { firstMs: 0 },
  });
  try {
    const sha = await daemon.store.blobs.put(Buffer.from('nobody needs this'), 'text/plain');
    const old = new Date(Date.now() - 2 * BLOB_GRACE_MS);
    utimesSync(daemon.store.blobs.pathOf(sha), old, old);
    const pass = daemon.blobCollection!.passDone();
    // The collector's timer does not hold the process open (the app's must not); the test does.
    const keepAlive = setInterval(() => undefined, 1000);
    await daemon.start();
    const got = await pass.finally(() => clearInterval(keepAlive));
    assert.deepEqual(got, { files: 1, bytes: 'nobody needs this'.length });
    assert.equal(daemon.store.blobs.has(sha), false);
  } finally {
    await daemon.close();
    cleanup();
  }
});
