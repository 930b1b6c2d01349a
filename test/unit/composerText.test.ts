// What the composer sends (Markdown → body + HTML, mentions), which links it
// finds in text and which ones it confirms before opening (Punycode,
// mixed alphabets, a text that names another host), mail text folding and
// stable avatar colours.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { composeMessage } from '../../renderer/src/lib/markdown.js';
import { find } from 'linkifyjs';
import { checkLink, findLinks, openable } from '../../renderer/src/lib/links.js';
import { decodePunycodeLabel, hostToUnicode } from '../../renderer/src/lib/punycode.js';
import { splitMailText } from '../../renderer/src/lib/mailText.js';
import { avatarColour, initials } from '../../renderer/src/lib/avatar.js';

describe('Markdown in the composer', () => {
  test('plain text is sent plain: no HTML', () => {
    for (const text of ['hello', 'two\nlines', '1 < 2 & 3 > 0', 'see https://example.org'])
      assert.deepEqual(composeMessage(text), { body: text, html: null, mentions: [] }, text);
  });

  test('formatting becomes HTML; the body stays as typed', () => {
    const cases: [string, string][] = [
      [
        '**bold** _it_ ~~gone~~ `code`',
        '<strong>bold</strong> <em>it</em> <del>gone</del> <code>code</code>',
      ],
      [
        '```ts\nlet a = 1 < 2\n```',
        '<pre><code class="language-ts">let a = 1 &lt; 2\n</code></pre>',
      ],
      ['> quoted\n\nanswer', '<blockquote>\n<p>quoted</p>\n</blockquote>\n<p>answer</p>'],
      ['- one\n- two', '<ul>\n<li>one</li>\n<li>two</li>\n</ul>'],
      ['[docs](https://example.org/docs)', '<a href="https://example.org/docs">docs</a>'],
      ['||the ending||', '<span data-mx-spoiler>the ending</span>'],
      ['line one\n**line two**', 'line one<br><strong>line two</strong>'],
    ];
    for (const [text, html] of cases) {
      const got = composeMessage(text);
      assert.equal(got.body, text);
      assert.equal(got.html, html, text);
    }
  });

  test('HTML typed into the composer is text, never markup', () => {
    const got = composeMessage('**hi** <img src=x onerror=alert(1)> <b>raw</b>');
    assert.ok(got.html);
    assert.ok(!/<img|<b>/.test(got.html!), got.html!);
    assert.ok(got.html!.includes('&lt;img'), got.html!);
  });

  test('raw: /plain or the composer switch sends the text as typed', () => {
    assert.deepEqual(composeMessage('/plain **not bold**'), {
      body: '**not bold**',
      html: null,
      mentions: [],
    });
    assert.equal(composeMessage('**not bold**', [], { raw: true }).html, null);
  });

  test('mentions become pill links and m.mentions ids; a deleted mention is dropped', () => {
    const ann = { name: 'Ann Lee', personRemoteId: '@ann:hs.example' };
    const bob = { name: 'Bob', personRemoteId: '@bob:hs.example' };
    const got = composeMessage('hi Ann Lee, look', [ann, bob]);
    assert.equal(got.body, 'hi Ann Lee, look');
    assert.equal(got.html, 'hi <a href="https://matrix.to/#/@ann:hs.example">Ann Lee</a>, look');
    assert.deepEqual(got.mentions, ['@ann:hs.example']);
  });
});

