// Events that carry deltas: what the store's writes in one turn of the
// daemon's event loop become for a subscriber. A real store; the turn is
// stepped by hand.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { DaemonEvent, EventMap } from '../../main/daemon/api/contract.js';
import { EventCoalescer, MAX_MESSAGES_PER_EVENT } from '../../main/daemon/api/eventCoalescer.js';
import { TimelineWatches } from '../../main/daemon/api/timelineWatch.js';
import type { Store } from '../../main/daemon/store/store.js';
import { addAccount, chatBatch, message, tempStore } from '../helpers/fixtures.js';
import { chatReceipts } from '../../main/daemon/store/receipts.js';

const T = Date.UTC(2025, 4, 1, 12);

/** `watches`: which timelines are shown; by default a test watcher follows every chat. */
function setup(watches = everything()) {
  const { store, cleanup } = tempStore();
  const account = addAccount(store);
  const events: DaemonEvent[] = [];
  let turn: (() => void) | null = null;
  const coalescer = new EventCoalescer(
    store.read,
    (e) => events.push(e),
    (flush) => {
      assert.equal(turn, null, 'one flush is scheduled per turn');
      turn = flush;
    },
    (chatId) => watches.shows(chatId),
  );
  /** Ends the turn: the scheduled flush runs. */
  const endTurn = () => {
    const flush = turn;
    turn = null;
    flush?.();
  };
  const apply = (batch: Parameters<Store['writer']['apply']>[1]) =>
    coalescer.batchApplied(store.writer.apply(account.id, batch));
  const chatId = (remoteId: string) => store.read.chats().find((c) => c.remoteId === remoteId)!.id;
  const payloads = <K extends keyof EventMap>(name: K): EventMap[K][] =>
    events.filter((e) => e.name === name).map((e) => e.payload as EventMap[K]);
  return { store, account, events, coalescer, endTurn, apply, chatId, payloads, cleanup };
}

function everything(): TimelineWatches {
  const watches = new TimelineWatches();
  watches.set('test', 'all');
  return watches;
}

