// A read position can come before the message it names: a sync lists the
// chats (with the user's read positions) before their messages, a live pass
// races a catch-up, a page of history brings the message later. The position
// then waits in the store and applies in the batch that stores its message,
// so messages the user read on another device never show unread here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Store } from '../../main/daemon/store/store.js';
import type { RemoteReadPosition } from '../../main/daemon/model/types.js';
import {
  HeldReadPositions,
  HELD_READ_POSITION_MAX_AGE_MS,
} from '../../main/daemon/store/heldReadPositions.js';
import { chatReceipts } from '../../main/daemon/store/receipts.js';
import { addAccount, chatBatch, message, tempStore } from '../helpers/fixtures.js';

const T0 = Date.UTC(2024, 0, 1);

/** A chat 'c' with messages m1..m<count> (Ann's, a second apart). */
function chatWith(count: number) {
  const { store, dir, cleanup } = tempStore();
  const account = addAccount(store);
  store.writer.apply(account.id, chatBatch('c', 'Lunch', messages(1, count)));
  const chatId = store.read.chats()[0]!.id;
  const unread = () => store.read.chat(chatId)!.unreadCount;
  const position = (messageRemoteId: string | null, exact = false) =>
    store.writer.apply(account.id, { readPositions: [readPosition(messageRemoteId, exact)] });
  const arrive = (from: number, to = from) =>
    store.writer.apply(account.id, { messages: messages(from, to) });
  return { store, dir, account, chatId, unread, position, arrive, cleanup };
}

function messages(from: number, to: number) {
  const out = [];
  for (let i = from; i <= to; i++) out.push(message('c', `m${i}`, T0 + i * 1000, `message ${i}`));
  return out;
}

function readPosition(messageRemoteId: string | null, exact: boolean): RemoteReadPosition {
  return exact
    ? { chatRemoteId: 'c', messageRemoteId, exact: true }
    : { chatRemoteId: 'c', messageRemoteId: messageRemoteId! };
}

const idOf = (store: Store, chatId: number, remoteId: string) =>
  store.read.messages(chatId, { limit: 100 }).find((m) => m.remoteId === remoteId)!.id;

const heldCount = (store: Store) =>
  store.db.prepare(`SELECT count(*) FROM held_read_positions`).pluck().get() as number;

test('a read position that comes before its message applies when the message arrives', () => {
  const { store, unread, position, arrive, cleanup } = chatWith(1);
  try {
    assert.equal(unread(), 1);
    // Read on another device up to m3, which this store has not got yet.
    position('m3');
    assert.equal(unread(), 1, 'm1 is read too, but the position cannot show before m3 is here');
    arrive(2, 3);
    assert.equal(unread(), 0, 'read elsewhere, read here');
    assert.equal(heldCount(store), 0, 'applied, it waits no longer');
    arrive(4);
    assert.equal(unread(), 1, 'a message after the position is unread');
  } finally {
    cleanup();
  }
});

test('a chat listed with its read position before its messages opens read up to it', () => {
  const { store, cleanup } = tempStore();
  try {
    const account = addAccount(store);
    // The chat list (with the position) first, as unichat's subscriptions are.
    store.writer.apply(account.id, {
      ...chatBatch('c', 'Lunch'),
      readPositions: [{ chatRemoteId: 'c', messageRemoteId: 'm2' }],
    });
    // The catch-up's pages, newest first.
    store.writer.apply(account.id, { messages: messages(3, 3) });
    const chat = () => store.read.chats()[0]!;
    assert.equal(chat().unreadCount, 1, 'm3 is after the position');
    store.writer.apply(account.id, { messages: messages(1, 2) });
    assert.equal(chat().unreadCount, 1, 'm1 and m2 are read; m3 is not');
  } finally {
    cleanup();
  }
});

test('a position held after a restart still applies', async () => {
  const { Store } = await import('../../main/daemon/store/store.js');
  const { store, dir, account, chatId, position, cleanup } = chatWith(1);
  let reopened: Store | null = null;
  try {
    position('m2');
    store.close();
    reopened = Store.open(dir);
    reopened.writer.apply(account.id, { messages: messages(2, 2) });
    assert.equal(reopened.read.chat(chatId)!.unreadCount, 0);
  } finally {
    reopened?.close();
    cleanup();
  }
});

test('an older position that arrives late never moves a newer one back', () => {
  const { unread, position, arrive, cleanup } = chatWith(3);
  try {
    position('m3');
    assert.equal(unread(), 0);
    // A read position for a message older than any stored (backfill brings it).
    position('m0');
    arrive(0);
    assert.equal(unread(), 0, 'still read up to m3');
  } finally {
    cleanup();
  }
});

