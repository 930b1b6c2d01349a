// `*substring` search through the vocabulary of words (search/vocabulary.ts,
// substringLookup.ts), held to a brute-force oracle: every message whose
// folded text holds the folded substring, newest first, across pages, for
// substrings cut anywhere from real texts (inside words, across spaces and
// punctuation, at word starts and ends) in Latin with accents, Greek
// capitals, CJK, Hangul and emoji, and for substrings nothing narrows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fold } from '../../main/daemon/store/search/indexText.js';
import {
  coveringTrigrams,
  substringLookup,
} from '../../main/daemon/store/search/substringLookup.js';
import { tokensStartingWith } from '../../main/daemon/store/search/longWordTokens.js';
import { VocabularyIndexer } from '../../main/daemon/store/search/vocabularyIndexer.js';
import { substringPieces, vocabularyWords } from '../../main/daemon/store/search/vocabulary.js';
import type { RemoteMessage } from '../../main/daemon/model/types.js';
import { addAccount, message, tempStore } from '../helpers/fixtures.js';
import { allSearchHits } from '../helpers/searchPages.js';
import { seededRandom } from '../helpers/prng.js';

const T0 = Date.UTC(2024, 8, 1);

test('a substring is pieces of words: whole, a start, an end, or anywhere', () => {
  assert.deepEqual(substringPieces('ebas'), [{ text: 'ebas', anchor: 'contains' }]);
  assert.deepEqual(substringPieces('o wor'), [
    { text: 'o', anchor: 'endsWith' },
    { text: 'wor', anchor: 'startsWith' },
  ]);
  assert.deepEqual(substringPieces(' the, end.'), [
    { text: 'the', anchor: 'equals' },
    { text: 'end', anchor: 'equals' },
  ]);
  assert.deepEqual(substringPieces('...'), []);
  assert.deepEqual(vocabularyWords('Hello, wörld! «quoted» 北京大学生 a-b'), [
    'Hello',
    'wörld',
    '«quoted»',
    '北京大学生',
    'a',
    'b',
  ]);
  assert.deepEqual(coveringTrigrams('ab'), []);
  assert.deepEqual(coveringTrigrams('gres'), ['gre', 'res']);
  assert.deepEqual(coveringTrigrams('postgresql'), ['pos', 'tgr', 'esq', 'sql']);
  assert.deepEqual(coveringTrigrams('😀😀😀'), ['😀😀😀']);
});

const WORDS = [
  'rebase',
  'Rebased',
  'REBASING',
  'base',
  'database',
  'PostgreSQL',
  'postgres',
  'café',
  'Café',
  'naïve',
  'über',
  'ΟΔΟΣ',
  'οδός',
  'İstanbul',
  '北京大学',
  '大学生',
  '서울시',
  '한국어',
  '🎉🎉',
  'e-mail',
  "it's",
  'x86_64',
  '(parens)',
  '«quoted»',
  'a',
  'ab',
  'the',
  'and',
  'v2.1',
  'Straße',
  'STRASSE',
  'fix',
  'prefix',
  'suffixes',
  '42',
  '4242',
  'C++',
  'foo.bar',
  '...',
];
const SEPARATORS = [' ', ' ', ' ', ', ', '. ', '\n', ' - ', '/', ':', '  '];