describe('deltas: one turn of writes becomes one event per chat', () => {
  test('several batches in one turn: one messages.upserted per chat with the current views, one chats.updated', () => {
    const s = setup();
    try {
      s.apply(
        chatBatch('!a', 'Alpha', [
          message('!a', '$a1', T, 'a one'),
          message('!a', '$a2', T + 1000, 'a two'),
        ]),
      );
      s.apply(chatBatch('!b', 'Beta', [message('!b', '$b1', T + 2000, 'b one')]));
      s.apply({
        messages: [message('!a', '$a3', T + 3000, 'a three')],
        edits: [
          {
            messageRemoteId: '$a1',
            body: 'a one, edited',
            editedTs: T + 4000,
            senderRemoteId: '@ann',
          },
        ],
        reactionsAdded: [
          { messageRemoteId: '$b1', senderRemoteId: '@ann', key: '👍', ts: T + 5000 },
        ],
      });
      assert.equal(s.events.length, 0, 'nothing goes out before the turn ends');
      s.endTurn();

      const upserted = s.payloads('messages.upserted');
      assert.deepEqual(
        upserted.map((p) => p.chatId).sort(),
        [s.chatId('!a'), s.chatId('!b')].sort(),
        'one event per chat',
      );
      const alpha = upserted.find((p) => p.chatId === s.chatId('!a'))!;
      assert.deepEqual(
        alpha.messages.map((m) => [m.remoteId, m.body, m.edited]),
        [
          ['$a3', 'a three', false],
          ['$a2', 'a two', false],
          ['$a1', 'a one, edited', true],
        ],
        'newest first, each as it is after the last write of the turn',
      );
      assert.equal(alpha.more, undefined);
      const beta = upserted.find((p) => p.chatId === s.chatId('!b'))!;
      assert.deepEqual(beta.messages[0]!.reactions, [{ key: '👍', count: 1, mine: false }]);

      const chats = s.payloads('chats.updated');
      assert.equal(chats.length, 1, 'one chats.updated for the turn');
      assert.deepEqual(chats[0]!.chats.map((c) => [c.name, c.lastMessagePreview]).sort(), [
        ['Alpha', 'a three'],
        ['Beta', 'b one'],
      ]);
      assert.equal(s.events.length, 3);

      s.endTurn();
      assert.equal(s.events.length, 3, 'a quiet turn sends nothing');
    } finally {
      s.cleanup();
    }
  });

  test('one turn across two accounts: each message says whether a reaction is mine in its own account', () => {
    const s = setup();
    try {
      const other = addAccount(s.store, 'bo');
      s.apply(chatBatch('!a', 'Alpha', [message('!a', '$a1', T, 'in my account')]));
      s.coalescer.batchApplied(
        s.store.writer.apply(
          other.id,
          chatBatch('!o', 'Other', [message('!o', '$o1', T + 1000, 'in bo’s account')]),
        ),
      );
      // Bo reacts in both: only in Bo's own account is that reaction "mine".
      const bo = { senderRemoteId: '@bo', key: '🎉', ts: T + 2000 };
      s.apply({ reactionsAdded: [{ messageRemoteId: '$a1', ...bo }] });
      s.coalescer.batchApplied(
        s.store.writer.apply(other.id, { reactionsAdded: [{ messageRemoteId: '$o1', ...bo }] }),
      );
      s.endTurn();
      const mine = Object.fromEntries(
        s
          .payloads('messages.upserted')
          .map((p) => [p.messages[0]!.body, p.messages[0]!.reactions[0]!.mine]),
      );
      assert.deepEqual(mine, { 'in my account': false, 'in bo’s account': true });
    } finally {
      s.cleanup();
    }
  });

  test('other events keep their order, after the turn’s deltas', () => {
    const s = setup();
    try {
      s.coalescer.queue({
        name: 'account.status',
        payload: { accountId: s.account.id, status: 'active', detail: null, retryAt: null },
      });
      s.apply(chatBatch('!a', 'Alpha', [message('!a', '$a1', T, 'hello')]));
      s.coalescer.queue({
        name: 'typing',
        payload: { chatId: s.chatId('!a'), personRemoteIds: ['@ann'], names: ['Ann'] },
      });
      s.endTurn();
      assert.deepEqual(
        s.events.map((e) => e.name),
        ['messages.upserted', 'chats.updated', 'account.status', 'typing'],
      );
    } finally {
      s.cleanup();
    }
  });

  test('a send: the echo and its latest state in one event each; the echo replaced by the server copy is removed', () => {
    const s = setup();
    try {
      s.apply(chatBatch('!a', 'Alpha', [message('!a', '$a1', T, 'hello')]));
      s.endTurn();
      s.events.length = 0;
      const chat = s.chatId('!a');

      // Queued and picked up by the sender in the same turn.
      const queued = s.store.outbox.enqueue(s.account.id, chat, {
        op: 'send',
        chatRemoteId: '!a',
        body: 'my reply',
      });
      s.coalescer.outboxChanged(queued);
      s.store.outbox.markSending(queued.id);
      s.coalescer.outboxChanged(s.store.outbox.get(queued.id)!);
      s.endTurn();
      assert.deepEqual(
        s.events.map((e) => e.name),
        ['messages.upserted', 'chats.updated', 'outbox.updated'],
      );
      const [echo] = s.payloads('messages.upserted')[0]!.messages;
      assert.equal(echo!.id, queued.localMessageId);
      assert.equal(echo!.body, 'my reply');
      assert.equal(echo!.outboxState, 'sending', 'the state at the end of the turn');
      assert.equal(s.payloads('chats.updated')[0]!.chats[0]!.lastMessagePreview, 'my reply');
      assert.equal(s.payloads('outbox.updated')[0]!.item.state, 'sending');

      // A retry later leaves the chat row alone: no chats.updated for it.
      s.events.length = 0;
      s.store.outbox.markRetry(queued.id, 'timeout', Date.now() + 1000);
      s.coalescer.outboxChanged(s.store.outbox.get(queued.id)!);
      s.endTurn();
      assert.deepEqual(
        s.events.map((e) => e.name),
        ['messages.upserted', 'outbox.updated'],
      );

      // The sync stream brought the server's copy before the send confirmed: the echo goes.
      s.events.length = 0;
      s.apply({
        messages: [message('!a', '$srv', T + 10_000, 'my reply', { senderRemoteId: '@me' })],
      });
      s.store.outbox.markSent(queued.id, '$srv');
      s.coalescer.outboxChanged(s.store.outbox.get(queued.id)!);
      s.endTurn();
      assert.deepEqual(s.payloads('messages.removed'), [
        { chatId: chat, messageIds: [queued.localMessageId] },
      ]);
      assert.deepEqual(
        s.payloads('messages.upserted').flatMap((p) => p.messages.map((m) => m.remoteId)),
        ['$srv'],
      );
      assert.equal(s.payloads('outbox.updated')[0]!.item.state, 'sent');
    } finally {
      s.cleanup();
    }
  });

  test('more changes in one chat than an event carries: the newest, marked `more`', () => {
    const s = setup();
    try {
      const count = MAX_MESSAGES_PER_EVENT + 20;
      s.apply(
        chatBatch(
          '!a',
          'Alpha',
          Array.from({ length: count }, (_, i) => message('!a', `$m${i}`, T + i * 1000, `m ${i}`)),
        ),
      );
      s.endTurn();
      const [upserted] = s.payloads('messages.upserted');
      assert.equal(upserted!.more, true);
      assert.equal(upserted!.messages.length, MAX_MESSAGES_PER_EVENT);
      assert.equal(upserted!.messages[0]!.body, `m ${count - 1}`, 'the newest first');
      assert.equal(upserted!.messages.at(-1)!.body, `m ${count - MAX_MESSAGES_PER_EVENT}`);
    } finally {
      s.cleanup();
    }
  });

  test('after close nothing more goes out, and what was pending went first', () => {
    const s = setup();
    try {
      s.apply(chatBatch('!a', 'Alpha', [message('!a', '$a1', T, 'hello')]));
      s.coalescer.close();
      assert.deepEqual(
        s.events.map((e) => e.name),
        ['messages.upserted', 'chats.updated'],
      );
      s.endTurn();
      s.store.close();
      s.coalescer.queue({
        name: 'account.status',
        payload: { accountId: s.account.id, status: 'paused', detail: null, retryAt: null },
      });
      s.endTurn();
      assert.equal(s.events.length, 2);
    } finally {
      s.cleanup();
    }
  });
});

