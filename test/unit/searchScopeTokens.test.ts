// in: and has:attachment under a word search use the word index's scope
// tokens (search/scopeTokens.ts). What a user would notice if a token were
// missing or stale: a message with a file, or in the chat they named, not
// found. So every write path that can change a message's chat or attachment
// state is held to the rows, and a profile from before migration 013 finds
// the same messages before and after its background reindex.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openDatabase } from '../../main/daemon/store/database.js';
import { explainSearch } from '../../main/daemon/store/search/messageSearch.js';
import { WordReindexer } from '../../main/daemon/store/search/wordReindexer.js';
import { chatToken, ATTACHMENT_TOKEN } from '../../main/daemon/store/search/scopeTokens.js';
import { Store } from '../../main/daemon/store/store.js';
import { addAccount, chatBatch, message, tempDir, tempStore } from '../helpers/fixtures.js';
import { allSearchHits } from '../helpers/searchPages.js';

const T0 = Date.UTC(2024, 3, 1);
const file = (remoteId: string) => ({
  attachments: [{ remoteId, name: 'report.pdf', mime: 'application/pdf', size: 10 }],
});

test('chat tokens are distinct for every chat id and never a word a query could type', () => {
  const seen = new Set<string>();
  for (const id of [0, 1, 2, 65_533, 65_534, 65_535, 4_000_000, 2 ** 31 - 1]) {
    const token = chatToken(id);
    assert.ok(!seen.has(token), `chat ${id} has a token of its own`);
    seen.add(token);
    assert.match(token, /^[\u{F0000}-\u{FFFFD}]+$/u);
  }
  assert.equal([...chatToken(65_533)].length, 1, 'one character below 65534 chats');
  assert.ok(!seen.has(ATTACHMENT_TOKEN));
});

test('has:attachment with a word finds a file however it arrived: in an update, an echo, after an edit', () => {
  const { store, cleanup } = tempStore();
  try {
    const account = addAccount(store);
    store.writer.apply(
      account.id,
      chatBatch('!r', 'Room', [
        message('!r', '$plain', T0, 'quarterly numbers attached soon'),
        message('!r', '$file', T0 + 1, 'quarterly report', file('f1')),
        message('!r', '$other', T0 + 2, 'lunch?', file('f2')),
      ]),
    );
    const ids = (query: string) =>
      allSearchHits(store, query, 50).map((id) =>
        store.db.prepare(`SELECT remote_id FROM messages WHERE id = ?`).pluck().get(id),
      );
    assert.deepEqual(ids('has:attachment quarterly'), ['$file']);

    // The server's next copy of $plain carries the file (an upload that finished later).
    store.writer.apply(account.id, {
      messages: [message('!r', '$plain', T0, 'quarterly numbers attached soon', file('f3'))],
    });
    assert.deepEqual(ids('has:attachment quarterly'), ['$file', '$plain']);

    // An edit rewrites the index row: the file still counts, the new word is found.
    store.writer.apply(account.id, {
      edits: [{ messageRemoteId: '$file', body: 'quarterly report v2', editedTs: T0 + 10 }],
    });
    assert.deepEqual(ids('has:attachment v2'), ['$file']);

    // Our own upload, before the server has it.
    const sha256 = 'b'.repeat(64);
    store.db
      .prepare(`INSERT INTO blobs (sha256, size, mime, created_at) VALUES (?, 3, 'image/png', 0)`)
      .run(sha256);
    const chat = store.read.chats()[0]!;
    store.outbox.enqueue(account.id, chat.id, {
      op: 'sendAttachment',
      chatRemoteId: '!r',
      body: 'quarterly chart',
      attachment: { sha256, name: 'chart.png', mime: 'image/png', size: 3 },
    });
    assert.equal(ids('has:attachment chart').length, 1, 'the echo with its file is found');

    store.writer.apply(account.id, { deletions: [{ messageRemoteId: '$file' }] });
    assert.deepEqual(ids('has:attachment report'), []);
    assert.match(
      explainSearch(store.db, 'has:attachment quarterly')!.params[0] as string,
      /\uE000/u,
    );
  } finally {
    cleanup();
  }
});

