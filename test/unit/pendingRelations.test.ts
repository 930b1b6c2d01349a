// Relations that arrive before their target (backfill walks newest first) wait
// in the database and apply in the transaction that stores the target; edits
// apply only when their sender and scope match the message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Store } from '../../main/daemon/store/store.js';
import { addAccount, chatBatch, message, tempStore } from '../helpers/fixtures.js';

const T0 = Date.UTC(2024, 0, 1);

const pendingCount = (store: Store) =>
  store.db.prepare(`SELECT count(*) FROM pending_relations`).pluck().get() as number;

function view(store: Store, remoteId: string) {
  const chat = store.read.chats()[0]!;
  return store.read.messages(chat.id, { limit: 100 }).find((m) => m.remoteId === remoteId);
}

test('an edit, a reaction and a deletion that come before their messages apply when the messages arrive, after a restart', () => {
  const { store, dir, cleanup } = tempStore();
  let reopened: Store | null = null;
  try {
    const account = addAccount(store);
    // Newest page first: the relations, with no target in the store.
    store.writer.apply(account.id, {
      ...chatBatch('!r', 'Room', [message('!r', '$new', T0 + 500, 'newest')]),
      edits: [
        {
          messageRemoteId: '$old',
          body: 'fixed text',
          editedTs: T0 + 300,
          senderRemoteId: '@ann',
          scope: 'm.room.message',
        },
      ],
      reactionsAdded: [
        {
          messageRemoteId: '$old',
          senderRemoteId: '@bo',
          key: '🎉',
          ts: T0 + 310,
          remoteId: '$r1',
        },
      ],
      deletions: [{ messageRemoteId: '$gone' }],
      cursors: { 'backfill:!r': 'page-2' },
    });
    assert.equal(pendingCount(store), 3, 'three relations wait');
    store.close();

    reopened = Store.open(dir);
    const result = reopened.writer.apply(account.id, {
      messages: [
        message('!r', '$old', T0 + 100, 'typo text', { editScope: 'm.room.message' }),
        message('!r', '$gone', T0 + 200, 'regretted'),
      ],
      cursors: { 'backfill:!r': 'done' },
    });
    const old = view(reopened, '$old')!;
    assert.equal(old.body, 'fixed text');
    assert.equal(old.edited, true);
    assert.deepEqual(old.reactions, [{ key: '🎉', count: 1, mine: false }]);
    const gone = view(reopened, '$gone')!;
    assert.equal(gone.deleted, true);
    assert.equal(gone.body, '');
    assert.equal(pendingCount(reopened), 0, 'applied relations are deleted');
    assert.ok(result.updatedMessageIds.includes(old.id), 'the edited message is reported');
    const hits = reopened.db
      .prepare(`SELECT count(*) FROM messages_fts WHERE messages_fts MATCH 'regretted OR typo'`)
      .pluck()
      .get();
    assert.equal(hits, 0, 'search finds neither the deleted nor the replaced text');
  } finally {
    reopened?.close();
    cleanup();
  }
});

test('a reaction deleted (or taken back) before its message arrives never shows', () => {
  const { store, cleanup } = tempStore();
  try {
    const account = addAccount(store);
    store.writer.apply(account.id, {
      ...chatBatch('!r', 'Room'),
      deletions: [{ messageRemoteId: '$r1' }], // the reaction's own event, redacted
    });
    store.writer.apply(account.id, {
      reactionsAdded: [
        { messageRemoteId: '$m', senderRemoteId: '@bo', key: '👍', ts: T0 + 20, remoteId: '$r1' },
        { messageRemoteId: '$m', senderRemoteId: '@bo', key: '👀', ts: T0 + 21, remoteId: '$r2' },
      ],
      reactionsRemoved: [{ messageRemoteId: '$m', senderRemoteId: '@bo', key: '👀' }],
    });
    store.writer.apply(account.id, { messages: [message('!r', '$m', T0, 'hi')] });
    assert.deepEqual(view(store, '$m')!.reactions, []);
    assert.equal(pendingCount(store), 0);
  } finally {
    cleanup();
  }
});

