// Search snippets arrive as text with the matches wrapped in markers. This
// splits them into plain and marked pieces, so the UI renders <mark> elements
// from text nodes and never parses HTML.
export interface TextPiece {
  text: string;
  marked: boolean;
}

/**
 * The markers the renderer asks the daemon for: private-use characters, which
 * never occur in message text (unlike the CLI's default brackets).
 */
export const SNIPPET_MARKERS: [string, string] = ['\uE000', '\uE001'];

export function splitMarked(
  snippet: string,
  [open, close]: readonly [string, string] = SNIPPET_MARKERS,
): TextPiece[] {
  const pieces: TextPiece[] = [];
  const push = (text: string, marked: boolean) => {
    if (text === '') return;
    const last = pieces[pieces.length - 1];
    if (last && last.marked === marked) last.text += text;
    else pieces.push({ text, marked });
  };
  let at = 0;
  while (at < snippet.length) {
    const start = snippet.indexOf(open, at);
    if (start === -1) break;
    const end = snippet.indexOf(close, start + open.length);
    // An opening marker with no closing one is just text.
    if (end === -1) break;
    push(snippet.slice(at, start), false);
    push(snippet.slice(start + open.length, end), true);
    at = end + close.length;
  }
  push(snippet.slice(at), false);
  return pieces;
}
