// A long word term as the word index's own tokens: "headers" becomes
// ("headers" OR "headersize"), looked up in the substring vocabulary.
//
// Why: the word index has prefix indexes up to PREFIX_INDEX_MAX characters. A
// longer prefix query makes FTS5 merge every matching term's whole doclist
// before the first row (0.55 ms for "headers" * at 1M messages), and the
// shortened prefix ("header" *) reads and checks every message holding
// another word of that prefix: for "headers", three rows read per hit, then
// the merge anyway (2.6 ms a page). The word's few tokens OR-ed are walked
// newest-first without either (0.12 ms for 51 ids). Where the word has many
// tokens ("submodule": 11), the short prefix is nearly all the word anyway
// and one prefix doclist is cheaper than many: the caller keeps it.
//
// Exactness: a word term matches every token that starts with it. The
// vocabulary splits text only where the word index's tokenizer splits too
// (vocabulary.ts), so each token of the word index lies inside one
// vocabulary word: the first token of a word that starts with the term, or
// a later token of a word holding a character outside ASCII (an ASCII word
// is letters and digits only, one token). Those later tokens are kept in
// memory per database, read once and then as new words arrive. Until the
// vocabulary has caught up with every message, a token may be missing from
// it: then this answers null and the caller searches as before.
import type { Statement } from 'better-sqlite3';
import type { Db } from '../database.js';
import { fold } from './indexText.js';
import { ftsString, indexTokens } from './queryParser.js';

/** More tokens than this: the shortened prefix is the better plan (see above). */
export const LONG_WORD_TOKENS_MAX = 4;

const ASCII_START = /^[a-z0-9]/u;
/** Past every folded word starting with a prefix, in the index's order. */
const AFTER_PREFIX = String.fromCodePoint(0x10ffff);

interface Statements {
  starting: Statement;
  newWords: Statement;
  backlog: Statement;
  lastWord: Statement;
}

/** Folded tokens that are not the first token of their vocabulary word, sorted. */
interface InnerTokens {
  readUpTo: number;
  sorted: string[];
}

const statements = new WeakMap<Db, Statements>();
const innerTokens = new WeakMap<Db, InnerTokens>();

function statementsFor(db: Db): Statements {
  let s = statements.get(db);
  if (!s) {
    s = {
      starting: db
        .prepare(`SELECT word FROM vocabulary WHERE folded >= ? AND folded < ? LIMIT ?`)
        .pluck(),
      // Only words outside ASCII can hold a later token (see above).
      newWords: db
        .prepare(
          `SELECT id, word FROM vocabulary WHERE id > ? AND word GLOB '*[^' || char(1) || '-' || char(127) || ']*' ORDER BY id`,
        )
        .raw(),
      lastWord: db.prepare(`SELECT max(id) FROM vocabulary`).pluck(),
      backlog: db.prepare(`SELECT EXISTS (SELECT 1 FROM substring_backlog)`).pluck(),
    };
    statements.set(db, s);
  }
  return s;
}

/**
 * The FTS5 expression for the word index's tokens starting with `token` (a
 * lower-case ASCII token longer than the prefix indexes): '' when there are
 * none (no message holds the word), null when the vocabulary cannot tell
 * exactly or there are more than LONG_WORD_TOKENS_MAX.
 */
export function tokensStartingWith(db: Db, token: string): string | null {
  const s = statementsFor(db);
  if (s.backlog.get() === 1) return null;
  const found = new Set<string>();
  // Words differing in case or accents fold alike; a few more than the cap tell it is over.
  const words = s.starting.all(token, token + AFTER_PREFIX, 4 * LONG_WORD_TOKENS_MAX) as string[];
  for (const word of words) {
    const first = indexTokens(word)[0];
    if (first !== undefined && word.startsWith(first) && fold(first).startsWith(token))
      found.add(fold(first));
    if (found.size > LONG_WORD_TOKENS_MAX) return null;
  }
  if (words.length === 4 * LONG_WORD_TOKENS_MAX) return null;
  const inner = innerTokensOf(db, s);
  for (let i = lowerBound(inner, token); i < inner.length && inner[i]!.startsWith(token); i++) {
    found.add(inner[i]!);
    if (found.size > LONG_WORD_TOKENS_MAX) return null;
  }
  return found.size === 0 ? '' : `(${[...found].map(ftsString).join(' OR ')})`;
}

/** The inner tokens, brought up to date with words added since the last call. */
function innerTokensOf(db: Db, s: Statements): string[] {
  let known = innerTokens.get(db);
  if (!known) innerTokens.set(db, (known = { readUpTo: 0, sorted: [] }));
  const last = (s.lastWord.get() as number | null) ?? 0;
  if (last === known.readUpTo) return known.sorted;
  const added: string[] = [];
  for (const [, word] of s.newWords.iterate(known.readUpTo) as Iterable<[number, string]>) {
    indexTokens(word).forEach((t, i) => {
      const folded = fold(t);
      // The caller's tokens are ASCII letters and digits: no other start can match.
      if ((i > 0 || !word.startsWith(t)) && ASCII_START.test(folded)) added.push(folded);
    });
  }
  known.readUpTo = last;
  if (added.length) known.sorted = [...new Set([...known.sorted, ...added])].sort();
  return known.sorted;
}

function lowerBound(sorted: string[], key: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
