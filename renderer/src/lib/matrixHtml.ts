// Matrix formatted bodies (org.matrix.custom.html) → HTML safe to put in the
// page. DOMPurify parses and filters to the tags and attributes the Matrix
// spec allows for m.room.message (client-server API, "m.room.message msgtypes":
// font del h1-h6 blockquote p a ul ol sup sub li b i u strong em s code hr br
// div table thead tbody tr th td caption pre span img details summary), and it
// handles mutation-XSS parser tricks. Our hooks add what is Matrix's own:
//   - links: http(s), ftp, mailto and magnet only; matrix.to links to a user
//     become mention pills (highlighted when they mention the user);
//   - images load only from the media repository: an mxc:// src becomes the
//     daemon's blob URL once fetched (`images`), until then its alt text; any
//     other src is dropped;
//   - colours (data-mx-color, data-mx-bg-color, font color) only as #rrggbb,
//     written as a style the hook builds itself (style attributes are never kept);
//   - spoilers (data-mx-spoiler) stay hidden until clicked;
//   - the reply fallback (<mx-reply>) goes with its content: the reply quote shows it;
//   - text outside links and code is linkified (linkifyjs).
// Runs on the page's window, and on a jsdom window in the unit tests.
import createDOMPurify, { type DOMPurify, type WindowLike } from 'dompurify';
import { findLinks, openable } from './links.js';

const ALLOWED_TAGS = (
  'font del h1 h2 h3 h4 h5 h6 blockquote p a ul ol sup sub li b i u strong em s strike code hr br ' +
  'div table thead tbody tr th td caption pre span img details summary'
).split(' ');
const ALLOWED_ATTR = (
  'color data-mx-bg-color data-mx-color data-mx-spoiler data-mx-maths data-mx-emoticon ' +
  'name href width height alt title src start class'
).split(' ');
const LINK_SCHEMES = /^(https?|ftp|mailto|magnet):/i;
const HEX_COLOUR = /^#[0-9a-f]{6}$/i;
const USER_PERMALINK = /^https:\/\/matrix\.to\/#\/(@[^/?#\s]+:[^/?#\s]+)/;
const MXC = /^mxc:\/\/[a-z0-9.:[\]-]+\/[a-z0-9_-]+$/i;
const MAX_IMAGE_PX = 800;

export interface MatrixHtmlOptions {
  window: WindowLike;
  /** mxc:// URI → the blob URL it was fetched to; other images show their alt text. */
  images?: ReadonlyMap<string, string>;
  /** The user's own ids: a pill for one of them is highlighted. */
  selfIds?: ReadonlySet<string>;
}

export interface SanitizedMatrixHtml {
  html: string;
  /** mxc:// images the body shows that are not in `images` yet (fetch, then sanitize again). */
  pendingImages: string[];
  /** People the pills in it mention. */
  pills: string[];
}

const purifiers = new WeakMap<WindowLike, DOMPurify>();

function purifierFor(window: WindowLike): DOMPurify {
  let purify = purifiers.get(window);
  if (!purify) purifiers.set(window, (purify = createDOMPurify(window)));
  return purify;
}

function cssOf(el: Element): string {
  const parts: string[] = [];
  const fg = el.getAttribute('data-mx-color') ?? el.getAttribute('color');
  const bg = el.getAttribute('data-mx-bg-color');
  if (fg && HEX_COLOUR.test(fg)) parts.push(`color: ${fg}`);
  if (bg && HEX_COLOUR.test(bg)) parts.push(`background-color: ${bg}`);
  return parts.join('; ');
}

