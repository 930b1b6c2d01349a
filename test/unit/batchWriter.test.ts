import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Db } from '../../main/daemon/store/database.js';
import { Store } from '../../main/daemon/store/store.js';
import { listSpaces } from '../../main/daemon/store/spaces.js';
import { addAccount, chatBatch, message, tempStore } from '../helpers/fixtures.js';

const T0 = Date.UTC(2024, 0, 1);

function snapshot(db: Db) {
  const tables = [
    'chats',
    'people',
    'messages',
    'reactions',
    'read_positions',
    'sync_cursors',
    'attachments',
    'message_revisions',
  ];
  return Object.fromEntries(
    tables.map((t) => [
      t,
      db
        .prepare(`SELECT * FROM ${t} ORDER BY 1, 2`)
        .all()
        .map((r) => {
          const row = { ...(r as Record<string, unknown>) };
          delete row.updated_at;
          return row;
        }),
    ]),
  );
}

test('replaying a sync batch leaves the same rows', () => {
  const { store, cleanup } = tempStore();
  try {
    const account = addAccount(store);
    const batch = {
      ...chatBatch('!room', 'Team', [
        message('!room', '$1', T0, 'hello', {
          attachments: [{ remoteId: 'a1', name: 'x.png', mime: 'image/png', size: 10 }],
        }),
        message('!room', '$2', T0 + 1000, 'world', { mentionsSelf: true }),
      ]),
      reactionsAdded: [{ messageRemoteId: '$1', senderRemoteId: '@ann', key: '👍', ts: T0 + 5 }],
      cursors: { sync: 'batch-1' },
    };
    store.writer.apply(account.id, batch);
    const first = snapshot(store.db);
    const result = store.writer.apply(account.id, batch);
    assert.deepEqual(snapshot(store.db), first);
    assert.equal(result.insertedMessageIds.length, 0, 'a replay inserts nothing');
    const fts = store.db
      .prepare(`SELECT count(*) FROM messages_fts WHERE messages_fts MATCH 'hello'`)
      .pluck()
      .get();
    assert.equal(fts, 1, 'the search index holds the message once');
  } finally {
    cleanup();
  }
});

test('the chat list follows activity and counts unread and mentions', () => {
  const { store, cleanup } = tempStore();
  try {
    const account = addAccount(store);
    store.writer.apply(account.id, chatBatch('!a', 'Alpha', [message('!a', '$a1', T0, 'one')]));
    store.writer.apply(
      account.id,
      chatBatch('!b', 'Beta', [
        message('!b', '$b1', T0 + 10, 'two'),
        message('!b', '$b2', T0 + 20, '@me three', { mentionsSelf: true }),
      ]),
    );
    let chats = store.read.chats();
    assert.deepEqual(
      chats.map((c) => c.name),
      ['Beta', 'Alpha'],
    );
    assert.equal(chats[0]!.unreadCount, 2);
    assert.equal(chats[0]!.mentionCount, 1);
    assert.equal(chats[0]!.lastMessagePreview, '@me three');
    // Older history arriving later does not reorder the list or change the preview.
    store.writer.apply(
      account.id,
      chatBatch('!a', 'Alpha', [message('!a', '$a0', T0 - 1000, 'zero')]),
    );
    chats = store.read.chats();
    assert.deepEqual(
      chats.map((c) => c.name),
      ['Beta', 'Alpha'],
    );
    assert.equal(chats[1]!.lastMessagePreview, 'one');
    // Reading up to the first message of Beta leaves one unread, the mention.
    const [newest, older] = store.read.messages(chats[0]!.id);
    store.prefs.markRead(chats[0]!.id, older!.id);
    assert.equal(store.read.chat(chats[0]!.id)!.unreadCount, 1);
    store.writer.apply(account.id, {
      readPositions: [{ chatRemoteId: '!b', messageRemoteId: '$b2' }],
    });
    const beta = store.read.chat(chats[0]!.id)!;
    assert.equal(beta.unreadCount, 0);
    assert.equal(beta.mentionCount, 0);
    assert.equal(newest!.body, '@me three');
    // Own messages never count as unread.
    store.writer.apply(
      account.id,
      chatBatch('!b', 'Beta', [message('!b', '$b3', T0 + 30, 'mine', { senderRemoteId: '@me' })]),
    );
    assert.equal(store.read.chat(beta.id)!.unreadCount, 0);
  } finally {
    cleanup();
  }
});

