// Snippets for search hits, cut from the original message text (the FTS tables
// are contentless). Matching here mirrors the index: case- and
// diacritic-insensitive, words matched at word starts (the last word of a word
// term as a prefix), substrings and CJK anywhere. Positions are found in the
// folded text and mapped back to the original with foldWithMap.
import { fold, foldWithMap } from './indexText.js';
import type { TextTerm } from './queryParser.js';

export const DEFAULT_MARKERS: readonly [string, string] = ['[', ']'];
export const SNIPPET_LENGTH = 160;
/** Longer texts are matched in their first this-many characters only. */
const MATCH_SCAN_LIMIT = 20_000;
const CONTEXT_BEFORE = 40;

interface Token {
  start: number;
  end: number;
  text: string;
  cjk: boolean;
}

const TOKEN =
  /([\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\u3005\u30fc])|(?:(?![\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\u3005\u30fc])[\p{L}\p{N}\p{M}\p{Co}])+/gu;

/** In ASCII text the token characters are just letters and digits (and much faster to find). */
const ASCII_TOKEN = /[a-z0-9]+/g;

/** Words (runs of token characters) and single CJK characters, in folded text. */
function tokenize(folded: string, ascii = false): Token[] {
  const out: Token[] = [];
  for (const m of folded.matchAll(ascii ? ASCII_TOKEN : TOKEN)) {
    const start = m.index;
    out.push({ start, end: start + m[0].length, text: m[0], cjk: !ascii && m[1] !== undefined });
  }
  return out;
}

/** Printable ASCII and common whitespace: folding is lowercasing. */
const ASCII = /^[\t\n\r -~]*$/u;

/**
 * foldWithMap, with a shortcut for ASCII text (fold = lowercase, positions
 * unchanged). `ascii` says the text is ASCII (its tokens are found faster);
 * `origin` null says each folded index is the original one.
 */
function foldMapped(text: string): { folded: string; origin: number[] | null; ascii: boolean } {
  if (ASCII.test(text)) return { folded: text.toLowerCase(), origin: null, ascii: true };
  return { ...foldWithMap(text), ascii: false };
}

type Range = [number, number];

const COMBINING = /\p{M}/u;

/** A term's own tokens, folded once per term (a search matches them against every hit). */
const termTokens = new WeakMap<TextTerm, Token[]>();
function queryTokens(term: TextTerm): Token[] {
  let q = termTokens.get(term);
  if (!q) termTokens.set(term, (q = tokenize(fold(term.text))));
  return q;
}

/** Ranges [start, end) in folded text where the term matches. */
function termRanges(folded: string, tokens: Token[], term: TextTerm): Range[] {
  const out: Range[] = [];
  if (term.kind === 'substring') {
    const needle = fold(term.text);
    if (!needle) return out;
    for (
      let at = folded.indexOf(needle);
      at !== -1;
      at = folded.indexOf(needle, at + needle.length)
    )
      out.push([at, at + needle.length]);
    return out;
  }
  const q = queryTokens(term);
  if (q.length === 0) return out;
  const last = q[q.length - 1]!;
  // Same rule as ftsPhrase: a 1-character Latin last word is matched whole.
  const prefix = term.kind === 'word' && !last.cjk && Array.from(last.text).length >= 2;
  for (let i = 0; i + q.length <= tokens.length; i++) {
    let ok = true;
    for (let k = 0; k < q.length && ok; k++) {
      const t = tokens[i + k]!;
      const w = q[k]!;
      const isLast = k === q.length - 1;
      ok = isLast && prefix && !w.cjk ? !t.cjk && t.text.startsWith(w.text) : t.text === w.text;
    }
    if (!ok) continue;
    const lastTok = tokens[i + q.length - 1]!;
    const end = prefix ? lastTok.start + last.text.length : lastTok.end;
    out.push([tokens[i]!.start, end]);
  }
  return out;
}

function merge(ranges: Range[]): Range[] {
  if (ranges.length < 2) return ranges;
  // One term's ranges come in order: sorting them anyway allocated as much as the rest.
  let sorted = true;
  for (let i = 1; i < ranges.length && sorted; i++)
    sorted =
      ranges[i - 1]![0] < ranges[i]![0] ||
      (ranges[i - 1]![0] === ranges[i]![0] && ranges[i - 1]![1] >= ranges[i]![1]);
  if (!sorted) ranges.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
  const out: Range[] = [];
  for (const r of ranges) {
    const prev = out[out.length - 1];
    if (prev && r[0] <= prev[1]) prev[1] = Math.max(prev[1], r[1]);
    else out.push([r[0], r[1]]);
  }
  return out;
}

