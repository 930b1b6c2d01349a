import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ftsPhrase, parseQuery, parseUtcDate } from '../../main/daemon/store/search/queryParser.js';

test('terms, phrases, substrings and negation', () => {
  assert.deepEqual(parseQuery('  hello "big cat" *gres -no -"not this" -*sub hel* ').terms, [
    { kind: 'word', text: 'hello', negated: false },
    { kind: 'phrase', text: 'big cat', negated: false },
    { kind: 'substring', text: 'gres', negated: false },
    { kind: 'word', text: 'no', negated: true },
    { kind: 'phrase', text: 'not this', negated: true },
    { kind: 'substring', text: 'sub', negated: true },
    { kind: 'word', text: 'hel', negated: false },
  ]);
  assert.deepEqual(parseQuery('*"o wor" well-known').terms, [
    { kind: 'substring', text: 'o wor', negated: false },
    { kind: 'word', text: 'well-known', negated: false },
  ]);
  // An unclosed quote runs to the end.
  assert.deepEqual(parseQuery('a "b c').terms, [
    { kind: 'word', text: 'a', negated: false },
    { kind: 'phrase', text: 'b c', negated: false },
  ]);
  // A lone "-" is not a negation.
  assert.deepEqual(
    parseQuery('a - b').terms.map((t) => t.text),
    ['a', 'b'],
  );
});

test('operators and their values', () => {
  const p = parseQuery(
    'from:"Ann Lee" FROM:bob in:général account:2 after:2024-01-31 before:2024-3-1 has:attachment is:unread',
  );
  assert.deepEqual(p.terms, []);
  assert.deepEqual(p.warnings, []);
  assert.deepEqual(p.filters, [
    { kind: 'from', value: 'Ann Lee' },
    { kind: 'from', value: 'bob' },
    { kind: 'in', value: 'général' },
    { kind: 'account', value: '2' },
    { kind: 'after', date: '2024-01-31', ts: Date.UTC(2024, 0, 31) },
    { kind: 'before', date: '2024-3-1', ts: Date.UTC(2024, 2, 1) },
    { kind: 'has', value: 'attachment' },
    { kind: 'is', value: 'unread' },
  ]);
});

test('unknown prefixes are text; bad operator values are warnings', () => {
  const p = parseQuery(
    're:hello http://x.org from: before:2024-13-01 has:dog is:read -in:x *ab ???',
  );
  assert.deepEqual(p.terms, [
    { kind: 'word', text: 're:hello', negated: false },
    { kind: 'word', text: 'http://x.org', negated: false },
  ]);
  assert.deepEqual(p.filters, []);
  assert.deepEqual(
    p.warnings.map((w) => [w.code, w.token]),
    [
      ['empty_value', 'from:'],
      ['invalid_date', 'before:2024-13-01'],
      ['unknown_value', 'has:dog'],
      ['unknown_value', 'is:read'],
      ['negated_operator', '-in:x'],
      ['substring_too_short', '*ab'],
      ['nothing_searchable', '???'],
    ],
  );
  for (const w of p.warnings) assert.ok(w.message.length > 0);
});

test('dates', () => {
  assert.equal(parseUtcDate('2024-02-29'), Date.UTC(2024, 1, 29));
  assert.equal(parseUtcDate('2023-02-29'), null);
  assert.equal(parseUtcDate('2024-00-10'), null);
  assert.equal(parseUtcDate('yesterday'), null);
  assert.equal(parseUtcDate('2024-01-01T00:00'), null);
});

test('FTS5 phrases quote everything', () => {
  assert.equal(ftsPhrase('hello', true), '"hello" *');
  assert.equal(ftsPhrase('Hello', false), '"Hello"');
  assert.equal(ftsPhrase('e-mail', true), '"e mail" *');
  assert.equal(ftsPhrase('a', true), '"a"', 'a 1-character prefix is matched whole');
  assert.equal(ftsPhrase('x-y', true), '"x y"');
  assert.equal(ftsPhrase('AND', true), '"AND" *');
  assert.equal(ftsPhrase('say "hi"', false), '"say hi"');
  assert.equal(ftsPhrase('NEAR(a b)', true), '"NEAR a b"');
  assert.equal(ftsPhrase('!!!', true), null);
  assert.equal(ftsPhrase('北京', true), '"北京"');
  assert.equal(ftsPhrase('北京大学', true), '"北京 京大 大学"');
  assert.equal(ftsPhrase('北', true), '"北" *');
  assert.equal(ftsPhrase('iPhone手机', true), '"iPhone 手机"');
});