test('timeline pages are newest first and in time order whatever the arrival order', () => {
  const { store, cleanup } = tempStore();
  try {
    const account = addAccount(store);
    store.writer.apply(
      account.id,
      chatBatch('!r', 'R', [
        message('!r', '$3', T0 + 3000, 'c'),
        message('!r', '$4', T0 + 4000, 'd'),
      ]),
    );
    store.writer.apply(
      account.id,
      chatBatch('!r', 'R', [
        message('!r', '$1', T0 + 1000, 'a'),
        message('!r', '$2', T0 + 2000, 'b'),
      ]),
    );
    // Two messages in the same millisecond both survive.
    store.writer.apply(account.id, chatBatch('!r', 'R', [message('!r', '$2b', T0 + 2000, 'b2')]));
    const chatId = store.read.chats()[0]!.id;
    const page1 = store.read.messages(chatId, { limit: 3 });
    assert.deepEqual(
      page1.map((m) => m.body),
      ['d', 'c', page1[2]!.body],
    );
    const page2 = store.read.messages(chatId, { beforeId: page1[2]!.id, limit: 10 });
    assert.deepEqual(
      [...page1, ...page2].map((m) => m.ts),
      [4000, 3000, 2000, 2000, 1000].map((d) => T0 + d),
    );
  } finally {
    cleanup();
  }
});

test('edits keep history, deletions blank the text and leave the index, reactions add and remove', () => {
  const { store, cleanup } = tempStore();
  try {
    const account = addAccount(store);
    store.writer.apply(
      account.id,
      chatBatch('!r', 'R', [
        message('!r', '$1', T0, 'first draft'),
        message('!r', '$2', T0 + 1, 'secret plans'),
      ]),
    );
    store.writer.apply(account.id, {
      edits: [{ messageRemoteId: '$1', body: 'final text', editedTs: T0 + 100 }],
      deletions: [{ messageRemoteId: '$2' }],
      reactionsAdded: [
        { messageRemoteId: '$1', senderRemoteId: '@ann', key: '🎉', ts: T0 + 5 },
        { messageRemoteId: '$1', senderRemoteId: '@me', key: '🎉', ts: T0 + 6 },
      ],
    });
    store.writer.apply(account.id, {
      reactionsRemoved: [{ messageRemoteId: '$1', senderRemoteId: '@ann', key: '🎉' }],
    });
    const chatId = store.read.chats()[0]!.id;
    const [deleted, edited] = store.read.messages(chatId);
    assert.equal(edited!.body, 'final text');
    assert.equal(edited!.edited, true);
    assert.deepEqual(edited!.reactions, [{ key: '🎉', count: 1, mine: true }]);
    assert.equal(deleted!.deleted, true);
    assert.equal(deleted!.body, '');
    const history = store.db.prepare(`SELECT body FROM message_revisions`).pluck().all();
    assert.deepEqual(history, ['first draft']);
    const match = (q: string) =>
      store.db
        .prepare(`SELECT count(*) FROM messages_fts WHERE messages_fts MATCH ?`)
        .pluck()
        .get(q);
    assert.equal(match('draft'), 0);
    assert.equal(match('final'), 1);
    assert.equal(match('secret'), 0);
    // An older edit arriving late does not win over the newer one.
    store.writer.apply(account.id, {
      edits: [{ messageRemoteId: '$1', body: 'stale', editedTs: T0 + 50 }],
    });
    assert.equal(store.read.messages(chatId)[1]!.body, 'final text');
  } finally {
    cleanup();
  }
});