test('substring search finds exactly the messages whose text holds it, newest first, on every page', () => {
  const { store, cleanup } = tempStore();
  try {
    const account = addAccount(store);
    const rnd = seededRandom(7);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
    const docs: { id: number; body: string; subject: string | null }[] = [];
    const messages: RemoteMessage[] = [];
    for (let i = 0; i < 600; i++) {
      let body = pick(WORDS);
      for (let n = 1 + Math.floor(rnd() * 8); n > 0; n--) body += pick(SEPARATORS) + pick(WORDS);
      const subject = i % 9 === 0 ? `${pick(WORDS)} ${pick(WORDS)}` : null;
      docs.push({ id: 0, body, subject });
      messages.push(message('!r', `$${i}`, T0 + i * 60_000, body, subject ? { subject } : {}));
    }
    const result = store.writer.apply(account.id, {
      chats: [{ remoteId: '!r', kind: 'group', name: 'Room' }],
      people: [{ remoteId: '@ann', displayName: 'Ann' }],
      messages,
    });
    result.insertedMessageIds.forEach((id, i) => (docs[i]!.id = id));
    // An edit brings words of its own; a deletion takes a message out.
    store.writer.apply(account.id, {
      edits: [{ messageRemoteId: '$5', body: 'zeitgeist, rebooted', editedTs: T0 + 1e9 }],
      deletions: [{ messageRemoteId: '$6' }],
    });
    docs[5]!.body = 'zeitgeist, rebooted';
    docs.splice(6, 1);

    const expected = (s: string) => {
      const needle = fold(s);
      return docs
        .filter(
          (d) =>
            fold(d.body).includes(needle) ||
            (d.subject !== null && fold(d.subject).includes(needle)),
        )
        .map((d) => d.id)
        .sort((a, b) => b - a);
    };
    const substrings = new Set<string>([
      'ebas',
      'REBAS',
      'ase, dat',
      'gresq',
      'cafe',
      'CAFÉ',
      'naive',
      'οδοσ',
      'ΟΔΟΣ',
      'οδος',
      'istan',
      '京大学',
      '学生',
      '울시',
      '🎉🎉',
      '-mai',
      "t's",
      '86_6',
      'ns)',
      '«quo',
      'otb',
      'eitgei',
      'bootE',
      'strass',
      'fix',
      ' fix',
      'fix ',
      'ix, pre',
      '42 ',
      '.1',
      'o.b',
      '...',
      '++',
      'zzz',
      'a a',
      'ab ab',
    ]);
    for (let k = 0; k < 150; k++) {
      const d = pick(docs);
      const chars = Array.from(d.body);
      const start = Math.floor(rnd() * chars.length);
      const len = 3 + Math.floor(rnd() * 9);
      const s = chars.slice(start, start + len).join('');
      if (Array.from(s).length >= 3) substrings.add(s);
    }
    for (const s of substrings) {
      // Shorter ones are refused by the parser (substring_too_short).
      if (s.includes('"') || Array.from(s).length < 3) continue;
      const query = `*"${s}"`;
      assert.deepEqual(allSearchHits(store, query, 20), expected(s), `${query}`);
    }
    // With a word: both must hold.
    const both = expected('ebas').filter((id) => expected('the').includes(id));
    const theWord = docs
      .filter((d) => /(^|[^\p{L}\p{N}])the([^\p{L}\p{N}]|$)/iu.test(d.body))
      .map((d) => d.id);
    assert.deepEqual(
      allSearchHits(store, 'the *ebas', 20),
      both.filter((id) => theWord.includes(id)),
    );
  } finally {
    cleanup();
  }
});

test('a removed account’s words leave the vocabulary; the others’ are found again', () => {
  const { store, cleanup } = tempStore();
  try {
    const ann = addAccount(store, 'ann');
    const bob = addAccount(store, 'bob');
    for (const [account, word] of [
      [ann, 'quetzalcoatl'],
      [bob, 'xylophonist'],
    ] as const)
      store.writer.apply(account.id, {
        chats: [{ remoteId: '!r', kind: 'group', name: 'Room' }],
        messages: [message('!r', '$1', T0, `the ${word} arrived`)],
      });
    assert.equal(allSearchHits(store, '*etzal', 20).length, 1);
    const known = (w: string) =>
      store.db.prepare(`SELECT count(*) FROM vocabulary WHERE folded = ?`).pluck().get(w);
    assert.equal(known('quetzalcoatl'), 1);
    store.accounts.remove(ann.id);
    assert.equal(known('quetzalcoatl'), 0, 'the removed account’s word is gone');
    assert.equal(allSearchHits(store, '*lophon', 20).length, 1, 'the other account’s is found');
    assert.equal(allSearchHits(store, '*etzal', 20).length, 0);
  } finally {
    cleanup();
  }
});

