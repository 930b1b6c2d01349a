import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SyncEngine } from '../../main/daemon/sync/engine.js';
import { ConnectorRegistry } from '../../main/daemon/connectors/registry.js';
import {
  AuthError,
  PermanentError,
  RateLimitedError,
} from '../../main/daemon/connectors/errors.js';
import { silentObserver, type SyncObserver } from '../../main/daemon/sync/observer.js';
import { secretKey } from '../../main/daemon/store/accounts.js';
import { backoffDelay, retryDelay } from '../../main/daemon/sync/backoff.js';
import type { Store } from '../../main/daemon/store/store.js';
import { addAccount, chatBatch, message, tempStore } from '../helpers/fixtures.js';
import { ScriptedServer, scriptedConnector } from '../helpers/scriptedConnector.js';

const FAST = { backoff: { baseMs: 10, maxMs: 40 } };

function setup(
  servers: Map<string, ScriptedServer>,
  store: Store,
  observer: SyncObserver = silentObserver,
) {
  const registry = new ConnectorRegistry();
  // One scripted server per username, so accounts are isolated like real ones.
  let current: ScriptedServer | undefined;
  registry.register('matrix', () => scriptedConnector(current!));
  const secrets = { get: async (key: string) => (key.includes('nosecret') ? null : 'token') };
  const engine = new SyncEngine(store, registry, secrets, observer, { loop: FAST, outbox: FAST });
  const origStart = engine.start.bind(engine);
  const origOnce = engine.syncOnce.bind(engine);
  const pick = (accountId: number) => {
    current = servers.get(store.accounts.get(accountId)!.username);
  };
  engine.start = async (id, ...rest) => (pick(id), origStart(id, ...rest));
  engine.syncOnce = async (id, ...rest) => (pick(id), origOnce(id, ...rest));
  return engine;
}

test('backoff grows exponentially with jitter and honours retry-after', () => {
  const policy = { baseMs: 100, maxMs: 1000 };
  assert.equal(
    backoffDelay(1, policy, () => 0),
    50,
  );
  assert.equal(
    backoffDelay(1, policy, () => 1),
    100,
  );
  assert.equal(
    backoffDelay(3, policy, () => 1),
    400,
  );
  assert.equal(
    backoffDelay(10, policy, () => 1),
    1000,
    'capped',
  );
  assert.equal(
    retryDelay(1, 5000, policy, () => 0),
    5000,
    'the server asked for 5 s',
  );
  assert.ok(retryDelay(1, 5000, policy, () => 1) <= 5500);
});

test('sync once applies batches with their cursors and resumes from the cursor', async () => {
  const { store, cleanup } = tempStore();
  try {
    const account = addAccount(store);
    const server = new ScriptedServer();
    server.syncBatches.push({
      ...chatBatch('!r', 'Room', [message('!r', '$1', 1000, 'hi')]),
      cursors: { sync: 's1' },
    });
    const engine = setup(new Map([['me', server]]), store);
    await engine.syncOnce(account.id);
    assert.equal(store.writer.cursor(account.id, 'sync'), 's1');
    server.syncBatches.push({
      messages: [message('!r', '$2', 2000, 'again')],
      cursors: { sync: 's2' },
    });
    await engine.syncOnce(account.id);
    assert.deepEqual(
      server.syncCalls.map((c) => c.cursor),
      [null, 's1'],
    );
    assert.deepEqual(
      store.read.messages(store.read.chats()[0]!.id).map((m) => m.body),
      ['again', 'hi'],
    );
  } finally {
    cleanup();
  }
});

test('a failing sync backs off and recovers; rate limits wait as long as the server asks', async () => {
  const { store, cleanup } = tempStore();
  try {
    const account = addAccount(store);
    const server = new ScriptedServer();
    server.syncFailures.push(new Error('ECONNRESET'), new RateLimitedError('slow down', 150));
    server.syncBatches.push({
      ...chatBatch('!r', 'Room', [message('!r', '$1', 1000, 'hi')]),
      cursors: { sync: 's1' },
    });
    const engine = setup(new Map([['me', server]]), store);
    await engine.syncOnce(account.id, { maxAttempts: 5 });
    assert.equal(server.syncCalls.length, 3);
    const waited = server.syncCalls[2]!.at - server.syncCalls[1]!.at;
    assert.ok(waited >= 150, `waited ${waited} ms after a 150 ms retry-after`);
    assert.equal(store.accounts.get(account.id)!.status, 'active');
  } finally {
    cleanup();
  }
});

test('sync once gives up with the reason after repeated failures', async () => {
  const { store, cleanup } = tempStore();
  try {
    const account = addAccount(store);
    const server = new ScriptedServer();
    server.syncFailures.push(new Error('boom 1'), new Error('boom 2'), new Error('boom 3'));
    const engine = setup(new Map([['me', server]]), store);
    await assert.rejects(engine.syncOnce(account.id, { maxAttempts: 3 }), /boom 3/);
    const after = store.accounts.get(account.id)!;
    assert.equal(after.status, 'error');
    assert.match(after.statusDetail!, /boom 3/);
  } finally {
    cleanup();
  }
});

