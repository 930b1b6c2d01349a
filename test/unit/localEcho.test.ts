// A local echo's life, owned by store/localEcho.ts and the chat list columns
// by store/chatRows.ts: the outbox creates it, the synced copy adopts it (or,
// when sync delivered the copy as a row of its own first, the confirmation
// removes the echo), and the chat list always shows the newest message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Store } from '../../main/daemon/store/store.js';
import { addAccount, chatBatch, message, tempStore } from '../helpers/fixtures.js';

const T0 = Date.UTC(2024, 0, 1);

function setup() {
  const t = tempStore();
  const account = addAccount(t.store);
  t.store.writer.apply(account.id, chatBatch('!r', 'Room', [message('!r', '$1', T0, 'hello')]));
  const chat = t.store.read.chats()[0]!;
  return { ...t, account, chat };
}

const messagesOf = (store: Store, chatId: number) => store.read.messages(chatId, { limit: 50 });

test('an echo is the chat’s newest message at once; the synced copy with its key adopts the row', () => {
  const { store, account, chat, cleanup } = setup();
  try {
    const now = Date.now();
    const entry = store.outbox.enqueue(
      account.id,
      chat.id,
      { op: 'send', chatRemoteId: '!r', body: 'on my way' },
      now,
    );
    const listed = store.read.chat(chat.id)!;
    assert.equal(listed.lastMessagePreview, 'on my way');
    assert.equal(listed.lastActivityTs, now);
    assert.equal(messagesOf(store, chat.id)[0]!.outboxState, 'pending');

    store.writer.apply(account.id, {
      messages: [
        message('!r', '$echoed', now + 5, 'on my way', {
          senderRemoteId: '@me',
          idempotencyKey: entry.idempotencyKey,
        }),
      ],
    });
    store.outbox.markSent(entry.id, '$echoed');
    const all = messagesOf(store, chat.id);
    assert.deepEqual(
      all.map((m) => [m.id === entry.localMessageId, m.remoteId, m.body]),
      [
        [true, '$echoed', 'on my way'],
        [false, '$1', 'hello'],
      ],
      'one row: the echo, now with the server’s id',
    );
  } finally {
    cleanup();
  }
});

test('when sync brought the copy as a row of its own, confirming the send removes the echo and the list shows the copy', () => {
  const { store, account, chat, cleanup } = setup();
  try {
    const now = Date.now();
    const entry = store.outbox.enqueue(
      account.id,
      chat.id,
      { op: 'send', chatRemoteId: '!r', body: 'draft text' },
      now,
    );
    // A protocol that cannot echo our key: the copy arrives under its own id,
    // stamped by the server a little before our clock's time, so the echo is still last.
    store.writer.apply(account.id, {
      messages: [message('!r', '$copy', now - 60_000, 'sent text', { senderRemoteId: '@me' })],
    });
    assert.equal(store.read.chat(chat.id)!.lastMessagePreview, 'draft text');
    store.outbox.markSent(entry.id, '$copy');
    assert.deepEqual(
      messagesOf(store, chat.id).map((m) => m.remoteId),
      ['$copy', '$1'],
    );
    const listed = store.read.chat(chat.id)!;
    assert.equal(listed.lastMessagePreview, 'sent text');
    assert.equal(listed.unreadCount, 1, 'only Ann’s hello: our own copy is never unread');
  } finally {
    cleanup();
  }
});

test('the copy of an echo with a file takes the echo’s blob and drops the echo’s own attachment row', () => {
  const { store, account, chat, cleanup } = setup();
  try {
    const sha256 = 'a'.repeat(64);
    store.db
      .prepare(`INSERT INTO blobs (sha256, size, mime, created_at) VALUES (?, 3, 'image/png', 0)`)
      .run(sha256);
    const entry = store.outbox.enqueue(account.id, chat.id, {
      op: 'sendAttachment',
      chatRemoteId: '!r',
      body: 'cat.png',
      attachment: { sha256, name: 'cat.png', mime: 'image/png', size: 3 },
    });
    const [echo] = messagesOf(store, chat.id);
    assert.equal(echo!.kind, 'image');
    assert.deepEqual(
      echo!.attachments.map((a) => a.blobSha256),
      [sha256],
    );

    store.writer.apply(account.id, {
      messages: [
        message('!r', '$img', Date.now(), 'cat.png', {
          kind: 'image',
          senderRemoteId: '@me',
          idempotencyKey: entry.idempotencyKey,
          attachments: [{ remoteId: 'mxc://x/cat', name: 'cat.png', mime: 'image/png', size: 3 }],
        }),
      ],
    });
    const [copy] = messagesOf(store, chat.id);
    assert.equal(copy!.id, entry.localMessageId);
    assert.deepEqual(
      copy!.attachments.map((a) => [a.name, a.blobSha256]),
      [['cat.png', sha256]],
      'one attachment: the server’s, with the bytes we sent',
    );
  } finally {
    cleanup();
  }
});
