// Words longer than the prefix indexes are searched by their own few tokens
// once the substring vocabulary has them (longWordTokens.ts), else by their
// first six characters with each candidate checked (messageSearch.ts
// newestRows). These
// tests hold the results to a brute-force oracle: every message holding a
// word that starts with the query word, newest first, across pages — both when
// the short prefix is mostly the word ("submod" for "submodule") and when it
// is mostly other words ("commit" for "committer", where the search falls back
// to the word's own prefix part-way).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { containsTerm, makeSnippet } from '../../main/daemon/store/search/snippet.js';
import { fold } from '../../main/daemon/store/search/indexText.js';
import { VocabularyIndexer } from '../../main/daemon/store/search/vocabularyIndexer.js';
import {
  LONG_WORD_TOKENS_MAX,
  tokensStartingWith,
} from '../../main/daemon/store/search/longWordTokens.js';
import type { TextTerm } from '../../main/daemon/store/search/queryParser.js';
import { addAccount, chatBatch, message, tempStore } from '../helpers/fixtures.js';
import { allSearchHits } from '../helpers/searchPages.js';

const T0 = Date.UTC(2024, 5, 1);

/** The oracle: folded tokens (letters, digits, marks), one starting with the word. */
function holdsWordPrefix(text: string, word: string): boolean {
  return (fold(text).match(/[\p{L}\p{N}\p{M}]+/gu) ?? []).some((t) => t.startsWith(word));
}

function world(texts: string[], senders: string[] = []) {
  const { store, cleanup } = tempStore();
  const account = addAccount(store);
  const batch = chatBatch(
    '!r',
    'room',
    texts.map((t, i) =>
      message('!r', `$${i}`, T0 + i * 1000, t, {
        senderName: senders[i % Math.max(1, senders.length)] ?? 'Ann',
        senderRemoteId: `@s${i % Math.max(1, senders.length)}`,
      }),
    ),
  );
  batch.people = senders.map((displayName, k) => ({ remoteId: `@s${k}`, displayName }));
  const result = store.writer.apply(account.id, batch);
  const docs = result.insertedMessageIds.map((id, i) => ({ id, text: texts[i]! }));
  return { store, cleanup, docs };
}

test('a long word whose short prefix is mostly other words finds exactly its messages, newest first, on every page', () => {
  // 1 in 20 messages says "committer"; every one says "commit…": the first
  // candidates are mostly other words, so the search falls back part-way.
  // (230 of them: a word in 200 messages or fewer skips the short prefix.)
  const texts = Array.from({ length: 4600 }, (_, i) =>
    i % 20 === 7
      ? `the Committer of change ${i} signed it`
      : i % 3 === 0
        ? `commits ${i} land on main`
        : `commit ${i} is reviewed`,
  );
  const { store, cleanup, docs } = world(texts);
  try {
    // While the vocabulary lags (the short prefix, checked), then with every
    // word in it (the word's own tokens).
    for (const vocabulary of ['lagging', 'complete']) {
      if (vocabulary === 'complete') new VocabularyIndexer(store.db).drainAll();
      for (const limit of [5, 50, 500]) {
        const expected = docs
          .filter((d) => holdsWordPrefix(d.text, 'committer'))
          .map((d) => d.id)
          .sort((a, b) => b - a);
        assert.equal(expected.length, 230);
        assert.deepEqual(
          allSearchHits(store, 'committer', limit),
          expected,
          `${vocabulary}, limit ${limit}`,
        );
      }
    }
    // "commits" also has "commit" as its short prefix, and is most of them.
    const commits = docs.filter((d) => holdsWordPrefix(d.text, 'commits')).map((d) => d.id);
    assert.deepEqual(
      allSearchHits(store, 'commits', 50),
      commits.sort((a, b) => b - a),
    );
  } finally {
    cleanup();
  }
});