describe('links', () => {
  test('found in text with their offsets; only web and mail links', () => {
    const text =
      'docs at example.org/a, mail ann@example.org, not javascript:alert(1) or file:///etc/passwd';
    const links = findLinks(text);
    assert.deepEqual(
      links.map((l) => [l.text, l.href]),
      [
        ['example.org/a', 'http://example.org/a'],
        ['ann@example.org', 'mailto:ann@example.org'],
      ],
    );
    assert.equal(text.slice(links[0]!.start, links[0]!.end), 'example.org/a');
    for (const bad of [
      'javascript:alert(1)',
      'file:///etc/passwd',
      'data:text/html,x',
      'https://user:pw@example.org/',
    ])
      assert.equal(openable(bad), false, bad);
  });

  test('the quick test that skips the scanner never hides a link linkifyjs finds', () => {
    // Lines with no dot, colon or at sign skip linkifyjs; each of these has a link it finds.
    for (const text of [
      'see localhost',
      'LOCALHOST:8080/x',
      'go to example.com now',
      'https://example.org',
      'mailto:ann@example.org',
      'write ann@example.org',
      'see example.org/a?b=c',
    ]) {
      const expected = find(text).filter((l) => l.isLink && openable(l.href));
      assert.ok(expected.length > 0, text);
      assert.deepEqual(
        findLinks(text).map((l) => l.href),
        expected.map((l) => l.href),
        text,
      );
    }
    for (const text of ['the release build ships today', 'ok thanks', '127 0 0 1', 'a b c'])
      assert.deepEqual(find(text), [], text);
    // Asked again (a row's preview and its text), the same answer.
    assert.deepEqual(findLinks('go to example.com now'), findLinks('go to example.com now'));
  });

  test('Punycode decodes (RFC 3492 samples) and hosts read in Unicode', () => {
    assert.equal(decodePunycodeLabel('mnchen-3ya'), 'münchen');
    assert.equal(decodePunycodeLabel('pple-43d'), 'аpple');
    assert.equal(decodePunycodeLabel('ihqwcrb4cv8a8dqg056pqjye'), '他们为什么不说中文');
    assert.equal(decodePunycodeLabel('!!!'), null);
    assert.equal(hostToUnicode('www.xn--mnchen-3ya.de'), 'www.münchen.de');
  });

  test('look-alike and Punycode hosts are confirmed, naming the real host; ordinary links are not', () => {
    assert.deepEqual(checkLink('https://example.org/x')!.warnings, []);
    assert.deepEqual(checkLink('https://www.example.org', 'example.org')!.warnings, []);
    const puny = checkLink('https://xn--pple-43d.com/login')!;
    assert.equal(puny.asciiHost, 'xn--pple-43d.com');
    assert.equal(puny.host, 'аpple.com');
    assert.ok(puny.warnings.some((w) => w.includes('xn--pple-43d.com')));
    assert.ok(
      puny.warnings.some((w) => /alphabets/.test(w)),
      'Cyrillic а among Latin letters',
    );
    // Typed in Unicode, the browser's URL makes it Punycode: the same warning.
    assert.ok(checkLink('http://аpple.com')!.warnings.length > 0);
    const mismatch = checkLink('https://evil.example', 'paypal.com')!;
    assert.ok(
      mismatch.warnings.some((w) => w.includes('paypal.com') && w.includes('evil.example')),
    );
    assert.deepEqual(checkLink('https://evil.example', 'click here')!.warnings, []);
    assert.equal(checkLink('javascript:alert(1)'), null);
    // A whole-word IDN in one script (no mixing) still says it is Punycode.
    assert.equal(checkLink('https://xn--mnchen-3ya.de')!.warnings.length, 1);
  });
});

describe('mail text', () => {
  test('quotes with their attribution and the signature fold; the rest shows', () => {
    const parts = splitMailText(
      'Sounds good.\n\nOn Mon, 2 Jun 2025, Ann wrote:\n> shall we meet?\n>\n> at 10\n\nSee you\n-- \nBob\nACME Corp',
    );
    assert.deepEqual(parts, [
      { kind: 'text', text: 'Sounds good.\n' },
      {
        kind: 'quote',
        text: 'On Mon, 2 Jun 2025, Ann wrote:\n> shall we meet?\n>\n> at 10',
        lines: 4,
      },
      { kind: 'text', text: '\nSee you' },
      { kind: 'signature', text: 'Bob\nACME Corp' },
    ]);
    assert.deepEqual(splitMailText('no quotes here'), [{ kind: 'text', text: 'no quotes here' }]);
  });
});

describe('avatars', () => {
  test('initials, and a colour that stays the same for the same id', () => {
    assert.equal(initials('Ann Lee'), 'AL');
    assert.equal(initials('ann@example.org'), 'A');
    assert.equal(initials('@bob:hs.example'), 'B');
    assert.equal(initials(''), '?');
    assert.equal(avatarColour('ann@example.org'), avatarColour('ANN@example.org'));
    const colours = new Set(
      ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].map((x) => avatarColour(`${x}@example.org`)),
    );
    assert.ok(colours.size >= 4, 'different people get different colours');
  });
});
