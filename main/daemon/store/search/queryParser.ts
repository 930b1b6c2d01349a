// Turns what the user typed into a typed query, and text terms into FTS5
// expressions that cannot be syntax errors.
//
// Syntax (terms are ANDed; everything is case- and diacritic-insensitive):
//   hel            word prefix: finds "hello", "Hélène" (a 1-character word is matched whole)
//   "big cat"      phrase: these words, adjacent, in this order (no prefix)
//   *gres          substring anywhere (the vocabulary of words): finds "PostgreSQL"; ≥ 3 characters
//   *"o wor"       substring containing spaces
//   -word -"a b" -*sub   exclude messages containing it (text terms only)
//   北京            CJK text: found inside a sentence (indexed as overlapping bigrams)
//   from:ann  from:"Ann Lee"   sender: its name has these words (last one as a prefix),
//                              or a known person's remote id starts with the value
//   in:general     chats whose name contains the value
//   account:work   accounts whose label or username contains the value, or whose id is it
//   after:2024-05-01   on or after that day 00:00 UTC
//   before:2024-05-01  before that day 00:00 UTC (that day itself excluded)
//   has:attachment  is:unread
// An unknown `word:` prefix (e.g. "http://x", "re:") is plain text. A known
// operator with a bad value, a substring shorter than 3 characters, or a term
// with nothing searchable in it is dropped and reported in `warnings`.
import { fold, toQueryText } from './indexText.js';

export type TextTerm =
  /** A word matched as a prefix at word starts; may hold several tokens ("e-mail"). */
  | { kind: 'word'; text: string; negated: boolean }
  /** Exact adjacent words. */
  | { kind: 'phrase'; text: string; negated: boolean }
  /** Anywhere in the text, ≥ 3 characters. */
  | { kind: 'substring'; text: string; negated: boolean };

export type QueryFilter =
  | { kind: 'from'; value: string }
  | { kind: 'in'; value: string }
  | { kind: 'account'; value: string }
  /** ts >= this instant (ms, UTC midnight of the day given). */
  | { kind: 'after'; date: string; ts: number }
  /** ts < this instant (ms, UTC midnight of the day given). */
  | { kind: 'before'; date: string; ts: number }
  | { kind: 'has'; value: 'attachment' }
  | { kind: 'is'; value: 'unread' };

export type QueryWarningCode =
  | 'substring_too_short'
  | 'invalid_date'
  | 'unknown_value'
  | 'empty_value'
  | 'negated_operator'
  | 'nothing_searchable';

export interface QueryWarning {
  code: QueryWarningCode;
  /** The piece of the query the warning is about, as typed. */
  token: string;
  message: string;
}

export interface ParsedQuery {
  terms: TextTerm[];
  filters: QueryFilter[];
  warnings: QueryWarning[];
}

export const MIN_SUBSTRING_CHARS = 3;

const OPERATORS = new Set(['from', 'in', 'account', 'before', 'after', 'has', 'is']);
const HAS_VALUES = new Set(['attachment', 'attachments', 'file', 'files']);
const WS = /\s/u;

export function parseQuery(input: string): ParsedQuery {
  const out: ParsedQuery = { terms: [], filters: [], warnings: [] };
  const s = input ?? '';
  let i = 0;
  const n = s.length;

  /** Reads a "quoted" run starting at the quote; an unclosed quote runs to the end. */
  const readQuoted = (at: number): { text: string; end: number } => {
    const close = s.indexOf('"', at + 1);
    if (close === -1) return { text: s.slice(at + 1), end: n };
    return { text: s.slice(at + 1, close), end: close + 1 };
  };
  const readWord = (at: number): { text: string; end: number } => {
    let j = at;
    while (j < n && !WS.test(s[j]!)) j++;
    return { text: s.slice(at, j), end: j };
  };

  while (i < n) {
    if (WS.test(s[i]!)) {
      i++;
      continue;
    }
    const start = i;
    let negated = false;
    if (s[i] === '-' && i + 1 < n && !WS.test(s[i + 1]!)) {
      negated = true;
      i++;
    }

    if (s[i] === '"') {
      const q = readQuoted(i);
      i = q.end;
      addTerm(out, { kind: 'phrase', text: q.text, negated }, s.slice(start, i));
      continue;
    }

    if (s[i] === '*') {
      while (i < n && s[i] === '*') i++;
      let text: string;
      if (s[i] === '"') {
        const q = readQuoted(i);
        text = q.text;
        i = q.end;
      } else {
        const w = readWord(i);
        text = w.text;
        i = w.end;
      }
      addTerm(out, { kind: 'substring', text, negated }, s.slice(start, i));
      continue;
    }

    // A word, or operator:value (the value may be quoted: from:"Ann Lee").
    const colon = operatorColon(s, i);
    if (colon !== -1) {
      const op = s.slice(i, colon).toLowerCase();
      let value: string;
      if (s[colon + 1] === '"') {
        const q = readQuoted(colon + 1);
        value = q.text;
        i = q.end;
      } else {
        const w = readWord(colon + 1);
        value = w.text;
        i = w.end;
      }
      const token = s.slice(start, i);
      if (negated) {
        warn(out, 'negated_operator', token, `"-${op}:" is not supported; the term was ignored`);
        continue;
      }
      addFilter(out, op, value.trim(), token);
      continue;
    }

    const w = readWord(i);
    i = w.end;
    // A trailing * is what people type for "prefix"; words are prefixes anyway.
    const text = w.text.replace(/\*+$/u, '');
    addTerm(out, { kind: 'word', text, negated }, s.slice(start, i));
  }
  return out;
}