test('a word written by a batch that rolled back is written again by the next one', () => {
  const { store, cleanup } = tempStore();
  try {
    const account = addAccount(store);
    store.writer.apply(account.id, {
      chats: [{ remoteId: '!r', kind: 'group', name: 'Room' }],
      messages: [message('!r', '$1', T0, 'hello')],
    });
    // The first message is written (and its word with it), then the batch
    // fails on a message for a chat nobody knows: all of it rolls back.
    assert.throws(() =>
      store.writer.apply(account.id, {
        messages: [
          message('!r', '$2', T0 + 1, 'the flibbertigibbet came'),
          message('!nowhere', '$3', T0 + 2, 'lost'),
        ],
      }),
    );
    store.writer.apply(account.id, {
      messages: [message('!r', '$4', T0 + 3, 'a flibbertigibbet again')],
    });
    assert.equal(allSearchHits(store, '*ibbertig', 20).length, 1);
  } finally {
    cleanup();
  }
});

test('a substring in a family of words sharing a long prefix finds exactly its messages, typos under the prefix checked away', () => {
  // "*odul" fits a dozen words starting "submod" (one prefix doclist stands
  // for them), and "submode"/"submodles" also start so but do not hold it.
  const family = [
    'submodule',
    'submodules',
    'Submodulesummary',
    'submodule’s',
    'module',
    'modular',
  ];
  const others = ['submode', 'submodles', 'modem', 'node'];
  const { store, cleanup } = tempStore();
  try {
    const account = addAccount(store);
    const texts = Array.from({ length: 900 }, (_, i) =>
      i % 45 === 0
        ? `see ${others[(i / 45) % others.length]} ${i}`
        : `the ${family[i % family.length]} ${i}`,
    );
    const result = store.writer.apply(account.id, {
      chats: [{ remoteId: '!r', kind: 'group', name: 'Room' }],
      messages: texts.map((t, i) => message('!r', `$${i}`, T0 + i * 60_000, t)),
    });
    new VocabularyIndexer(store.db).drainAll();
    const holding = (s: string) =>
      result.insertedMessageIds.filter((_, i) => fold(texts[i]!).includes(s)).sort((a, b) => b - a);
    for (const s of ['odul', 'ubmodu', 'modules', 'ule’s'])
      for (const limit of [7, 50])
        assert.deepEqual(
          allSearchHits(store, `*"${s}"`, limit),
          holding(s),
          `*${s} limit ${limit}`,
        );
    // The prefix is what stands for the family (one doclist, not a word each).
    const lookup = substringLookup(store.db, 'odul');
    assert.equal(lookup.kind, 'words');
    assert.match((lookup as { match: string }).match, /"submod" \*/);
    assert.doesNotMatch((lookup as { match: string }).match, /"submodules"/);
  } finally {
    cleanup();
  }
});

test('remembered lookups are forgotten when an account is removed and the vocabulary refilled', () => {
  const { store, cleanup } = tempStore();
  try {
    const ann = addAccount(store, 'ann');
    const bob = addAccount(store, 'bob');
    const say = (account: { id: number }, id: string, text: string) =>
      store.writer.apply(account.id, {
        chats: [{ remoteId: '!r', kind: 'group', name: 'Room' }],
        messages: [message('!r', id, T0 + Number(id.slice(1)), text)],
      });
    say(ann, '$1', 'the headersmith—headersbar spoke');
    say(bob, '$2', 'bob says headers');
    for (let i = 3; i < 40; i++) say(bob, `$${i}`, `a header ${i}`);
    const vocabulary = new VocabularyIndexer(store.db);
    vocabulary.drainAll();
    assert.equal(allSearchHits(store, 'headers', 20).length, 2);
    assert.equal(allSearchHits(store, '*eadersb', 20).length, 1);
    store.accounts.remove(ann.id);
    vocabulary.drainAll();
    // Ids of the refilled vocabulary start again: nothing read before may stand.
    say(bob, '$50', 'new: x—headersbaz and headersq');
    vocabulary.drainAll();
    assert.equal(allSearchHits(store, 'headers', 20).length, 2);
    assert.equal(allSearchHits(store, '*eadersb', 20).length, 1);
    assert.equal(tokensStartingWith(store.db, 'headersb'), '("headersbaz")');
  } finally {
    cleanup();
  }
});
