// A window on a chat around one message (messages.around) and paging newer
// than a message (messages.page afterId): both newest first, like every page.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Daemon } from '../../main/daemon/daemon.js';
import { ConnectorRegistry } from '../../main/daemon/connectors/registry.js';
import type { Store } from '../../main/daemon/store/store.js';
import {
  addAccount,
  chatBatch,
  memorySecrets,
  message,
  tempDir,
  tempStore,
} from '../helpers/fixtures.js';

/** A chat of `n` messages "m1" … "mn"; returns the chat id and the message ids, oldest first. */
function seed(store: Store, n: number, chatRemoteId = '!r') {
  const account = addAccount(store);
  const msgs = Array.from({ length: n }, (_, i) =>
    message(chatRemoteId, `$${i + 1}`, 1000 + i, `m${i + 1}`),
  );
  store.writer.apply(account.id, chatBatch(chatRemoteId, 'Room', msgs));
  // A second chat interleaved by id must never leak into the first one's windows.
  store.writer.apply(
    account.id,
    chatBatch('!other', 'Other', [message('!other', '$x', 5000, 'other')]),
  );
  const chat = store.read.chats().find((c) => c.remoteId === chatRemoteId)!;
  const ids = store.read
    .messages(chat.id, { limit: 500 })
    .map((m) => m.id)
    .reverse();
  return { chatId: chat.id, ids };
}

const bodies = (list: { body: string }[]) => list.map((m) => m.body);

test('messagesAround: a middle message with older and newer neighbours, newest first', () => {
  const { store, cleanup } = tempStore();
  try {
    const { chatId, ids } = seed(store, 20);
    const around = store.read.messagesAround(chatId, ids[9]!, 3, 2)!;
    assert.deepEqual(bodies(around), ['m12', 'm11', 'm10', 'm9', 'm8', 'm7']);
    const defaults = store.read.messagesAround(chatId, ids[9]!)!;
    assert.equal(defaults.length, 20);
    assert.equal(defaults[0]!.body, 'm20');
    const only = store.read.messagesAround(chatId, ids[9]!, 0, 0)!;
    assert.deepEqual(bodies(only), ['m10']);
  } finally {
    cleanup();
  }
});

test('messagesAround: at the start and at the end of the chat the window is short on that side', () => {
  const { store, cleanup } = tempStore();
  try {
    const { chatId, ids } = seed(store, 10);
    assert.deepEqual(bodies(store.read.messagesAround(chatId, ids[0]!, 5, 2)!), ['m3', 'm2', 'm1']);
    assert.deepEqual(bodies(store.read.messagesAround(chatId, ids[9]!, 2, 5)!), [
      'm10',
      'm9',
      'm8',
    ]);
  } finally {
    cleanup();
  }
});

test('messagesAround: null for a message of another chat or no message at all', () => {
  const { store, cleanup } = tempStore();
  try {
    const { chatId } = seed(store, 3);
    const other = store.read.chats().find((c) => c.remoteId === '!other')!;
    const [otherMessage] = store.read.messages(other.id);
    assert.equal(store.read.messagesAround(chatId, otherMessage!.id), null);
    assert.equal(store.read.messagesAround(chatId, 999_999), null);
  } finally {
    cleanup();
  }
});

test('messages afterId pages toward the newest message, newest first', () => {
  const { store, cleanup } = tempStore();
  try {
    const { chatId, ids } = seed(store, 10);
    assert.deepEqual(bodies(store.read.messages(chatId, { afterId: ids[2]!, limit: 3 })), [
      'm6',
      'm5',
      'm4',
    ]);
    const seen: string[] = [];
    let after = ids[0]!;
    for (;;) {
      const page = store.read.messages(chatId, { afterId: after, limit: 4 });
      seen.push(...bodies(page).reverse());
      if (page.length < 4) break;
      after = page[0]!.id;
    }
    assert.deepEqual(
      seen,
      ids.slice(1).map((_, i) => `m${i + 2}`),
    );
    assert.deepEqual(store.read.messages(chatId, { afterId: ids[9]! }), []);
  } finally {
    cleanup();
  }
});

