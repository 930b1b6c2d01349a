// The composer's Markdown → what a send carries: the plain body (the text as
// typed, which is what clients without formatting show) and, when the
// Markdown formats anything, HTML for protocols with formatted bodies (Matrix
// org.matrix.custom.html). `marked` parses (CommonMark + GFM); raw HTML typed
// into the composer is escaped, never passed through, so what goes out is
// only what Markdown made. Mentions become pill links (matrix.to) in the HTML.
import { Marked, type RendererThis, type Token, type TokenizerThis, type Tokens } from 'marked';

export interface ComposedMention {
  /** The display name as it stands in the text. */
  name: string;
  /** The person's remote id (Matrix: @user:server). */
  personRemoteId: string;
}

export interface ComposedMessage {
  body: string;
  /** Null when the text formats nothing: a plain message then. */
  html: string | null;
  /** Remote ids of the people still mentioned in the text. */
  mentions: string[];
}

const escapeHtml = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** ||hidden|| → a Matrix spoiler (data-mx-spoiler), shown blurred until clicked. */
const spoiler = {
  name: 'spoiler',
  level: 'inline' as const,
  start: (src: string) => src.indexOf('||'),
  tokenizer(this: TokenizerThis, src: string) {
    const m = /^\|\|(?=\S)([\s\S]*?\S)\|\|/.exec(src);
    if (!m) return undefined;
    return { type: 'spoiler', raw: m[0], text: m[1]!, tokens: this.lexer.inlineTokens(m[1]!) };
  },
  renderer(this: RendererThis, token: Tokens.Generic) {
    return `<span data-mx-spoiler>${this.parser.parseInline(token.tokens ?? [])}</span>`;
  },
};

const marked = new Marked({
  gfm: true,
  // Chat composers treat a single newline as a line break (Element, Slack).
  breaks: true,
  renderer: {
    // Raw HTML in what was typed is text, not markup.
    html: (token: Tokens.HTML | Tokens.Tag) => escapeHtml(token.text),
  },
  extensions: [spoiler],
});

/** The Matrix permalink that makes a mention pill. */
export const mentionHref = (personRemoteId: string) => `https://matrix.to/#/${personRemoteId}`;

/** Inline tokens that carry no formatting of their own. */
const PLAIN_INLINE = new Set(['text', 'br']);

function formatsNothing(tokens: Token[]): boolean {
  return tokens.every((t) => {
    if (t.type === 'space') return true;
    if (t.type !== 'paragraph') return false;
    return (t as Tokens.Paragraph).tokens.every(
      (inner) =>
        // A bare address is linked by every client itself: no need to format it.
        (inner.type === 'link' && (inner as Tokens.Link).text === inner.raw) ||
        (PLAIN_INLINE.has(inner.type) &&
          // A text token with its own inline tokens (GFM autolinks) formats something.
          !('tokens' in inner && (inner as Tokens.Text).tokens?.some((x) => x.type !== 'text'))),
    );
  });
}

const escapeMarkdownLinkText = (s: string) => s.replace(/([\\[\]*_`~])/g, '\\$1');

/** The mentions whose names are still in the text (the user may have deleted one). */
export function presentMentions(
  text: string,
  mentions: readonly ComposedMention[],
): ComposedMention[] {
  const seen = new Set<string>();
  return mentions.filter((m) => {
    if (seen.has(m.personRemoteId) || !text.includes(m.name)) return false;
    seen.add(m.personRemoteId);
    return true;
  });
}

/**
 * What to send for `text`. `raw`: as typed, no formatting (the composer's
 * "send as plain text", or a message starting with /plain).
 */
export function composeMessage(
  text: string,
  mentions: readonly ComposedMention[] = [],
  { raw = false }: { raw?: boolean } = {},
): ComposedMessage {
  let body = text;
  if (/^\/plain(\s|$)/.test(body)) {
    raw = true;
    body = body.replace(/^\/plain\s?/, '');
  }
  const present = presentMentions(body, mentions);
  const ids = present.map((m) => m.personRemoteId);
  if (raw) return { body, html: null, mentions: ids };
  // Each mentioned name becomes a link to the person, before Markdown runs.
  let source = body;
  for (const m of present)
    source = source
      .split(m.name)
      .join(`[${escapeMarkdownLinkText(m.name)}](${mentionHref(m.personRemoteId)})`);
  const tokens = marked.lexer(source);
  if (present.length === 0 && formatsNothing(tokens)) return { body, html: null, mentions: ids };
  let html = (marked.parser(tokens) as string).trim();
  // A single paragraph is sent without its <p> (what Element does): it renders inline.
  const single = /^<p>([\s\S]*)<\/p>$/.exec(html);
  if (single && !single[1]!.includes('<p>')) html = single[1]!;
  return { body, html, mentions: ids };
}
