// Below a bound (before:, or the next page's beforeId) a text search reads the
// newest messages under it in windows, oldest-first, before it walks the word
// index newest-first (messageSearch.ts windowBelowBound). These tests hold every
// page of such searches to a brute-force oracle: words common and rare, dense in
// a burst only, long words matched by a short prefix, deletions inside the
// windows, after: cutting the last window, and the start of history.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fold } from '../../main/daemon/store/search/indexText.js';
import { searchPage } from '../../main/daemon/store/search/messageSearch.js';
import { VocabularyIndexer } from '../../main/daemon/store/search/vocabularyIndexer.js';
import { addAccount, chatBatch, message, tempStore } from '../helpers/fixtures.js';
import { allSearchHits } from '../helpers/searchPages.js';

const T0 = Date.UTC(2024, 5, 1);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** The oracle: some folded token of the text starts with each word. */
function holdsAll(text: string, words: string[]): boolean {
  const tokens = fold(text).match(/[\p{L}\p{N}\p{M}]+/gu) ?? [];
  return words.every((w) => tokens.some((t) => t.startsWith(w)));
}

/** 3,000 messages an hour apart in three chats; word densities vary over time. */
function textOf(i: number): string {
  const parts = [`note ${i}`];
  if (i % 9 < 4) parts.push('the'); // ~44%: a window fills a page
  if (i % 20 === 3) parts.push('merge'); // 5%: windows grow, then the index walks
  if (i >= 1200 && i < 1260) parts.push('outage'); // dense in one burst only
  if (i % 4 === 1) parts.push('submodules'); // a long word: short prefix, then checked
  if (i % 4 === 2) parts.push('submodule'); // the same short prefix, not the word: checked away
  if (i % 97 === 0) parts.push('rarity');
  return parts.join(' ');
}

/** `vocabulary`: whether the substring vocabulary has every word (long words then search by their own tokens). */
function world(vocabulary: Vocabulary = 'lagging') {
  const { store, cleanup } = tempStore();
  const account = addAccount(store);
  const n = 3000;
  const chats = ['!a', '!b', '!c'];
  const docs: { remoteId: string; ts: number; text: string; deleted: boolean }[] = [];
  for (let i = 0; i < n; i++)
    docs.push({ remoteId: `$${i}`, ts: T0 + i * HOUR, text: textOf(i), deleted: false });
  for (const [k, chat] of chats.entries()) {
    const batch = chatBatch(
      chat,
      `room ${k}`,
      docs
        .map((d, i) => ({ d, i }))
        .filter(({ i }) => i % chats.length === k)
        .map(({ d }) => message(chat, d.remoteId, d.ts, d.text)),
    );
    store.writer.apply(account.id, batch);
  }
  // Deletions inside the windows below the bounds used here.
  const gone = docs.filter((_, i) => i % 13 === 0 && i > 600 && i < 1800);
  for (const [k, chat] of chats.entries()) {
    const deletions = gone
      .filter((d) => Number(d.remoteId.slice(1)) % chats.length === k)
      .map((d) => ({ messageRemoteId: d.remoteId }));
    store.writer.apply(account.id, {
      chats: [{ remoteId: chat, kind: 'group', name: `room ${k}` }],
      deletions,
    });
  }
  for (const d of gone) d.deleted = true;
  if (vocabulary === 'complete') new VocabularyIndexer(store.db).drainAll();
  const idOf = new Map(
    (
      store.db.prepare(`SELECT remote_id, id FROM messages`).all() as {
        remote_id: string;
        id: number;
      }[]
    ).map((r) => [r.remote_id, r.id]),
  );
  return { store, cleanup, docs, idOf };
}

type Vocabulary = 'lagging' | 'complete';
const VOCABULARIES: Vocabulary[] = ['lagging', 'complete'];

const day = (d: number) => new Date(T0 + d * DAY).toISOString().slice(0, 10);

for (const vocabulary of VOCABULARIES)
  test(`before: with words common, rare, bursty or long finds exactly their messages, newest first, on every page (vocabulary ${vocabulary})`, () => {
    const { store, cleanup, docs, idOf } = world(vocabulary);
    try {
      const cases: { query: string; words: string[]; below: number; from?: number }[] = [];
      for (const d of [10, 40, 55, 70, 124]) {
        for (const words of [
          ['the'],
          ['merge'],
          ['the', 'merge'],
          ['outage'],
          ['submodules'],
          ['rarity'],
        ])
          cases.push({ query: `before:${day(d)} ${words.join(' ')}`, words, below: T0 + d * DAY });
      }
      // after: cuts the windows; a bound in the first day leaves only a few messages.
      cases.push({
        query: `after:${day(48)} before:${day(52)} the`,
        words: ['the'],
        below: T0 + 52 * DAY,
        from: T0 + 48 * DAY,
      });
      cases.push({ query: `before:${day(1)} the`, words: ['the'], below: T0 + DAY });
      for (const c of cases) {
        const expected = docs
          .filter(
            (d) =>
              !d.deleted && d.ts < c.below && d.ts >= (c.from ?? 0) && holdsAll(d.text, c.words),
          )
          .map((d) => idOf.get(d.remoteId)!)
          .sort((a, b) => b - a);
        for (const limit of [5, 50]) {
          const got = allSearchHits(store, c.query, limit);
          assert.equal(got.length, expected.length, `${c.query} (limit ${limit}): how many`);
          assert.deepEqual(got, expected, `${c.query} (limit ${limit})`);
        }
      }
      // The burst is found from far below its end, not only from just under it.
      assert.equal(allSearchHits(store, `before:${day(70)} outage`, 50).length, 60 - 4);
    } finally {
      cleanup();
    }
  });

for (const vocabulary of VOCABULARIES)
  test(`a later page of a plain search (its beforeId a bound) continues exactly where the last one ended (vocabulary ${vocabulary})`, () => {
    const { store, cleanup, docs, idOf } = world(vocabulary);
    try {
      for (const query of ['the', 'the merge', 'submodules', 'outage']) {
        const words = query.split(' ');
        const expected = docs
          .filter((d) => !d.deleted && holdsAll(d.text, words))
          .map((d) => idOf.get(d.remoteId)!)
          .sort((a, b) => b - a);
        assert.deepEqual(allSearchHits(store, query, 50), expected, query);
        // A page that starts at an arbitrary message, not at a hit.
        const bound = idOf.get('$1500')!;
        const page = searchPage(store.db, query, { limit: 50, beforeId: bound });
        assert.deepEqual(
          page.hits.map((h) => h.messageId),
          expected.filter((id) => id < bound).slice(0, 50),
          `${query} below $1500`,
        );
      }
    } finally {
      cleanup();
    }
  });

test('is:unread finds the same messages whether planned from the chat list in memory or from SQL', () => {
  const { store, cleanup } = world();
  try {
    const chatNames = () => store.read.chatsForSearch();
    for (const query of ['is:unread', 'is:unread the', 'is:unread before:2024-07-15 merge']) {
      const fromSql = searchPage(store.db, query, { limit: 500 }).hits.map((h) => h.messageId);
      const fromMemory = searchPage(store.db, query, { limit: 500, chatNames }).hits.map(
        (h) => h.messageId,
      );
      assert.ok(fromSql.length > 0, `${query} finds unread messages`);
      assert.deepEqual(fromMemory, fromSql, query);
    }
  } finally {
    cleanup();
  }
});