test('a held position further on than one applied after it still applies', () => {
  const { unread, position, arrive, cleanup } = chatWith(2);
  try {
    // A catch-up's list says m4; a live pass then names m2, which is here.
    position('m4');
    position('m2');
    assert.equal(unread(), 0);
    arrive(3, 4);
    assert.equal(unread(), 0, 'm3 and m4 were read elsewhere');
  } finally {
    cleanup();
  }
});

test('the latest held position of a chat is the one that waits', () => {
  const { store, unread, position, arrive, cleanup } = chatWith(1);
  try {
    position('m3');
    position('m2');
    assert.equal(heldCount(store), 1, 'one position per chat');
    arrive(2, 3);
    assert.equal(unread(), 1, 'read up to m2, as the server said last');
  } finally {
    cleanup();
  }
});

test('an exact held position applies exactly, and a later exact one replaces it', () => {
  const { store, unread, position, arrive, cleanup } = chatWith(2);
  try {
    position('m2', true);
    assert.equal(unread(), 0);
    // The thread's newest seen mail is m3, not stored yet.
    position('m3', true);
    arrive(3);
    assert.equal(unread(), 0, 'm3 was seen');

    // Seen up to m5 (not here), then the server says only m1 is seen.
    position('m5', true);
    position('m1', true);
    assert.equal(unread(), 2);
    assert.equal(heldCount(store), 0, 'the later exact position is all of the read state');
    arrive(4, 5);
    assert.equal(unread(), 4, 'm5 was marked unread meanwhile: the old position stays unapplied');
  } finally {
    cleanup();
  }
});

test('a held exact position does not move back past a position applied after it', () => {
  const { unread, position, arrive, cleanup } = chatWith(3);
  try {
    // Exact: seen up to m0 (old, not stored); then a later forward-only m3.
    position('m0', true);
    position('m3');
    assert.equal(unread(), 0);
    arrive(0);
    assert.equal(unread(), 0, 'm0 arriving does not make m1..m3 unread again');
  } finally {
    cleanup();
  }
});

test('a held exact position does not make unread what the user then read here', () => {
  const { store, chatId, unread, position, arrive, cleanup } = chatWith(3);
  try {
    // The server says: seen up to m0 (old, not stored yet). The user reads all here.
    position('m0', true);
    store.prefs.markRead(chatId, idOf(store, chatId, 'm3'));
    assert.equal(unread(), 0);
    arrive(0);
    assert.equal(unread(), 0, 'm0 arriving does not make m1..m3 unread again');
  } finally {
    cleanup();
  }
});

test('marking a message unread here forgets a position held from before', () => {
  const { store, chatId, unread, position, arrive, cleanup } = chatWith(2);
  try {
    position('m2');
    position('m3');
    store.prefs.markUnread(chatId, idOf(store, chatId, 'm2'));
    assert.equal(unread(), 1);
    arrive(3);
    assert.equal(unread(), 2, 'the user’s own mark is newer than the held position');
  } finally {
    cleanup();
  }
});

test('a position whose message never comes breaks nothing and is forgotten in time', () => {
  const { store, account, unread, position, arrive, cleanup } = chatWith(1);
  try {
    position('never');
    arrive(2, 3);
    assert.equal(unread(), 3, 'counts stay right around it');
    position('m2');
    assert.equal(unread(), 1, 'later positions apply as always');
    assert.equal(heldCount(store), 1);
    const removed = new HeldReadPositions(store.db).prune(
      Date.now() + HELD_READ_POSITION_MAX_AGE_MS + 1,
    );
    assert.equal(removed, 1);
    assert.equal(heldCount(store), 0);

    // A removed chat takes its held position with it.
    position('m9');
    assert.equal(heldCount(store), 1);
    store.writer.apply(account.id, { removedChats: ['c'] });
    assert.equal(heldCount(store), 0);
  } finally {
    cleanup();
  }
});

test('another person’s receipt for a message not stored yet is placed when it arrives', () => {
  const { store, account, chatId, arrive, cleanup } = chatWith(1);
  try {
    store.writer.apply(account.id, {
      people: [{ remoteId: '@bo', displayName: 'Bo' }],
      receipts: [{ chatRemoteId: 'c', personRemoteId: '@bo', messageRemoteId: 'm2', ts: T0 }],
    });
    const bo = () =>
      chatReceipts(store.readDb, chatId, account.id).find((r) => r.personRemoteId === '@bo');
    assert.equal(bo()?.messageId, null, 'kept by remote id, not placed yet');
    arrive(2);
    assert.equal(bo()?.messageId, idOf(store, chatId, 'm2'));
  } finally {
    cleanup();
  }
});
