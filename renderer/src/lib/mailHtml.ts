// Email HTML → a safe document for a sandboxed frame. DOMPurify does the
// parsing and the allow-list (known formatting elements and attributes only: no
// scripts, forms, frames, <style>, SVG/MathML or event handlers; it also
// handles the mutation-XSS parser tricks a hand-written walker misses). Our
// hooks add what DOMPurify does not know about mail:
//   - links: http(s) and mailto only; they open outside;
//   - images never load from the sender's server: a remote src, srcset or
//     background is dropped (and listed) until the user asks to load them; then
//     the daemon fetches them into the blob store (media.fetchRemote) and
//     `images` maps each URL to its blob URL;
//   - style attributes survive only when, with CSS escapes decoded (u\72 l( is
//     url(), comments removed, they call no function but colour and calc ones
//     and fetch nothing.
// The frame's own CSP allows nothing else. Runs on the browser's window in the
// app and on a jsdom window in the unit tests.
import createDOMPurify, { type DOMPurify, type WindowLike } from 'dompurify';

const ALLOWED_TAGS = (
  'a abbr address article aside b bdi bdo big blockquote br caption center cite code col colgroup ' +
  'dd del details dfn div dl dt em figcaption figure font footer h1 h2 h3 h4 h5 h6 header hr i img ' +
  'ins kbd li main mark nav ol p pre q s samp section small span strike strong sub summary sup ' +
  'table tbody td tfoot th thead time tr tt u ul var wbr'
).split(' ');
/** `background` and `srcset` are read by the hooks (as images), never kept. */
const ALLOWED_ATTR = (
  'align alt bgcolor border cellpadding cellspacing color colspan dir face height href hspace ' +
  'lang rowspan size span src start style title valign vspace width background srcset'
).split(' ');
const LINK = /^(https?:|mailto:)/i;
const REMOTE = /^https?:/i;
const INLINE_IMAGE = /^data:image\/(png|gif|jpeg|webp);base64,[a-z0-9+/=\s]*$/i;
/** CSS functions that only compute a value; any other (url, image-set, expression, …) goes. */
const SAFE_CSS_FUNCTIONS = new Set(['rgb', 'rgba', 'hsl', 'hsla', 'calc', 'min', 'max', 'clamp']);

export interface SanitizedMail {
  /** A full document for iframe srcdoc, with its own CSP. */
  srcdoc: string;
  /** Remote image URLs left out (not in `images`). */
  blockedImages: string[];
}

/** The frame's policy: inline styles, inline data images, and our own blob URLs. */
export function frameCsp(blobSources: string): string {
  return [
    "default-src 'none'",
    "style-src 'unsafe-inline'",
    `img-src data: ${blobSources}`,
    "font-src 'none'",
    "form-action 'none'",
    "base-uri 'none'",
  ].join('; ');
}

/** CSS text as the CSS parser reads it: escapes decoded (one pass, as CSS does), comments gone. */
export function decodeCss(css: string): string {
  return css
    .replace(/\\([0-9a-f]{1,6})[ \t\n\r\f]?|\\([^\n\r\f0-9a-f])|\\\r?\n/gi, (_m, hex, char) => {
      if (hex) {
        const code = parseInt(hex as string, 16);
        return code === 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)
          ? '\ufffd'
          : String.fromCodePoint(code);
      }
      return (char as string | undefined) ?? '';
    })
    .replace(/\/\*[\s\S]*?(\*\/|$)/g, ' ');
}

