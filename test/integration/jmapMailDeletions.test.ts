// JMAP Mail against a real Cyrus (one server for the file): mail and mailboxes
// deleted by another client while Parley was away or could not follow the
// server's changes. The user must see them gone, and a sync that breaks off
// half-way must lose nothing.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Daemon } from '../../main/daemon/daemon.js';
import { ConnectorRegistry } from '../../main/daemon/connectors/registry.js';
import { JmapMailConnector } from '../../main/daemon/connectors/jmap-mail/connector.js';
import type { Account, ChatSummary, MessageView } from '../../main/daemon/model/types.js';
import type { SpaceListing } from '../../main/daemon/store/spaces.js';
import { cyrusInstalled, startCyrus, type CyrusServer } from '../servers/cyrus/cyrusServer.js';
import { otherClient } from '../servers/cyrus/jmapAdmin.js';
import { memorySecrets, tempDir, waitFor } from '../helpers/fixtures.js';
import { requires } from '../helpers/prerequisites.js';

const skip = requires('Cyrus (cyrus-imapd)', cyrusInstalled(), 'run npm run setup:test');

let n = 0;
/** A mail; `messageId` names it so that a later one can answer it (`inReplyTo`: one thread). */
function mail(subject: string, o: { messageId?: string; inReplyTo?: string } = {}): string {
  return [
    'From: Ann Example <ann@example.org>',
    'To: Test User <test@localhost>',
    `Subject: ${subject}`,
    `Message-ID: ${o.messageId ?? `<gone${++n}.${Date.now()}@example.org>`}`,
    ...(o.inReplyTo ? [`In-Reply-To: ${o.inReplyTo}`, `References: ${o.inReplyTo}`] : []),
    `Date: ${new Date().toUTCString().replace('GMT', '+0000')}`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    `Body of ${subject}`,
    '',
  ].join('\r\n');
}

