// The substring index: the vocabulary of every message's words, not the
// messages themselves (migration 014). A `*substring` query finds the words
// that contain it here, then the messages through the word index, and checks
// each hit's text.
//
// Why: a trigram index over the messages (before 014) cost half the raw ingest
// loop again (issue #14: ingest with everything searchable 0.76× the raw
// loop), because every message adds all its trigrams. Most of a message's
// words are already in the vocabulary, so here a message costs splitting its
// text and a lookup per new word; the trigram index is over distinct words.
//
// Words here are split at whitespace, ASCII punctuation and symbols and
// control characters only. Every one of those is a separator for the word
// index's tokenizer too (unicode61: letters, digits and private-use
// characters are token characters), so a word here is one or more whole
// tokens of the word index: queried as an FTS5 phrase (which FTS5 tokenizes
// and folds exactly as it indexed the text), it finds every message holding
// it. Words are stored as written and matched by their folded form.

/** Separators of the substring vocabulary (see above). */
// eslint-disable-next-line no-control-regex
const SEPARATORS = /[\s\x00-\x2f\x3a-\x40\x5b-\x60\x7b-\x7f]+/u;

/** The text's words as the vocabulary keeps them, in order, with repeats. */
export function vocabularyWords(text: string): string[] {
  return text.split(SEPARATORS).filter((w) => w !== '');
}

/**
 * Where a piece of a substring must sit in a word of the text: the whole
 * word, its start, its end, or anywhere.
 */
export type PieceAnchor = 'equals' | 'startsWith' | 'endsWith' | 'contains';

export interface SubstringPiece {
  /** Folded, without separators. */
  text: string;
  anchor: PieceAnchor;
}

/**
 * A folded substring as pieces of words: "o wor" is the end of one word and
 * the start of the next; " wor" a word's start; "wor" anywhere in a word. A
 * text holding the substring holds, for each piece, a vocabulary word that
 * the piece equals, starts, ends or is inside.
 */
export function substringPieces(folded: string): SubstringPiece[] {
  const parts = folded.split(SEPARATORS);
  const leadingSeparator = parts[0] === '';
  const trailingSeparator = parts.length > 1 && parts[parts.length - 1] === '';
  const words = parts.filter((p) => p !== '');
  return words.map((text, i) => {
    const startAnchored = i > 0 || leadingSeparator;
    const endAnchored = i < words.length - 1 || trailingSeparator;
    const anchor: PieceAnchor = startAnchored
      ? endAnchored
        ? 'equals'
        : 'startsWith'
      : endAnchored
        ? 'endsWith'
        : 'contains';
    return { text, anchor };
  });
}

/** Whether a folded vocabulary word fits a piece. */
export function pieceFits(folded: string, piece: SubstringPiece): boolean {
  switch (piece.anchor) {
    case 'equals':
      return folded === piece.text;
    case 'startsWith':
      return folded.startsWith(piece.text);
    case 'endsWith':
      return folded.endsWith(piece.text);
    case 'contains':
      return folded.includes(piece.text);
  }
}