/** Whether an inline style can neither fetch nor run anything, read as the browser reads it. */
export function isInertCss(css: string): boolean {
  const text = decodeCss(css).toLowerCase();
  // What decoding leaves behind that could still be an escape, an at-rule or a script.
  if (/[\\@<>]|javascript:|expression|behavior|binding/.test(text)) return false;
  for (const match of text.matchAll(/([a-z0-9_-]*)\s*\(/g))
    if (!SAFE_CSS_FUNCTIONS.has(match[1]!)) return false;
  return true;
}

const purifiers = new WeakMap<object, DOMPurify>();
function purifierFor(win: WindowLike): DOMPurify {
  let purify = purifiers.get(win);
  if (!purify) {
    purify = createDOMPurify(win);
    purifiers.set(win, purify);
  }
  return purify;
}

export function sanitizeMailHtml(
  html: string,
  options: {
    /** Remote URL → blob URL, for images the user chose to load. */
    images: ReadonlyMap<string, string>;
    /** What the frame CSP allows for blob URLs ('self' in web mode, parley-blob: in Electron). */
    blobSources: string;
    dark: boolean;
    /** The window DOMPurify parses with; the page's own by default (jsdom's in tests). */
    window?: WindowLike;
  },
): SanitizedMail {
  const purify = purifierFor(options.window ?? (window as unknown as WindowLike));
  const blockedImages: string[] = [];
  /** An image URL as the frame may load it: inline data, a loaded blob, or nothing (listed). */
  const imageSource = (raw: string): string | null => {
    const url = raw.trim();
    if (INLINE_IMAGE.test(url)) return url;
    if (!REMOTE.test(url)) return null;
    const local = options.images.get(url);
    if (local) return local;
    if (!blockedImages.includes(url)) blockedImages.push(url);
    return null;
  };

  // Image sources we chose (inline data or a loaded blob), set once DOMPurify's
  // own checks are done: it does not know our blob URLs, and a hook's changed
  // value is not written back for an attribute it is told to keep.
  const images = new WeakMap<Element, { src?: string; background?: string }>();
  const chosen = (node: Element) => {
    let entry = images.get(node);
    if (!entry) images.set(node, (entry = {}));
    return entry;
  };

  purify.removeAllHooks();
  purify.addHook('uponSanitizeAttribute', (node, data) => {
    const tag = node.nodeName.toLowerCase();
    const value = data.attrValue;
    switch (data.attrName) {
      case 'href':
        data.keepAttr = tag === 'a' && LINK.test(value.trim());
        return;
      case 'src': {
        const source = tag === 'img' ? imageSource(value) : null;
        if (source !== null) chosen(node).src = source;
        data.keepAttr = false;
        return;
      }
      case 'srcset': {
        // Each candidate is an image too; the first that may load stands in for a missing src.
        const sources = value
          .split(',')
          .map((candidate) => candidate.trim().split(/\s+/)[0] ?? '')
          .filter(Boolean)
          .map(imageSource);
        const first = sources.find((s) => s !== null);
        if (tag === 'img' && first) chosen(node).src ??= first;
        data.keepAttr = false;
        return;
      }
      case 'background': {
        const source = imageSource(value);
        if (source !== null) chosen(node).background = source;
        data.keepAttr = false;
        return;
      }
      case 'style':
        data.keepAttr = isInertCss(value);
        return;
    }
  });
  purify.addHook('afterSanitizeAttributes', (node) => {
    if (node.nodeName.toLowerCase() === 'a') {
      node.setAttribute('target', '_blank');
      node.setAttribute('rel', 'noopener noreferrer');
    }
    const image = images.get(node);
    if (image?.src !== undefined) node.setAttribute('src', image.src);
    if (image?.background !== undefined) {
      // Set after the style check, so the one url() in it is ours.
      const url = image.background.replace(/["\\\n\r]/g, '');
      const style = node.getAttribute('style');
      node.setAttribute(
        'style',
        `${style ? `${style.replace(/;?\s*$/, ';')}` : ''}background-image:url("${url}")`,
      );
    }
  });

  // Event-handler attributes are renamed before parsing: the browser reports
  // (as a CSP violation) even an inert document's inline handlers.
  const defused = html.replace(/<[a-z][^>]*>/gi, (tag) =>
    tag.replace(/([\s/"'])on([a-z]+\s*=)/gi, '$1data-defused-on$2'),
  );
  let body: string;
  try {
    body = purify.sanitize(defused, {
      ALLOWED_TAGS,
      ALLOWED_ATTR,
      ALLOW_DATA_ATTR: false,
      ALLOW_ARIA_ATTR: false,
      ALLOW_UNKNOWN_PROTOCOLS: false,
      // DOMPurify checks every attribute value with this, not only URLs: a value
      // naming a scheme must name one of ours (the hooks above decide links and
      // images); one without a scheme (align="center") passes.
      ALLOWED_URI_REGEXP: /^(?:(?:https?|mailto):|[^a-z]|[a-z+.-]+(?:[^a-z+.\-:]|$))/i,
      FORBID_TAGS: ['style', 'svg', 'math', 'form', 'noscript', 'template'],
      KEEP_CONTENT: true,
      WHOLE_DOCUMENT: false,
      RETURN_TRUSTED_TYPE: false,
    });
  } finally {
    purify.removeAllHooks();
  }

  const colors = options.dark
    ? 'background:#1b1d21;color:#e4e7eb'
    : 'background:#ffffff;color:#1d2228';
  const srcdoc =
    `<!doctype html><html><head><meta charset="utf-8">` +
    `<meta http-equiv="Content-Security-Policy" content="${frameCsp(options.blobSources)}">` +
    `<style>html,body{margin:0;padding:0;${colors};font:14px/1.45 system-ui,sans-serif;overflow-wrap:anywhere}` +
    `body{padding:4px 2px}img{max-width:100%;height:auto}a{color:${options.dark ? '#6d9cff' : '#2f6fde'}}` +
    `table{max-width:100%}pre{white-space:pre-wrap}</style></head>` +
    `<body>${body}</body></html>`;
  return { srcdoc, blockedImages };
}