test('a rare long word among many words sharing its short prefix finds exactly its messages', () => {
  // "predicate" (and "predicates") in 13 messages, "predict…" in 600: the rare
  // word is looked up by its own prefix, never by "predic".
  const texts = Array.from({ length: 700 }, (_, i) =>
    i % 58 === 3
      ? `the ${i % 2 ? 'Predicates' : 'predicate'} of rule ${i} holds`
      : i % 7 === 0
        ? `note ${i}`
        : `we predict ${i} and predictions ${i}`,
  );
  const { store, cleanup, docs } = world(texts);
  try {
    const expected = docs
      .filter((d) => holdsWordPrefix(d.text, 'predicate'))
      .map((d) => d.id)
      .sort((a, b) => b - a);
    assert.equal(expected.length, 13);
    for (const limit of [5, 50])
      assert.deepEqual(allSearchHits(store, 'predicate', limit), expected, `limit ${limit}`);
    assert.deepEqual(
      allSearchHits(store, 'predicates', 50),
      expected.filter((id) => {
        const d = docs.find((x) => x.id === id)!;
        return holdsWordPrefix(d.text, 'predicates');
      }),
    );
  } finally {
    cleanup();
  }
});

test('a long word matches as a prefix (submodule finds submodules), not inside words, and with accents folded', () => {
  const texts = [
    'update the submodule pointer',
    'Submodules are updated',
    'a hypersubmodule is not a submodule match',
    'submod alone is not enough',
    'Résumébuilder shipped',
    'resumes are read',
    'submodule-path moved',
  ];
  const { store, cleanup, docs } = world(texts);
  try {
    const ids = (query: string) => new Set(allSearchHits(store, query, 50));
    const textOf = (found: Set<number>) =>
      docs
        .filter((d) => found.has(d.id))
        .map((d) => d.text)
        .sort();
    for (const vocabulary of ['lagging', 'complete']) {
      if (vocabulary === 'complete') new VocabularyIndexer(store.db).drainAll();
      assert.deepEqual(
        textOf(ids('submodule')),
        [
          'Submodules are updated',
          'a hypersubmodule is not a submodule match',
          'submodule-path moved',
          'update the submodule pointer',
        ],
        vocabulary,
      );
      assert.deepEqual(textOf(ids('resumebuild')), ['Résumébuilder shipped'], vocabulary);
      assert.deepEqual(textOf(ids('submodule path')), ['submodule-path moved'], vocabulary);
    }
  } finally {
    cleanup();
  }
});

test('from: with a long last name finds that sender only, also by a known person whose id starts with the value', () => {
  const texts = Array.from({ length: 120 }, (_, i) => `reftable change ${i}`);
  const senders = ['Patrick Steinhardt', 'Patricia Steinhardtova', 'Steinhaus Ann', 'Pat Stein'];
  const { store, cleanup, docs } = world(texts, senders);
  try {
    const bySender = (name: string) =>
      docs
        .filter((_, i) => senders[i % senders.length] === name)
        .map((d) => d.id)
        .sort((a, b) => b - a);
    assert.deepEqual(
      allSearchHits(store, 'from:steinhardt reftable', 10),
      [...bySender('Patrick Steinhardt'), ...bySender('Patricia Steinhardtova')].sort(
        (a, b) => b - a,
      ),
    );
    assert.deepEqual(
      allSearchHits(store, 'from:"Patrick Steinhardt" reftable', 7),
      bySender('Patrick Steinhardt'),
    );
    // @s2 is Steinhaus Ann's remote id: the person is found by id, the name by its words.
    assert.deepEqual(allSearchHits(store, 'from:@s2 reftable', 50), bySender('Steinhaus Ann'));
  } finally {
    cleanup();
  }
});