test('the chat list previews the newest message still shown: a deleted newest message previews the one before it', () => {
  const { store, cleanup } = tempStore();
  try {
    const account = addAccount(store);
    store.writer.apply(
      account.id,
      chatBatch('!r', 'R', [
        message('!r', '$1', T0, 'first words'),
        message('!r', '$2', T0 + 1, 'second words'),
        message('!r', '$3', T0 + 2, 'third words'),
      ]),
    );
    const preview = () => store.read.chats()[0]!.lastMessagePreview;
    assert.equal(preview(), 'third words');
    store.writer.apply(account.id, { deletions: [{ messageRemoteId: '$3' }] });
    assert.equal(preview(), 'second words');
    // Both newest deleted in one batch: the first shows.
    store.writer.apply(account.id, {
      deletions: [{ messageRemoteId: '$2' }, { messageRemoteId: '$1' }],
    });
    assert.equal(preview(), null, 'nothing left to show');
    // A newer message that arrives already deleted previews what is shown below it.
    store.writer.apply(
      account.id,
      chatBatch('!r', 'R', [
        message('!r', '$4', T0 + 3, 'fourth words'),
        message('!r', '$5', T0 + 4, 'gone before it came', { deleted: true }),
      ]),
    );
    assert.equal(preview(), 'fourth words');
    // An edit of the newest shown message shows in the preview.
    store.writer.apply(account.id, {
      edits: [{ messageRemoteId: '$4', body: 'fourth, edited', editedTs: T0 + 10 }],
    });
    assert.equal(preview(), 'fourth, edited');
    // Activity stays where the deleted message put it: the chat does not move down the list.
    assert.equal(store.read.chats()[0]!.lastActivityTs, T0 + 4);
  } finally {
    cleanup();
  }
});

test('a batch for an unknown chat fails whole and changes nothing', () => {
  const { store, cleanup } = tempStore();
  try {
    const account = addAccount(store);
    store.writer.apply(account.id, chatBatch('!r', 'R'));
    assert.throws(
      () =>
        store.writer.apply(account.id, {
          messages: [message('!r', '$1', T0, 'ok'), message('!nope', '$2', T0, 'orphan')],
          cursors: { sync: 'should-not-commit' },
        }),
      /unknown chat/,
    );
    assert.equal(store.db.prepare(`SELECT count(*) FROM messages`).pluck().get(), 0);
    assert.equal(store.writer.cursor(account.id, 'sync'), null);
  } finally {
    cleanup();
  }
});

test('deleting a reaction event removes the reaction, also after a restart', () => {
  const { store, dir, cleanup } = tempStore();
  try {
    const account = addAccount(store);
    store.writer.apply(account.id, {
      ...chatBatch('!r', 'R', [message('!r', '$1', T0, 'nice')]),
      reactionsAdded: [
        {
          messageRemoteId: '$1',
          senderRemoteId: '@ann',
          key: '❤️',
          ts: T0 + 1,
          remoteId: '$react1',
        },
      ],
    });
    store.close();
    const reopened = Store.open(dir);
    try {
      const result = reopened.writer.apply(account.id, {
        deletions: [{ messageRemoteId: '$react1' }],
      });
      const [m] = reopened.read.messages(reopened.read.chats()[0]!.id);
      assert.deepEqual(m!.reactions, []);
      assert.equal(m!.deleted, false, 'the message itself stays');
      assert.deepEqual(result.updatedMessageIds, [m!.id]);
    } finally {
      reopened.close();
    }
  } finally {
    cleanup();
  }
});