test('messages.around and messages.page afterId over the API', async () => {
  const { dir, cleanup } = tempDir();
  const daemon = new Daemon({
    profileDir: dir,
    secrets: memorySecrets(),
    connectors: new ConnectorRegistry(),
  });
  try {
    const { chatId, ids } = seed(daemon.store, 12);
    const around = await daemon.call('messages.around', {
      chatId,
      messageId: ids[5]!,
      before: 1,
      after: 1,
    });
    assert.ok(around.ok);
    assert.deepEqual(bodies(around.value as { body: string }[]), ['m7', 'm6', 'm5']);

    const missing = await daemon.call('messages.around', { chatId, messageId: 999_999 });
    assert.equal(missing.ok ? null : missing.error.code, 'not_found');
    const noChat = await daemon.call('messages.around', { chatId: 999_999, messageId: ids[0]! });
    assert.equal(noChat.ok ? null : noChat.error.code, 'not_found');
    const tooMany = await daemon.call('messages.around', {
      chatId,
      messageId: ids[0]!,
      before: 501,
    });
    assert.equal(tooMany.ok ? null : tooMany.error.code, 'invalid_input');

    const newer = await daemon.call('messages.page', { chatId, afterId: ids[9]!, limit: 5 });
    assert.ok(newer.ok);
    assert.deepEqual(bodies(newer.value as { body: string }[]), ['m12', 'm11']);
    const both = await daemon.call('messages.page', {
      chatId,
      beforeId: ids[5]!,
      afterId: ids[1]!,
    });
    assert.equal(both.ok ? null : both.error.code, 'invalid_input');
  } finally {
    await daemon.close();
    cleanup();
  }
});

test('a page shows each sender with their own account’s avatar, and attachments only where they are', () => {
  const { store, cleanup } = tempStore();
  try {
    const work = addAccount(store, 'work');
    const home = addAccount(store, 'home');
    const attachment = { remoteId: 'a1', name: 'plan.pdf', mime: 'application/pdf', size: 10 };
    store.writer.apply(work.id, {
      ...chatBatch('!r', 'Room', [
        message('!r', '$1', 1000, 'hello'),
        message('!r', '$2', 1001, 'see the plan', { attachments: [attachment] }),
        message('!r', '$3', 1002, 'from bob', { senderRemoteId: '@bob', senderName: 'Bob' }),
        message('!r', '$4', 1003, 'from nobody known', {
          senderRemoteId: '@zed',
          senderName: 'Zed',
        }),
      ]),
      people: [
        { remoteId: '@ann', displayName: 'Ann', avatarUrl: 'mxc://work/ann' },
        { remoteId: '@bob', displayName: 'Bob', avatarUrl: 'mxc://work/bob' },
      ],
    });
    // The same remote id in another account is another person with another avatar.
    store.writer.apply(home.id, {
      ...chatBatch('!h', 'Home', [message('!h', '$9', 1004, 'hi from home')]),
      people: [{ remoteId: '@ann', displayName: 'Ann', avatarUrl: 'mxc://home/ann' }],
    });
    const chatOf = (remoteId: string) =>
      store.read.chats().find((c) => c.remoteId === remoteId)!.id;
    const page = store.read.messages(chatOf('!r'));
    assert.deepEqual(
      page.map((m) => [m.body, m.senderAvatarUrl, m.attachments.map((a) => a.name)]),
      [
        ['from nobody known', null, []],
        ['from bob', 'mxc://work/bob', []],
        ['see the plan', 'mxc://work/ann', ['plan.pdf']],
        ['hello', 'mxc://work/ann', []],
      ],
    );
    assert.equal(store.read.messages(chatOf('!h'))[0]!.senderAvatarUrl, 'mxc://home/ann');
  } finally {
    cleanup();
  }
});
