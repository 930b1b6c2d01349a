// Many messages with one timestamp: a mailbox import whose mails share one
// receivedAt second, or a Matrix backfill with thousands of events in one
// millisecond. Every message is stored, replays add nothing, and the order
// within the instant does not change.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SLOTS_PER_MS, keyToTs } from '../../main/daemon/store/messageKey.js';
import { addAccount, chatBatch, message, tempStore } from '../helpers/fixtures.js';
import type { RemoteMessage } from '../../main/daemon/model/types.js';

const T0 = Date.UTC(2024, 2, 1, 12, 0, 0);

function sameInstant(count: number, ts: number, prefix: string): RemoteMessage[] {
  return Array.from({ length: count }, (_, i) =>
    message('!bulk', `${prefix}${i}`, ts, `bulk message ${i} of ${count}`),
  );
}

/** The chat's messages oldest first, as the timeline shows them. */
function timelineIds(store: ReturnType<typeof tempStore>['store'], chatId: number) {
  return store.db
    .prepare(`SELECT remote_id FROM messages WHERE chat_id = ? ORDER BY id`)
    .pluck()
    .all(chatId) as string[];
}

for (const [label, count] of [
  ['5,000 mails sharing one receivedAt second', 5000],
  ['3,000 events in one millisecond', 3000],
] as const) {
  test(`${label} are all stored, replays add none, and their order is stable`, () => {
    const { store, cleanup } = tempStore();
    try {
      const account = addAccount(store);
      // A receivedAt second is a whole number of seconds: every mail in the same millisecond.
      const batch = chatBatch('!bulk', 'Import', sameInstant(count, T0, '$m'));
      const first = store.writer.apply(account.id, batch);
      assert.equal(first.insertedMessageIds.length, count, 'every message is inserted');
      const chatId = store.read.chats()[0]!.id;
      const order = timelineIds(store, chatId);
      assert.equal(order.length, count);
      assert.equal(new Set(order).size, count, 'no message twice');

      const replay = store.writer.apply(account.id, batch);
      assert.equal(replay.insertedMessageIds.length, 0, 'a replay inserts nothing');
      assert.deepEqual(timelineIds(store, chatId), order, 'the replay keeps every key');

      // A replay split into other batches, newest first (as a backfill pages), finds the rows too.
      const reversed = [...batch.messages!].reverse();
      for (let i = 0; i < reversed.length; i += 700)
        store.writer.apply(account.id, { messages: reversed.slice(i, i + 700) });
      assert.deepEqual(timelineIds(store, chatId), order, 'order within the instant is stable');

      // Messages after the instant still sort after every message of it.
      store.writer.apply(account.id, {
        messages: [message('!bulk', '$later', T0 + 1000, 'one second later')],
      });
      const after = timelineIds(store, chatId);
      assert.equal(after.at(-1), '$later');
      assert.equal(store.read.chats()[0]!.lastMessagePreview, 'one second later');
      const ts = store.db
        .prepare(`SELECT DISTINCT ts FROM messages WHERE chat_id = ? AND remote_id != '$later'`)
        .pluck()
        .all(chatId);
      assert.deepEqual(ts, [T0], 'the message time itself is never changed');
    } finally {
      cleanup();
    }
  });
}

test('a full millisecond spills into the following free keys, then the chat pages through all', () => {
  const { store, cleanup } = tempStore();
  try {
    const account = addAccount(store);
    // A message already sits in the next millisecond: the spill goes around it.
    store.writer.apply(
      account.id,
      chatBatch('!bulk', 'Import', [message('!bulk', '$next', T0 + 1, 'next ms')]),
    );
    const count = SLOTS_PER_MS + 300;
    // In several batches, so no batch-local state is relied on.
    const all = sameInstant(count, T0, '$s');
    for (let i = 0; i < count; i += 250)
      store.writer.apply(account.id, { messages: all.slice(i, i + 250) });
    const chatId = store.read.chats()[0]!.id;
    const keys = store.db
      .prepare(`SELECT id FROM messages WHERE chat_id = ? AND remote_id != '$next'`)
      .pluck()
      .all(chatId) as number[];
    assert.equal(keys.length, count);
    const ms = new Set(keys.map(keyToTs));
    assert.ok(
      ms.has(T0) && ms.has(T0 + 1),
      'the millisecond fills, then the next one takes the rest',
    );
    assert.ok(Math.max(...ms) <= T0 + 2, 'no key strays further than it must');

    // Paging the timeline newest first reaches every message exactly once.
    const seen = new Set<string>();
    let before: number | undefined;
    for (;;) {
      const page = store.read.messages(chatId, { beforeId: before, limit: 200 });
      if (page.length === 0) break;
      for (const m of page) seen.add(m.remoteId!);
      before = page.at(-1)!.id;
    }
    assert.equal(seen.size, count + 1);
  } finally {
    cleanup();
  }
});

test('a local echo sent in a crowded millisecond still gets a key', () => {
  const { store, cleanup } = tempStore();
  try {
    const account = addAccount(store);
    store.writer.apply(
      account.id,
      chatBatch('!bulk', 'Import', sameInstant(SLOTS_PER_MS, T0, '$f')),
    );
    const chatId = store.read.chats()[0]!.id;
    const entry = store.outbox.enqueue(
      account.id,
      chatId,
      { op: 'send', chatRemoteId: '!bulk', body: 'hi' },
      T0,
    );
    assert.ok(entry.localMessageId !== null, 'the echo is written');
    const [echo] = store.read.messagesById([entry.localMessageId!]);
    assert.equal(echo?.body, 'hi');
  } finally {
    cleanup();
  }
});