describe('JMAP Mail: deletions Parley must not miss (real Cyrus)', { skip }, () => {
  let cyrus: CyrusServer;
  let daemon: Daemon;
  let cleanupDir: () => void;
  let account: Account;
  /** When set, the next JMAP request whose body it matches fails as a dropped connection. */
  let dropWhen: ((body: string) => boolean) | null = null;
  const other = () => otherClient(cyrus.url, 'test', 'testpw');
  const chats = (): ChatSummary[] => daemon.store.read.chats({ accountId: account.id });
  const chatNamed = (name: string) => chats().find((c) => c.name === name);
  const messagesOf = (chat: ChatSummary | undefined): MessageView[] =>
    chat ? daemon.store.read.messages(chat.id, { limit: 500 }) : [];
  /** Shown as deleted (or not shown at all): what the user sees of a destroyed mail. */
  const goneHere = (subject: string) => messagesOf(chatNamed(subject)).every((m) => m.deleted);
  const shownHere = (subject: string) => {
    const list = messagesOf(chatNamed(subject));
    return list.length > 0 && list.every((m) => !m.deleted);
  };
  const spaces = async () =>
    (await call<SpaceListing[]>('spaces.list', { accountId: account.id })).map((s) => s.name);
  const call = async <T>(name: string, input: unknown): Promise<T> => {
    const r = await daemon.call(name, input);
    if (!r.ok) throw new Error(`${name}: ${r.error.code} ${r.error.message}`);
    return r.value as T;
  };
  const destroy = async (subject: string) => {
    const ids = await other().emailIdsWithSubject(subject);
    assert.equal(ids.length, 1, subject);
    await other().call('Email/set', { destroy: ids });
  };

  before(async () => {
    cyrus = await startCyrus();
    await cyrus.createUser('test', 'testpw');
    // Six mails an hour apart, oldest first: the window holds the newest two,
    // backfill brings the other four.
    const admin = otherClient(cyrus.url, 'test', 'testpw');
    for (let i = 0; i < 6; i++)
      await admin.importMail(mail(`Old news ${i}`), {
        receivedAt: new Date(Date.now() - (10 - i) * 3_600_000),
      });
    const { dir, cleanup } = tempDir('parley-jmap-gone-');
    cleanupDir = cleanup;
    const connectors = new ConnectorRegistry().register(
      'jmap-mail',
      () =>
        new JmapMailConnector({
          windowSize: 2,
          pageSize: 2,
          // Held mail is checked three ids at a time: the check pages.
          checkPageSize: 3,
          pollIntervalMs: 100,
          defaultMailDomain: 'localhost',
          fetch: async (input, init) => {
            const body = typeof init?.body === 'string' ? init.body : '';
            if (dropWhen?.(body)) {
              dropWhen = null;
              throw new TypeError('fetch failed (the test dropped the connection)');
            }
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
    await waitFor('all six mails, backfill done', () =>
      [0, 1, 2, 3, 4, 5].every((i) => shownHere(`Old news ${i}`)),
    );
  });

  after(async () => {
    await daemon?.close();
    await cyrus?.stop();
    cleanupDir?.();
  });

  /** Runs `body` with the account's live sync stopped, and starts it again whatever happens. */
  const whileStopped = async (body: () => Promise<void>) => {
    await daemon.engine.stop(account.id);
    try {
      await body();
    } finally {
      await daemon.engine.start(account.id);
    }
  };

  test('mail deleted while the server could not say what changed is gone after the resync', () =>
    whileStopped(async () => {
      // Deleted by another client while Parley is stopped: one below the
      // window, one in it.
      await destroy('Old news 0');
      await destroy('Old news 5');
      // The server no longer knows our state (too old, or a restored server):
      // Email/changes answers cannotCalculateChanges.
      daemon.store.writer.apply(account.id, { cursors: { Email: 'a-state-the-server-forgot' } });
      await daemon.engine.syncOnce(account.id);
      assert.ok(goneHere('Old news 0'), 'the old mail below the window is gone');
      assert.ok(goneHere('Old news 5'), 'the mail in the window is gone');
      for (const i of [1, 2, 3, 4]) assert.ok(shownHere(`Old news ${i}`), `Old news ${i} stays`);
      assert.match(daemon.store.writer.cursor(account.id, 'Email') ?? '', /^\d+$/);
    }));

  test('a resync the server drops half-way loses nothing: the next one finishes it', () =>
    whileStopped(async () => {
      await destroy('Old news 1');
      daemon.store.writer.apply(account.id, { cursors: { Email: 'a-state-the-server-forgot' } });
      // The connection drops while held mail is being checked (Email/get of
      // ids, after the window).
      dropWhen = (body) =>
        body.includes('"Email/get"') &&
        /"ids":\["/.test(body) &&
        body.includes('"properties":["id"]');
      await assert.rejects(daemon.engine.syncOnce(account.id, { maxAttempts: 1 }));
      assert.equal(dropWhen, null, 'the check was reached and dropped');
      assert.equal(
        daemon.store.writer.cursor(account.id, 'Email'),
        'a-state-the-server-forgot',
        'no new state without the check that goes with it',
      );
      await daemon.engine.syncOnce(account.id);
      assert.ok(goneHere('Old news 1'), 'the next sync resynced again and found it gone');
      for (const i of [2, 3, 4]) assert.ok(shownHere(`Old news ${i}`));
      assert.match(daemon.store.writer.cursor(account.id, 'Email') ?? '', /^\d+$/);
    }));

  /** Two threads of two mails each, shown here; returns their chats' remote ids. */
  const twoThreads = async (a: string, b: string) => {
    // An hour old: below the newer mail of later tests in a resync's window.
    const receivedAt = new Date(Date.now() - 3_600_000);
    for (const subject of [a, b]) {
      const first = `<${subject.replace(/\W/g, '')}.${Date.now()}@example.org>`;
      await other().importMail(mail(subject, { messageId: first }), { receivedAt });
      await other().importMail(mail(`Re: ${subject}`, { inReplyTo: first }), { receivedAt });
    }
    return waitFor('both threads, two mails each', () => {
      // By the first mail's text: the name is the first mail's subject, and
      // mails of the same second may come in either order.
      const ids = [a, b].map((subject) => {
        const chat = chats().find((c) =>
          messagesOf(c).some((m) => m.body === `Body of ${subject}\n`),
        );
        const list = messagesOf(chat);
        return list.length === 2 && list.every((m) => !m.deleted) ? chat!.remoteId : null;
      });
      return ids[0] && ids[1] ? ([ids[0], ids[1]] as const) : null;
    });
  };
  const chatHeld = (remoteId: string) => chats().find((c) => c.remoteId === remoteId);
  /** Destroys every mail with one of these exact subjects; each must be there. */
  const destroyAll = async (...subjects: string[]) => {
    const ids = await Promise.all(subjects.map((s) => other().emailIdsWithSubject(s)));
    subjects.forEach((s, i) => assert.equal(ids[i]!.length, 1, s));
    const r = await other().call('Email/set', { destroy: ids.flat() });
    assert.equal((r.destroyed as string[]).length, subjects.length);
  };

  test('a thread whose mails another client destroys leaves the chat list; one of two destroyed keeps it', async () => {
    const [lunch, trip] = await twoThreads('Lunch plans', 'Trip plans');
    await whileStopped(async () => {
      // Both Lunch mails go, and the first of the two Trip mails.
      await destroyAll('Lunch plans', 'Re: Lunch plans', 'Trip plans');
      await daemon.engine.syncOnce(account.id);
    });
    assert.equal(chatHeld(lunch), undefined, 'the emptied thread is gone from the chat list');
    assert.ok(
      chats().every((c) => messagesOf(c).some((m) => !m.deleted)),
      'no chat shows only "This message was deleted."',
    );
    const left = messagesOf(chatHeld(trip)).filter((m) => !m.deleted);
    assert.equal(left.length, 1, 'the thread with one mail left stays, with that mail');
  });

  test('a thread emptied while Parley could not follow thread changes goes after the check', async () => {
    const [dinner, games] = await twoThreads('Dinner plans', 'Games night');
    await whileStopped(async () => {
      await destroyAll('Dinner plans', 'Re: Dinner plans');
      // Neither Email nor Thread changes can be calculated from these states.
      daemon.store.writer.apply(account.id, {
        cursors: { Email: 'a-state-the-server-forgot', Thread: 'a-state-the-server-forgot' },
      });
      await daemon.engine.syncOnce(account.id);
    });
    assert.equal(chatHeld(dinner), undefined, 'the emptied thread is gone from the chat list');
    assert.equal(messagesOf(chatHeld(games)).filter((m) => !m.deleted).length, 2);
  });

  test('a deleted mailbox goes; a thread moved out of it first stays, its own mail goes', async () => {
    const created = await other().call('Mailbox/set', {
      create: { p: { name: 'Projects', parentId: null } },
    });
    const projects = (created.created as Record<string, { id: string }>).p!.id;
    await other().importMail(mail('Plan A'), { mailboxId: projects });
    await other().importMail(mail('Plan B'), { mailboxId: projects });
    await waitFor('the Projects mailbox with both plans', async () => {
      const space = (await call<SpaceListing[]>('spaces.list', { accountId: account.id })).find(
        (s) => s.name === 'Projects',
      );
      return (
        space &&
        ['Plan A', 'Plan B'].every((s) => chatNamed(s)?.spaceId === space.id && shownHere(s))
      );
    });

    // Both happen while Parley is stopped, so one sync meets them together.
    await whileStopped(async () => {
      // Another client moves Plan B to the Inbox, then deletes the mailbox with
      // what is left in it (Plan A).
      const inbox = (await other().mailboxId('inbox'))!;
      const [planB] = await other().emailIdsWithSubject('Plan B');
      assert.ok(planB, 'the other client finds Plan B');
      const moved = await other().call('Email/set', {
        update: { [planB]: { mailboxIds: { [inbox]: true } } },
      });
      assert.deepEqual(
        Object.keys((moved.updated ?? {}) as object),
        [planB],
        'Plan B moved to the Inbox',
      );
      const destroyed = await other().call('Mailbox/set', {
        destroy: [projects],
        onDestroyRemoveEmails: true,
      });
      assert.deepEqual(destroyed.destroyed, [projects]);
    });

    await waitFor('the mailbox gone', async () => !(await spaces()).includes('Projects'));
    await waitFor('Plan A gone with its mailbox', () => goneHere('Plan A'));
    const inboxSpace = (await call<SpaceListing[]>('spaces.list', { accountId: account.id })).find(
      (s) => s.name === 'Inbox',
    )!;
    await waitFor(
      'Plan B shown in the Inbox',
      () => chatNamed('Plan B')?.spaceId === inboxSpace.id,
    );
    assert.ok(shownHere('Plan B'), 'the moved mail is still there');
  });

  test('a mailbox deleted while Parley could not follow mailbox changes goes too', async () => {
    const created = await other().call('Mailbox/set', {
      create: { r: { name: 'Receipts', parentId: null } },
    });
    const receipts = (created.created as Record<string, { id: string }>).r!.id;
    await waitFor('the Receipts mailbox', async () => (await spaces()).includes('Receipts'));
    await whileStopped(async () => {
      await other().call('Mailbox/set', { destroy: [receipts] });
      daemon.store.writer.apply(account.id, { cursors: { Mailbox: 'a-state-the-server-forgot' } });
      await daemon.engine.syncOnce(account.id);
      assert.ok(!(await spaces()).includes('Receipts'), 'gone after reloading every mailbox');
      assert.ok((await spaces()).includes('Inbox'));
    });
  });
});
