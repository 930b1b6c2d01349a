// A chat whose history the server cleared (SyncBatch.clearedChats): its
// messages leave the timeline without tombstones, search stops finding them,
// the chat list's counts and preview follow, and what is newer than the clear
// (this batch's own messages, a send not confirmed yet) stays.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Store } from '../../main/daemon/store/store.js';
import { addAccount, chatBatch, message, tempStore } from '../helpers/fixtures.js';
import { allSearchHits } from '../helpers/searchPages.js';

const T0 = Date.UTC(2024, 0, 1);

function setup() {
  const t = tempStore();
  const account = addAccount(t.store);
  t.store.writer.apply(
    account.id,
    chatBatch('!a', 'Alpha', [
      message('!a', '$1', T0, 'zebra crossing', {
        attachments: [{ remoteId: 'f1', name: 'zebra.png', mime: 'image/png', size: 10 }],
      }),
      message('!a', '$2', T0 + 1000, '@me zebra again', { mentionsSelf: true }),
      message('!a', '$3', T0 + 2000, 'mine', { senderRemoteId: '@me' }),
    ]),
  );
  t.store.writer.apply(
    account.id,
    chatBatch('!b', 'Beta', [message('!b', '$b1', T0 + 500, 'zebra elsewhere')]),
  );
  const chatOf = (remoteId: string) => t.store.read.chats().find((c) => c.remoteId === remoteId)!;
  return { ...t, account, chatOf };
}

const bodies = (store: Store, chatId: number) =>
  store.read.messages(chatId, { limit: 50 }).map((m) => m.body);
const searchBodies = (store: Store, query: string) => {
  const ids = allSearchHits(store, query, 20);
  return store.read.messagesById(ids).map((m) => m.body);
};

test('clearing a chat removes its messages: no tombstones, no search hits, no unread, no preview', () => {
  const { store, account, chatOf, cleanup } = setup();
  try {
    const before = chatOf('!a');
    assert.equal(before.unreadCount, 2);
    assert.equal(before.mentionCount, 1);
    assert.equal(searchBodies(store, 'zebra').length, 3);
    const ids = store.read.messages(before.id, { limit: 50 }).map((m) => m.id);

    const result = store.writer.apply(account.id, { clearedChats: [{ chatRemoteId: '!a' }] });

    assert.deepEqual(bodies(store, before.id), [], 'the timeline is empty, not three tombstones');
    assert.deepEqual(searchBodies(store, 'zebra'), ['zebra elsewhere']);
    assert.deepEqual(searchBodies(store, 'has:attachment'), []);
    const after = chatOf('!a');
    assert.equal(after.unreadCount, 0);
    assert.equal(after.mentionCount, 0);
    assert.equal(after.lastMessagePreview, null);
    assert.equal(
      store.db.prepare(`SELECT count(*) FROM attachments`).pluck().get(),
      0,
      'the attachment rows go with their messages',
    );
    const change = result.changes.find((c) => c.chatId === before.id);
    assert.deepEqual(
      [...(change?.messageIds ?? [])].sort(),
      [...ids].sort(),
      'the change record names the removed messages (the UI is told they are gone)',
    );
    assert.ok(result.chatIds.includes(before.id), 'the chat list row is reported changed');
    assert.equal(chatOf('!b').lastMessagePreview, 'zebra elsewhere', 'other chats keep theirs');

    // A message after the clear shows, counts and previews as usual.
    store.writer.apply(account.id, { messages: [message('!a', '$4', T0 + 5000, 'fresh start')] });
    assert.deepEqual(bodies(store, before.id), ['fresh start']);
    assert.equal(chatOf('!a').unreadCount, 1);
    assert.equal(chatOf('!a').lastMessagePreview, 'fresh start');

    // A clear naming a chat the store does not have changes nothing.
    store.writer.apply(account.id, { clearedChats: [{ chatRemoteId: '!nowhere' }] });
    assert.deepEqual(bodies(store, before.id), ['fresh start']);
  } finally {
    cleanup();
  }
});

test('what is newer than the clear stays: the batch’s own messages and a send not yet confirmed', () => {
  const { store, account, chatOf, cleanup } = setup();
  try {
    const chat = chatOf('!a');
    const entry = store.outbox.enqueue(
      account.id,
      chat.id,
      { op: 'send', chatRemoteId: '!a', body: 'still sending' },
      T0 + 3000,
    );
    const result = store.writer.apply(account.id, {
      clearedChats: [{ chatRemoteId: '!a' }],
      // Newer than the clear: a new message, and one already stored (a copy the server still holds).
      messages: [
        message('!a', '$5', T0 + 6000, 'after the clear'),
        message('!a', '$3', T0 + 2000, 'mine', { senderRemoteId: '@me' }),
      ],
    });
    assert.deepEqual(bodies(store, chat.id), ['after the clear', 'still sending', 'mine']);
    assert.deepEqual(
      store.read.messagesById(result.insertedMessageIds).map((m) => m.body),
      ['after the clear'],
      'a message the batch keeps is not new again (no second notification)',
    );
    assert.ok(store.read.messagesById([entry.localMessageId!]).length === 1);
    assert.equal(chatOf('!a').unreadCount, 1);
    assert.equal(chatOf('!a').mentionCount, 0);
    assert.equal(chatOf('!a').lastMessagePreview, 'after the clear');
    assert.deepEqual(searchBodies(store, 'zebra'), ['zebra elsewhere']);
  } finally {
    cleanup();
  }
});