describe('deltas: message views only for the timelines a window shows', () => {
  test('a chat nobody shows gets its row, not its messages; a watch brings them, its end stops them', () => {
    const watches = new TimelineWatches();
    const s = setup(watches);
    try {
      s.apply(chatBatch('!a', 'Alpha', [message('!a', '$a1', T, 'a one')]));
      s.apply(chatBatch('!b', 'Beta', [message('!b', '$b1', T + 1000, 'b one')]));
      s.endTurn();
      assert.deepEqual(s.payloads('messages.upserted'), [], 'no window shows a timeline');
      assert.deepEqual(
        s
          .payloads('chats.updated')
          .flatMap((p) => p.chats.map((c) => [c.name, c.lastMessagePreview]))
          .sort(),
        [
          ['Alpha', 'a one'],
          ['Beta', 'b one'],
        ].sort(),
        'the chat list still learns of both',
      );

      // Two windows: one shows Alpha, the other Alpha and Beta; then the second closes.
      watches.set('window:1', [s.chatId('!a')]);
      watches.set('window:2', [s.chatId('!a'), s.chatId('!b')]);
      s.events.length = 0;
      s.apply({
        messages: [
          message('!a', '$a2', T + 2000, 'a two'),
          message('!b', '$b2', T + 3000, 'b two'),
        ],
      });
      s.endTurn();
      assert.deepEqual(
        s.payloads('messages.upserted').map((p) => p.messages.map((m) => m.body)),
        [['a two'], ['b two']],
      );

      watches.set('window:2', []);
      s.events.length = 0;
      s.apply({
        messages: [
          message('!a', '$a3', T + 4000, 'a three'),
          message('!b', '$b3', T + 5000, 'b three'),
        ],
      });
      s.endTurn();
      assert.deepEqual(
        s.payloads('messages.upserted').map((p) => [p.chatId, p.messages.map((m) => m.body)]),
        [[s.chatId('!a'), ['a three']]],
        'window 1 still shows Alpha; nobody shows Beta',
      );
      assert.equal(s.payloads('chats.updated')[0]!.chats.length, 2);
    } finally {
      s.cleanup();
    }
  });

  test('a watch that begins within the turn gets that turn’s changes (nothing between a read and its watch is lost)', () => {
    const watches = new TimelineWatches();
    const s = setup(watches);
    try {
      s.apply(chatBatch('!a', 'Alpha', [message('!a', '$a1', T, 'a one')]));
      watches.set('window:1', [s.chatId('!a')]);
      s.endTurn();
      assert.deepEqual(
        s.payloads('messages.upserted').map((p) => p.messages.map((m) => m.body)),
        [['a one']],
      );
    } finally {
      s.cleanup();
    }
  });
});

