// Export round trip: everything in the profile — every message, every edit's
// earlier text, every reaction and downloaded attachment — is in the JSON and
// beside it; the HTML shows the same as inert text, whatever a sender wrote.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { JSDOM } from 'jsdom';
import type { ExportDocument } from '../../main/daemon/profile/export.js';
import { safeFileName } from '../../main/daemon/profile/export.js';
import { escapeHtml } from '../../main/daemon/profile/exportHtml.js';
import { tempDir } from '../helpers/fixtures.js';
import {
  HOSTILE_BODIES,
  fillSampleProfile,
  openProfile,
  profileSnapshot,
} from '../helpers/sampleProfile.js';

async function exported(chatId?: number) {
  const profile = tempDir();
  const out = tempDir();
  const daemon = openProfile(profile.dir);
  await fillSampleProfile(daemon);
  const snapshot = await profileSnapshot(daemon);
  const dir = join(out.dir, 'export');
  const result = await daemon.call('export.chats', { chatId, to: dir });
  assert.ok(result.ok, JSON.stringify(result));
  await daemon.close();
  const doc = JSON.parse(readFileSync(join(dir, 'parley-export.json'), 'utf8')) as ExportDocument;
  return {
    snapshot,
    doc,
    dir,
    summary: result.value as { chats: number; messages: number; attachments: number },
    cleanup: () => (profile.cleanup(), out.cleanup()),
  };
}

test('exporting everything: every chat, message, edit, reaction and attachment is in the export', async () => {
  const { snapshot, doc, dir, summary, cleanup } = await exported();
  try {
    assert.equal(doc.format, 'parley-export');
    assert.equal(doc.version, 1);
    assert.deepEqual(
      doc.chats.map((c) => c.id),
      snapshot.chats.map((c) => c.id),
      'every chat, archived ones too',
    );
    let attachmentFiles = 0;
    for (const chat of doc.chats) {
      const stored = snapshot.messages[chat.id]!;
      assert.equal(chat.messages.length, stored.length, `all messages of ${chat.name}`);
      const byId = new Map(stored.map((m) => [m.id, m]));
      for (const m of chat.messages) {
        const s = byId.get(m.id)!;
        assert.ok(s, `message ${m.id} is stored`);
        assert.equal(m.body, s.body);
        assert.equal(m.html, s.html);
        assert.equal(m.ts, s.ts);
        assert.equal(m.sender.name, s.senderName);
        assert.equal(m.edited, s.edited);
        assert.equal(m.deleted, s.deleted);
        assert.equal(m.replyToRemoteId, s.replyToRemoteId);
        assert.equal(m.threadRootRemoteId, s.threadRootRemoteId);
        assert.deepEqual(m.reactions, s.reactions);
        assert.deepEqual(m.editHistory, snapshot.editHistory[m.id] ?? []);
        assert.equal(m.attachments.length, s.attachments.length);
        for (const a of m.attachments) {
          if (!a.sha256) {
            assert.equal(a.file, null, 'never downloaded: listed without a file');
            continue;
          }
          const bytes = readFileSync(join(dir, a.file!));
          assert.equal(createHash('sha256').update(bytes).digest('hex'), a.sha256);
          attachmentFiles++;
        }
      }
      // Oldest first, like a transcript.
      assert.deepEqual(
        chat.messages.map((m) => m.ts),
        [...chat.messages.map((m) => m.ts)].sort((a, b) => a - b),
      );
    }
    const edited = doc.chats.flatMap((c) => c.messages).find((m) => m.editHistory.length > 0)!;
    assert.deepEqual(
      edited.editHistory.map((r) => r.body),
      ['Good morning, team', 'Good morning, team!'],
    );
    assert.equal(edited.body, 'Good morning, team! (edited twice)');
    assert.equal(attachmentFiles, 3, 'the two downloaded files and the queued note');
    assert.equal(summary.attachments, 3);
    assert.equal(
      summary.messages,
      Object.values(snapshot.messages).reduce((n, l) => n + l.length, 0),
    );
    // The HTML has a page per chat and an index linking them.
    const index = new JSDOM(readFileSync(join(dir, 'index.html'), 'utf8')).window.document;
    const links = [...index.querySelectorAll('a')].map((a) => a.getAttribute('href'));
    assert.deepEqual(
      links,
      doc.chats.map((c) => `chat-${c.id}.html`),
    );
    for (const c of doc.chats) assert.ok(existsSync(join(dir, `chat-${c.id}.html`)));
  } finally {
    cleanup();
  }
});

test('exporting one chat exports that chat only', async () => {
  const { doc, dir, cleanup } = await exported(2);
  try {
    assert.deepEqual(
      doc.chats.map((c) => c.id),
      [2],
    );
    assert.deepEqual(
      readdirSync(dir)
        .filter((f) => f.endsWith('.html'))
        .sort(),
      ['chat-2.html', 'index.html'],
    );
  } finally {
    cleanup();
  }
});

test('the HTML export shows hostile bodies, names and file names as text and runs nothing', async () => {
  const { doc, dir, cleanup } = await exported();
  try {
    const team = doc.chats.find((c) => c.name === 'Team')!;
    const html = readFileSync(join(dir, `chat-${team.id}.html`), 'utf8');
    const { document } = new JSDOM(html).window;
    assert.equal(document.querySelectorAll('script, iframe, object, embed, svg, form').length, 0);
    for (const el of document.querySelectorAll('*'))
      for (const attr of el.getAttributeNames())
        assert.ok(!attr.startsWith('on'), `no event handler attribute (${el.tagName} ${attr})`);
    // Images point only into the export's own attachments folder.
    for (const img of document.querySelectorAll('img'))
      assert.match(img.getAttribute('src')!, /^attachments\/[0-9a-f]{16}\/[^/]+$/);
    const texts = [...document.querySelectorAll('.body')].map((p) => p.textContent);
    for (const body of HOSTILE_BODIES) assert.ok(texts.includes(body), `shown as text: ${body}`);
    assert.ok(!html.includes('<p onclick'), "the message's own HTML is not copied in");
    assert.ok(html.includes('Bo &lt;b&gt;'), 'sender names are escaped');
    assert.equal(document.querySelector('h1')!.textContent, 'Team');
    const csp = document
      .querySelector('meta[http-equiv="Content-Security-Policy"]')!
      .getAttribute('content')!;
    assert.match(csp, /default-src 'none'/);
    assert.doesNotMatch(csp, /script-src/);
  } finally {
    cleanup();
  }
});

test('attachment names cannot leave the export folder, and escaping covers quotes', () => {
  assert.equal(safeFileName('../../etc/passwd'), '_.._etc_passwd');
  assert.equal(safeFileName('..'), 'file');
  assert.equal(safeFileName('a\u0000b<c>.txt'), 'a_b_c_.txt');
  assert.equal(safeFileName('.hidden'), 'hidden');
  assert.equal(
    escapeHtml(`<a href="x" title='y'>&</a>`),
    '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;',
  );
});
