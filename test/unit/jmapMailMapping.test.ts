// Recorded fixture → batch parts: Mailbox/get and Email/get from a real Cyrus
// (test/fixtures/jmap-mail/mailboxes-and-emails.json, recorded by
// test/fixtures/record.ts): Ann asks about lunch (plain text), Bo replies in
// the thread with HTML and a PNG attached.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  addressToPerson,
  emailToMessage,
  htmlToText,
  mailboxToSpace,
  readPosition,
  threadToChat,
} from '../../main/daemon/connectors/jmap-mail/mapping.js';
import { EmailSchema, MailboxSchema } from '../../main/daemon/connectors/jmap-mail/wire.js';
import { parseArgs } from '../../main/daemon/connectors/jmap/client.js';

const FIXTURE = join(
  import.meta.dirname,
  '..',
  'fixtures',
  'jmap-mail',
  'mailboxes-and-emails.json',
);

function recorded() {
  const { methodResponses } = JSON.parse(readFileSync(FIXTURE, 'utf8')) as {
    methodResponses: [string, { list: unknown[] }, string][];
  };
  const list = (name: string) => methodResponses.find(([n]) => n === name)![1].list;
  return {
    mailboxes: list('Mailbox/get').map((m) => parseArgs(MailboxSchema, 'Mailbox/get', m)),
    emails: list('Email/get').map((e) => parseArgs(EmailSchema, 'Email/get', e)),
  };
}

test('jmap-mail: mailboxes become spaces with their roles', () => {
  const { mailboxes } = recorded();
  const spaces = mailboxes.map(mailboxToSpace);
  assert.deepEqual(
    spaces.map((s) => [s.name, s.kind, s.role, s.parentRemoteId]),
    [['Inbox', 'mailbox', 'inbox', null]],
  );
});

test('jmap-mail: emails become mail messages in one thread, the reply linked by Message-ID', () => {
  const { emails } = recorded();
  const byMessageId = new Map(emails.flatMap((e) => (e.messageId ?? []).map((m) => [m, e.id])));
  const messages = emails.map((e) => emailToMessage(e, byMessageId));
  const [reply, first] = messages; // Email/query sorted newest first
  assert.ok(reply && first);
  assert.equal(first.subject, 'Lunch on Friday?');
  assert.equal(first.body.trim(), 'Shall we try the new place at noon?');
  assert.equal(first.html, null);
  assert.deepEqual([first.senderRemoteId, first.senderName], ['ann@example.org', 'Ann Example']);
  assert.equal(first.replyToRemoteId, null);

  assert.equal(reply.subject, 'Re: Lunch on Friday?');
  assert.equal(reply.body, 'Yes! Here is the map.', 'the text part, not the HTML');
  assert.equal(reply.html, '<p>Yes! Here is <b>the map</b>.</p>');
  assert.equal(reply.replyToRemoteId, first.remoteId, 'In-Reply-To found the first mail');
  assert.deepEqual(
    reply.attachments?.map((a) => [a.name, a.mime, a.size]),
    [['map.png', 'image/png', 70]],
  );
  assert.ok(messages.every((m) => m.kind === 'mail' && m.chatRemoteId === first.chatRemoteId));
  assert.deepEqual(
    messages.map((m) => m.ts),
    emails.map((e) => Date.parse(e.receivedAt)),
    'a mail is dated when it arrived',
  );
  assert.deepEqual(
    emails.map((e) => addressToPerson(e.from![0]!)?.displayName),
    ['Bo Example', 'Ann Example'],
  );
});

test('jmap-mail: the thread becomes a chat in the Inbox, both unread, nothing read', () => {
  const { mailboxes, emails } = recorded();
  const roles = new Map(mailboxes.map((m) => [m.id, m.role ?? null]));
  const threadId = emails[0]!.threadId;
  const chat = threadToChat(
    threadId,
    'Lunch on Friday?',
    emails,
    roles,
    emails.map((e) => e.id),
  );
  assert.equal(chat.kind, 'mail');
  assert.equal(chat.name, 'Lunch on Friday?');
  assert.equal(chat.spaceRemoteId, mailboxes[0]!.id);
  assert.equal(chat.unreadCount, 2, 'delivered mail arrives unread');
  assert.deepEqual(readPosition(threadId, emails), {
    chatRemoteId: threadId,
    messageRemoteId: null,
    exact: true,
  });
});

test('jmap-mail: an HTML-only newsletter previews as readable text', () => {
  // What HTML-only mail looks like: Outlook's conditional comments, a <title>,
  // typographic entities by number and by name.
  const html =
    '<html><head><title>Weekly Digest</title><style>p{color:red}</style></head><body>' +
    '<!--[if mso]><xml><o:OfficeDocumentSettings>x</o:OfficeDocumentSettings></xml><![endif]-->' +
    '<p>It&#8217;s here &mdash; our &ldquo;best&rdquo; deals&nbsp;&amp; more&hellip;</p>' +
    '<p>Caf&#xE9; &copy; 2024 &lt;b&gt; &amp;lt; &unknownentity; &#0; &#xD800;</p></body></html>';
  assert.equal(
    htmlToText(html),
    'It\u2019s here \u2014 our \u201cbest\u201d deals & more\u2026\n' +
      'Caf\u00e9 \u00a9 2024 <b> &lt; &unknownentity; &#0; &#xD800;',
  );
});

test('jmap-mail: a hostile HTML body of unclosed elements is read in linear time', () => {
  // 500 kB of `<style>` with no closing tag (a mail body may be 1 MB): the
  // regex version took seconds of the daemon's thread, growing with the square.
  for (const unit of ['<style>', '<!--', '<', '<head><title>']) {
    const html = `before ${unit.repeat(Math.floor(500_000 / unit.length))}`;
    const started = performance.now();
    const text = htmlToText(html);
    const ms = performance.now() - started;
    assert.ok(ms < 1500, `${JSON.stringify(unit)}: ${Math.round(ms)} ms`);
    assert.ok(text.startsWith('before'));
  }
});
