// Recall against brute force on a corpus of Chinese chat text: every single
// CJK character that occurs, wherever it stands in a run (the last character
// of a run included), and the other kinds of query (words, prefixes,
// accent-folded, Cyrillic, two- and three-character CJK) — each must find
// exactly the messages that contain it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { searchPage } from '../../main/daemon/store/search/messageSearch.js';
import { fold, hasCjk } from '../../main/daemon/store/search/indexText.js';
import type { Store } from '../../main/daemon/store/store.js';
import { addAccount, chatBatch, message, tempStore } from '../helpers/fixtures.js';
import { chineseCorpus } from '../helpers/chineseCorpus.js';

const T0 = Date.UTC(2024, 5, 1);
const CJK_RUN =
  /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\u3005\u30fc]+/gu;

/** Every hit of a query, page by page. */
function allHits(store: Store, query: string): Set<number> {
  const ids = new Set<number>();
  let beforeId: number | undefined;
  for (;;) {
    const page = searchPage(store.db, query, { limit: 500, beforeId });
    assert.equal(page.unindexed, 0, `${query}: everything is indexed`);
    for (const h of page.hits) ids.add(h.messageId);
    if (page.nextBeforeId === null) return ids;
    beforeId = page.nextBeforeId;
  }
}

function corpusStore() {
  const { store, cleanup } = tempStore();
  const account = addAccount(store);
  const texts = chineseCorpus(600);
  const result = store.writer.apply(
    account.id,
    chatBatch(
      '!zh',
      '中文',
      texts.map((t, i) => message('!zh', `$${i}`, T0 + i * 1000, t)),
    ),
  );
  const idOf = new Map(result.insertedMessageIds.map((id, i) => [id, texts[i]!]));
  return { store, cleanup, docs: [...idOf] as [number, string][] };
}

/** Recall and exactness of one kind of query against a brute-force predicate. */
function check(
  store: Store,
  docs: [number, string][],
  kind: string,
  queries: string[],
  matches: (text: string, query: string) => boolean,
): void {
  assert.ok(queries.length > 0, `${kind}: the corpus has queries of this kind`);
  let expected = 0;
  let found = 0;
  const misses: string[] = [];
  for (const q of queries) {
    const want = docs.filter(([, t]) => matches(t, q)).map(([id]) => id);
    const got = allHits(store, q);
    expected += want.length;
    const hit = want.filter((id) => got.has(id)).length;
    found += hit;
    if (hit < want.length) misses.push(`${q} (${want.length - hit} of ${want.length})`);
    const extra = [...got].filter((id) => !want.includes(id));
    assert.deepEqual(extra, [], `${kind} ${q}: no message without it`);
  }
  const recall = expected === 0 ? 1 : found / expected;
  assert.equal(
    recall,
    1,
    `${kind}: recall ${(recall * 100).toFixed(1)}%; missed ${misses.slice(0, 10).join(', ')}`,
  );
}

const tokens = (text: string): string[] =>
  fold(text.replace(CJK_RUN, ' ')).match(/[\p{L}\p{N}\p{M}]+/gu) ?? [];

test('every single CJK character is found wherever it stands, and the other kinds stay at 100%', () => {
  const { store, docs, cleanup } = corpusStore();
  try {
    const runs = docs.flatMap(([, t]) => t.match(CJK_RUN) ?? []);
    const chars = [...new Set(runs.flatMap((r) => Array.from(r)))];
    assert.ok(chars.length > 80, 'a realistic alphabet');
    // The case that used to fail: characters that end a run somewhere.
    assert.ok(
      runs.some((r) => r.length > 1 && r.endsWith('夜')),
      '夜 ends a longer run in the corpus',
    );
    check(store, docs, 'one CJK character', chars, (t, q) => t.includes(q));

    const grams = (n: number) =>
      [
        ...new Set(
          runs.flatMap((r) => {
            const cs = Array.from(r);
            return cs.slice(0, cs.length - n + 1).map((_, i) => cs.slice(i, i + n).join(''));
          }),
        ),
      ]
        .sort()
        .filter((_, i) => i % 3 === 0);
    check(store, docs, 'two CJK characters', grams(2), (t, q) => t.includes(q));
    check(store, docs, 'three CJK characters', grams(3), (t, q) => t.includes(q));

    const words = [...new Set(docs.flatMap(([, t]) => tokens(t)))].filter(
      (w) => Array.from(w).length >= 2,
    );
    const latin = words.filter((w) => /^[a-z]+$/.test(w));
    const cyrillic = words.filter((w) => /\p{Script=Cyrillic}/u.test(w));
    const raw = docs.flatMap(
      ([, t]) => t.replace(CJK_RUN, ' ').match(/[\p{L}\p{N}\p{M}]+/gu) ?? [],
    );
    const stripped = (w: string) =>
      w
        .normalize('NFD')
        .replace(/\p{Mn}/gu, '')
        .toLowerCase();
    const accented = [...new Set(raw.filter((w) => stripped(w) !== w.toLowerCase()))];
    const hasWordStarting = (t: string, q: string) => tokens(t).some((w) => w.startsWith(fold(q)));
    check(store, docs, 'words', latin, hasWordStarting);
    check(store, docs, 'prefixes', [...new Set(latin.map((w) => w.slice(0, 3)))], hasWordStarting);
    check(
      store,
      docs,
      'Cyrillic',
      [...cyrillic, ...cyrillic.map((w) => w.slice(0, 3))],
      hasWordStarting,
    );
    // Typed without accents: café ← cafe, Zürich ← zurich.
    const bare = accented.map(stripped);
    assert.ok(bare.includes('cafe') && bare.includes('zurich'));
    check(store, docs, 'accent-folded', bare, hasWordStarting);
    assert.ok(hasCjk(docs[0]![1]));
  } finally {
    cleanup();
  }
});