test('an edit by someone else, of another scope or of a deleted message is ignored', () => {
  const { store, cleanup } = tempStore();
  try {
    const account = addAccount(store);
    store.writer.apply(
      account.id,
      chatBatch('!r', 'Room', [
        message('!r', '$m', T0, 'original', { editScope: 'm.room.message' }),
        message('!r', '$s', T0 + 1, 'a sticker', { kind: 'image', editScope: 'm.sticker' }),
        message('!r', '$d', T0 + 2, 'doomed', { editScope: 'm.room.message' }),
      ]),
    );
    store.writer.apply(account.id, { deletions: [{ messageRemoteId: '$d' }] });
    const edit = (target: string, body: string, sender: string, scope = 'm.room.message') => ({
      messageRemoteId: target,
      body,
      editedTs: T0 + 100,
      senderRemoteId: sender,
      scope,
    });
    store.writer.apply(account.id, {
      edits: [
        edit('$m', 'hijacked by Bo', '@bo'),
        edit('$s', 'sticker turned text', '@ann'),
        edit('$d', 'back from the dead', '@ann'),
      ],
    });
    assert.equal(view(store, '$m')!.body, 'original');
    assert.equal(view(store, '$m')!.edited, false);
    assert.equal(view(store, '$s')!.body, 'a sticker');
    assert.equal(view(store, '$d')!.body, '');
    store.writer.apply(account.id, { edits: [edit('$m', 'edited by Ann', '@ann')] });
    assert.equal(view(store, '$m')!.body, 'edited by Ann', 'the author’s own edit applies');
  } finally {
    cleanup();
  }
});

test('relations whose target never comes are forgotten after a month', () => {
  const { store, dir, cleanup } = tempStore();
  let reopened: Store | null = null;
  try {
    const account = addAccount(store);
    store.writer.apply(account.id, { deletions: [{ messageRemoteId: '$never' }] });
    store.db
      .prepare(`UPDATE pending_relations SET received_at = ?`)
      .run(Date.now() - 31 * 86400_000);
    store.close();
    reopened = Store.open(dir);
    assert.equal(pendingCount(reopened), 0);
  } finally {
    reopened?.close();
    cleanup();
  }
});

test('deleting an edit takes it out of the history: the text it replaced shows again when it was the latest', () => {
  const { store, cleanup } = tempStore();
  try {
    const account = addAccount(store);
    store.writer.apply(account.id, chatBatch('!r', 'Room', [message('!r', '$m', T0, 'first')]));
    const edit = (remoteId: string, body: string, dt: number) => ({
      messageRemoteId: '$m',
      body,
      editedTs: T0 + dt,
      senderRemoteId: '@ann',
      remoteId,
    });
    store.writer.apply(account.id, {
      edits: [edit('$e1', 'second', 10), edit('$e2', 'third', 20), edit('$e3', 'fourth', 30)],
    });
    const history = () =>
      store.db
        .prepare(`SELECT body FROM message_revisions ORDER BY replaced_at`)
        .pluck()
        .all() as string[];
    assert.equal(view(store, '$m')!.body, 'fourth');
    assert.deepEqual(history(), ['first', 'second', 'third']);

    // An older edit: what shows stays, its text leaves the history.
    store.writer.apply(account.id, { deletions: [{ messageRemoteId: '$e2' }] });
    assert.equal(view(store, '$m')!.body, 'fourth');
    assert.deepEqual(history(), ['first', 'second']);

    // The latest edit: the text before it comes back, and so does the search.
    const result = store.writer.apply(account.id, { deletions: [{ messageRemoteId: '$e3' }] });
    assert.equal(view(store, '$m')!.body, 'second');
    assert.equal(view(store, '$m')!.edited, true);
    assert.ok(result.updatedMessageIds.includes(view(store, '$m')!.id));
    const hits = (q: string) =>
      store.db
        .prepare(`SELECT count(*) FROM messages_fts WHERE messages_fts MATCH ?`)
        .pluck()
        .get(q);
    assert.equal(hits('second'), 1);
    assert.equal(hits('fourth'), 0);

    store.writer.apply(account.id, { deletions: [{ messageRemoteId: '$e1' }] });
    assert.equal(view(store, '$m')!.body, 'first');
    assert.equal(view(store, '$m')!.edited, false, 'no edit left');
    assert.deepEqual(history(), []);
    assert.equal(view(store, '$m')!.deleted, false, 'the message itself stays');
    assert.equal(pendingCount(store), 0);
  } finally {
    cleanup();
  }
});