test('a profile from before migration 013 finds the same in: and has:attachment hits before and after its reindex', () => {
  const { dir, cleanup } = tempDir();
  try {
    const path = join(dir, 'parley.db');
    const old = openDatabase(path, { targetVersion: 12 });
    old.exec(`INSERT INTO workspaces (name) VALUES ('W');
      INSERT INTO accounts (workspace_id, protocol, server, username, label, created_at)
        VALUES (1, 'matrix', 'https://m', 'ann', 'Ann', 1);
      INSERT INTO chats (account_id, remote_id, kind, name) VALUES (1, '!a', 'group', 'Design');
      INSERT INTO chats (account_id, remote_id, kind, name) VALUES (1, '!b', 'group', 'Random');`);
    const insert = old.prepare(
      `INSERT INTO messages (id, account_id, chat_id, remote_id, sender_name, ts, kind, body,
         has_attachment) VALUES (?, 1, ?, ?, 'Ann', ?, 'text', ?, ?)`,
    );
    const attach = old.prepare(
      `INSERT INTO attachments (message_id, remote_id, name, mime, size) VALUES (?, ?, 'a', 'text/plain', 1)`,
    );
    // As every version before 013 wrote the word index: the sender's name alone.
    const fts = old.prepare(
      `INSERT INTO messages_fts (rowid, body, subject, sender) VALUES (?, ?, NULL, 'Ann')`,
    );
    const count = 1200;
    old.transaction(() => {
      for (let i = 0; i < count; i++) {
        const id = (T0 + i) * 1024;
        const body = `${i % 3 ? 'the' : 'a'} update ${i}`;
        const hasFile = i % 5 === 0;
        insert.run(id, i % 4 === 0 ? 1 : 2, `$${i}`, T0 + i, body, hasFile ? 1 : 0);
        if (hasFile) attach.run(id, `f${i}`);
        fts.run(id, body);
      }
    })();
    old.close();

    const store = Store.open(dir);
    try {
      const queued = store.db.prepare(`SELECT count(*) FROM scope_backlog`).pluck().get();
      assert.equal(queued, count, 'every message is queued for its scope tokens');
      const queries = [
        'in:design the',
        'has:attachment the',
        'in:random has:attachment update',
        'has:attachment',
        'has:attachment -the',
      ];
      const before = queries.map((q) => allSearchHits(store, q, 40));
      assert.ok(before.every((hits) => hits.length > 0));
      assert.doesNotMatch(
        explainSearch(store.db, 'in:design the')!.params[0] as string,
        /[\u{F0000}-\u{FFFFD}]/u,
        'without every row tokenized, in: checks rows',
      );
      // The oracle: the rows themselves.
      const expected = store.db
        .prepare(`SELECT id FROM messages WHERE chat_id = 1 AND body LIKE 'the %' ORDER BY id DESC`)
        .pluck()
        .all();
      assert.deepEqual(before[0], expected);

      const reindexer = new WordReindexer(store.db, 'scope_backlog');
      while (reindexer.drain(500) > 0);
      assert.equal(reindexer.backlog(), 0);
      // A fresh connection (the cached "complete" belongs to a connection).
      store.close();
      const reopened = Store.open(dir);
      try {
        assert.deepEqual(
          queries.map((q) => allSearchHits(reopened, q, 40)),
          before,
        );
        const chatId = reopened.db
          .prepare(`SELECT id FROM chats WHERE remote_id = '!a'`)
          .pluck()
          .get() as number;
        assert.ok(
          (explainSearch(reopened.db, 'in:design the')!.params[0] as string).includes(
            chatToken(chatId),
          ),
          'with every row tokenized, in: is part of the word-index query',
        );
      } finally {
        reopened.close();
      }
    } finally {
      if (store.db.open) store.close();
    }
  } finally {
    cleanup();
  }
});
