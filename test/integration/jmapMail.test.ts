// The JMAP Mail connector against a real Cyrus IMAP on loopback (one server
// for the whole file), driven through the daemon the way the app uses it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Daemon } from '../../main/daemon/daemon.js';
import { ConnectorRegistry } from '../../main/daemon/connectors/registry.js';
import { JmapMailConnector } from '../../main/daemon/connectors/jmap-mail/connector.js';
import type { Account, ChatSummary, MessageView } from '../../main/daemon/model/types.js';
import { cyrusInstalled, startCyrus, type CyrusServer } from '../servers/cyrus/cyrusServer.js';
import { startSmtpSink, type SmtpSink } from '../servers/smtp-sink/smtpSink.js';
import { otherClient } from '../servers/cyrus/jmapAdmin.js';
import { memorySecrets, tempDir, waitFor } from '../helpers/fixtures.js';
import { requires } from '../helpers/prerequisites.js';

const skip = requires('Cyrus (cyrus-imapd)', cyrusInstalled(), 'run npm run setup:test');

let n = 0;
function mail(o: {
  from?: string;
  to?: string;
  cc?: string;
  subject: string;
  body?: string;
  id?: string;
  inReplyTo?: string;
  html?: string;
  date?: string;
  attachment?: { name: string; mime: string; data: Buffer };
}): string {
  const id = o.id ?? `<m${++n}.${Date.now()}@example.org>`;
  const headers = [
    `From: ${o.from ?? 'Ann Example <ann@example.org>'}`,
    `To: ${o.to ?? 'Test User <test@localhost>'}`,
    ...(o.cc ? [`Cc: ${o.cc}`] : []),
    `Subject: ${o.subject}`,
    `Message-ID: ${id}`,
    `Date: ${o.date ?? new Date().toUTCString().replace('GMT', '+0000')}`,
    ...(o.inReplyTo ? [`In-Reply-To: ${o.inReplyTo}`, `References: ${o.inReplyTo}`] : []),
    'MIME-Version: 1.0',
  ];
  const text = o.body ?? `Body of ${o.subject}`;
  if (!o.html && !o.attachment)
    return [...headers, 'Content-Type: text/plain; charset=utf-8', '', text, ''].join('\r\n');
  const b = `b${randomBytes(6).toString('hex')}`;
  const parts: string[] = [];
  if (o.html) {
    const a = `a${randomBytes(6).toString('hex')}`;
    parts.push(
      `Content-Type: multipart/alternative; boundary="${a}"\r\n\r\n--${a}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${text}\r\n--${a}\r\nContent-Type: text/html; charset=utf-8\r\n\r\n${o.html}\r\n--${a}--`,
    );
  } else parts.push(`Content-Type: text/plain; charset=utf-8\r\n\r\n${text}`);
  if (o.attachment) {
    const b64 = o.attachment.data.toString('base64').replace(/.{76}/g, '$&\r\n');
    parts.push(
      `Content-Type: ${o.attachment.mime}; name="${o.attachment.name}"\r\nContent-Disposition: attachment; filename="${o.attachment.name}"\r\nContent-Transfer-Encoding: base64\r\n\r\n${b64}`,
    );
  }
  return [
    ...headers,
    `Content-Type: multipart/mixed; boundary="${b}"`,
    '',
    ...parts.map((p) => `--${b}\r\n${p}`),
    `--${b}--`,
    '',
  ].join('\r\n');
}

