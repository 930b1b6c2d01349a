// Matrix formatted bodies through DOMPurify on a jsdom window: hostile HTML
// goes in (XSS, mutation-XSS, remote images, style and colour tricks); what
// comes out is inside the spec's allow-list, runs nothing, loads nothing but
// media-repository images the daemon fetched, and keeps the formatting.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { JSDOM } from 'jsdom';
import type { WindowLike } from 'dompurify';
import { sanitizeMatrixHtml } from '../../renderer/src/lib/matrixHtml.js';

const { window } = new JSDOM('<!doctype html><html><body></body></html>');
const win = window as unknown as WindowLike;
const BLOB = '/blob/' + 'cd'.repeat(32);
const sanitize = (html: string, images = new Map<string, string>()) =>
  sanitizeMatrixHtml(html, { window: win, images, selfIds: new Set(['@me:hs.example']) });

const SPEC_TAGS = new Set(
  (
    'font del h1 h2 h3 h4 h5 h6 blockquote p a ul ol sup sub li b i u strong em s strike code hr br ' +
    'div table thead tbody tr th td caption pre span img details summary'
  ).split(' '),
);

/** Everything in the output that could run, load or navigate (empty: inert). */
function activeParts(html: string): string[] {
  const found: string[] = [];
  const doc = new JSDOM(`<body>${html}</body>`).window.document;
  for (const el of doc.body.querySelectorAll('*')) {
    const tag = el.tagName.toLowerCase();
    if (!SPEC_TAGS.has(tag)) found.push(`<${tag}>`);
    for (const attr of el.attributes) {
      const name = attr.name.toLowerCase();
      if (name.startsWith('on')) found.push(`${tag}[${name}]`);
      if (
        name === 'style' &&
        !/^(color|background-color): #[0-9a-f]{6}(; background-color: #[0-9a-f]{6})?$/i.test(
          attr.value,
        )
      )
        found.push(`${tag}[style=${attr.value}]`);
      if (name === 'src' && attr.value !== BLOB) found.push(`${tag}[src=${attr.value}]`);
      if (name === 'href' && !/^(https?|ftp|mailto|magnet):/i.test(attr.value))
        found.push(`${tag}[href=${attr.value}]`);
      if (['srcset', 'action', 'formaction', 'background', 'poster', 'xlink:href'].includes(name))
        found.push(`${tag}[${name}]`);
    }
  }
  return found;
}

const HOSTILE = [
  '<img src=x onerror=alert(1)>',
  '<img src="mxc://hs.example/abc" onerror="alert(1)">',
  '<a href="javascript:alert(1)">click</a>',
  '<a href="JaVaScRiPt&#58;alert(1)">click</a>',
  '<a href=" javascript:alert(1)">click</a>',
  '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
  '<a href="vbscript:msgbox(1)">x</a>',
  '<script>alert(1)</script>',
  '<svg><script>alert(1)</script></svg>',
  '<svg onload=alert(1)>',
  '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>',
  '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
  '<form><math><mtext></form><form><mglyph><style></math><img src onerror=alert(1)>',
  '<iframe src="https://evil.example"></iframe>',
  '<object data="x"></object><embed src="x">',
  '<div style="background:url(https://evil.example/t)">x</div>',
  '<font color="red;background:url(https://evil.example)">x</font>',
  '<span data-mx-color="#ff0000;background:url(x)">x</span>',
  '<p style="position:fixed;inset:0">cover the app</p>',
  '<img src="https://evil.example/track.png">',
  '<img src="http://evil.example/track.png" srcset="https://evil.example/a.png 2x">',
  '<video src="https://evil.example/v.mp4" poster="https://evil.example/p.png"></video>',
  '<input autofocus onfocus=alert(1)>',
  '<details open ontoggle=alert(1)><summary>x</summary></details>',
  '<a href="https://ok.example" target="_top" onclick="alert(1)">ok</a>',
  '<base href="https://evil.example/"><a href="/x">x</a>',
  '<meta http-equiv="refresh" content="0;url=https://evil.example">',
  '<link rel=stylesheet href="https://evil.example/s.css">',
  '<style>@import "https://evil.example/s.css";</style><b>x</b>',
  '<table background="https://evil.example/bg.png"><tr><td>x</td></tr></table>',
  '<a href="https://matrix.to/#/@me:hs.example" onmouseover="alert(1)">Me</a>',
  '<code class="language-js onerror=alert(1) x">x</code>',
  '<p class="message-actions visually-hidden">styled like our UI</p>',
  '<span data-mx-spoiler="<img src=x onerror=alert(1)>">s</span>',
  '<ol start="1;alert(1)"><li>x</li></ol>',
];

