// A running account reports how far its initial sync and backfill have come
// (the daemon's sync.progress event), and says when it is offline, when it
// retries, and retries at once when asked. The connector stands in for our own
// Connector interface: chats synced one by one, with older history per chat.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SyncEngine } from '../../main/daemon/sync/engine.js';
import { ConnectorRegistry } from '../../main/daemon/connectors/registry.js';
import { ProtocolError } from '../../main/daemon/connectors/errors.js';
import { TransientHttpError } from '../../main/daemon/connectors/http/statusError.js';
import type { Connector, ConnectorContext } from '../../main/daemon/connectors/connector.js';
import type { SyncObserver } from '../../main/daemon/sync/observer.js';
import type { AccountStatus, SyncBatch, SyncProgress } from '../../main/daemon/model/types.js';
import type { Store } from '../../main/daemon/store/store.js';
import { addAccount, chatBatch, message, tempStore } from '../helpers/fixtures.js';
import { ALL_CAPABILITIES } from '../helpers/scriptedConnector.js';
import { OP_NAMES } from '../../main/daemon/model/ops.js';

const CHATS = Array.from({ length: 6 }, (_, i) => `!c${i}`);

/** Each chat: one message on sync (counted as progress), two older ones by backfill. */
function chatByChat(syncFailures: Error[] = []): Connector & { syncCalls: number } {
  const connector = {
    syncCalls: 0,
    protocol: 'matrix' as const,
    operations: new Set(OP_NAMES),
    capabilities: { ...ALL_CAPABILITIES, backfill: true },
    login: async () => ({ secret: 's', selfRemoteId: '@me' }),
    async *sync(): AsyncIterable<SyncBatch> {
      connector.syncCalls++;
      const failure = syncFailures.shift();
      if (failure) throw failure;
      yield { progress: { done: 0, total: CHATS.length } };
      for (const [i, c] of CHATS.entries()) {
        await new Promise((r) => setTimeout(r, 5));
        yield {
          ...chatBatch(c, `Chat ${c}`, [message(c, `${c}$2`, 3000 + i, 'new')]),
          cursors: { [`backfill:${c}`]: '2' },
          progress: { done: i + 1, total: CHATS.length },
        };
      }
    },
    async *backfill(ctx: ConnectorContext): AsyncIterable<SyncBatch> {
      for (const c of CHATS) {
        if (ctx.cursor(`backfill:${c}`) === 'done') continue;
        yield {
          messages: [message(c, `${c}$1`, 2000, 'older'), message(c, `${c}$0`, 1000, 'oldest')],
          cursors: { [`backfill:${c}`]: 'done' },
        };
      }
    },
    perform: async () => ({}),
  };
  return connector;
}

interface Seen {
  progress: SyncProgress[];
  statuses: { status: AccountStatus; detail: string | null; retryAt: number | null }[];
}

function engineWith(store: Store, connector: Connector, baseMs = 5) {
  const seen: Seen = { progress: [], statuses: [] };
  const observer: SyncObserver = {
    batchApplied: () => undefined,
    accountStatus: (_id, status, detail, retryAt) =>
      seen.statuses.push({ status, detail, retryAt: retryAt ?? null }),
    outboxChanged: () => undefined,
    log: () => undefined,
    progress: (p) => seen.progress.push(p),
  };
  const registry = new ConnectorRegistry().register('matrix', () => connector);
  const engine = new SyncEngine(store, registry, { get: async () => 'token' }, observer, {
    loop: { backoff: { baseMs, maxMs: baseMs * 4 }, pollIntervalMs: 3_600_000 },
    progressIntervalMs: 0,
  });
  return { engine, seen };
}

async function until(check: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('a running account reports its initial sync chat by chat to 100%, then backfill to done', async () => {
  const { store, cleanup } = tempStore();
  const account = addAccount(store);
  const { engine, seen } = engineWith(store, chatByChat());
  try {
    await engine.start(account.id);
    await until(() => seen.progress.some((p) => p.phase === 'done'), 'the done report');
    const initial = seen.progress.filter((p) => p.phase === 'initial');
    const fractions = initial.map((p) => p.fraction ?? 0);
    assert.deepEqual(
      fractions,
      [...fractions].sort((a, b) => a - b),
      'the initial fraction never goes back',
    );
    assert.ok(
      fractions.some((f) => f > 0 && f < 1),
      `passes through the middle: ${fractions.join(' ')}`,
    );
    const lastInitial = initial.at(-1)!;
    assert.equal(lastInitial.fraction, 1);
    assert.equal(lastInitial.chatsDone, CHATS.length);
    assert.equal(lastInitial.chatsTotal, CHATS.length);
    assert.equal(lastInitial.messagesStored, CHATS.length);
    const done = seen.progress.at(-1)!;
    assert.equal(done.phase, 'done');
    assert.equal(done.fraction, 1);
    assert.equal(done.messagesStored, CHATS.length * 3, 'backfill counted too');
    assert.equal(done.chatsBackfilled, CHATS.length);
    assert.equal(done.chatsRemaining, 0);
    const phases = seen.progress.map((p) => p.phase).filter((p, i, a) => p !== a[i - 1]);
    assert.deepEqual(phases, ['initial', 'backfill', 'done']);
  } finally {
    await engine.stopAll();
    cleanup();
  }
});

test('an unreachable server makes the account offline with a retry time; retry now tries at once', async () => {
  const { store, cleanup } = tempStore();
  const account = addAccount(store);
  const connector = chatByChat([new TransientHttpError('GET /sync: network error (ECONNREFUSED)')]);
  // A minute's backoff: only "retry now" can bring the second attempt within the test.
  const { engine, seen } = engineWith(store, connector, 60_000);
  try {
    const before = Date.now();
    await engine.start(account.id);
    await until(() => seen.statuses.some((s) => s.status === 'offline'), 'offline');
    const offline = seen.statuses.find((s) => s.status === 'offline')!;
    assert.match(offline.detail ?? '', /ECONNREFUSED/);
    assert.ok(offline.retryAt! >= before + 30_000, 'retries after the backoff, not at once');
    assert.equal(engine.retryAt(account.id), offline.retryAt);
    assert.equal(store.accounts.get(account.id)!.status, 'offline');
    assert.equal(connector.syncCalls, 1);

    assert.equal(await engine.retryNow(account.id), true);
    await until(() => store.accounts.get(account.id)!.status === 'active', 'active again');
    assert.equal(connector.syncCalls, 2);
    assert.equal(engine.retryAt(account.id), null, 'no retry pending once it works');
    assert.equal(await engine.retryNow(account.id), false, 'nothing waits to retry');
  } finally {
    await engine.stopAll();
    cleanup();
  }
});

test('a reply we cannot read is an error with its details, still retried', async () => {
  const { store, cleanup } = tempStore();
  const account = addAccount(store);
  const connector = chatByChat([new ProtocolError('GET /sync: rooms.join: expected object')]);
  const { engine, seen } = engineWith(store, connector);
  try {
    await engine.start(account.id);
    await until(() => store.accounts.get(account.id)!.status === 'active', 'active after retry');
    const error = seen.statuses.find((s) => s.status === 'error')!;
    assert.match(error.detail ?? '', /ProtocolError: GET \/sync: rooms.join/);
    assert.ok(error.retryAt !== null);
    assert.equal(connector.syncCalls, 2);
  } finally {
    await engine.stopAll();
    cleanup();
  }
});
