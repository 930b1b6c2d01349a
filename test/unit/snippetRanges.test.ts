// What a snippet highlights, on the texts where its fast paths differ from the
// general one (snippet.ts): ASCII text matched in place, in any case, at word
// starts; non-ASCII text whose folded copy keeps every position; text whose
// folding moves positions (decomposed accents) or keeps marks that belong to
// the matched letter.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { highlightRanges, makeSnippet } from '../../main/daemon/store/search/snippet.js';
import { parseQuery } from '../../main/daemon/store/search/queryParser.js';

const marked = (text: string, query: string) =>
  makeSnippet(text, null, parseQuery(query).terms, ['[', ']'], 500);

test('ASCII text: a word in any case, at word starts only, the last word as a prefix', () => {
  assert.equal(
    marked('Merge MERGE remerge mErGed merge-base', 'merge'),
    '[Merge] [MERGE] remerge [mErGe]d [merge]-base',
  );
  // A one-letter word is matched whole, not as a prefix.
  assert.equal(marked('a an A b-a', 'a'), '[a] an [A] b-[a]');
  // Digits are word characters: "v2" does not start a word inside "xv2".
  assert.equal(marked('v2 xv2 V2.1', 'v2'), '[v2] xv2 [V2].1');
  // Two words: every match of each, overlaps merged.
  assert.equal(marked('Git merges git', 'git merge'), '[Git] [merge]s [git]');
});

test('non-ASCII text whose folding keeps positions: accents, quotes, emoji before the match', () => {
  assert.equal(marked('Café ’merge’ 😀Merge', 'merge'), 'Café ’[merge]’ 😀[Merge]');
  assert.equal(marked('RÉSUMÉ and résumé', 'resume'), '[RÉSUMÉ] and [résumé]');
  // A spacing vowel sign right after the matched letters stays with them (Devanagari).
  assert.deepEqual(highlightRanges('अब किताब', parseQuery('कित').terms), [[3, 7]]);
});

test('text whose folding moves positions: a decomposed accent stays inside the highlight', () => {
  const decomposed = 'the cafe\u0301 opens, Cafe\u0301s too';
  assert.equal(marked(decomposed, 'café'), 'the [cafe\u0301] opens, [Cafe\u0301]s too');
});

test('whitespace runs become one space in a snippet, single spaces stay', () => {
  assert.equal(
    marked('one\ttwo\n\nthree  four\u00a0five six', 'three'),
    'one two [three] four five six',
  );
});
