// A search snippet with its matches in <mark>: built from text pieces, never
// from HTML, so nothing in a message can become markup.
import { splitMarked } from '../lib/markedText.js';

export function MarkedText({ text }: { text: string }) {
  return (
    <>
      {splitMarked(text).map((piece, i) =>
        piece.marked ? <mark key={i}>{piece.text}</mark> : <span key={i}>{piece.text}</span>,
      )}
    </>
  );
}
