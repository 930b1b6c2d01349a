// The chat list served from memory (store/chatListCache.ts) must be the list
// SQL gives, after any sequence of the real write paths: synced batches (new
// messages, backfill, edits, deletions, read positions, chats and spaces
// added or removed, the server's flags), the user's preferences and mark
// read, local echoes and their confirmation, accounts added and removed,
// another connection writing the same file, and a transaction rolled back.
// The oracle is a ReadModel with no cache: every read is SQL.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { ReadModel, type ChatListFilter } from '../../main/daemon/store/readModel.js';
import type { Store } from '../../main/daemon/store/store.js';
import type { SyncBatch } from '../../main/daemon/model/types.js';
import { addAccount, message, tempStore } from '../helpers/fixtures.js';
import { seededRandom } from '../helpers/prng.js';

const T0 = Date.UTC(2024, 3, 1);

interface Account {
  id: number;
  chats: string[];
  messages: { remoteId: string; chat: string }[];
  spaces: string[];
}

/** Every list shape the API reads, from the cache and from SQL, must agree. */
function assertSameLists(store: Store, oracle: ReadModel, accounts: Account[], step: string): void {
  const workspaces = store.accounts.workspaces().map((w) => w.id);
  const filters: ChatListFilter[] = [
    {},
    { archived: true },
    { limit: 5 },
    ...accounts.map((a) => ({ accountId: a.id })),
    ...workspaces.map((w) => ({ workspaceId: w })),
    ...workspaces.map((w) => ({ workspaceId: w, archived: true })),
  ];
  for (const f of filters)
    assert.deepEqual(store.read.chats(f), oracle.chats(f), `${step}: chats(${JSON.stringify(f)})`);
  // Keyset pages walk the same order.
  let cursor: string | undefined;
  for (let page = 0; page < 50; page++) {
    const cached = store.read.chatPage({ limit: 7 }, cursor);
    const sql = oracle.chatPage({ limit: 7 }, cursor);
    assert.deepEqual(cached, sql, `${step}: page ${page}`);
    if (!cached.nextCursor) break;
    cursor = cached.nextCursor;
  }
}