/**
 * Every match of every positive term in `text`, as merged, sorted ranges
 * [start, end) of UTF-16 indexes into the original text.
 */
export function highlightRanges(text: string, terms: readonly TextTerm[]): Range[] {
  const positive = terms.filter((t) => !t.negated);
  if (positive.length === 0 || text === '') return [];
  const scanned = text.length > MATCH_SCAN_LIMIT ? text.slice(0, MATCH_SCAN_LIMIT) : text;
  // ASCII text and plain words (most searches) are matched in the text itself,
  // case-insensitively, with no folded copy of it made.
  const words = positive.map(plainWord);
  if (words.every((w) => w !== null) && ASCII.test(scanned)) {
    const found: Range[] = [];
    for (const word of words) asciiWordRanges(scanned, word!, found);
    return merge(found);
  }
  const { folded, origin, ascii } = foldMapped(scanned);
  const found: Range[] = [];
  // One-word and substring terms need no tokens (most searches); others tokenize the text once.
  let tokens: Token[] | null = null;
  for (const [i, term] of positive.entries()) {
    const word = words[i]!;
    if (word !== null) found.push(...plainWordRanges(folded, word));
    else if (term.kind === 'substring') found.push(...termRanges(folded, [], term));
    else if (cjkRun(term) !== null) found.push(...occurrences(folded, cjkRun(term)!));
    else found.push(...termRanges(folded, (tokens ??= tokenize(folded, ascii)), term));
  }
  const mapped: Range[] = [];
  for (const [s, e] of found) {
    if (e <= s) continue;
    if (ascii) {
      mapped.push([s, e]);
      continue;
    }
    const start = origin ? origin[s]! : s;
    // The end of the original character that produced the last folded one.
    const lastOrig = origin ? origin[e - 1]! : e - 1;
    let end = origin ? lastOrig + (scanned.codePointAt(lastOrig)! > 0xffff ? 2 : 1) : e;
    // Keep combining marks (decomposed text) with their base character.
    while (end < scanned.length && COMBINING.test(scanned[end]!)) end++;
    mapped.push([start, end]);
  }
  return merge(mapped);
}

/**
 * How often `term` occurs in `text` (matched as the index matches it) and how
 * many tokens the text has: the two per-document inputs of bm25.
 */
export function termFrequency(text: string, term: TextTerm): { hits: number; tokens: number } {
  if (text === '') return { hits: 0, tokens: 0 };
  const scanned = text.length > MATCH_SCAN_LIMIT ? text.slice(0, MATCH_SCAN_LIMIT) : text;
  const q = queryTokens(term);
  if (q.length === 1 && !q[0]!.cjk && term.kind !== 'substring' && ASCII.test(scanned))
    return asciiWordFrequency(scanned.toLowerCase(), q[0]!.text, term.kind === 'word');
  const { folded, ascii } = foldMapped(scanned);
  const tokens = tokenize(folded, ascii);
  return { hits: termRanges(folded, tokens, term).length, tokens: tokens.length };
}

/**
 * Whether `text` holds `term` as the word index matches it, over the whole
 * text (termFrequency stops at MATCH_SCAN_LIMIT): the check on candidates
 * found by a shorter prefix than the term's (messageSearch.ts).
 */
export function containsTerm(text: string, term: TextTerm): boolean {
  if (text === '') return false;
  const word = plainWord(term);
  if (word !== null) {
    // ASCII text: matched in place, without a lowercased copy (the check runs
    // on every candidate a short prefix brings in).
    if (ASCII.test(text)) return asciiWordRanges(text, word, [], 1) > 0;
    // fold() keeps every base letter where it was, so a word start in the
    // folded text is one in the text; no tokens need building.
    const folded = fold(text);
    for (let at = folded.indexOf(word.text); at !== -1; at = folded.indexOf(word.text, at + 1))
      if (startsWord(folded, at) && (word.prefix || !continuesWord(folded, at + word.text.length)))
        return true;
    return false;
  }
  const { folded, ascii } = foldMapped(text);
  return termRanges(folded, tokenize(folded, ascii), term).length > 0;
}

/**
 * A term made only of CJK characters, as one folded string: it matches where
 * those characters stand together, as the index's bigrams do, so the text
 * needs no tokens (tokenizing a whole text cost more than the search's SQL).
 */