test('containsTerm and snippets find a one-word term exactly where the tokens hold it', () => {
  const word = fc.constantFrom('commit', 'cafe', 'zurich', 'ab', 'x1');
  const piece = fc.constantFrom(
    'commit',
    'Commits',
    'café',
    'Zürich',
    'ZURICH',
    'ab',
    'x1',
    'recommit',
    '数据commit',
    'commit数据',
    'e\u0301',
    'ß',
    '😀commit',
    '-',
    ' ',
    '\n',
    'a',
    'İ',
    'ǅ',
    '_commit',
    '1ab',
    'ａｂ',
  );
  fc.assert(
    fc.property(word, fc.array(piece, { maxLength: 12 }), fc.boolean(), (w, pieces, asPhrase) => {
      const text = pieces.join('');
      const term: TextTerm = { kind: asPhrase ? 'phrase' : 'word', text: w, negated: false };
      // The oracle: CJK characters are tokens of their own, like the index's bigrams.
      const tokens =
        fold(text)
          .replace(/[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/gu, ' ')
          .match(/[\p{L}\p{N}\p{M}\p{Co}]+/gu) ?? [];
      const expected = tokens.some((t) => (asPhrase || w.length < 2 ? t === w : t.startsWith(w)));
      assert.equal(containsTerm(text, term), expected, JSON.stringify({ text, w, asPhrase }));
      assert.equal(makeSnippet(text, null, [term], ['<', '>']).includes('<'), expected);
    }),
    { numRuns: 3000, seed: 20261202 },
  );
});

test('a plural whose short prefix is mostly its singular finds exactly its messages, also where its token follows a non-ASCII mark', () => {
  // "header" is most of "header…"; "headers" is 1 in 10, some of them inside
  // words the vocabulary keeps whole ("«headers»", "x—headersé") and in subjects.
  const texts = Array.from({ length: 3000 }, (_, i) =>
    i % 10 === 3
      ? [
          `the Headers of mail ${i}`,
          `quoted «headers» ${i}`,
          `raw x—headersé ${i}`,
          `headersize ${i} grew`,
        ][Math.floor(i / 10) % 4]!
      : i % 2
        ? `one header ${i}`
        : `subheaders and a header ${i}`,
  );
  const { store, cleanup, docs } = world(texts);
  try {
    const expected = docs
      .filter((d) => holdsWordPrefix(d.text, 'headers'))
      .map((d) => d.id)
      .sort((a, b) => b - a);
    assert.equal(expected.length, 300);
    // Before the vocabulary has every word (the short prefix), then after (the word's tokens).
    for (const vocabulary of ['lagging', 'complete']) {
      if (vocabulary === 'complete') new VocabularyIndexer(store.db).drainAll();
      for (const limit of [7, 50, 500])
        assert.deepEqual(
          allSearchHits(store, 'headers', limit),
          expected,
          `${vocabulary}, limit ${limit}`,
        );
      assert.equal(allSearchHits(store, 'headersiz', 50).length, 75, vocabulary);
      assert.deepEqual(allSearchHits(store, 'headerless', 50), [], vocabulary);
    }
    // The search went by the word's tokens ("headersé" folded), and no more.
    assert.equal(
      tokensStartingWith(store.db, 'headers'),
      '("headers" OR "headersize" OR "headerse")',
    );
  } finally {
    cleanup();
  }
});

test("a long word's tokens come from the vocabulary: those starting it, later ones after a mark, and none while it lags", () => {
  const { store, cleanup } = world([
    'Headers, headersize and HEADERS',
    'a «headers» quote, x—headersé, café—headersmith',
    'subheaders are not headers-only',
    // A mark the word index splits at (not an accent it folds away).
    'काheadlessmark and a\u0332headlessq',
  ]);
  try {
    const vocabulary = new VocabularyIndexer(store.db);
    vocabulary.drainAll();
    const tokens = (word: string) => {
      const expr = tokensStartingWith(store.db, word);
      return expr === null || expr === '' ? expr : expr.slice(1, -1).split(' OR ').sort();
    };
    assert.deepEqual(tokens('headers'), [
      '"headers"',
      '"headerse"',
      '"headersize"',
      '"headersmith"',
    ]);
    assert.equal(tokens('subheaderz'), '');
    assert.deepEqual(tokens('headless'), ['"headlessmark"', '"headlessq"']);
    assert.equal(allSearchHits(store, 'headless', 20).length, 1);
    // A word with more tokens than the cap is left to the short prefix.
    const many = Array.from({ length: LONG_WORD_TOKENS_MAX + 1 }, (_, i) => `headersx${i}`);
    store.writer.apply(
      addAccount(store, 'other').id,
      chatBatch('!s', 'more', [message('!s', '$m', T0, many.join(' '))]),
    );
    vocabulary.drainAll();
    assert.equal(tokens('headersx'), null);
    // While messages wait for the vocabulary, it cannot tell every token.
    store.db.prepare('INSERT INTO substring_backlog (id) SELECT max(id) FROM messages').run();
    assert.equal(tokens('headers'), null);
    assert.equal(allSearchHits(store, 'headers', 50).length, 4);
  } finally {
    cleanup();
  }
});
