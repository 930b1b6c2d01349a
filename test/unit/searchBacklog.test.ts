// The first search after an upgrade must not index all history in one call:
// a substring search indexes one bounded slice and answers from what is
// indexed, saying it is partial; the daemon drains the rest in slices while
// other calls are served; afterwards the same search is complete.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Daemon } from '../../main/daemon/daemon.js';
import { openDatabase } from '../../main/daemon/store/database.js';
import { hasCjk } from '../../main/daemon/store/search/indexText.js';
import { SEARCH_INDEX_SLICE, searchPage } from '../../main/daemon/store/search/messageSearch.js';
import { MIGRATION_007_CJK_CLASS } from '../../main/daemon/store/migrations/007_cjk_trailing_unigrams.js';
import { Store } from '../../main/daemon/store/store.js';
import type { SearchPage } from '../../main/daemon/model/types.js';
import { addAccount, chatBatch, memorySecrets, message, tempDir } from '../helpers/fixtures.js';

const T0 = Date.UTC(2024, 1, 1);
const BACKLOG = 12_000;

test('a substring search over a large backlog answers at once, partial, while other calls go on', async () => {
  const { dir, cleanup } = tempDir();
  const daemon = new Daemon({ profileDir: dir, secrets: memorySecrets() });
  try {
    const account = addAccount(daemon.store);
    for (let i = 0; i < BACKLOG; i += 2000)
      daemon.store.writer.apply(
        account.id,
        chatBatch(
          '!big',
          'Big',
          Array.from({ length: 2000 }, (_, k) =>
            message(
              '!big',
              `$${i + k}`,
              T0 + (i + k) * 1000,
              `note ${i + k}: PostgreSQL ${(i + k) % 3 ? 'ok' : 'upgrade'}`,
            ),
          ),
        ),
      );
    const backlog = () =>
      daemon.store.db.prepare(`SELECT count(*) FROM substring_backlog`).pluck().get() as number;
    assert.equal(backlog(), BACKLOG, 'nothing indexed yet (as after an upgrade)');

    const first = await daemon.call('search.query', { query: '*gresql upgr', limit: 50 });
    assert.ok(first.ok);
    const page = first.value as SearchPage;
    assert.equal(page.partial, true, 'the answer says it is partial');
    assert.equal(page.unindexed, BACKLOG - SEARCH_INDEX_SLICE, 'one slice was indexed, no more');
    assert.match(page.hint ?? '', /not indexed/);
    assert.ok(page.hits.length > 0, 'what is indexed is searched');

    // The search scheduled the background indexer; calls are answered while it works.
    let servedDuringIndexing = 0;
    while (backlog() > 0) {
      const list = await daemon.call('chats.list', {});
      assert.ok(list.ok);
      if (backlog() > 0) servedDuringIndexing++;
      await new Promise((r) => setImmediate(r));
    }
    assert.ok(servedDuringIndexing > 1, `calls were served meanwhile (${servedDuringIndexing})`);

    const hits = new Set<number>();
    let beforeId: number | undefined;
    for (;;) {
      const r = await daemon.call('search.query', { query: '*gresql upgr', limit: 200, beforeId });
      assert.ok(r.ok);
      const p = r.value as SearchPage;
      assert.equal(p.unindexed, 0, 'complete once the backlog is empty');
      for (const h of p.hits) hits.add(h.messageId);
      if (p.nextBeforeId === null) break;
      assert.equal(p.partial, true, 'a full page says there is more');
      beforeId = p.nextBeforeId;
    }
    assert.equal(hits.size, BACKLOG / 3, 'every matching message, once');
  } finally {
    await daemon.close();
    cleanup();
  }
});

/** How the word index held CJK before migration 007: bigrams only. */
const oldIndexText = (text: string) =>
  text.replace(/\p{Script=Han}+/gu, (run) => {
    const cs = Array.from(run);
    return cs.length < 2
      ? run
      : ` ${cs
          .slice(1)
          .map((c, i) => cs[i]! + c)
          .join(' ')} `;
  });

test('migration 007 queues old CJK rows; searches say partial until the reindex catches up', () => {
  const { dir, cleanup } = tempDir();
  try {
    const file = join(dir, 'parley.db');
    const old = openDatabase(file, { targetVersion: 5 });
    old.exec(`INSERT INTO workspaces (name) VALUES ('W');
      INSERT INTO accounts (workspace_id, protocol, server, username, label, created_at)
        VALUES (1, 'matrix', 'https://m', 'ann', 'Ann', 1);
      INSERT INTO chats (account_id, remote_id, kind, name) VALUES (1, '!c', 'group', 'C');`);
    const insert = old.prepare(
      `INSERT INTO messages (id, account_id, chat_id, remote_id, sender_name, ts, kind, body)
       VALUES (?, 1, 1, ?, 'Ann', ?, 'text', ?)`,
    );
    const fts = old.prepare(
      `INSERT INTO messages_fts (rowid, body, subject, sender) VALUES (?, ?, NULL, 'Ann')`,
    );
    const count = 2 * SEARCH_INDEX_SLICE + 1000; // more CJK rows than one slice
    old.transaction(() => {
      for (let i = 0; i < count; i++) {
        const body = i % 2 ? `第${i}个深夜` : `plain latin text ${i}`;
        insert.run((T0 + i) * 1024, `$${i}`, T0 + i, body);
        fts.run((T0 + i) * 1024, oldIndexText(body));
      }
    })();
    old.close();

    const store = Store.open(dir);
    try {
      const queued = store.db.prepare(`SELECT count(*) FROM word_backlog`).pluck().get();
      assert.equal(queued, Math.floor(count / 2), 'only the messages with CJK text are queued');

      const first = searchPage(store.db, '夜');
      assert.equal(first.partial, true);
      assert.equal(first.unindexed, Math.floor(count / 2) - SEARCH_INDEX_SLICE);
      for (let p = first; p.unindexed > 0; p = searchPage(store.db, '夜'));
      let all = 0;
      let beforeId: number | undefined;
      for (;;) {
        const p = searchPage(store.db, '夜', { limit: 500, beforeId });
        all += p.hits.length;
        if (p.nextBeforeId === null) break;
        beforeId = p.nextBeforeId;
      }
      assert.equal(all, Math.floor(count / 2), '夜 at the end of every run is found');
    } finally {
      store.close();
    }
  } finally {
    cleanup();
  }
});

test("migration 007's character class covers every character the indexer treats as CJK", () => {
  const { dir, cleanup } = tempDir();
  try {
    const db = openDatabase(join(dir, 'p.db'));
    const glob = db.prepare(`SELECT ? GLOB '*${MIGRATION_007_CJK_CLASS}*'`).pluck();
    const missed: string[] = [];
    for (let cp = 0x80; cp <= 0x3ffff; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      const ch = String.fromCodePoint(cp);
      if (hasCjk(ch) && glob.get(`x${ch}y`) !== 1) missed.push(cp.toString(16));
    }
    assert.deepEqual(missed, []);
    assert.equal(glob.get('plain text, café, привет'), 0);
    db.close();
  } finally {
    cleanup();
  }
});
