// Text preparation shared by indexing and querying, so both sides agree.
//
// unicode61 folds case and diacritics but has no word segmenter for scripts
// written without spaces: a CJK sentence would become one giant token. We index
// every CJK run as overlapping bigrams (the approach of Lucene's CJK analyzer),
// which finds any word of two or more characters inside a sentence.

const CJK_RUN =
  /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\u3005\u30fc]+/gu;

export function hasCjk(text: string): boolean {
  CJK_RUN.lastIndex = 0;
  return CJK_RUN.test(text);
}

/** The run as overlapping bigrams: 北京大学 → "北京 京大 大学"; a single char stays itself. */
export function cjkBigrams(run: string): string[] {
  const chars = Array.from(run);
  if (chars.length < 2) return chars;
  const out: string[] = [];
  for (let i = 0; i + 1 < chars.length; i++) out.push(chars[i]! + chars[i + 1]!);
  return out;
}

/**
 * The run as the word index holds it: its bigrams, then its last character
 * alone (北京大学 → "北京 京大 大学 学"). A one-character query is a prefix
 * query (夜 *), which finds the bigrams a character starts; the last character
 * of a run starts none, so without its unigram it would not be found there.
 */
export function cjkIndexTokens(run: string): string[] {
  const chars = Array.from(run);
  if (chars.length < 2) return chars;
  return [...cjkBigrams(run), chars[chars.length - 1]!];
}

/** Text as handed to the word index. Latin text passes through untouched. */
export function toIndexText(text: string): string {
  if (!hasCjk(text)) return text;
  CJK_RUN.lastIndex = 0;
  return text.replace(CJK_RUN, (run) => ` ${cjkIndexTokens(run).join(' ')} `);
}

/**
 * Query text in the index's tokens, for phrases. A CJK run followed by more
 * words of the phrase ends there in any matching text too, so it carries the
 * trailing unigram the index holds; a run at the end of the phrase may go on
 * in the text, so it is bigrams only.
 */
export function toQueryText(text: string): string {
  if (!hasCjk(text)) return text;
  CJK_RUN.lastIndex = 0;
  return text.replace(CJK_RUN, (run: string, offset: number) => {
    const more = WORD_CHAR.test(text.slice(offset + run.length));
    return ` ${(more ? cjkIndexTokens(run) : cjkBigrams(run)).join(' ')} `;
  });
}

const WORD_CHAR = /[\p{L}\p{N}\p{M}\p{Co}]/u;

/**
 * Case- and diacritic-folded copy of `text`, with a map from each folded
 * UTF-16 index back to the original index, so matches found in folded text
 * can be highlighted in the original. `origin` is null while every character
 * folds to as many code units as it had (é → e, ’ → ’): then each folded
 * index is its original one. Most texts are so, and the map (a number per
 * character) was most of what a search allocated for its snippets.
 */
export function foldWithMap(text: string): { folded: string; origin: number[] | null } {
  let folded = '';
  let origin: number[] | null = null;
  for (let i = 0; i < text.length;) {
    // ASCII runs (most of any text) fold by lowercasing, positions unchanged.
    if (text.charCodeAt(i) < 0x80) {
      let end = i + 1;
      while (end < text.length && text.charCodeAt(end) < 0x80) end++;
      folded += text.slice(i, end).toLowerCase();
      if (origin) for (let k = i; k < end; k++) origin.push(k);
      i = end;
      continue;
    }
    // Any other character alone, as fold() would fold it in place.
    const cp = text.codePointAt(i)!;
    const units = cp > 0xffff ? 2 : 1;
    const f = foldCodePoint(cp);
    if (!origin && f.length !== units) {
      // The first length change: the identity so far becomes explicit.
      origin = Array.from({ length: folded.length }, (_, k) => k);
    }
    if (origin) for (let k = 0; k < f.length; k++) origin.push(i);
    folded += f;
    i += units;
  }
  origin?.push(text.length);
  return { folded, origin };
}

/** Characters folded so far: a text repeats its few non-ASCII characters (snippets fold 50 texts per search). */
const foldedCodePoints = new Map<number, string>();
const FOLDED_CODE_POINTS_MAX = 8192;

function foldCodePoint(cp: number): string {
  let f = foldedCodePoints.get(cp);
  if (f === undefined) {
    f = fold(String.fromCodePoint(cp));
    if (foldedCodePoints.size >= FOLDED_CODE_POINTS_MAX) foldedCodePoints.clear();
    foldedCodePoints.set(cp, f);
  }
  return f;
}

// eslint-disable-next-line no-control-regex
const ASCII_ONLY = /^[\x00-\x7f]*$/;

export function fold(text: string): string {
  // ASCII has no decompositions or combining marks: folding is lowercasing,
  // several times faster than normalize() (snippets fold every hit's text).
  if (ASCII_ONLY.test(text)) return text.toLowerCase();
  // toLowerCase writes a capital sigma at a word's end as final ς, looking
  // past some punctuation ("ΟΔΟΣ:Χ" keeps σ), so a word folded alone and
  // inside a text could differ; ς and σ fold alike.
  return text
    .normalize('NFD')
    .replace(/\p{Mn}+/gu, '')
    .toLowerCase()
    .replace(/ς/gu, 'σ');
}
