// `syncOnce` (the CLI's `sync --once`) ends only when the local copy is
// complete: initial sync, then backfill to the end, with progress reported
// from the loop's own observations. The connector is a stand-in for our own
// Connector interface: two chats whose older history comes in pages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SyncEngine } from '../../main/daemon/sync/engine.js';
import { ConnectorRegistry } from '../../main/daemon/connectors/registry.js';
import { AuthError } from '../../main/daemon/connectors/errors.js';
import type { Connector, ConnectorContext } from '../../main/daemon/connectors/connector.js';
import { silentObserver } from '../../main/daemon/sync/observer.js';
import type { SyncProgress } from '../../main/daemon/sync/progress.js';
import type { SyncBatch } from '../../main/daemon/model/types.js';
import type { Store } from '../../main/daemon/store/store.js';
import { updateAccountSettings } from '../../main/daemon/store/accountSettings.js';
import { addAccount, chatBatch, message, tempStore } from '../helpers/fixtures.js';
import { ALL_CAPABILITIES } from '../helpers/scriptedConnector.js';
import { OP_NAMES } from '../../main/daemon/model/ops.js';

const CHATS = ['!a', '!b'];
const PER_CHAT = 25;
const WINDOW = 5;
const PAGE = 8;

/** Chat c has PER_CHAT messages; sync gives the newest WINDOW, backfill pages of PAGE below. */
function pagedHistory(
  failures: Error[] = [],
  ts: (i: number) => number = (i) => 1_000_000 + i * 1000,
  /** Each backfill call drops its connection after one page. */
  flaky = false,
): Connector {
  return {
    protocol: 'matrix',
    operations: new Set(OP_NAMES),
    capabilities: { ...ALL_CAPABILITIES, backfill: true },
    login: async () => ({ secret: 's', selfRemoteId: '@ann' }),
    async *sync(): AsyncIterable<SyncBatch> {
      for (const c of CHATS) {
        const newest = Array.from({ length: WINDOW }, (_, k) => PER_CHAT - 1 - k);
        yield {
          ...chatBatch(
            c,
            `Chat ${c}`,
            newest.map((i) => message(c, `${c}$${i}`, ts(i), `m${i}`)),
          ),
          cursors: { [`backfill:${c}`]: String(PER_CHAT - WINDOW) },
        };
      }
    },
    async *backfill(ctx: ConnectorContext): AsyncIterable<SyncBatch> {
      const failure = failures.shift();
      if (failure) throw failure;
      for (const c of CHATS) {
        let below = ctx.cursor(`backfill:${c}`);
        while (below !== null && below !== 'done') {
          const top = Number(below);
          const from = Math.max(0, top - PAGE);
          const ids = Array.from({ length: top - from }, (_, k) => top - 1 - k);
          below = from === 0 ? 'done' : String(from);
          yield {
            messages: ids.map((i) => message(c, `${c}$${i}`, ts(i), `m${i}`)),
            cursors: { [`backfill:${c}`]: below },
          };
          if (flaky) throw new Error('connection reset');
        }
      }
    },
    perform: async () => ({}),
  };
}

function engineWith(store: Store, connector: () => Connector) {
  const registry = new ConnectorRegistry().register('matrix', connector);
  return new SyncEngine(store, registry, { get: async () => 'token' }, silentObserver, {
    loop: { backoff: { baseMs: 5, maxMs: 20 } },
  });
}

const stored = (store: Store) =>
  store.db.prepare(`SELECT count(*) FROM messages`).pluck().get() as number;

test('sync once returns only when every chat is backfilled, and says how far it got', async () => {
  const { store, cleanup } = tempStore();
  try {
    const account = addAccount(store);
    const engine = engineWith(store, () => pagedHistory());
    const seen: SyncProgress[] = [];
    const final = await engine.syncOnce(account.id, { onProgress: (p) => seen.push(p) });
    assert.equal(stored(store), CHATS.length * PER_CHAT, 'the whole history is local');
    assert.deepEqual(final, {
      accountId: account.id,
      phase: 'done',
      messagesStored: CHATS.length * PER_CHAT,
      chatsDone: 2,
      chatsTotal: 2,
      fraction: 1,
      etaMs: null,
      chatsBackfilled: 2,
      chatsRemaining: 0,
    });
    assert.deepEqual(
      [...new Set(seen.map((p) => p.phase))],
      ['initial', 'backfill', 'done'],
      'phases in order',
    );
    const backfillStart = seen.find((p) => p.phase === 'backfill')!;
    assert.equal(backfillStart.messagesStored, CHATS.length * WINDOW);
    assert.equal(backfillStart.chatsRemaining, 2);
    assert.equal(store.accounts.get(account.id)!.status, 'active');

    const again = await engine.syncOnce(account.id);
    assert.equal(again.messagesStored, 0, 'a second run finds nothing new');
    assert.equal(stored(store), CHATS.length * PER_CHAT);
  } finally {
    cleanup();
  }
});