function randomSequence(seed: number, steps: number): void {
  const r = seededRandom(seed);
  const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)]!;
  const { store, dir, cleanup } = tempStore();
  const oracle = new ReadModel(store.readDb);
  let serial = 0;
  const next = (prefix: string) => `${prefix}${seed}-${serial++}`;
  try {
    const accounts: Account[] = [];
    const newAccount = (workspace?: string) => {
      const a = store.accounts.add({
        protocol: 'matrix',
        server: 'https://example.test',
        username: next('u'),
        workspace,
      });
      store.writer.apply(a.id, {
        people: [
          { remoteId: '@me', displayName: 'Me', isSelf: true },
          { remoteId: '@ann', displayName: 'Ann' },
        ],
      });
      const account: Account = { id: a.id, chats: [], messages: [], spaces: [] };
      accounts.push(account);
      return account;
    };
    newAccount();
    newAccount('Work');
    const apply = (a: Account, batch: SyncBatch) => store.writer.apply(a.id, batch);
    const newChats = (a: Account, n: number) => {
      const chats = Array.from({ length: n }, () => {
        const remoteId = next('!c');
        a.chats.push(remoteId);
        return {
          remoteId,
          kind: pick(['group', 'direct', 'channel'] as const),
          name: next('Chat '),
          spaceRemoteId: a.spaces.length && r() < 0.5 ? pick(a.spaces) : null,
          ...(r() < 0.2 ? { archived: r() < 0.5, muted: r() < 0.5 } : {}),
        };
      });
      apply(a, { chats });
    };
    for (const a of accounts) newChats(a, 6);

    const ops: [weight: number, name: string, run: () => void][] = [
      [
        6,
        'messages',
        () => {
          const a = pick(accounts);
          if (!a.chats.length) return;
          const messages = Array.from({ length: 1 + Math.floor(r() * 6) }, () => {
            const chat = pick(a.chats);
            const remoteId = next('$m');
            a.messages.push({ remoteId, chat });
            // Some arrive out of order (backfill), some are ours, some mention us.
            const ts = T0 + Math.floor(r() * 1_000_000) * (r() < 0.3 ? 1 : 10);
            return message(chat, remoteId, ts, next('body '), {
              senderRemoteId: r() < 0.2 ? '@me' : '@ann',
              mentionsSelf: r() < 0.2,
            });
          });
          apply(a, { messages });
        },
      ],
      [
        2,
        'edit',
        () => {
          const a = pick(accounts);
          if (!a.messages.length) return;
          const m = pick(a.messages);
          apply(a, {
            edits: [{ messageRemoteId: m.remoteId, body: next('edited '), editedTs: T0 + serial }],
          });
        },
      ],
      [
        2,
        'deletion',
        () => {
          const a = pick(accounts);
          if (!a.messages.length) return;
          apply(a, { deletions: [{ messageRemoteId: pick(a.messages).remoteId }] });
        },
      ],
      [
        2,
        'read position',
        () => {
          const a = pick(accounts);
          if (!a.messages.length) return;
          const m = pick(a.messages);
          apply(a, { readPositions: [{ chatRemoteId: m.chat, messageRemoteId: m.remoteId }] });
        },
      ],
      [
        1,
        'new chats',
        () => {
          const a = pick(accounts);
          newChats(a, 1 + Math.floor(r() * 3));
        },
      ],
      [
        1,
        'chat renamed by the server',
        () => {
          const a = pick(accounts);
          if (!a.chats.length) return;
          const batch: SyncBatch = {
            chats: [
              {
                remoteId: pick(a.chats),
                kind: 'group',
                name: next('Renamed '),
                topic: next('topic '),
                avatarUrl: r() < 0.5 ? next('mxc://x/') : null,
                encrypted: r() < 0.3,
                spaceRemoteId: a.spaces.length ? pick(a.spaces) : null,
              },
            ],
          };
          // Replayed, with no read between: the chat is marked changed twice.
          apply(a, batch);
          apply(a, batch);
        },
      ],
      [
        1,
        'space',
        () => {
          const a = pick(accounts);
          const remoteId = next('!s');
          a.spaces.push(remoteId);
          apply(a, { spaces: [{ remoteId, name: next('Space ') }] });
        },
      ],
      [
        1,
        'chat removed',
        () => {
          const a = pick(accounts);
          if (!a.chats.length) return;
          const chat = pick(a.chats);
          a.chats = a.chats.filter((c) => c !== chat);
          a.messages = a.messages.filter((m) => m.chat !== chat);
          apply(a, { removedChats: [chat] });
        },
      ],
      [
        3,
        'preferences',
        () => {
          const chats = oracle.chats().concat(oracle.chats({ archived: true }));
          if (!chats.length) return;
          const flag = pick(['muted', 'pinned', 'archived', 'blocked'] as const);
          store.prefs.setFlags(pick(chats).id, { [flag]: r() < 0.5 });
        },
      ],
      [
        2,
        'mark read',
        () => {
          const chats = oracle.chats().filter((c) => c.unreadCount > 0);
          if (!chats.length) return;
          const chat = pick(chats);
          const newest = oracle.messages(chat.id, { limit: 1 })[0];
          if (newest) store.prefs.markRead(chat.id, newest.id);
        },
      ],
      [
        1,
        'draft',
        () => {
          const chats = oracle.chats();
          if (chats.length) store.prefs.saveDraft(pick(chats).id, next('draft '), null);
        },
      ],
      [
        3,
        'local echo',
        () => {
          const a = pick(accounts);
          if (!a.chats.length) return;
          const chat = pick(a.chats);
          const chatId = store.db
            .prepare(`SELECT id FROM chats WHERE account_id = ? AND remote_id = ?`)
            .pluck()
            .get(a.id, chat) as number;
          const entry = store.outbox.enqueue(
            a.id,
            chatId,
            { op: 'send', chatRemoteId: chat, body: next('sent ') },
            T0 + 2_000_000 + serial,
          );
          const remoteId = next('$echo');
          const outcome = r();
          // The server's copy comes by sync first (adopting the echo), or the
          // confirmation first, or sync delivers it as a row of its own and the echo goes.
          if (outcome < 0.4)
            apply(a, {
              messages: [
                message(chat, remoteId, T0 + 2_000_000 + serial, 'sent', {
                  senderRemoteId: '@me',
                  idempotencyKey: entry.idempotencyKey,
                }),
              ],
            });
          else if (outcome < 0.7) store.outbox.markSent(entry.id, remoteId);
          else {
            apply(a, {
              messages: [
                message(chat, remoteId, T0 + 2_000_001 + serial, 'copy', { senderRemoteId: '@me' }),
              ],
            });
            store.outbox.markSent(entry.id, remoteId);
          }
          a.messages.push({ remoteId, chat });
        },
      ],
      [
        1,
        'account added',
        () => {
          const a = newAccount(r() < 0.5 ? 'Work' : 'Home');
          newChats(a, 3);
        },
      ],
      [
        1,
        'account removed',
        () => {
          if (accounts.length < 2) return;
          const a = pick(accounts);
          accounts.splice(accounts.indexOf(a), 1);
          store.accounts.remove(a.id);
        },
      ],
      [
        1,
        'rolled back',
        () => {
          const chats = oracle.chats();
          if (!chats.length) return;
          const chat = pick(chats);
          assert.throws(() =>
            store.db.transaction(() => {
              store.prefs.setFlags(chat.id, { pinned: !chat.pinned });
              // A read inside the transaction sees its write, and must not keep it.
              assert.equal(store.read.chats().find((c) => c.id === chat.id)?.pinned, !chat.pinned);
              throw new Error('rolled back');
            })(),
          );
        },
      ],
      [
        1,
        'another connection',
        () => {
          const chats = oracle.chats();
          if (!chats.length) return;
          const other = new Database(join(dir, 'parley.db'));
          try {
            other
              .prepare(`UPDATE chats SET name = ?, last_activity_ts = ? WHERE id = ?`)
              .run(next('Elsewhere '), T0 + 5_000_000 + serial, pick(chats).id);
          } finally {
            other.close();
          }
        },
      ],
    ];
    const total = ops.reduce((s, [w]) => s + w, 0);
    assertSameLists(store, oracle, accounts, 'start');
    for (let step = 0; step < steps; step++) {
      let x = r() * total;
      const op = ops.find(([w]) => (x -= w) < 0)!;
      op[2]();
      // Some writes come in runs with no read between them.
      if (r() < 0.7) assertSameLists(store, oracle, accounts, `seed ${seed} step ${step} ${op[1]}`);
    }
    assertSameLists(store, oracle, accounts, `seed ${seed} end`);
  } finally {
    cleanup();
  }
}

