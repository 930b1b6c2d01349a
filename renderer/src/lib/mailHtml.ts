// Email HTML → a safe document for a sandboxed frame. A strict allow-list:
// known formatting elements and attributes only; no scripts, forms, frames,
// styles that fetch, or event handlers; links open outside. Remote images
// never load from the sender's server: they are dropped (and listed) until the
// user asks to load them; then the daemon fetches them into the blob store
// (media.fetchRemote) and `images` maps each URL to its blob URL. The frame's
// own CSP allows nothing else. Runs in the browser (DOMParser: inert, no
// scripts run, nothing loads).
const ALLOWED_TAGS = new Set(
  (
    'a abbr address article aside b bdi bdo big blockquote br caption center cite code col colgroup ' +
    'dd del details dfn div dl dt em figcaption figure font footer h1 h2 h3 h4 h5 h6 header hr i img ' +
    'ins kbd li main mark nav ol p pre q s samp section small span strike strong sub summary sup ' +
    'table tbody td tfoot th thead time tr tt u ul var wbr'
  ).split(' '),
);
/** Dropped with everything inside them. */
const DROP_WITH_CONTENT = new Set(
  'script style noscript template iframe frame frameset object embed applet head title meta link base form textarea select button svg math audio video canvas'.split(
    ' ',
  ),
);
const ALLOWED_ATTRS = new Set(
  (
    'align alt bgcolor border cellpadding cellspacing color colspan dir face height href hspace ' +
    'lang rowspan size span src start style title type valign vspace width'
  ).split(' '),
);
const SAFE_URL = /^(https?:|mailto:)/i;
const REMOTE_IMAGE = /^https?:/i;
/** CSS that can fetch or run something. */
const UNSAFE_CSS = /url\s*\(|expression\s*\(|@import|behavior\s*:|-moz-binding|javascript:/i;

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

export function sanitizeMailHtml(
  html: string,
  options: {
    /** Remote URL → blob URL, for images the user chose to load. */
    images: ReadonlyMap<string, string>;
    /** What the frame CSP allows for blob URLs ('self' in web mode, parley-blob: in Electron). */
    blobSources: string;
    dark: boolean;
  },
): SanitizedMail {
  // Event-handler attributes are renamed before parsing: the browser reports
  // (as a CSP violation) even an inert document's inline handlers.
  const defused = html.replace(/<[a-z][^>]*>/gi, (tag) =>
    tag.replace(/([\s/"'])on([a-z]+\s*=)/gi, '$1data-defused-on$2'),
  );
  const doc = new DOMParser().parseFromString(defused, 'text/html');
  const blockedImages: string[] = [];

  const clean = (node: Element) => {
    for (const child of [...node.children]) {
      const tag = child.tagName.toLowerCase();
      if (DROP_WITH_CONTENT.has(tag)) {
        child.remove();
        continue;
      }
      clean(child);
      if (!ALLOWED_TAGS.has(tag)) {
        child.replaceWith(...child.childNodes);
        continue;
      }
      for (const attr of [...child.attributes]) {
        const name = attr.name.toLowerCase();
        const value = attr.value.trim();
        if (!ALLOWED_ATTRS.has(name)) child.removeAttribute(attr.name);
        else if (name === 'style' && UNSAFE_CSS.test(value)) child.removeAttribute(attr.name);
        else if (name === 'href' && !SAFE_URL.test(value)) child.removeAttribute(attr.name);
        else if (name === 'src') {
          const remote = REMOTE_IMAGE.test(value);
          const inlineData = /^data:image\/(png|gif|jpeg|webp);/i.test(value);
          const local = remote ? options.images.get(value) : undefined;
          if (local) child.setAttribute('src', local);
          else if (remote) {
            if (!blockedImages.includes(value)) blockedImages.push(value);
            child.removeAttribute(attr.name);
          } else if (!inlineData) child.removeAttribute(attr.name);
        }
      }
      if (tag === 'a') {
        child.setAttribute('target', '_blank');
        child.setAttribute('rel', 'noopener noreferrer');
      }
    }
    // Comments and processing instructions go too.
    for (const n of [...node.childNodes]) if (n.nodeType === 8 || n.nodeType === 7) n.remove();
  };
  clean(doc.body);

  const colors = options.dark
    ? 'background:#1b1d21;color:#e4e7eb'
    : 'background:#ffffff;color:#1d2228';
  const srcdoc =
    `<!doctype html><html><head><meta charset="utf-8">` +
    `<meta http-equiv="Content-Security-Policy" content="${frameCsp(options.blobSources)}">` +
    `<style>html,body{margin:0;padding:0;${colors};font:14px/1.45 system-ui,sans-serif;overflow-wrap:anywhere}` +
    `body{padding:4px 2px}img{max-width:100%;height:auto}a{color:${options.dark ? '#6d9cff' : '#2f6fde'}}` +
    `table{max-width:100%}pre{white-space:pre-wrap}</style></head>` +
    `<body>${doc.body.innerHTML}</body></html>`;
  return { srcdoc, blockedImages };
}
