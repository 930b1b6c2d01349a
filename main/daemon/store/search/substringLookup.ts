// A `*substring` term as words of the word index, looked up in the substring
// vocabulary (search/vocabulary.ts): "*ebas" becomes ("rebase" OR "Rebased"
// OR …), an FTS5 query the word index answers newest first, and each hit is
// still checked for the substring itself (messageSearch.ts).
//
// Each piece of the substring (substringPieces) is looked up by where it must
// sit in a word: the whole word and a word's start by the folded-word index,
// a word's end or anywhere inside by the trigram index over the words (three
// characters or more). A piece that fits too many words, or is too short to
// look up, does not narrow the search; when no piece does, the caller walks
// the messages themselves.
import type { Statement } from 'better-sqlite3';
import type { Db } from '../database.js';
import { ftsString, indexTokens, PREFIX_INDEX_MAX } from './queryParser.js';
import { toQueryText } from './indexText.js';
import { pieceFits, substringPieces, type SubstringPiece } from './vocabulary.js';
import { vocabularyVersion } from './vocabularyIndexer.js';

/**
 * At most this many words per piece are OR-ed into the FTS5 query (each is a
 * doclist FTS5 merges); a piece fitting more narrows too little to pay.
 */
export const MAX_WORDS_PER_PIECE = 200;
/** Trigram candidates read per piece before it counts as not narrowing. */
const MAX_TRIGRAM_CANDIDATES = 5_000;
const MIN_TRIGRAM_PIECE = 3;
const ASCII_WORD = /^[\x21-\x7e]+$/u;

export type SubstringLookup =
  /** An FTS5 expression every message holding the substring matches. */
  | { kind: 'words'; match: string }
  /** No word of the vocabulary fits: no indexed message holds it. */
  | { kind: 'nothing' }
  /** Nothing narrows it: every message is a candidate. */
  | { kind: 'anything' };

interface VocabularyRow {
  word: string;
  folded: string;
}

/**
 * `folded`: the substring as fold() leaves it. Answers are remembered until
 * the vocabulary changes (vocabularyVersion; a search paged or typed again asks at once;
 * the prefix checks below cost up to ~1 ms for a substring in many words).
 */
export function substringLookup(db: Db, folded: string): SubstringLookup {
  const version = vocabularyVersion(db);
  let known = answers.get(db);
  if (!known || known.version !== version || known.byText.size >= ANSWERS_MAX)
    answers.set(db, (known = { version, byText: new Map() }));
  let answer = known.byText.get(folded);
  if (!answer) known.byText.set(folded, (answer = lookUp(db, folded)));
  return answer;
}

const ANSWERS_MAX = 200;
const answers = new WeakMap<Db, { version: string; byText: Map<string, SubstringLookup> }>();

function lookUp(db: Db, folded: string): SubstringLookup {
  const groups: string[] = [];
  for (const piece of substringPieces(folded)) {
    const words = wordsFitting(db, piece);
    if (words === null) continue;
    if (words.length === 0) return { kind: 'nothing' };
    // Keyed by the word's tokens: "‘submodule" and "submodule’" are the
    // word index's "submodule", one doclist to read, not three.
    const phrases = new Map<string, string>();
    let expressible = true;
    for (const w of words) {
      // Plain ASCII words differing only in case are one word to the word
      // index (PostgreSQL, postgresql): one phrase. Others are kept as
      // written: FTS5's folding of them is its own.
      const written = ASCII_WORD.test(w.word) ? w.word.toLowerCase() : w.word;
      const tokens = indexTokens(written);
      if (tokens.length === 0) {
        // A word of no letters or digits is not in the word index: this
        // piece cannot narrow without losing its messages.
        expressible = false;
        break;
      }
      phrases.set(tokens.join(' '), wordPhrase(written)!);
    }
    // A prefix standing for one phrase saves nothing: only families are checked.
    const family = new Map<string, number>();
    for (const key of phrases.keys()) {
      const prefix = prefixOf(key);
      if (prefix !== null) family.set(prefix, (family.get(prefix) ?? 0) + 1);
    }
    const prefixes = new Set(
      [...family].filter(([p, n]) => n > 1 && purePrefix(db, p, piece)).map(([p]) => p),
    );
    if (expressible) {
      const covered = (key: string) => prefixes.has(prefixOf(key) ?? '');
      const terms = [
        ...[...prefixes].map((p) => `${ftsString(p)} *`),
        ...[...phrases].filter(([key]) => !covered(key)).map(([, phrase]) => phrase),
      ];
      groups.push(`(${terms.join(' OR ')})`);
    }
  }
  return groups.length === 0
    ? { kind: 'anything' }
    : { kind: 'words', match: groups.join(' AND ') };
}

/**
 * The prefix index's longest prefix of a phrase's first token, when that is
 * plain ASCII letters and digits (a longer token folds to itself).
 */
function prefixOf(key: string): string | null {
  const first = key.split(' ', 1)[0]!;
  // Lower case: the vocabulary's range below is over folded words.
  return first.length >= PREFIX_INDEX_MAX && ASCII_WORD.test(first)
    ? first.slice(0, PREFIX_INDEX_MAX).toLowerCase()
    : null;
}

/**
 * Whether a family of words under one prefix may be read as that prefix:
 * "submod" for "submodule", "submodules", "submodulesummary"… and "*odul".
 * One prefix doclist stands for a dozen words, where FTS5 sets up an
 * iterator per word OR-ed (46 words for "*odul": 2.1 ms for 51 ids). Every
 * vocabulary word under the prefix must fit the piece, but for a few others
 * in few messages (fewCandidatesWasted); a prefix holding common other
 * words ("recurs" for "recursesubmodules") would bring their messages as
 * candidates. Whatever a prefix brings is still checked by the caller's
 * text check, so this decides cost, never results.
 */