test('rejected credentials pause the account for a new sign-in and lose nothing', async () => {
  const { store, cleanup } = tempStore();
  try {
    const account = addAccount(store);
    const server = new ScriptedServer();
    server.syncBatches.push({
      ...chatBatch('!r', 'Room', [message('!r', '$1', 1000, 'kept')]),
      cursors: { sync: 's1' },
    });
    const engine = setup(new Map([['me', server]]), store);
    await engine.syncOnce(account.id);
    server.syncFailures.push(new AuthError('M_UNKNOWN_TOKEN'));
    await assert.rejects(engine.syncOnce(account.id), AuthError);
    const after = store.accounts.get(account.id)!;
    assert.equal(after.status, 'signed_out');
    assert.match(after.statusDetail!, /Sign in again/);
    assert.equal(store.read.messages(store.read.chats()[0]!.id)[0]!.body, 'kept');
    assert.equal(store.writer.cursor(account.id, 'sync'), 's1');
  } finally {
    cleanup();
  }
});

test('one failing account never stalls another', async () => {
  const { store, cleanup } = tempStore();
  try {
    const good = addAccount(store, 'good');
    const bad = addAccount(store, 'bad');
    const goodServer = new ScriptedServer();
    const badServer = new ScriptedServer();
    badServer.syncFailures = Array.from({ length: 50 }, () => new Error('down'));
    goodServer.syncBatches.push({
      ...chatBatch('!g', 'Good room', [message('!g', '$1', 1, 'fine')]),
      cursors: { sync: 'g1' },
    });
    const engine = setup(
      new Map([
        ['good', goodServer],
        ['bad', badServer],
      ]),
      store,
    );
    await engine.start(bad.id, { pollIntervalMs: 10 });
    await engine.start(good.id, { pollIntervalMs: 10 });
    for (let i = 0; i < 100 && store.writer.cursor(good.id, 'sync') !== 'g1'; i++)
      await new Promise((r) => setTimeout(r, 10));
    assert.equal(store.writer.cursor(good.id, 'sync'), 'g1');
    assert.equal(store.accounts.get(bad.id)!.status, 'error');
    await engine.stopAll();
  } finally {
    cleanup();
  }
});

test('the outbox shows a pending echo, retries with backoff, is sent once, and never duplicates', async () => {
  const { store, cleanup } = tempStore();
  try {
    const account = addAccount(store);
    const server = new ScriptedServer();
    server.syncBatches.push(chatBatch('!r', 'Room'));
    const states: string[] = [];
    const engine = setup(new Map([['me', server]]), store, {
      ...silentObserver,
      outboxChanged: (e) => states.push(e.state),
    });
    await engine.syncOnce(account.id);
    const chat = store.read.chats()[0]!;
    // The first attempt reaches the server but the answer is lost; the second fails outright.
    server.writeFailures.push('lose-response', new Error('ETIMEDOUT'));
    const entry = store.outbox.enqueue(account.id, chat.id, {
      op: 'send',
      chatRemoteId: '!r',
      body: 'hello there',
    });
    const [echo] = store.read.messages(chat.id);
    assert.equal(echo!.body, 'hello there');
    assert.equal(echo!.outboxState, 'pending');
    await engine.start(account.id, undefined, { outboxOnly: true });
    const settled = await engine.settled(entry.id);
    assert.equal(settled.state, 'sent');
    assert.equal(server.attempts.length, 3);
    assert.ok(
      server.attempts.every((a) => a.key === entry.idempotencyKey),
      'every attempt carries the same key',
    );
    assert.equal(server.delivered.size, 1, 'the server holds the message once');
    const gap = server.attempts[1]!.at - server.attempts[0]!.at;
    assert.ok(gap >= 5, `a retry waits for its backoff (${gap} ms)`);
    assert.deepEqual(
      states.filter((s) => s === 'sent'),
      ['sent'],
      'marked sent exactly once',
    );
    const [confirmed] = store.read.messages(chat.id);
    assert.equal(confirmed!.outboxState, null);
    assert.match(confirmed!.remoteId!, /^\$server-/);
    // The server's copy arriving through sync replaces nothing and duplicates nothing.
    server.syncBatches.push({
      messages: [
        message('!r', confirmed!.remoteId!, Date.now(), 'hello there', { senderRemoteId: '@me' }),
      ],
    });
    await engine.syncOnce(account.id);
    assert.equal(store.read.messages(chat.id).length, 1);
    await engine.stopAll();
  } finally {
    cleanup();
  }
});