const cjkRuns = new WeakMap<TextTerm, string | null>();
function cjkRun(term: TextTerm): string | null {
  let run = cjkRuns.get(term);
  if (run === undefined) {
    const q = queryTokens(term);
    run = q.length > 0 && q.every((t) => t.cjk) ? q.map((t) => t.text).join('') : null;
    cjkRuns.set(term, run);
  }
  return run;
}

/** Every occurrence of `needle` in `folded`, not overlapping. */
function occurrences(folded: string, needle: string): Range[] {
  const out: Range[] = [];
  for (let at = folded.indexOf(needle); at !== -1; at = folded.indexOf(needle, at + needle.length))
    out.push([at, at + needle.length]);
  return out;
}

/**
 * A term that is one word of ASCII letters and digits, as folded: matched by
 * indexOf and a look at its neighbours instead of tokenizing the text.
 * `prefix` as termRanges has it (a word term of 2+ characters).
 */
function plainWord(term: TextTerm): { text: string; prefix: boolean } | null {
  if (term.kind === 'substring') return null;
  const q = queryTokens(term);
  if (q.length !== 1 || !/^[a-z0-9]+$/.test(q[0]!.text)) return null;
  return { text: q[0]!.text, prefix: term.kind === 'word' && q[0]!.text.length >= 2 };
}

const WORD_CHAR_AT_END = /[\p{L}\p{N}\p{M}\p{Co}]$/u;
const WORD_CHAR_AT_START = /^[\p{L}\p{N}\p{M}\p{Co}]/u;
const CJK_AT_END =
  /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\u3005\u30fc]$/u;
const CJK_AT_START =
  /^[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\u3005\u30fc]/u;

/** Where a plain word matches in folded text, as termRanges would find it. */
function plainWordRanges(folded: string, word: { text: string; prefix: boolean }): Range[] {
  const out: Range[] = [];
  for (let at = folded.indexOf(word.text); at !== -1; at = folded.indexOf(word.text, at + 1)) {
    const end = at + word.text.length;
    if (startsWord(folded, at) && (word.prefix || !continuesWord(folded, end))) out.push([at, end]);
  }
  return out;
}

/** The word's case-insensitive pattern, made once per word. */
const asciiWordPatterns = new Map<string, RegExp>();
const ASCII_WORD_PATTERNS_MAX = 256;

/**
 * plainWordRanges on ASCII text as it is (not lowercased): the pattern finds
 * the word in any case, and a word start or end is the same test in either
 * case. Appends to `out`, at most `max` ranges, and returns how many.
 */
function asciiWordRanges(
  text: string,
  word: { text: string; prefix: boolean },
  out: Range[],
  max = Infinity,
): number {
  let added = 0;
  let re = asciiWordPatterns.get(word.text);
  if (!re) {
    if (asciiWordPatterns.size >= ASCII_WORD_PATTERNS_MAX) asciiWordPatterns.clear();
    asciiWordPatterns.set(word.text, (re = new RegExp(word.text, 'gi')));
  }
  re.lastIndex = 0;
  // Advance by one character after each find, as plainWordRanges does (indexOf from at + 1).
  while (re.test(text)) {
    const end = re.lastIndex;
    const at = end - word.text.length;
    if (
      (at === 0 || !isAsciiWordChar(text.charCodeAt(at - 1))) &&
      (word.prefix || end >= text.length || !isAsciiWordChar(text.charCodeAt(end)))
    ) {
      out.push([at, end]);
      if (++added === max) break;
    }
    re.lastIndex = at + 1;
  }
  return added;
}

/** Whether a token starts at `at` (after a non-token character, or after CJK, which is its own token). */
function startsWord(folded: string, at: number): boolean {
  if (at === 0) return true;
  const c = folded.charCodeAt(at - 1);
  if (c < 0x80) return !isAsciiWordChar(c);
  const before = folded.slice(Math.max(0, at - 2), at);
  return !WORD_CHAR_AT_END.test(before) || CJK_AT_END.test(before);
}

/** Whether the token going on at `at` continues a word (so an exact match ends inside a token). */
function continuesWord(folded: string, at: number): boolean {
  if (at >= folded.length) return false;
  const c = folded.charCodeAt(at);
  if (c < 0x80) return isAsciiWordChar(c);
  const after = folded.slice(at, at + 2);
  return WORD_CHAR_AT_START.test(after) && !CJK_AT_START.test(after);
}

