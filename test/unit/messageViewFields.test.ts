// Every field of a message view, read through each way the timeline reads
// messages (a page, a page after an id, around a message, by ids): the read
// model takes rows as arrays and names them by position (readModel.ts), so a
// column out of order would put one field's value in another's place.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MessageView } from '../../main/daemon/model/types.js';
import { addAccount, message, tempStore } from '../helpers/fixtures.js';

const T0 = Date.UTC(2024, 0, 1);

test('a message view carries each stored field in its own place, on every read path', () => {
  const { store, cleanup } = tempStore();
  try {
    const account = addAccount(store);
    store.writer.apply(account.id, {
      chats: [{ remoteId: 'T1', kind: 'mail', name: 'Plans' }],
      people: [{ remoteId: '@ann', displayName: 'Ann', avatarUrl: 'mxc://x/ann' }],
      messages: [
        message('T1', 'root', T0, 'the first'),
        message('T1', 'M1', T0 + 1, 'plain body', {
          kind: 'mail',
          html: '<p>rich body</p>',
          subject: 'Subject line',
          replyToRemoteId: 'root',
          threadRootRemoteId: 'thread-start',
          editedTs: T0 + 5,
          mentionsSelf: true,
          mail: { from: [], to: [], cc: [], flagged: true, draft: false },
          encryption: { senderDevice: 'DEVICE1', trust: 'unverified' },
          attachments: [{ remoteId: 'a1', name: 'plan.pdf', mime: 'application/pdf', size: 42 }],
        }),
      ],
      reactionsAdded: [{ messageRemoteId: 'M1', senderRemoteId: '@bo', key: '👍', ts: T0 + 2 }],
    });
    const chat = store.read.chats()[0]!;
    const pending = store.outbox.enqueue(
      account.id,
      chat.id,
      { op: 'send', chatRemoteId: 'T1', body: 'on its way' },
      T0 + 10,
    );

    const expectM1 = (m: MessageView | undefined, path: string) => {
      assert.ok(m, path);
      assert.deepEqual(
        {
          chatId: m.chatId,
          accountId: m.accountId,
          remoteId: m.remoteId,
          senderName: m.senderName,
          senderRemoteId: m.senderRemoteId,
          ts: m.ts,
          kind: m.kind,
          body: m.body,
          html: m.html,
          subject: m.subject,
          replyToRemoteId: m.replyToRemoteId,
          threadRootRemoteId: m.threadRootRemoteId,
          edited: m.edited,
          deleted: m.deleted,
          outboxState: m.outboxState,
          mentionsMe: m.mentionsMe,
          starred: m.starred,
          draft: m.draft,
          encryption: m.encryption,
          senderAvatarUrl: m.senderAvatarUrl,
          attachments: m.attachments.map((a) => a.name),
          reactions: m.reactions.map((r) => `${r.key}×${r.count}`),
        },
        {
          chatId: chat.id,
          accountId: account.id,
          remoteId: 'M1',
          senderName: 'Ann',
          senderRemoteId: '@ann',
          ts: T0 + 1,
          kind: 'mail',
          body: 'plain body',
          html: '<p>rich body</p>',
          subject: 'Subject line',
          replyToRemoteId: 'root',
          threadRootRemoteId: 'thread-start',
          edited: true,
          deleted: false,
          outboxState: null,
          mentionsMe: true,
          starred: true,
          draft: false,
          encryption: { senderDevice: 'DEVICE1', trust: 'unverified' },
          senderAvatarUrl: 'mxc://x/ann',
          attachments: ['plan.pdf'],
          reactions: ['👍×1'],
        },
        path,
      );
    };
    const expectEcho = (m: MessageView | undefined, path: string) => {
      assert.ok(m, path);
      assert.deepEqual(
        [m.body, m.outboxState, m.remoteId, m.edited, m.mentionsMe, m.encryption],
        ['on its way', 'pending', null, false, false, null],
        path,
      );
    };

    const page = store.read.messages(chat.id, { limit: 50 });
    assert.deepEqual(
      page.map((m) => m.body),
      ['on its way', 'plain body', 'the first'],
      'newest first',
    );
    expectM1(page[1], 'a page');
    expectEcho(page[0], 'a page');
    const root = page[2]!;
    const after = store.read.messages(chat.id, { afterId: root.id, limit: 50 });
    expectM1(after[1], 'a page after an id');
    expectEcho(after[0], 'a page after an id');
    expectM1(store.read.messagesAround(chat.id, page[1]!.id)?.[1], 'around a message');
    const byIds = store.read.messagesById([page[1]!.id, pending.localMessageId!]);
    expectM1(
      byIds.find((m) => m.remoteId === 'M1'),
      'by ids',
    );
    expectEcho(
      byIds.find((m) => m.body === 'on its way'),
      'by ids',
    );
  } finally {
    cleanup();
  }
});