describe('Matrix formatted bodies', () => {
  for (const html of HOSTILE)
    test(`inert: ${html.slice(0, 70)}`, () => {
      const out = sanitize(html, new Map([['mxc://hs.example/abc', BLOB]])).html;
      assert.deepEqual(activeParts(out), [], out);
    });

  test('keeps the formatting the spec allows', () => {
    const out = sanitize(
      '<b>b</b><i>i</i><strong>s</strong><em>e</em><del>d</del><u>u</u><code>c</code>' +
        '<pre><code class="language-rust">fn</code></pre><blockquote>q</blockquote>' +
        '<ul><li>one</li></ul><ol start="3"><li>three</li></ol><h2>h</h2><hr><sup>1</sup>' +
        '<table><tr><td>cell</td></tr></table><details><summary>more</summary>body</details>',
    ).html;
    for (const part of [
      '<b>b</b>',
      '<i>i</i>',
      '<strong>s</strong>',
      '<em>e</em>',
      '<del>d</del>',
      '<code>c</code>',
      '<pre><code class="language-rust">fn</code></pre>',
      '<blockquote>q</blockquote>',
      '<li>one</li>',
      '<ol start="3">',
      '<h2>h</h2>',
      '<td>cell</td>',
      '<summary>more</summary>',
    ])
      assert.ok(out.includes(part), `${part} in ${out}`);
  });

  test('the reply fallback goes with its content', () => {
    const out = sanitize(
      '<mx-reply><blockquote><a href="https://matrix.to/#/!r:hs/$e">In reply to</a> old text</blockquote></mx-reply>the answer',
    ).html;
    assert.equal(out, 'the answer');
  });

  test('a matrix.to user link is a mention pill, highlighted when it is me', () => {
    const got = sanitize(
      '<a href="https://matrix.to/#/@ann:hs.example">Ann</a> and <a href="https://matrix.to/#/@me:hs.example">Me</a>',
    );
    assert.deepEqual(got.pills, ['@ann:hs.example', '@me:hs.example']);
    const doc = new JSDOM(`<body>${got.html}</body>`).window.document;
    const pills = [...doc.querySelectorAll('a.mention-pill')];
    assert.equal(pills.length, 2);
    assert.equal(pills[0]!.getAttribute('data-mention'), '@ann:hs.example');
    assert.ok(pills[1]!.classList.contains('me'));
    assert.ok(!pills[0]!.classList.contains('me'));
  });

  test('links open outside (target _blank, noopener); plain addresses in text become links', () => {
    const doc = new JSDOM(
      `<body>${sanitize('<a href="https://ok.example/a">ok</a> see www.example.org or <code>not.a.link.example.com</code>').html}</body>`,
    ).window.document;
    const links = [...doc.querySelectorAll('a')];
    assert.deepEqual(
      links.map((a) => [a.getAttribute('href'), a.getAttribute('target'), a.getAttribute('rel')]),
      [
        ['https://ok.example/a', '_blank', 'noopener noreferrer'],
        ['http://www.example.org', '_blank', 'noopener noreferrer'],
      ],
    );
  });

  test('images only from the media repository: pending until fetched, then the blob URL', () => {
    const html = '<img src="mxc://hs.example/abc" alt="a cat" width="4000" height="20">';
    const before = sanitize(html);
    assert.deepEqual(before.pendingImages, ['mxc://hs.example/abc']);
    assert.ok(before.html.includes('[a cat]'));
    assert.ok(!before.html.includes('<img'));
    const after = sanitize(html, new Map([['mxc://hs.example/abc', BLOB]]));
    assert.deepEqual(after.pendingImages, []);
    assert.match(after.html, new RegExp(`<img[^>]*src="${BLOB}"`));
    assert.match(after.html, /width="800"/, 'an oversized image is capped');
    const remote = sanitize('<img src="https://hs.example/_matrix/media/v3/download/x" alt="r">');
    assert.deepEqual(remote.pendingImages, [], 'a web address is never fetched');
    assert.ok(remote.html.includes('[r]'));
  });

  test('colours only as #rrggbb; spoilers are hidden, clickable, and say why', () => {
    const out = sanitize(
      '<font color="#00ff00">g</font><span data-mx-bg-color="#112233" data-mx-color="#ffffff">w</span>' +
        '<font color="red">named</font><span data-mx-spoiler="the ending">he lives</span>',
    ).html;
    assert.ok(out.includes('<font style="color: #00ff00">g</font>'), out);
    assert.ok(out.includes('style="color: #ffffff; background-color: #112233"'), out);
    assert.ok(out.includes('<font>named</font>'), out);
    assert.match(
      out,
      /<span[^>]*class="spoiler"[^>]*title="Spoiler: the ending"[^>]*>he lives<\/span>/,
    );
  });
});