/** Index of the ':' of a known operator starting at `at`, or -1. */
function operatorColon(s: string, at: number): number {
  const m = /^([A-Za-z]+):/u.exec(s.slice(at, at + 9));
  if (!m || !OPERATORS.has(m[1]!.toLowerCase())) return -1;
  return at + m[1]!.length;
}

function warn(out: ParsedQuery, code: QueryWarningCode, token: string, message: string): void {
  out.warnings.push({ code, token, message });
}

function addTerm(out: ParsedQuery, term: TextTerm, token: string): void {
  if (term.kind === 'substring') {
    const text = term.text.normalize('NFC');
    if (Array.from(text).length < MIN_SUBSTRING_CHARS) {
      warn(
        out,
        'substring_too_short',
        token,
        `Substring search needs at least ${MIN_SUBSTRING_CHARS} characters; "${token}" was ignored`,
      );
      return;
    }
    out.terms.push({ ...term, text });
    return;
  }
  if (indexTokens(term.text).length === 0) {
    if (term.text.trim() !== '')
      warn(out, 'nothing_searchable', token, `"${token}" has no letters or digits; it was ignored`);
    return;
  }
  out.terms.push(term);
}

function addFilter(out: ParsedQuery, op: string, value: string, token: string): void {
  if (value === '') {
    warn(out, 'empty_value', token, `"${op}:" needs a value; it was ignored`);
    return;
  }
  switch (op) {
    case 'from':
    case 'in':
    case 'account':
      out.filters.push({ kind: op, value });
      return;
    case 'before':
    case 'after': {
      const ts = parseUtcDate(value);
      if (ts === null) {
        warn(
          out,
          'invalid_date',
          token,
          `"${token}": dates are written YYYY-MM-DD; it was ignored`,
        );
        return;
      }
      out.filters.push({ kind: op, date: value, ts });
      return;
    }
    case 'has':
      if (HAS_VALUES.has(value.toLowerCase()))
        out.filters.push({ kind: 'has', value: 'attachment' });
      else warn(out, 'unknown_value', token, `"${token}": only has:attachment is known; ignored`);
      return;
    case 'is':
      if (value.toLowerCase() === 'unread') out.filters.push({ kind: 'is', value: 'unread' });
      else warn(out, 'unknown_value', token, `"${token}": only is:unread is known; ignored`);
      return;
  }
}

/** Midnight UTC of YYYY-MM-DD in ms, or null when it is not a real date. */
export function parseUtcDate(value: string): number | null {
  const m = /^(\d{4})-(\d{1,2})-(\d{1,2})$/u.exec(value);
  if (!m) return null;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  const ts = Date.UTC(y, mo - 1, d);
  const back = new Date(ts);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d)
    return null;
  return ts;
}

// ---- Compiling text to FTS5 expressions. ----

// unicode61 separates tokens at spaces and punctuation; letters, digits,
// private-use characters and (removed) diacritic marks are token characters.
const TOKEN_RUN = /[\p{L}\p{N}\p{M}\p{Co}]+/gu;
const CJK_CHAR =
  /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\u3005\u30fc]/u;

/** The tokens a phrase of this text is made of (CJK runs as bigrams; see toQueryText). */
export function indexTokens(text: string): string[] {
  return toQueryText(text).match(TOKEN_RUN) ?? [];
}

/** An FTS5 string literal: the one construct in which user input is never syntax. */
export function ftsString(text: string): string {
  return `"${text.replace(/"/g, '""')}"`;
}

/**
 * The FTS5 phrase for a word or phrase term, or null when nothing in it is
 * searchable. Word terms are prefix phrases ("e mai" *); a last token of one
 * Latin character is matched whole (a 1-character prefix has no prefix index
 * and would merge half the vocabulary). A lone CJK character is a prefix so
 * that it finds the bigrams it starts.
 */
export function ftsPhrase(text: string, prefix: boolean): string | null {
  const tokens = indexTokens(text);
  if (tokens.length === 0) return null;
  const last = tokens[tokens.length - 1]!;
  // Counted unfolded for CJK: folding decomposes a Hangul syllable into jamo.
  const star =
    prefix &&
    (CJK_CHAR.test(last) ? Array.from(last).length === 1 : Array.from(fold(last)).length >= 2);
  return ftsString(tokens.join(' ')) + (star ? ' *' : '');
}

/**
 * The longest prefix the word index has a prefix index for (migration 005:
 * prefix = '2 3 4 5 6'). A longer prefix query makes FTS5 merge the whole
 * doclist of every term it matches before returning one row ("submodule" *:
 * 2.3 ms at 1M messages, "submod" *: 0.1 ms).
 */
export const PREFIX_INDEX_MAX = 6;

/**
 * A word term's phrase with its last token cut to PREFIX_INDEX_MAX
 * characters, or null when cutting does not apply (not a word term, or a last
 * token that is short or not plain ASCII letters and digits — folding could
 * change its length). Its matches are a superset of the term's: the caller
 * verifies each (snippet.ts containsTerm).
 */
export function shortPrefixPhrase(term: TextTerm): string | null {
  if (term.kind !== 'word') return null;
  const tokens = indexTokens(term.text);
  const last = tokens[tokens.length - 1];
  if (last === undefined || last.length <= PREFIX_INDEX_MAX || !/^[A-Za-z0-9]+$/.test(last))
    return null;
  const cut = [...tokens.slice(0, -1), last.slice(0, PREFIX_INDEX_MAX).toLowerCase()];
  return ftsString(cut.join(' ')) + ' *';
}