const isAsciiWordChar = (c: number): boolean =>
  (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || (c >= 65 && c <= 90);

/**
 * termFrequency for the common case, one Latin word in ASCII text, without
 * building tokens: relevance counts it in a thousand candidates per search.
 * Same rules as termRanges (a word term's last word of 2+ characters is a prefix).
 */
function asciiWordFrequency(
  folded: string,
  word: string,
  asWord: boolean,
): { hits: number; tokens: number } {
  const prefix = asWord && word.length >= 2;
  let hits = 0;
  let tokens = 0;
  for (let i = 0; i < folded.length;) {
    if (!isAsciiWordChar(folded.charCodeAt(i))) {
      i++;
      continue;
    }
    const start = i;
    while (i < folded.length && isAsciiWordChar(folded.charCodeAt(i))) i++;
    tokens++;
    const length = i - start;
    if ((prefix ? length >= word.length : length === word.length) && folded.startsWith(word, start))
      hits++;
  }
  return { hits, tokens };
}

/**
 * A snippet of about `maxLength` characters around the first match, every
 * match wrapped in the markers, "…" where the text was cut. Whitespace runs
 * (newlines included) become one space. Cut from the body, or from the
 * subject when only the subject matches; without matches, the body's start.
 */
export function makeSnippet(
  body: string,
  subject: string | null,
  terms: readonly TextTerm[],
  markers: readonly [string, string] = DEFAULT_MARKERS,
  maxLength: number = SNIPPET_LENGTH,
): string {
  let text = body;
  let ranges = highlightRanges(body, terms);
  if (ranges.length === 0 && subject) {
    const inSubject = highlightRanges(subject, terms);
    if (inSubject.length > 0 || body.trim() === '') {
      text = subject;
      ranges = inSubject;
    }
  }
  return renderSnippet(text, ranges, markers, maxLength);
}

export function renderSnippet(
  text: string,
  ranges: readonly Range[],
  markers: readonly [string, string],
  maxLength: number = SNIPPET_LENGTH,
): string {
  let start = 0;
  let end = text.length;
  if (text.length > maxLength) {
    const first = ranges[0];
    start = first ? Math.max(0, first[0] - CONTEXT_BEFORE) : 0;
    if (start + maxLength > text.length) start = text.length - maxLength;
    // Begin at a word start when one is near and before the match.
    if (start > 0 && !isSpaceAt(text, start - 1)) {
      const limit = first ? first[0] : start + 15;
      for (let k = start; k < Math.min(limit, start + 15); k++)
        if (isSpaceAt(text, k)) {
          start = k + 1;
          break;
        }
    }
    end = Math.min(text.length, start + maxLength);
    // End at a word end when one is near, never inside the first match.
    if (end < text.length && !isSpaceAt(text, end)) {
      const floor = Math.max(first ? first[1] : 0, end - 15);
      for (let k = end - 1; k > floor; k--)
        if (isSpaceAt(text, k)) {
          end = k;
          break;
        }
    }
  }
  // Never split a surrogate pair.
  if (start > 0 && isLowSurrogate(text.charCodeAt(start))) start++;
  if (end < text.length && isLowSurrogate(text.charCodeAt(end))) end--;
  // Skip whitespace at the edges of the window.
  while (start < end && isSpaceAt(text, start)) start++;
  while (end > start && isSpaceAt(text, end - 1)) end--;

  let out = start > 0 ? '…' : '';
  let at = start;
  for (const [rs, re] of ranges) {
    const s = Math.max(rs, start);
    const e = Math.min(re, end);
    if (e <= s) continue;
    out += squash(text.slice(at, s)) + markers[0] + squash(text.slice(s, e)) + markers[1];
    at = e;
  }
  out += squash(text.slice(at, end));
  if (end < text.length) out += '…';
  return out;
}

/**
 * Whitespace runs (newlines included) as one space; most slices have none to
 * change. Built from slices rather than by a regex replace, which allocated a
 * match per run (a tenth of what a search allocated).
 */
function squash(s: string): string {
  let out: string | null = null;
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (!isSpaceCode(c)) continue;
    let end = i + 1;
    while (end < s.length && isSpaceCode(s.charCodeAt(end))) end++;
    if (c !== 32 || end - i > 1) {
      out = (out ?? '') + s.slice(from, i) + ' ';
      from = end;
    }
    i = end - 1;
  }
  return out === null ? s : out + s.slice(from);
}

function isSpaceAt(text: string, at: number): boolean {
  return isSpaceCode(text.charCodeAt(at));
}

/**
 * Whether a UTF-16 code unit is whitespace as /\s/ has it: ECMAScript's
 * WhiteSpace (tab, VT, FF, space, NBSP, BOM, Unicode Zs) and line terminators.
 */
function isSpaceCode(c: number): boolean {
  if (c < 0x80) return c === 32 || (c >= 9 && c <= 13);
  return (
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}
