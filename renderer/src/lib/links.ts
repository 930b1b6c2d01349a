// Links in message text: found by linkifyjs (the same rules as Element and
// Slack-like clients: schemes, bare domains with known TLDs, e-mail
// addresses), and judged before they open. A link opens in the system
// browser; one whose host is Punycode, mixes alphabets, or differs from the
// address its text shows is confirmed first, naming the real host.
import { find } from 'linkifyjs';
import { hostToUnicode } from './punycode.js';

export interface FoundLink {
  start: number;
  end: number;
  /** What the text says. */
  text: string;
  /** Where it goes (a scheme added to bare domains, mailto: to addresses). */
  href: string;
}

const OPENABLE = new Set(['http:', 'https:', 'mailto:']);

/**
 * Whether linkifyjs could find anything: every link it knows has a dot (a
 * domain), a colon (a scheme) or an at sign (an address), or is localhost.
 * Most chat lines have none of these and skip its scanner, the costliest
 * work of a timeline row.
 */
const MAY_LINK = /[.:@]|localhost/i;
/** Recent answers: a row asks twice (its preview, its text) and again when it scrolls back in. */
const recent = new Map<string, readonly FoundLink[]>();
const NONE: readonly FoundLink[] = Object.freeze([]);

/** The links in `text`, in order, with their offsets. */
export function findLinks(text: string): readonly FoundLink[] {
  if (text.length === 0 || !MAY_LINK.test(text)) return NONE;
  let links = recent.get(text);
  if (links === undefined) {
    if (recent.size >= 1000) recent.clear();
    links = Object.freeze(scan(text));
    recent.set(text, links);
  }
  return links;
}

function scan(text: string): FoundLink[] {
  return find(text)
    .filter((l) => l.isLink && (l.type === 'url' || l.type === 'email'))
    .map((l) => ({ start: l.start, end: l.end, text: l.value, href: l.href }))
    .filter((l) => openable(l.href));
}

/** Only web and mail links open; anything else (javascript:, file:, data:) never does. */
export function openable(href: string): boolean {
  try {
    const url = new URL(href);
    if (!OPENABLE.has(url.protocol)) return false;
    if (url.username || url.password) return false;
    return url.protocol === 'mailto:' || url.hostname !== '';
  } catch {
    return false;
  }
}

/** Unicode scripts a host name's letters come from (Latin, Cyrillic, Greek, …). */
const SCRIPTS: [string, RegExp][] = [
  ['Latin', /\p{Script=Latin}/u],
  ['Cyrillic', /\p{Script=Cyrillic}/u],
  ['Greek', /\p{Script=Greek}/u],
  ['Armenian', /\p{Script=Armenian}/u],
  ['Cherokee', /\p{Script=Cherokee}/u],
  ['Han', /\p{Script=Han}/u],
  ['Arabic', /\p{Script=Arabic}/u],
  ['Hebrew', /\p{Script=Hebrew}/u],
];

function scriptsOf(label: string): Set<string> {
  const found = new Set<string>();
  for (const ch of label)
    for (const [name, re] of SCRIPTS)
      if (re.test(ch)) {
        found.add(name);
        break;
      }
  return found;
}

/** The host a link's text shows, when the text reads as an address; else null. */
function shownHost(text: string): string | null {
  const trimmed = text.trim();
  if (!/^(https?:\/\/)?[\p{L}\p{N}-]+(\.[\p{L}\p{N}-]+)+(?:[/:?#]\S*)?$/iu.test(trimmed))
    return null;
  try {
    return new URL(/^https?:\/\//i.test(trimmed) ? trimmed : `https://${trimmed}`).hostname;
  } catch {
    return null;
  }
}

export interface LinkCheck {
  /** Where it goes, for the user: the host in Unicode and, when different, as sent (ASCII). */
  host: string;
  asciiHost: string;
  /** Why to confirm before opening; empty when the link opens at once. */
  warnings: string[];
}

/**
 * What to tell the user before opening `href` (shown as `text`, when the link
 * has text of its own, as an HTML anchor does). Null: it must not open at all.
 */
export function checkLink(href: string, text?: string): LinkCheck | null {
  if (!openable(href)) return null;
  const url = new URL(href);
  if (url.protocol === 'mailto:')
    return { host: url.pathname, asciiHost: url.pathname, warnings: [] };
  const asciiHost = url.hostname;
  const host = hostToUnicode(asciiHost);
  const warnings: string[] = [];
  if (asciiHost.split('.').some((label) => label.startsWith('xn--')))
    warnings.push(
      `The address uses international characters: it reads "${host}" but is "${asciiHost}".`,
    );
  if (host.split('.').some((label) => scriptsOf(label).size > 1))
    warnings.push(
      `"${host}" mixes letters of different alphabets, a trick to look like another site.`,
    );
  const shown = text !== undefined ? shownHost(text) : null;
  if (
    shown !== null &&
    shown !== asciiHost &&
    shown.replace(/^www\./, '') !== asciiHost.replace(/^www\./, '')
  )
    warnings.push(`The link says "${hostToUnicode(shown)}" but opens "${host}".`);
  return { host, asciiHost, warnings };
}