function purePrefix(db: Db, prefix: string, piece: SubstringPiece): boolean {
  const under = statementsFor(db).range.all(
    prefix,
    prefix + String.fromCodePoint(0x10ffff),
    PREFIX_WORDS_MAX + 1,
  ) as VocabularyRow[];
  const others = under.filter((r) => !pieceFits(r.folded, piece));
  return (
    under.length <= PREFIX_WORDS_MAX &&
    others.length <= OTHER_WORDS_MAX &&
    (others.length === 0 ||
      fewCandidatesWasted(
        db,
        prefix,
        others.reduce((n, r) => n + messagesHolding(db, r.word), 0),
      ))
  );
}

/** A prefix over more vocabulary words than this is not checked for purity. */
const PREFIX_WORDS_MAX = 100;
/**
 * A prefix may hold a few other words (typos: "submodles", "submod"), if
 * they are in few messages (fewCandidatesWasted): each is a candidate read
 * and checked away.
 */
const OTHER_WORDS_MAX = 8;
const OTHER_MESSAGES_MAX = 50;

/**
 * Whether the other words' messages are few: OTHER_MESSAGES_MAX at most, or
 * 1 in OTHER_SHARE_MAX of the prefix's ("submod": 96 messages of typos
 * against 26k of submodule…).
 */
function fewCandidatesWasted(db: Db, prefix: string, inOthers: number): boolean {
  if (inOthers <= OTHER_MESSAGES_MAX) return true;
  // Beyond this, counting the prefix's messages costs more than it can save.
  if (inOthers > OTHER_COUNT_MAX) return false;
  const atLeast = inOthers * OTHER_SHARE_MAX;
  const underPrefix = statementsFor(db).count.get(
    `{body subject} : ${ftsString(prefix)} *`,
    atLeast,
  ) as number;
  return underPrefix >= atLeast;
}
const OTHER_SHARE_MAX = 50;

/** How many messages hold a vocabulary word's tokens (up to OTHER_COUNT_MAX). */
function messagesHolding(db: Db, word: string): number {
  const phrase = wordPhrase(word);
  if (phrase === null) return 0;
  return statementsFor(db).count.get(`{body subject} : ${phrase}`, OTHER_COUNT_MAX + 1) as number;
}
const OTHER_COUNT_MAX = 200;

/** The words fitting a piece; null when there are too many to narrow by, or no cheap way to list them. */
function wordsFitting(db: Db, piece: SubstringPiece): VocabularyRow[] | null {
  const s = statementsFor(db);
  let rows: VocabularyRow[];
  if (piece.anchor === 'equals') {
    rows = s.equal.all(piece.text, MAX_WORDS_PER_PIECE + 1) as VocabularyRow[];
  } else if (piece.anchor === 'startsWith') {
    // Every folded word starting with the piece sorts in [piece, piece + U+10FFFF).
    const upper = piece.text + String.fromCodePoint(0x10ffff);
    rows = s.range.all(piece.text, upper, MAX_WORDS_PER_PIECE + 1) as VocabularyRow[];
  } else {
    const trigrams = coveringTrigrams(piece.text);
    if (trigrams.length === 0) return null;
    const candidates = s.trigram.all(
      trigrams.map(ftsString).join(' AND '),
      MAX_TRIGRAM_CANDIDATES + 1,
    ) as VocabularyRow[];
    if (candidates.length > MAX_TRIGRAM_CANDIDATES) return null;
    rows = candidates.filter((r) => pieceFits(r.folded, piece));
  }
  return rows.length > MAX_WORDS_PER_PIECE ? null : rows;
}

/**
 * A vocabulary word as an exact FTS5 phrase, tokenized by FTS5 as the
 * indexed text was (CJK runs as the word index holds them); null when it has
 * nothing the word index holds.
 */
function wordPhrase(word: string): string | null {
  if (indexTokens(word).length === 0) return null;
  return ftsString(toQueryText(word).trim());
}

/**
 * Trigrams covering a folded piece (every third, and the last), as the
 * trigram index over folded words holds them; none below three characters.
 * Not NFC-normalized: the words are stored folded, and folding decomposes
 * (a Hangul syllable into its jamo).
 */
export function coveringTrigrams(text: string): string[] {
  const chars = Array.from(text);
  if (chars.length < MIN_TRIGRAM_PIECE) return [];
  const out = new Set<string>();
  for (let k = 0; k + 3 <= chars.length; k += 3) out.add(chars.slice(k, k + 3).join(''));
  out.add(chars.slice(chars.length - 3).join(''));
  return [...out];
}

interface Statements {
  count: Statement;
  equal: Statement;
  range: Statement;
  trigram: Statement;
}

const statements = new WeakMap<Db, Statements>();

function statementsFor(db: Db): Statements {
  let s = statements.get(db);
  if (!s) {
    s = {
      count: db
        .prepare(
          `SELECT count(*) FROM (SELECT rowid FROM messages_fts WHERE messages_fts MATCH ? LIMIT ?)`,
        )
        .pluck(),
      equal: db.prepare(`SELECT word, folded FROM vocabulary WHERE folded = ? LIMIT ?`),
      range: db.prepare(
        `SELECT word, folded FROM vocabulary WHERE folded >= ? AND folded < ? LIMIT ?`,
      ),
      trigram: db.prepare(
        `SELECT v.word, v.folded FROM vocabulary_trigrams t JOIN vocabulary v ON v.id = t.rowid
         WHERE vocabulary_trigrams MATCH ? LIMIT ?`,
      ),
    };
    statements.set(db, s);
  }
  return s;
}