test('a permanent failure marks the entry failed for the user, who can retry it', async () => {
  const { store, cleanup } = tempStore();
  try {
    const account = addAccount(store);
    const server = new ScriptedServer();
    server.syncBatches.push(chatBatch('!r', 'Room'));
    const engine = setup(new Map([['me', server]]), store);
    await engine.syncOnce(account.id);
    const chat = store.read.chats()[0]!;
    server.writeFailures.push(new PermanentError('M_FORBIDDEN: not in room'));
    const entry = store.outbox.enqueue(account.id, chat.id, {
      op: 'send',
      chatRemoteId: '!r',
      body: 'nope',
    });
    await engine.start(account.id, undefined, { outboxOnly: true });
    const failed = await engine.settled(entry.id);
    assert.equal(failed.state, 'failed');
    assert.match(failed.lastError!, /not in room/);
    assert.equal(store.read.messages(chat.id)[0]!.outboxState, 'failed');
    assert.ok(store.outbox.retryNow(entry.id));
    engine.poke(account.id);
    assert.equal((await engine.settled(entry.id)).state, 'sent');
    assert.equal(server.delivered.size, 1);
    await engine.stopAll();
  } finally {
    cleanup();
  }
});

test('entries caught mid-send by a crash go back to pending on restart', () => {
  const { store, cleanup } = tempStore();
  try {
    const account = addAccount(store);
    store.writer.apply(account.id, chatBatch('!r', 'Room'));
    const entry = store.outbox.enqueue(account.id, store.read.chats()[0]!.id, {
      op: 'send',
      chatRemoteId: '!r',
      body: 'x',
    });
    store.outbox.markSending(entry.id);
    new SyncEngine(store, new ConnectorRegistry(), { get: async () => null }, silentObserver);
    assert.equal(store.outbox.get(entry.id)!.state, 'pending');
    assert.equal(secretKey(account), 'matrix:me@https://example.test');
  } finally {
    cleanup();
  }
});

test('sends keep their order within a chat while one waits for a retry; other chats go on', async () => {
  const { store, cleanup } = tempStore();
  try {
    const account = addAccount(store);
    const server = new ScriptedServer();
    server.syncBatches.push({
      chats: [
        { remoteId: '!a', kind: 'group', name: 'A' },
        { remoteId: '!b', kind: 'group', name: 'B' },
      ],
    });
    const engine = setup(new Map([['me', server]]), store);
    await engine.syncOnce(account.id);
    const chatId = (remote: string) => store.read.chats().find((c) => c.remoteId === remote)!.id;
    server.writeFailures.push(new RateLimitedError('slow down', 80));
    const a1 = store.outbox.enqueue(account.id, chatId('!a'), {
      op: 'send',
      chatRemoteId: '!a',
      body: 'a1',
    });
    const a2 = store.outbox.enqueue(account.id, chatId('!a'), {
      op: 'send',
      chatRemoteId: '!a',
      body: 'a2',
    });
    const b1 = store.outbox.enqueue(account.id, chatId('!b'), {
      op: 'send',
      chatRemoteId: '!b',
      body: 'b1',
    });
    await engine.start(account.id, undefined, { outboxOnly: true });
    for (const e of [a1, a2, b1]) assert.equal((await engine.settled(e.id)).state, 'sent');
    const bodies = [...server.delivered.values()].map((op) => (op.op === 'send' ? op.body : op.op));
    assert.deepEqual(bodies, ['b1', 'a1', 'a2'], 'b1 did not wait for chat A; a2 waited for a1');
    await engine.stopAll();
  } finally {
    cleanup();
  }
});

test('a server that stays unreachable delays a send; only a write older than the give-up window fails', async () => {
  const { store, cleanup } = tempStore();
  try {
    const account = addAccount(store);
    const server = new ScriptedServer();
    server.syncBatches.push(chatBatch('!r', 'Room'));
    const registry = new ConnectorRegistry().register('matrix', () => scriptedConnector(server));
    const secrets = { get: async () => 'token' };
    const engineWith = (giveUpAfterMs: number) =>
      new SyncEngine(store, registry, secrets, silentObserver, {
        loop: FAST,
        outbox: { ...FAST, maxAttempts: 3, giveUpAfterMs },
      });
    const young = engineWith(60 * 60_000);
    await young.syncOnce(account.id);
    const chat = store.read.chats()[0]!;
    // Five failures in a row: more than maxAttempts, but the write is minutes old, not an hour.
    for (let i = 0; i < 5; i++) server.writeFailures.push(new Error('ECONNREFUSED'));
    const kept = store.outbox.enqueue(account.id, chat.id, {
      op: 'send',
      chatRemoteId: '!r',
      body: 'sent when the server is back',
    });
    await young.start(account.id, undefined, { outboxOnly: true });
    assert.equal((await young.settled(kept.id)).state, 'sent');
    assert.equal(server.attempts.length, 6);
    await young.stopAll();

    const old = engineWith(0);
    for (let i = 0; i < 5; i++) server.writeFailures.push(new Error('ECONNREFUSED'));
    const given = store.outbox.enqueue(account.id, chat.id, {
      op: 'send',
      chatRemoteId: '!r',
      body: 'gives up',
    });
    await old.start(account.id, undefined, { outboxOnly: true });
    const failed = await old.settled(given.id);
    assert.equal(failed.state, 'failed');
    assert.match(failed.lastError!, /ECONNREFUSED/);
    assert.equal(server.attempts.length, 9, 'three more attempts, then it stopped');
    await old.stopAll();
  } finally {
    cleanup();
  }
});
