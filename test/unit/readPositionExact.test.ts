// A server that keeps the read state itself (JMAP Mail's $seen) sends exact
// read positions: they move back when a mail is marked unread, and may say
// "nothing read". Positions of the other protocols only move forward. A move
// back waits while a read-state write of ours to the chat is queued or on its
// way (the server cannot show it yet), and the user's own "mark unread" shows
// at once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addAccount, chatBatch, message, tempStore } from '../helpers/fixtures.js';

const T0 = Date.UTC(2024, 0, 1);

function threeMessages() {
  const { store, cleanup } = tempStore();
  const account = addAccount(store);
  store.writer.apply(
    account.id,
    chatBatch('t1', 'Lunch', [
      message('t1', 'm1', T0, 'one'),
      message('t1', 'm2', T0 + 1000, 'two'),
      message('t1', 'm3', T0 + 2000, 'three'),
    ]),
  );
  const chatId = store.read.chats()[0]!.id;
  const unread = () => store.read.chat(chatId)!.unreadCount;
  const position = (messageRemoteId: string | null, exact = true) =>
    store.writer.apply(account.id, {
      readPositions: [
        exact
          ? { chatRemoteId: 't1', messageRemoteId, exact: true }
          : { chatRemoteId: 't1', messageRemoteId: messageRemoteId! },
      ],
    });
  return { store, account, chatId, unread, position, cleanup };
}

test('an exact read position moves back and may say nothing is read; others only move forward', () => {
  const { unread, position, cleanup } = threeMessages();
  try {
    assert.equal(unread(), 3);
    position('m3');
    assert.equal(unread(), 0);
    position('m1', false);
    assert.equal(unread(), 0, 'a receipt-like position never moves back');
    position('m2');
    assert.equal(unread(), 1, 'the newest mail marked unread by another client');
    position(null);
    assert.equal(unread(), 3, 'no mail of the thread is $seen');
    position('m3');
    assert.equal(unread(), 0);
  } finally {
    cleanup();
  }
});

test('a move back waits while our own read is queued or on its way, then applies', () => {
  const { store, account, chatId, unread, position, cleanup } = threeMessages();
  try {
    position('m3');
    const entry = store.outbox.enqueue(account.id, chatId, {
      op: 'read',
      chatRemoteId: 't1',
      messageRemoteId: 'm3',
    });
    position('m1');
    assert.equal(unread(), 0, 'queued: the server has not seen our read yet');
    store.outbox.markSending(entry.id);
    position('m1');
    assert.equal(unread(), 0, 'on its way');
    store.outbox.markSent(entry.id, null);
    position('m1');
    assert.equal(unread(), 2, 'sent: the server’s answer is the truth again');
  } finally {
    cleanup();
  }
});

test('marking a message unread moves the position to just before it, at once', () => {
  const { store, chatId, unread, position, cleanup } = threeMessages();
  try {
    position('m3');
    const [, middle] = store.read.messages(chatId);
    assert.equal(middle!.body, 'two');
    store.prefs.markUnread(chatId, middle!.id);
    assert.equal(unread(), 2);
    const [oldest] = store.read.messages(chatId).slice(-1);
    store.prefs.markUnread(chatId, oldest!.id);
    assert.equal(unread(), 3);
    // Marking unread something already unread changes nothing.
    store.prefs.markRead(chatId, middle!.id);
    store.prefs.markUnread(chatId, store.read.messages(chatId)[0]!.id);
    assert.equal(unread(), 1);
  } finally {
    cleanup();
  }
});