describe('JMAP Mail against a real Cyrus', { skip }, () => {
  let cyrus: CyrusServer;
  let sink: SmtpSink;
  let daemon: Daemon;
  let cleanupDir: () => void;
  let account: Account;
  let downloads = 0;
  const other = () => otherClient(cyrus.url, 'test', 'testpw');
  const chats = (): ChatSummary[] => daemon.store.read.chats({ accountId: account.id });
  const chatNamed = (name: string) => chats().find((c) => c.name === name);
  const messagesOf = (chat: ChatSummary | undefined): MessageView[] =>
    chat ? daemon.store.read.messages(chat.id, { limit: 500 }) : [];
  const call = async <T>(name: string, input: unknown): Promise<T> => {
    const r = await daemon.call(name, input);
    if (!r.ok) throw new Error(`${name}: ${r.error.code} ${r.error.message}`);
    return r.value as T;
  };

  before(async () => {
    sink = await startSmtpSink();
    cyrus = await startCyrus({ smtpPort: sink.port });
    await cyrus.createUser('test', 'testpw');
    // A threaded conversation, an HTML mail with Cc, and older mail below the window,
    // imported with distinct arrival times (an hour apart, oldest first).
    const admin = otherClient(cyrus.url, 'test', 'testpw');
    const hour = (h: number) => new Date(Date.now() - (10 - h) * 3_600_000);
    for (let i = 0; i < 4; i++)
      await admin.importMail(mail({ subject: `Old news ${i}` }), { receivedAt: hour(i) });
    await admin.importMail(
      mail({ subject: 'Lunch plans', id: '<lunch-1@example.org>', body: 'Shall we have lunch?' }),
      { receivedAt: hour(5) },
    );
    await admin.importMail(
      mail({
        from: 'Bob <bob@example.org>',
        subject: 'Re: Lunch plans',
        id: '<lunch-2@example.org>',
        inReplyTo: '<lunch-1@example.org>',
        body: 'Yes, noon works.',
      }),
      { receivedAt: hour(6) },
    );
    await cyrus.deliver(
      'test',
      mail({
        subject: 'Newsletter',
        cc: 'Carol <carol@example.org>',
        html: '<p>Hello <b>world</b><script>alert(1)</script></p>',
        body: 'Hello world',
      }),
    );
    const { dir, cleanup } = tempDir('parley-jmap-');
    cleanupDir = cleanup;
    const connectors = new ConnectorRegistry().register(
      'jmap-mail',
      () =>
        new JmapMailConnector({
          windowSize: 4,
          pageSize: 2,
          pollIntervalMs: 100,
          defaultMailDomain: 'localhost',
          fetch: (input, init) => {
            if (String(input instanceof Request ? input.url : input).includes('/download/'))
              downloads++;
            return fetch(input, init);
          },
        }),
    );
    daemon = new Daemon({
      profileDir: dir,
      secrets: memorySecrets(),
      connectors,
      engine: {
        loop: { backoff: { baseMs: 20, maxMs: 200 }, pollIntervalMs: 100 },
        outbox: { backoff: { baseMs: 20, maxMs: 200 } },
      },
    });
    account = await call<Account>('accounts.add', {
      protocol: 'jmap-mail',
      server: cyrus.url,
      username: 'test',
      password: 'testpw',
    });
  });

  after(async () => {
    await daemon?.close();
    await cyrus?.stop();
    await sink?.close();
    cleanupDir?.();
  });

  test('initial sync shows threaded mail newest first, then backfills older mail', async () => {
    const lunch = await waitFor('the lunch thread with both mails', () => {
      const c = chatNamed('Lunch plans');
      return c && messagesOf(c).length === 2 ? c : null;
    });
    const thread = messagesOf(lunch).reverse(); // the page is newest first
    assert.deepEqual(
      thread.map((m) => m.senderName),
      ['Ann Example', 'Bob'],
    );
    assert.deepEqual(
      thread.map((m) => m.subject),
      ['Lunch plans', 'Re: Lunch plans'],
    );
    assert.ok(thread[0]!.ts < thread[1]!.ts);
    // Newest first in the chat list too.
    const names = chats().map((c) => c.name);
    assert.ok(names.indexOf('Newsletter') < names.indexOf('Lunch plans'));
    assert.match(thread[1]!.body, /noon works/);
    assert.equal(thread[1]!.kind, 'mail');
    assert.equal(
      thread[1]!.replyToRemoteId,
      thread[0]!.remoteId,
      'In-Reply-To resolved to the message it answers',
    );
    assert.equal(lunch.kind, 'mail');
    assert.equal(lunch.unreadCount, 2);
    const news = messagesOf(chatNamed('Newsletter'))[0]!;
    assert.match(
      news.html ?? '',
      /<script>alert\(1\)<\/script>/,
      'HTML is stored as received; the renderer sanitizes',
    );
    assert.equal(news.body.trim(), 'Hello world');
    const raw = JSON.parse(
      daemon.store.db
        .prepare(`SELECT raw_json FROM messages WHERE id = ?`)
        .pluck()
        .get(news.id) as string,
    );
    assert.deepEqual(raw.cc, [{ name: 'Carol', email: 'carol@example.org' }]);
    assert.ok(
      Array.isArray(raw.messageId) && 'keywords' in raw && 'receivedAt' in raw && 'sentAt' in raw,
    );
    const inbox = daemon.store.db
      .prepare(`SELECT name, kind, role FROM spaces WHERE account_id = ? AND role = 'inbox'`)
      .get(account.id);
    assert.deepEqual(inbox, { name: 'Inbox', kind: 'mailbox', role: 'inbox' });
    // The window held the 4 newest mails; backfill brings the 3 older ones.
    await waitFor('backfilled old mail', () =>
      ['Old news 0', 'Old news 1', 'Old news 2', 'Old news 3'].every((s) => chatNamed(s)),
    );
    assert.equal(daemon.store.writer.cursor(account.id, 'Email.backfill'), 'done');
  });

  test('changes are picked up: new mail, a flag set by another client, a deletion', async () => {
    await cyrus.deliver('test', mail({ subject: 'Fresh arrival', body: 'just in' }));
    const fresh = await waitFor('the new mail', () => chatNamed('Fresh arrival'));
    assert.equal(messagesOf(fresh)[0]!.body.trim(), 'just in');

    const [id] = await other().emailIdsWithSubject('Newsletter');
    await other().call('Email/set', {
      update: { [id!]: { 'keywords/$flagged': true, 'keywords/$seen': true } },
    });
    await waitFor('the flag and read state from the other client', () => {
      const raw = daemon.store.db
        .prepare(`SELECT raw_json FROM messages WHERE remote_id = ?`)
        .pluck()
        .get(id) as string;
      return (
        JSON.parse(raw).keywords?.$flagged === true && chatNamed('Newsletter')?.unreadCount === 0
      );
    });
    // Marked unread again by the other client: unread here too ($seen is the server's).
    await other().call('Email/set', { update: { [id!]: { 'keywords/$seen': null } } });
    await waitFor(
      'unread again from the other client',
      () => chatNamed('Newsletter')?.unreadCount === 1,
    );

    const [gone] = await other().emailIdsWithSubject('Fresh arrival');
    await other().call('Email/set', { destroy: [gone] });
    await waitFor('the deletion', () =>
      messagesOf(chatNamed('Fresh arrival')).every((m) => m.deleted),
    );
  });

  test('a state the server cannot calculate changes from leads to a clean resync', async () => {
    await daemon.engine.stop(account.id);
    await cyrus.deliver('test', mail({ subject: 'While we were away' }));
    daemon.store.writer.apply(account.id, { cursors: { Email: 'bogus-state-from-an-old-server' } });
    await daemon.engine.syncOnce(account.id);
    assert.ok(chatNamed('While we were away'), 'the mail that arrived meanwhile is there');
    assert.match(
      daemon.store.writer.cursor(account.id, 'Email') ?? '',
      /^\d+$/,
      'a fresh state was committed',
    );
    assert.equal(daemon.store.accounts.get(account.id)!.status, 'active');
    await daemon.engine.start(account.id);
  });

  test('a reply reaches the SMTP sink and appears in Sent, without a duplicate', async () => {
    const lunch = chatNamed('Lunch plans')!;
    const before = sink.messages.length;
    const { outboxId } = await call<{ outboxId: number }>('messages.send', {
      chatId: lunch.id,
      body: 'See you at noon!',
    });
    const entry = await daemon.engine.settled(outboxId, AbortSignal.timeout(15_000));
    assert.equal(entry.state, 'sent', entry.lastError ?? '');
    const out = await waitFor('the mail at the SMTP sink', () => sink.messages[before]);
    assert.deepEqual(out.to, ['bob@example.org']);
    assert.match(out.data, /^In-Reply-To: <lunch-2@example\.org>/m);
    assert.match(out.data, /^Subject: Re: Lunch plans/m);
    assert.match(out.data, /See you at noon!/);
    const sentBox = await other().mailboxId('sent');
    // The sync may first see the draft (Email/set runs before the submission
    // moves it): wait until the copy in the store is the one in Sent.
    const rawOf = (id: number) =>
      JSON.parse(
        (daemon.store.db.prepare(`SELECT raw_json FROM messages WHERE id = ?`).pluck().get(id) as
          string | null) ?? 'null',
      ) as { mailboxIds: Record<string, boolean>; keywords: Record<string, boolean> } | null;
    const sent = await waitFor('the reply in the thread, from the Sent mailbox', () => {
      const mine = messagesOf(chatNamed('Lunch plans')).filter((m) =>
        m.body.includes('See you at noon!'),
      );
      const raw = mine[0] && rawOf(mine[0].id);
      return mine.length === 1 && raw?.mailboxIds[sentBox!] && !raw.keywords.$draft
        ? mine[0]
        : null;
    });
    assert.equal(sent.outboxState, null, 'the local echo was confirmed, not duplicated');

    // Reply-all goes to the sender and everyone else but me.
    const news = messagesOf(chatNamed('Newsletter'))[0]!;
    const all = await call<{ outboxId: number }>('mail.send', {
      chatId: news.chatId,
      mode: 'replyAll',
      replyToMessageId: news.id,
      body: 'Thanks all',
    });
    assert.equal(
      (await daemon.engine.settled(all.outboxId, AbortSignal.timeout(15_000))).state,
      'sent',
    );
    const replyAll = await waitFor('the reply-all at the sink', () =>
      sink.messages.find((m) => m.data.includes('Thanks all')),
    );
    assert.deepEqual([...replyAll.to].sort(), ['ann@example.org', 'carol@example.org']);

    // A draft is saved to the server, not sent.
    const draft = await call<{ outboxId: number }>('mail.send', {
      chatId: news.chatId,
      mode: 'reply',
      body: 'Unfinished thought',
      saveDraftOnly: true,
    });
    assert.equal(
      (await daemon.engine.settled(draft.outboxId, AbortSignal.timeout(15_000))).state,
      'sent',
    );
    const draftsBox = await other().mailboxId('drafts');
    const drafts = (await other().call('Email/query', { filter: { inMailbox: draftsBox } }))
      .ids as string[];
    assert.equal(drafts.length, 1);
    assert.ok(!sink.messages.some((m) => m.data.includes('Unfinished thought')));
  });

  test('a reply to a mail with In-Reply-To but no References keeps the whole chain', async () => {
    // Many simple clients write only In-Reply-To; RFC 5322 §3.6.4 then makes
    // the reply's References the parent's In-Reply-To and its Message-ID.
    const raw = [
      'From: Dan <dan@example.org>',
      'To: test@localhost',
      'Subject: Re: Chain',
      'Message-ID: <chain-2@example.org>',
      'In-Reply-To: <chain-1@example.org>',
      `Date: ${new Date().toUTCString().replace('GMT', '+0000')}`,
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'Second in the chain',
      '',
    ].join('\r\n');
    await cyrus.deliver('test', raw);
    const chat = await waitFor('the chain mail', () => chatNamed('Re: Chain'));
    const before = sink.messages.length;
    const { outboxId } = await call<{ outboxId: number }>('messages.send', {
      chatId: chat.id,
      body: 'Third in the chain',
    });
    const entry = await daemon.engine.settled(outboxId, AbortSignal.timeout(15_000));
    assert.equal(entry.state, 'sent', entry.lastError ?? '');
    const out = await waitFor('the reply at the sink', () =>
      sink.messages.slice(before).find((m) => m.data.includes('Third in the chain')),
    );
    assert.match(out.data, /^In-Reply-To: <chain-2@example\.org>/m);
    const references = /^References:((?:.*\r?\n[ \t].*)*.*)$/m.exec(out.data)?.[1] ?? '';
    assert.deepEqual(references.trim().split(/\s+/), [
      '<chain-1@example.org>',
      '<chain-2@example.org>',
    ]);
  });

  test('actions through the outbox: read, flag, archive, delete to Trash, destroy from Trash', async () => {
    await cyrus.deliver('test', mail({ subject: 'Act on me', body: 'please' }));
    const chat = await waitFor('the mail to act on', () => chatNamed('Act on me'));
    const msg = messagesOf(chat)[0]!;
    const settle = async (p: Promise<{ outboxId: number }>) => {
      const e = await daemon.engine.settled((await p).outboxId, AbortSignal.timeout(15_000));
      assert.equal(e.state, 'sent', e.lastError ?? '');
    };
    const server = async () => {
      const r = await other().call('Email/get', {
        ids: [msg.remoteId],
        properties: ['keywords', 'mailboxIds'],
      });
      return (
        (
          r.list as { keywords: Record<string, boolean>; mailboxIds: Record<string, boolean> }[]
        )[0] ?? null
      );
    };
    assert.equal(chat.unreadCount, 1);
    await call('chats.markRead', { chatId: chat.id, messageId: msg.id });
    await waitFor('$seen on the server', async () => (await server())?.keywords.$seen);
    await waitFor('read here', () => chatNamed('Act on me')?.unreadCount === 0);
    const unmarking = call<{ outboxId: number }>('mail.setKeyword', {
      messageId: msg.id,
      keyword: 'seen',
      value: false,
    });
    assert.equal(chatNamed('Act on me')?.unreadCount, 1, 'unread at once, before the server');
    await settle(unmarking);
    assert.ok(!(await server())!.keywords.$seen, 'marked unread again');
    await settle(call('mail.setKeyword', { messageId: msg.id, keyword: 'flagged', value: true }));
    assert.ok((await server())!.keywords.$flagged);
    await settle(call('mail.move', { messageId: msg.id, to: 'archive' }));
    const archive = await other().mailboxId('archive');
    assert.deepEqual(Object.keys((await server())!.mailboxIds), [archive]);
    await settle(call('messages.delete', { messageId: msg.id }));
    const trash = await other().mailboxId('trash');
    assert.deepEqual(
      Object.keys((await server())!.mailboxIds),
      [trash],
      'the first delete moves to Trash',
    );
    await waitFor('the move seen by sync', () => {
      const raw = daemon.store.db
        .prepare(`SELECT raw_json FROM messages WHERE id = ?`)
        .pluck()
        .get(msg.id) as string;
      return JSON.parse(raw).mailboxIds[trash!];
    });
    await settle(call('messages.delete', { messageId: msg.id }));
    assert.equal(await server(), null, 'deleting from Trash destroys it');
    await waitFor('the destroyed mail gone from the thread', () =>
      messagesOf(chatNamed('Act on me')).every((m) => m.deleted),
    );
  });

  test('attachments: sizes at sync, bytes fetched once on demand, deduplicated', async () => {
    const data = randomBytes(50_000);
    const attachment = { name: 'report.pdf', mime: 'application/pdf', data };
    await cyrus.deliver('test', mail({ subject: 'Report v1', attachment }));
    await cyrus.deliver('test', mail({ subject: 'Report again', attachment }));
    const [a, b] = await waitFor('both mails with their attachment metadata', () => {
      const list = ['Report v1', 'Report again'].map(
        (s) => messagesOf(chatNamed(s))[0]?.attachments[0],
      );
      return list.every(Boolean) ? list : null;
    });
    assert.equal(a!.name, 'report.pdf');
    assert.equal(a!.mime, 'application/pdf');
    assert.ok(Math.abs(a!.size! - data.length) < 100, `size shown before download (${a!.size})`);
    assert.equal(a!.blobSha256, null, 'nothing downloaded during sync');
    const start = downloads;
    const [first, second] = await Promise.all([
      call<{ sha256: string; size: number }>('mail.fetchAttachment', { attachmentId: a!.id }),
      call<{ sha256: string; size: number }>('mail.fetchAttachment', { attachmentId: a!.id }),
    ]);
    const third = await call<{ sha256: string }>('mail.fetchAttachment', { attachmentId: b!.id });
    assert.equal(downloads - start, 1, 'downloaded once for both mails');
    assert.equal(first.sha256, createHash('sha256').update(data).digest('hex'));
    assert.equal(second.sha256, first.sha256);
    assert.equal(third.sha256, first.sha256);
    assert.ok(readFileSync(daemon.store.blobs.pathOf(first.sha256)).equals(data));
    assert.equal(
      messagesOf(chatNamed('Report again'))[0]!.attachments[0]!.blobSha256,
      first.sha256,
    );
  });

  test('inline photos (in textBody/htmlBody, not in attachments) show as attachments', async () => {
    // What an iPhone sends: text, an inline JPEG, more text in multipart/mixed;
    // and a mail that is a single PNG. RFC 8621 puts both pictures into
    // textBody and htmlBody and leaves Email.attachments empty (Cyrus does).
    const jpeg = randomBytes(3000);
    const b = 'inlinephoto';
    await cyrus.deliver(
      'test',
      [
        'From: Ann Example <ann@example.org>',
        'To: test@localhost',
        'Subject: Holiday photo',
        `Message-ID: <photo.${Date.now()}@example.org>`,
        'MIME-Version: 1.0',
        `Content-Type: multipart/mixed; boundary="${b}"`,
        '',
        `--${b}`,
        'Content-Type: text/plain; charset=utf-8',
        '',
        'Look at this:',
        `--${b}`,
        'Content-Type: image/jpeg; name="IMG_0001.jpg"',
        'Content-Disposition: inline; filename="IMG_0001.jpg"',
        'Content-Transfer-Encoding: base64',
        '',
        jpeg.toString('base64').replace(/.{76}/g, '$&\r\n'),
        `--${b}`,
        'Content-Type: text/plain; charset=utf-8',
        '',
        'Nice, eh?',
        `--${b}--`,
        '',
      ].join('\r\n'),
    );
    const png = Buffer.concat([
      Buffer.from('89504e470d0a1a0a', 'hex'),
      Buffer.from('not a real picture'),
    ]);
    await cyrus.deliver(
      'test',
      [
        'From: Ann Example <ann@example.org>',
        'To: test@localhost',
        'Subject: Just a picture',
        `Message-ID: <png.${Date.now()}@example.org>`,
        'MIME-Version: 1.0',
        'Content-Type: image/png',
        'Content-Transfer-Encoding: base64',
        '',
        png.toString('base64'),
        '',
      ].join('\r\n'),
    );
    const photo = await waitFor(
      'the holiday photo mail',
      () => messagesOf(chatNamed('Holiday photo'))[0],
    );
    assert.match(photo.body, /Look at this:[\s\S]*Nice, eh\?/);
    assert.deepEqual(
      photo.attachments.map((a) => [a.name, a.mime]),
      [['IMG_0001.jpg', 'image/jpeg']],
      'the inline photo is shown',
    );
    const got = await call<{ sha256: string }>('mail.fetchAttachment', {
      attachmentId: photo.attachments[0]!.id,
    });
    assert.equal(got.sha256, createHash('sha256').update(jpeg).digest('hex'));

    const lone = await waitFor(
      'the picture-only mail',
      () => messagesOf(chatNamed('Just a picture'))[0],
    );
    assert.deepEqual(
      lone.attachments.map((a) => a.mime),
      ['image/png'],
    );
    assert.equal(lone.body, '', 'no raw bytes of the picture as text');
    assert.ok(
      !(chatNamed('Just a picture')!.lastMessagePreview ?? '').includes('PNG'),
      'the chat list does not preview the bytes',
    );
  });

  test('a 10 MB attachment arrives intact', async () => {
    const data = randomBytes(10 * 1024 * 1024);
    await cyrus.deliver(
      'test',
      mail({
        subject: 'Big file',
        attachment: { name: 'big.bin', mime: 'application/octet-stream', data },
      }),
    );
    const att = await waitFor(
      'the big attachment',
      () => messagesOf(chatNamed('Big file'))[0]?.attachments[0],
      30_000,
    );
    const got = await call<{ sha256: string; size: number }>('mail.fetchAttachment', {
      attachmentId: att.id,
    });
    assert.equal(got.size, data.length);
    assert.equal(got.sha256, createHash('sha256').update(data).digest('hex'));
  });

  test('malformed session or method responses give a clear error and lose nothing', async () => {
    // A tiny proxy in front of the real Cyrus that corrupts answers on demand.
    let mode: 'pass' | 'session' | 'emailGet' = 'session';
    const proxy: Server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const body = Buffer.concat(chunks);
      const upstream = await fetch(`${cyrus.url}${req.url}`, {
        method: req.method,
        headers: {
          authorization: req.headers.authorization ?? '',
          'content-type': req.headers['content-type'] ?? 'application/json',
        },
        body: req.method === 'POST' ? body : undefined,
      });
      let text = Buffer.from(await upstream.arrayBuffer()).toString('utf8');
      if (mode === 'session' && /^\/(jmap\/?$|\.well-known\/jmap)/.test(req.url ?? ''))
        text = text.replace('"apiUrl"', '"apiURL"');
      if (mode === 'emailGet' && body.includes('"Email/get"')) {
        const json = JSON.parse(text);
        for (const [name, args] of json.methodResponses)
          if (name === 'Email/get') for (const e of args.list) if ('threadId' in e) e.threadId = 42;
        text = JSON.stringify(json);
      }
      res.writeHead(upstream.status, {
        'content-type': upstream.headers.get('content-type') ?? 'application/json',
      });
      res.end(text);
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()));
    const proxied = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    const { dir, cleanup } = tempDir('parley-jmap-proxy-');
    const connectors = new ConnectorRegistry().register(
      'jmap-mail',
      () => new JmapMailConnector({ defaultMailDomain: 'localhost', pollIntervalMs: 100 }),
    );
    const d = new Daemon({
      profileDir: dir,
      secrets: memorySecrets(),
      connectors,
      engine: { loop: { backoff: { baseMs: 10, maxMs: 20 } } },
    });
    try {
      const bad = await d.call('accounts.add', {
        protocol: 'jmap-mail',
        server: proxied,
        username: 'test',
        password: 'testpw',
      });
      assert.equal(bad.ok ? null : bad.error.code, 'auth_failed');
      assert.match(bad.ok ? '' : bad.error.message, /session .* is malformed: apiUrl/);
      assert.equal(d.store.accounts.list().length, 0);

      mode = 'pass';
      const added = await d.call('accounts.add', {
        protocol: 'jmap-mail',
        server: proxied,
        username: 'test',
        password: 'testpw',
      });
      assert.ok(added.ok);
      const acct = (added.value as Account).id;
      await waitFor(
        'the first sync',
        () =>
          d.store.accounts.get(acct)?.status === 'active' && d.store.writer.cursor(acct, 'Email'),
      );
      await d.engine.stop(acct);
      const count = () =>
        d.store.db
          .prepare(`SELECT count(*) FROM messages WHERE account_id = ?`)
          .pluck()
          .get(acct) as number;
      const messagesBefore = count();
      const cursorBefore = d.store.writer.cursor(acct, 'Email');

      mode = 'emailGet';
      await cyrus.deliver('test', mail({ subject: 'Through the broken proxy' }));
      await assert.rejects(d.engine.syncOnce(acct, { maxAttempts: 1 }), (err: Error) => {
        assert.equal(err.name, 'ProtocolError');
        assert.match(err.message, /Email\/get response is malformed: threadId/);
        return true;
      });
      assert.equal(
        count(),
        messagesBefore,
        'nothing applied from the malformed answer, nothing lost',
      );
      assert.equal(
        d.store.writer.cursor(acct, 'Email'),
        cursorBefore,
        'the cursor did not move past it',
      );
      assert.match(
        d.store.accounts.get(acct)!.statusDetail ?? '',
        /ProtocolError: Email\/get response is malformed/,
      );

      mode = 'pass';
      await d.engine.syncOnce(acct);
      assert.ok(
        d.store.read.chats({ accountId: acct }).some((c) => c.name === 'Through the broken proxy'),
      );
      assert.equal(d.store.accounts.get(acct)!.status, 'active');
    } finally {
      await d.close();
      cleanup();
      await new Promise<void>((r) => proxy.close(() => r()));
    }
  });
});
