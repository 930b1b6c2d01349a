// JMAP Mail against a real Cyrus (one server for the file): composing new mail
// with no thread (mail.compose), drafts, and the starred / draft flags on
// MessageView, driven through the daemon's API the way the app uses it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
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

describe('JMAP Mail: compose, drafts, starred (real Cyrus)', { skip }, () => {
  let cyrus: CyrusServer;
  let sink: SmtpSink;
  let daemon: Daemon;
  let cleanupDir: () => void;
  let account: Account;
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
  const mailboxesOf = (id: number) =>
    Object.keys(
      (
        JSON.parse(
          daemon.store.db
            .prepare(`SELECT raw_json FROM messages WHERE id = ?`)
            .pluck()
            .get(id) as string,
        ) as { mailboxIds: Record<string, boolean> }
      ).mailboxIds,
    );

  before(async () => {
    sink = await startSmtpSink();
    cyrus = await startCyrus({ smtpPort: sink.port });
    await cyrus.createUser('test', 'testpw');
    const { dir, cleanup } = tempDir('parley-jmap-compose-');
    cleanupDir = cleanup;
    daemon = new Daemon({
      profileDir: dir,
      secrets: memorySecrets(),
      connectors: new ConnectorRegistry().register(
        'jmap-mail',
        () => new JmapMailConnector({ pollIntervalMs: 100, defaultMailDomain: 'localhost' }),
      ),
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

  test('a new mail with no thread reaches the SMTP sink and appears in Sent as a new thread', async () => {
    const chatsBefore = chats().length;
    const { outboxId } = await call<{ outboxId: number }>('mail.compose', {
      accountId: account.id,
      to: [{ name: 'Bob', email: 'bob@example.org' }],
      cc: [{ email: 'carol@example.org' }],
      bcc: [{ email: 'dave@example.org' }],
      subject: 'Quarterly plans',
      body: 'Shall we meet on Monday?',
    });
    const entry = await daemon.engine.settled(outboxId, AbortSignal.timeout(15_000));
    assert.equal(entry.state, 'sent', entry.lastError ?? '');
    assert.equal(entry.chatId, null, 'queued without a thread');

    const out = await waitFor('the mail at the SMTP sink', () =>
      sink.messages.find((m) => m.data.includes('Shall we meet on Monday?')),
    );
    assert.deepEqual([...out.to].sort(), [
      'bob@example.org',
      'carol@example.org',
      'dave@example.org',
    ]);
    assert.match(out.data, /^Subject: Quarterly plans/m);
    assert.match(out.data, /^To: "?Bob"? <bob@example\.org>/m);
    assert.doesNotMatch(out.data, /^Bcc:/m, 'Bcc is not in the headers');
    assert.doesNotMatch(out.data, /^In-Reply-To:/m, 'a new thread, not a reply');

    const sentBox = await other().mailboxId('sent');
    const thread = await waitFor('a new thread from the Sent mailbox', () => {
      const c = chatNamed('Quarterly plans');
      const m = messagesOf(c)[0];
      return c && m && !m.draft && mailboxesOf(m.id).includes(sentBox!) ? c : null;
    });
    assert.equal(chats().length, chatsBefore + 1);
    const [sent] = messagesOf(thread);
    assert.equal(messagesOf(thread).length, 1);
    assert.equal(sent!.kind, 'mail');
    assert.match(sent!.body, /Shall we meet on Monday\?/);
    assert.equal(sent!.starred, false);
    assert.equal(sent!.draft, false);
  });

  test('saveDraftOnly keeps a new mail as a draft, shown with draft = true, never sent', async () => {
    const { outboxId } = await call<{ outboxId: number }>('mail.compose', {
      accountId: account.id,
      to: [],
      subject: 'Half-written idea',
      body: 'Maybe we could…',
      saveDraftOnly: true,
    });
    const entry = await daemon.engine.settled(outboxId, AbortSignal.timeout(15_000));
    assert.equal(entry.state, 'sent', entry.lastError ?? '');
    const draft = await waitFor(
      'the draft after sync',
      () => messagesOf(chatNamed('Half-written idea'))[0],
    );
    assert.equal(draft.draft, true);
    assert.equal(draft.starred, false);
    assert.ok(!sink.messages.some((m) => m.data.includes('Maybe we could')));

    // A mail with nobody to send it to is refused before it is queued.
    const none = await daemon.call('mail.compose', {
      accountId: account.id,
      to: [],
      subject: 'To nobody',
      body: 'x',
    });
    assert.equal(none.ok ? null : none.error.code, 'invalid_input');
  });

  test('a flag set by another client shows as starred after sync, and goes away again', async () => {
    const message = messagesOf(chatNamed('Quarterly plans'))[0]!;
    assert.equal(message.starred, false);
    await other().call('Email/set', {
      update: { [message.remoteId!]: { 'keywords/$flagged': true } },
    });
    await waitFor('starred after sync', () => messagesOf(chatNamed('Quarterly plans'))[0]?.starred);
    await other().call('Email/set', {
      update: { [message.remoteId!]: { 'keywords/$flagged': null } },
    });
    await waitFor(
      'not starred after the flag is removed',
      () => messagesOf(chatNamed('Quarterly plans'))[0]?.starred === false,
    );
    // Our own flag through the API round-trips the same way.
    const { outboxId } = await call<{ outboxId: number }>('mail.setKeyword', {
      messageId: message.id,
      keyword: 'flagged',
      value: true,
    });
    assert.equal(
      (await daemon.engine.settled(outboxId, AbortSignal.timeout(15_000))).state,
      'sent',
    );
    await waitFor('starred by us', () => messagesOf(chatNamed('Quarterly plans'))[0]?.starred);
  });
});