test('sync once without backfill stops after the initial sync and leaves the rest for later', async () => {
  const { store, cleanup } = tempStore();
  try {
    const account = addAccount(store);
    const engine = engineWith(store, () => pagedHistory());
    const final = await engine.syncOnce(account.id, { backfill: false });
    assert.equal(stored(store), CHATS.length * WINDOW);
    assert.equal(final.chatsRemaining, 2);
    assert.equal(final.chatsBackfilled, 0);
  } finally {
    cleanup();
  }
});

test('a failing backfill is retried, then fails the run; a revoked session fails it at once', async () => {
  const { store, cleanup } = tempStore();
  try {
    const account = addAccount(store);
    const flaky = [new Error('ECONNRESET')];
    const recovered = await engineWith(store, () => pagedHistory(flaky)).syncOnce(account.id);
    assert.equal(recovered.chatsRemaining, 0, 'one transient failure is retried');

    const { store: patient, cleanup: cleanupPatient } = tempStore();
    try {
      const acc = addAccount(patient);
      const everyPage = engineWith(patient, () => pagedHistory([], undefined, true));
      const done = await everyPage.syncOnce(acc.id, { maxAttempts: 2 });
      assert.equal(done.chatsRemaining, 0, 'failures with progress between them never add up');
      assert.equal(stored(patient), CHATS.length * PER_CHAT);
    } finally {
      cleanupPatient();
    }

    const { store: other, cleanup: cleanupOther } = tempStore();
    try {
      const acc = addAccount(other);
      const down = [new Error('down 1'), new Error('down 2')];
      await assert.rejects(
        engineWith(other, () => pagedHistory(down)).syncOnce(acc.id, { maxAttempts: 2 }),
        /down 2/,
      );
      assert.equal(other.accounts.get(acc.id)!.status, 'error');
      assert.equal(stored(other), CHATS.length * WINDOW, 'what the initial sync stored is kept');

      const revoked = [new AuthError('M_UNKNOWN_TOKEN')];
      await assert.rejects(
        engineWith(other, () => pagedHistory(revoked)).syncOnce(acc.id, { maxAttempts: 5 }),
        AuthError,
      );
      assert.equal(other.accounts.get(acc.id)!.status, 'signed_out');
    } finally {
      cleanupOther();
    }
  } finally {
    cleanup();
  }
});

test('the history depth (days) ends each chat at the first page that reaches past it', async () => {
  const { store, cleanup } = tempStore();
  try {
    const account = addAccount(store);
    const DAY = 24 * 60 * 60 * 1000;
    const now = Date.now();
    // Message i is (PER_CHAT - i) days old: the newest one day, the oldest 25 days.
    const daysOld = (i: number) => now - (PER_CHAT - i) * DAY;
    assert.equal(updateAccountSettings(store.db, account.id, { historyDays: 10 }), true);
    const engine = engineWith(store, () => pagedHistory([], daysOld));
    const final = await engine.syncOnce(account.id);
    assert.equal(final.chatsRemaining, 0, 'both chats count as complete');
    for (const chat of store.read.chats()) {
      const ages = store.read
        .messages(chat.id, { limit: 100 })
        .map((m) => Math.round((now - m.ts) / DAY));
      for (let age = 1; age <= 10; age++)
        assert.ok(ages.includes(age), `${chat.name}: the message ${age} days old is there`);
      const oldest = Math.max(...ages);
      assert.ok(oldest > 10, 'the page that crossed the depth is kept whole');
      assert.ok(oldest < PER_CHAT, `${chat.name}: nothing older was fetched (oldest ${oldest})`);
    }

    // A run may override the setting: the whole history.
    const { store: full, cleanup: cleanupFull } = tempStore();
    try {
      const acc = addAccount(full);
      updateAccountSettings(full.db, acc.id, { historyDays: 10 });
      const all = await engineWith(full, () => pagedHistory([], daysOld)).syncOnce(acc.id, {
        historyDays: null,
      });
      assert.equal(all.messagesStored, CHATS.length * PER_CHAT);
    } finally {
      cleanupFull();
    }
  } finally {
    cleanup();
  }
});