test('the chat list from memory equals SQL after random sequences of real writes', () => {
  for (const seed of [1, 2, 3, 4, 5, 6]) randomSequence(seed, 120);
});

test('a new message moves its chat to the top, with its preview and unread count', () => {
  const { store, cleanup } = tempStore();
  try {
    const account = addAccount(store);
    store.writer.apply(account.id, {
      people: [{ remoteId: '@ann', displayName: 'Ann' }],
      chats: ['!a', '!b', '!c'].map((remoteId) => ({
        remoteId,
        kind: 'group' as const,
        name: remoteId,
      })),
      messages: [
        message('!a', '$1', T0 + 3000, 'newest'),
        message('!b', '$2', T0 + 2000, 'middle'),
        message('!c', '$3', T0 + 1000, 'oldest'),
      ],
    });
    assert.deepEqual(
      store.read.chats().map((c) => c.remoteId),
      ['!a', '!b', '!c'],
    );
    store.writer.apply(account.id, { messages: [message('!c', '$4', T0 + 4000, 'hello again')] });
    const [top] = store.read.chats();
    assert.equal(top!.remoteId, '!c');
    assert.equal(top!.lastMessagePreview, 'hello again');
    assert.equal(top!.unreadCount, 2);
    // A pinned chat stays above, whatever arrives.
    const b = store.read.chats().find((c) => c.remoteId === '!b')!;
    store.prefs.setFlags(b.id, { pinned: true });
    store.writer.apply(account.id, { messages: [message('!a', '$5', T0 + 5000, 'later')] });
    assert.deepEqual(
      store.read.chats().map((c) => c.remoteId),
      ['!b', '!a', '!c'],
    );
    // Archiving takes it out of the list and into the archive.
    store.prefs.setFlags(b.id, { archived: true });
    assert.deepEqual(
      store.read.chats({ archived: true }).map((c) => c.remoteId),
      ['!b'],
    );
    assert.ok(!store.read.chats().some((c) => c.remoteId === '!b'));
  } finally {
    cleanup();
  }
});

test('the list it returns cannot be changed by a caller', () => {
  const { store, cleanup } = tempStore();
  try {
    const account = addAccount(store);
    store.writer.apply(account.id, { chats: [{ remoteId: '!a', kind: 'group', name: 'A' }] });
    store.read.chats(); // a process's first read is SQL's (its own objects); the next is the cache's
    const [chat] = store.read.chats();
    assert.throws(() => {
      (chat as { name: string }).name = 'changed';
    }, TypeError);
    assert.equal(store.read.chats()[0]!.name, 'A');
  } finally {
    cleanup();
  }
});