export function sanitizeMatrixHtml(html: string, options: MatrixHtmlOptions): SanitizedMatrixHtml {
  const { window, images = new Map<string, string>(), selfIds = new Set<string>() } = options;
  const purify = purifierFor(window);
  const pending = new Set<string>();
  const pills: string[] = [];
  const doc = (window as unknown as Window).document;

  purify.addHook('afterSanitizeAttributes', (node) => {
    const el = node as Element;
    if (!el.tagName) return;
    const tag = el.tagName.toLowerCase();
    const css = cssOf(el);
    el.removeAttribute('color');
    el.removeAttribute('data-mx-color');
    el.removeAttribute('data-mx-bg-color');
    if (css) el.setAttribute('style', css);
    // Classes are ours to give: only a code block's language survives from the sender.
    const cls = el.getAttribute('class');
    el.removeAttribute('class');
    if (tag === 'code' && cls) {
      const lang = /(?:^|\s)(language-[a-z0-9+#_-]{1,32})(?:\s|$)/i.exec(cls);
      if (lang) el.setAttribute('class', lang[1]!);
    }
    if (tag === 'a') {
      const href = el.getAttribute('href') ?? '';
      el.removeAttribute('name');
      const pill = USER_PERMALINK.exec(href);
      if (pill) {
        const userId = decodeURIComponent(pill[1]!);
        pills.push(userId);
        el.setAttribute('class', selfIds.has(userId) ? 'mention-pill me' : 'mention-pill');
        el.setAttribute('data-mention', userId);
        el.setAttribute('href', href);
        el.removeAttribute('target');
      } else if (LINK_SCHEMES.test(href) && (!/^https?:/i.test(href) || openable(href))) {
        el.setAttribute('class', 'ext-link');
        el.setAttribute('target', '_blank');
        el.setAttribute('rel', 'noopener noreferrer');
      } else {
        el.removeAttribute('href');
      }
    }
    if (tag === 'span' && el.hasAttribute('data-mx-spoiler')) {
      const reason = el.getAttribute('data-mx-spoiler');
      el.setAttribute('class', 'spoiler');
      el.setAttribute('title', reason ? `Spoiler: ${reason}` : 'Spoiler: click to show');
      el.setAttribute('tabindex', '0');
      el.setAttribute('role', 'button');
    }
    if (tag === 'ol') {
      const start = el.getAttribute('start');
      if (start !== null && !/^-?\d{1,6}$/.test(start)) el.removeAttribute('start');
    }
    if (tag === 'img') {
      // Only the media repository: the src is resolved after sanitizing (resolveImages).
      if (!MXC.test(el.getAttribute('src') ?? '')) el.removeAttribute('src');
      for (const dim of ['width', 'height']) {
        const v = Number(el.getAttribute(dim));
        if (!Number.isInteger(v) || v <= 0) el.removeAttribute(dim);
        else el.setAttribute(dim, String(Math.min(v, MAX_IMAGE_PX)));
      }
    }
  });

  let body: HTMLElement;
  try {
    body = purify.sanitize(renameEventHandlers(html), {
      ALLOWED_TAGS,
      ALLOWED_ATTR,
      ALLOW_DATA_ATTR: false,
      ALLOW_ARIA_ATTR: false,
      ADD_FORBID_CONTENTS: ['mx-reply'],
      FORBID_TAGS: ['mx-reply', 'style', 'script'],
      // DOMPurify's own rule (a value with no scheme passes) with Matrix's schemes, mxc:// among
      // them so it reaches the hook; the hook decides what each href and src may be.
      ALLOWED_URI_REGEXP:
        /^(?:(?:https?|ftp|mailto|magnet|mxc):|[^a-z]|[a-z+.-]+(?:[^a-z+.\-:]|$))/i,
      RETURN_DOM: true,
    }) as unknown as HTMLElement;
  } finally {
    purify.removeHook('afterSanitizeAttributes');
  }
  for (const uri of resolveImages(body, doc, images)) pending.add(uri);
  linkifyTextNodes(body, doc);
  return { html: body.innerHTML, pendingImages: [...pending], pills };
}

/**
 * Renames on* attributes inside tags (onerror= → data-parley-onerror=) before
 * DOMPurify parses the HTML. Not a safety measure: DOMPurify drops both forms
 * (no data-* attribute survives). Chromium reports a CSP violation for every
 * inline handler it merely parses, even into an inert document where nothing
 * runs, so without this one hostile message fills the console on every render.
 */
function renameEventHandlers(html: string): string {
  return html.replace(/<[^>]*>/g, (tag) =>
    tag.replace(/([\s/"'])on([a-z]+\s*=)/gi, '$1data-parley-on$2'),
  );
}

/**
 * Each image's mxc:// src → its blob URL when fetched; otherwise the image is
 * its description, as text, and its URI is returned (to fetch).
 */
function resolveImages(root: HTMLElement, doc: Document, images: ReadonlyMap<string, string>) {
  const pending: string[] = [];
  for (const img of [...root.querySelectorAll('img')]) {
    const src = img.getAttribute('src') ?? '';
    const loaded = src ? images.get(src) : undefined;
    if (loaded) {
      img.setAttribute('src', loaded);
      img.setAttribute('loading', 'lazy');
      img.className = img.hasAttribute('data-mx-emoticon') ? 'emoticon' : 'inline-image';
      continue;
    }
    if (src) pending.push(src);
    const placeholder = doc.createElement('span');
    placeholder.className = 'inline-image-pending';
    placeholder.textContent = `[${img.getAttribute('alt') || img.getAttribute('title') || 'image'}]`;
    img.replaceWith(placeholder);
  }
  return pending;
}

/** Turns addresses in text into links, except inside links, code and pre. */
function linkifyTextNodes(root: HTMLElement, doc: Document): void {
  const walker = doc.createTreeWalker(root, 4 /* NodeFilter.SHOW_TEXT */);
  const texts: Text[] = [];
  for (let n = walker.nextNode(); n; n = walker.nextNode()) texts.push(n as Text);
  for (const text of texts) {
    if (text.parentElement?.closest('a, code, pre')) continue;
    const value = text.data;
    const links = findLinks(value);
    if (links.length === 0) continue;
    const frag = doc.createDocumentFragment();
    let at = 0;
    for (const link of links) {
      if (link.start > at) frag.append(value.slice(at, link.start));
      const a = doc.createElement('a');
      a.href = link.href;
      a.className = 'ext-link';
      a.target = '_blank';
      a.rel = 'noopener noreferrer';
      a.textContent = link.text;
      frag.append(a);
      at = link.end;
    }
    if (at < value.length) frag.append(value.slice(at));
    text.replaceWith(frag);
  }
}
