// A long word term as the word index's own tokens: "headers" becomes
// ("headers" OR "headersize"), looked up in the substring vocabulary.
//
// Why: the word index has prefix indexes up to PREFIX_INDEX_MAX characters. A
// longer prefix query makes FTS5 merge every matching term's whole doclist
// before the first row (0.55 ms for "headers" * at 1M messages), and the
// shortened prefix ("header" *) reads and checks every candidate it finds:
// for "headers", three rows read per hit, then the merge anyway (2.6 ms a
// page). The word's few tokens OR-ed are walked newest-first with neither
// (0.12 ms for 51 ids). Even where the short prefix is nearly all the word
// ("palims" for "palimpsest", "packfi" for "packfile"), checking each
// candidate's text mostly costs more than OR-ing a few tokens: of 48 searches
// measured at 100k and 1M messages (plain and second pages, before:, in:,
// is:unread, has:attachment), 44 were faster by the tokens (0.69–0.97×), two
// second pages slower (1.02×, 1.11× for "packfile"). A probe that chose the
// short prefix where it was mostly the word made a search's plan, and its
// cost, change with the history's size: backfilled history grew 1.8× from
// 100k to 3M by it (performance.md, session 15).
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
import { vocabularyVersion } from './vocabularyIndexer.js';

/**
 * More tokens than this: the shortened prefix, one doclist with its
 * candidates checked. Each token OR-ed is an iterator of its own over its
 * doclist, so the OR is kept small (set in session 11; words with more forms,
 * "repository" or "archive" at 1M, were not measured again).
 */
export const LONG_WORD_TOKENS_MAX = 4;

const ASCII_START = /^[a-z0-9]/u;
const MARK = /\p{M}/u;
const NOT_LETTER_DIGIT = /[^\p{L}\p{N}\p{Co}]+/u;
/** Past every folded word starting with a prefix, in the index's order. */
const AFTER_PREFIX = String.fromCodePoint(0x10ffff);

interface Statements {
  starting: Statement;
  newWords: Statement;
  backlog: Statement;
}

interface KnownVocabulary {
  /** vocabularyVersion when last read. */
  version: string;
  /** The newest vocabulary word read. */
  readUpTo: number;
  /** Folded tokens that are not the first token of their vocabulary word, sorted. */
  inner: string[];
  /** tokensStartingWith's answers since the last new word. */
  answers: Map<string, string | null>;
}
const ANSWERS_MAX = 500;

const statements = new WeakMap<Db, Statements>();
const vocabularies = new WeakMap<Db, KnownVocabulary>();

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
  const known = vocabularyOf(db, s);
  let answer = known.answers.get(token);
  if (answer === undefined) {
    if (known.answers.size >= ANSWERS_MAX) known.answers.clear();
    known.answers.set(token, (answer = lookUp(s, known.inner, token)));
  }
  return answer;
}

function lookUp(s: Statements, inner: string[], token: string): string | null {
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
  for (let i = lowerBound(inner, token); i < inner.length && inner[i]!.startsWith(token); i++) {
    found.add(inner[i]!);
    if (found.size > LONG_WORD_TOKENS_MAX) return null;
  }
  return found.size === 0 ? '' : `(${[...found].map(ftsString).join(' OR ')})`;
}

/**
 * What is known of the vocabulary, brought up to date with the words added
 * since the last call (answers given before a new word are forgotten).
 */
function vocabularyOf(db: Db, s: Statements): KnownVocabulary {
  const version = vocabularyVersion(db);
  let known = vocabularies.get(db);
  if (known?.version === version) return known;
  // Only words added since (the same epoch: no clear, no other writer): read those.
  const epoch = version.slice(0, version.lastIndexOf(':'));
  if (!known || !known.version.startsWith(`${epoch}:`))
    vocabularies.set(db, (known = { version, readUpTo: 0, inner: [], answers: new Map() }));
  const added: string[] = [];
  for (const [, word] of s.newWords.iterate(known.readUpTo) as Iterable<[number, string]>) {
    indexTokens(word).forEach((t, i) => {
      const folded = fold(t);
      // The caller's tokens are ASCII letters and digits: no other start can match.
      if ((i > 0 || !word.startsWith(t)) && ASCII_START.test(folded)) added.push(folded);
    });
    // The word index also splits at marks other than the accents it folds
    // away ("काheaders" is "क" and "headers" to it, one token to indexTokens):
    // the pieces between marks are tokens too. One that is not costs an OR
    // term that finds only what the word's prefix would.
    if (MARK.test(word))
      for (const piece of word.split(NOT_LETTER_DIGIT)) {
        const folded = fold(piece);
        if (ASCII_START.test(folded)) added.push(folded);
      }
  }
  // The version ends in the newest word's id (a word added since is read again next time).
  known.readUpTo = Number(version.slice(version.lastIndexOf(':') + 1));
  known.version = version;
  known.answers.clear();
  if (added.length) known.inner = [...new Set([...known.inner, ...added])].sort();
  return known;
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