test('a batch returns what it changed, per chat: also a reaction that names only its message', () => {
  const { store, cleanup } = tempStore();
  try {
    const account = addAccount(store);
    store.writer.apply(account.id, chatBatch('!a', 'A', [message('!a', '$a1', T0, 'one')]));
    store.writer.apply(account.id, chatBatch('!b', 'B', [message('!b', '$b1', T0, 'one')]));
    const idOf = (remoteId: string) =>
      store.db.prepare(`SELECT id FROM messages WHERE remote_id = ?`).pluck().get(remoteId);
    const chatOf = (remoteId: string) =>
      store.read.chats().find((c) => c.remoteId === remoteId)!.id;

    const result = store.writer.apply(account.id, {
      messages: [message('!a', '$a2', T0 + 1000, 'two'), message('!a', '$a1', T0, 'one')],
      edits: [{ messageRemoteId: '$a1', body: 'one, edited', editedTs: T0 + 2000 }],
      reactionsAdded: [{ messageRemoteId: '$b1', senderRemoteId: '@ann', key: '+', ts: T0 }],
    });
    const byChat = Object.fromEntries(result.changes.map((c) => [c.chatId, c.messageIds]));
    assert.deepEqual(byChat, {
      [chatOf('!a')]: [idOf('$a2'), idOf('$a1')],
      [chatOf('!b')]: [idOf('$b1')],
    });

    const replay = store.writer.apply(account.id, {
      messages: [message('!a', '$a2', T0 + 1000, 'two')],
    });
    assert.deepEqual(replay.changes, [], 'a replay that changes nothing records nothing');

    const gone = store.writer.apply(account.id, {
      reactionsRemoved: [{ messageRemoteId: '$b1', senderRemoteId: '@ann', key: '+' }],
      removedChats: ['!b'],
    });
    assert.deepEqual(gone.changes, [], 'a removed chat takes its changes with it');
  } finally {
    cleanup();
  }
});

test('a removed space goes from the space list; its chats stay with their messages until placed again', () => {
  const { store, cleanup } = tempStore();
  try {
    const account = addAccount(store);
    const spaces = () => listSpaces(store.readDb, account.id);
    const chat = (remoteId: string) => store.read.chats().find((c) => c.remoteId === remoteId)!;
    store.writer.apply(account.id, {
      spaces: [
        { remoteId: 'inbox', name: 'Inbox', kind: 'mailbox', role: 'inbox' },
        { remoteId: 'projects', name: 'Projects', kind: 'mailbox' },
      ],
      people: [{ remoteId: '@ann', displayName: 'Ann' }],
      chats: [
        { remoteId: 't1', kind: 'mail', name: 'Plan A', spaceRemoteId: 'projects' },
        { remoteId: 't2', kind: 'mail', name: 'Plan B', spaceRemoteId: 'projects' },
      ],
      messages: [message('t1', 'e1', T0, 'plan a'), message('t2', 'e2', T0 + 1, 'plan b')],
    });
    const projects = spaces().find((s) => s.remoteId === 'projects')!;
    assert.deepEqual(projects.chatIds, [chat('t1').id, chat('t2').id]);

    const result = store.writer.apply(account.id, {
      removedSpaces: ['projects', 'never-held'],
      cursors: { Mailbox: 'm2' },
    });
    assert.deepEqual(
      spaces().map((s) => s.name),
      ['Inbox'],
    );
    assert.deepEqual(result.chatIds.sort(), [chat('t1').id, chat('t2').id].sort());
    assert.equal(chat('t1').spaceId, null, 'outside any space, not gone');
    assert.equal(store.read.messages(chat('t2').id, { limit: 10 })[0]!.body, 'plan b');
    assert.equal(store.writer.cursor(account.id, 'Mailbox'), 'm2', 'with its cursor');

    // The mail moved to the Inbox: the next batch places its chat there.
    store.writer.apply(account.id, {
      chats: [{ remoteId: 't2', kind: 'mail', name: 'Plan B', spaceRemoteId: 'inbox' }],
    });
    assert.equal(chat('t2').spaceId, spaces().find((s) => s.remoteId === 'inbox')!.id);
  } finally {
    cleanup();
  }
});