describe('read receipts as they arrive', () => {
  test('a batch that moves a receipt: one receipts.updated per shown chat, after its messages; none for a hidden chat or an unchanged receipt', () => {
    const { store, cleanup } = tempStore();
    try {
      const account = addAccount(store);
      const watches = new TimelineWatches();
      const events: DaemonEvent[] = [];
      let turn: (() => void) | null = null;
      const coalescer = new EventCoalescer(
        {
          messagesById: (ids) => store.read.messagesById(ids),
          chatsById: (ids) => store.read.chatsById(ids),
          receipts: (chatId) => chatReceipts(store.readDb, chatId, account.id),
        },
        (e) => events.push(e),
        (flush) => (turn = flush),
        (chatId) => watches.shows(chatId),
      );
      const apply = (batch: Parameters<Store['writer']['apply']>[1]) => {
        coalescer.batchApplied(store.writer.apply(account.id, batch));
        const flush = turn;
        turn = null;
        flush?.();
      };
      apply(chatBatch('!a', 'Alpha', [message('!a', '$a1', T, 'hello')]));
      apply(chatBatch('!b', 'Beta', [message('!b', '$b1', T, 'hi')]));
      const alpha = store.read.chats().find((c) => c.remoteId === '!a')!.id;
      watches.set('window', [alpha]);
      events.length = 0;

      apply({
        messages: [message('!a', '$a2', T + 1000, 'read me')],
        receipts: [
          { chatRemoteId: '!a', personRemoteId: '@ann', messageRemoteId: '$a2', ts: T + 2000 },
          { chatRemoteId: '!b', personRemoteId: '@ann', messageRemoteId: '$b1', ts: T + 2000 },
        ],
      });
      const names = events.map((e) => e.name);
      assert.ok(names.indexOf('messages.upserted') < names.indexOf('receipts.updated'));
      const updates = events.flatMap((e) => (e.name === 'receipts.updated' ? [e.payload] : []));
      assert.equal(updates.length, 1, 'Beta is not shown: no receipts event for it');
      assert.equal(updates[0]!.chatId, alpha);
      const [r] = updates[0]!.receipts;
      assert.equal(r!.personRemoteId, '@ann');
      assert.equal(r!.messageId, store.read.messages(alpha)[0]!.id, 'placed at the new message');

      events.length = 0;
      apply({
        receipts: [
          { chatRemoteId: '!a', personRemoteId: '@ann', messageRemoteId: '$a2', ts: T + 2000 },
        ],
      });
      assert.equal(
        events.filter((e) => e.name === 'receipts.updated').length,
        0,
        'the same receipt again moves nothing',
      );
    } finally {
      cleanup();
    }
  });
});
