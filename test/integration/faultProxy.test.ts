// Servers that misbehave: a real server (the REST chat reference server, and
// Synapse) behind the fault proxy (test/servers/faultProxy). For each fault the
// sync fails in bounded time with the typed error a user can read, nothing
// stored before is lost, memory stays bounded, and once the proxy heals the
// next sync has every message exactly once.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Daemon } from '../../main/daemon/daemon.js';
import { ConnectorRegistry } from '../../main/daemon/connectors/registry.js';
import { RestChatConnector } from '../../main/daemon/connectors/rest-chat/connector.js';
import { MatrixConnector } from '../../main/daemon/connectors/matrix/connector.js';
import { deadlines } from '../../main/daemon/connectors/http/index.js';
import type { Account } from '../../main/daemon/model/types.js';
import { startRestChatServer, type RestChatServer } from '../servers/rest-chat/server.js';
import { startFaultProxy, type Fault, type FaultProxy } from '../servers/faultProxy/faultProxy.js';
import { Synapse, SYNAPSE_PYTHON } from '../servers/synapse/harness.js';
import { memorySecrets, tempDir } from '../helpers/fixtures.js';
import { requires } from '../helpers/prerequisites.js';
import { existsSync } from 'node:fs';

// 30 s deadlines become 1.5 s: a stall ends quickly, a trickle of 20 ms per
// 64 bytes outlives it.
const SCALE = 0.05;
const DEADLINE_MS = 30_000 * SCALE;

let server: RestChatServer;
let proxy: FaultProxy;
let daemon: Daemon;
let account: Account;
let chatId: string;
const cleanups: (() => void | Promise<void>)[] = [];

before(async () => {
  deadlines.scale = SCALE;
  server = await startRestChatServer({
    users: [
      { username: 'annie', password: 'annie-password', name: 'Annie' },
      { username: 'bobby', password: 'bobby-password', name: 'Bobby' },
    ],
  });
  proxy = await startFaultProxy(server.url);
  const { dir, cleanup } = tempDir('parley-faults-');
  daemon = new Daemon({
    profileDir: dir,
    secrets: memorySecrets(),
    connectors: new ConnectorRegistry().register(
      'rest-chat',
      () => new RestChatConnector({ windowPerChat: 5, pageSize: 5 }),
    ),
    engine: { loop: { backoff: { baseMs: 10, maxMs: 20 }, pollIntervalMs: 3_600_000 } },
  });
  cleanups.push(cleanup);
  chatId = (
    await annie('POST', '/chats', { participants: [server.user('bobby').id], isPersonal: true })
  ).id as string;
  await post(3);
  const added = await daemon.call('accounts.add', {
    protocol: 'rest-chat',
    server: proxy.url,
    username: 'bobby',
    password: 'bobby-password',
  });
  assert.ok(added.ok, JSON.stringify(added));
  account = added.value as Account;
  // Each test drives its own syncs.
  await daemon.engine.stop(account.id);
  await daemon.engine.syncOnce(account.id, { maxAttempts: 1 });
});

after(async () => {
  deadlines.scale = 1;
  await daemon?.close();
  await proxy?.close();
  await server?.close();
  for (const c of cleanups) await c();
});

let token: string | null = null;
async function annie(
  method: string,
  path: string,
  body?: unknown,
): Promise<Record<string, unknown>> {
  token ??= server.newSession('annie').accessToken;
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  assert.ok(res.ok, `${method} ${path}: ${res.status}`);
  return (await res.json()) as Record<string, unknown>;
}

let sent = 0;
async function post(n: number): Promise<void> {
  for (let i = 0; i < n; i++)
    await annie('POST', `/chats/${chatId}/messages`, {
      localId: `${server.user('annie').id}+00000000-0000-4000-8000-${String(++sent).padStart(12, '0')}`,
      text: `message ${sent}`,
    });
}

/** The chat's messages on the server and in the store, by remote id. */
function compare(): { server: string[]; stored: string[] } {
  const onServer = [...server.store.messages.values()]
    .filter((m) => m.chatId === chatId)
    .map((m) => String(m.id))
    .sort();
  const stored = (
    daemon.store.db
      .prepare(
        `SELECT m.remote_id FROM messages m JOIN chats c ON c.id = m.chat_id
          WHERE m.account_id = ? AND c.remote_id = ? ORDER BY m.remote_id`,
      )
      .pluck()
      .all(account.id, chatId) as string[]
  ).sort();
  return { server: onServer, stored };
}

/**
 * New messages on the server; the fault armed on the message pages; the sync
 * fails as `expected` says, within `withinMs`; nothing stored is lost; then the
 * proxy heals and the next sync has every message exactly once.
 */
async function faultThenHeal(
  fault: Fault,
  expected: (err: Error) => void,
  withinMs = DEADLINE_MS * 4,
): Promise<void> {
  const before = compare().stored;
  await post(7);
  proxy.arm(fault, { path: /\/messages$/ });
  const started = Date.now();
  const err = await daemon.engine.syncOnce(account.id, { maxAttempts: 1 }).then(
    () => assert.fail('the sync should have failed'),
    (e: Error) => e,
  );
  const took = Date.now() - started;
  proxy.heal();
  expected(err);
  assert.ok(!/[\r\n]/.test(err.message), 'the reason is one line');
  assert.ok(took < withinMs, `the failure came in ${took} ms (within ${withinMs})`);
  assert.match(
    daemon.store.accounts.get(account.id)?.statusDetail ?? '',
    /./,
    'the account says why',
  );
  const during = compare().stored;
  for (const id of before) assert.ok(during.includes(id), `message ${id} is still stored`);

  await daemon.engine.syncOnce(account.id, { maxAttempts: 1 });
  const healed = compare();
  assert.deepEqual(healed.stored, healed.server, 'every message exactly once after healing');
  assert.equal(daemon.store.accounts.get(account.id)?.status, 'active');
}

test('a connection reset mid-body is a transient error; the sync resumes', async () => {
  await faultThenHeal({ kind: 'reset', afterBytes: 40 }, (err) => {
    assert.equal(err.name, 'TransientHttpError');
    assert.match(err.message, /connection lost mid-answer/);
  });
});

test('a stall that never finishes times out at the deadline', async () => {
  await faultThenHeal({ kind: 'stall' }, (err) => {
    assert.equal(err.name, 'TransientHttpError');
    assert.match(err.message, /timed out/);
  });
});

test('500 is transient', async () => {
  await faultThenHeal({ kind: 'status', status: 500 }, (err) => {
    assert.equal(err.name, 'TransientHttpError');
    assert.match(err.message, /500/);
  });
});

test('503 without Retry-After is transient, with Retry-After it waits as asked', async () => {
  await faultThenHeal({ kind: 'status', status: 503 }, (err) =>
    assert.equal(err.name, 'TransientHttpError'),
  );
  await faultThenHeal({ kind: 'status', status: 503, retryAfter: '7' }, (err) => {
    assert.equal(err.name, 'RateLimitedError');
    assert.equal((err as Error & { retryAfterMs: number }).retryAfterMs, 7_000);
  });
});

test('a truncated body is refused as malformed, nothing of it stored', async () => {
  await faultThenHeal({ kind: 'truncate', keepBytes: 30 }, (err) => {
    assert.equal(err.name, 'ProtocolError');
    assert.match(err.message, /not JSON|malformed/);
  });
});

test('a 200 MB JSON answer is refused past the size cap with bounded memory', async () => {
  const base = process.memoryUsage();
  let peak = 0;
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    peak = Math.max(peak, m.heapUsed + m.arrayBuffers - base.heapUsed - base.arrayBuffers);
  }, 5);
  // The full deadline: reading 64 MiB on a busy 2-core machine may take longer than 1.5 s.
  deadlines.scale = 1;
  try {
    await faultThenHeal(
      { kind: 'oversized', bytes: 200 * 1024 * 1024 },
      (err) => {
        assert.equal(err.name, 'ResponseTooLargeError');
        assert.match(err.message, /larger than 64 MiB; refused/);
      },
      30_000,
    );
  } finally {
    clearInterval(sampler);
    deadlines.scale = SCALE;
  }
  assert.ok(peak < 180 * 1024 * 1024, `memory grew by ${Math.round(peak / 2 ** 20)} MiB at most`);
});

test('a slow trickle within the deadline is read; slower than the deadline times out', async () => {
  // ~64 bytes every 5 ms: a page of a few hundred bytes arrives well in time.
  proxy.arm({ kind: 'trickle', bytesPerTick: 64, tickMs: 5 }, { path: /\/messages$/ });
  await post(2);
  await daemon.engine.syncOnce(account.id, { maxAttempts: 1 });
  proxy.heal();
  const ok = compare();
  assert.deepEqual(ok.stored, ok.server, 'the trickled answers were stored whole');
  await faultThenHeal({ kind: 'trickle', bytesPerTick: 8, tickMs: 200 }, (err) => {
    assert.equal(err.name, 'TransientHttpError');
    assert.match(err.message, /timed out reading the answer/);
  });
});

const noSynapse = requires(
  'Synapse',
  !!process.env.SYNAPSE_URL || existsSync(SYNAPSE_PYTHON),
  'bash scripts/setup-test-env.sh',
);

test(
  'Synapse behind the proxy: /sync reset mid-body, then 503, then healed',
  { skip: noSynapse },
  async () => {
    const synapse = await Synapse.start();
    const matrixProxy = await startFaultProxy(synapse.url);
    const { dir, cleanup } = tempDir('parley-faults-matrix-');
    const d = new Daemon({
      profileDir: dir,
      secrets: memorySecrets(),
      connectors: new ConnectorRegistry().register('matrix', () => new MatrixConnector()),
      engine: { loop: { backoff: { baseMs: 10, maxMs: 20 } } },
    });
    try {
      const ann = await synapse.register('ann');
      const bo = await synapse.register('bo');
      const room = await synapse.sharedRoom(ann, bo);
      const say = (i: number) =>
        synapse.api(
          ann.accessToken,
          'PUT',
          `/_matrix/client/v3/rooms/${encodeURIComponent(room)}/send/m.room.message/t${i}`,
          {
            msgtype: 'm.text',
            body: `matrix ${i}`,
          },
        );
      for (let i = 0; i < 3; i++) await say(i);
      const added = await d.call('accounts.add', {
        protocol: 'matrix',
        server: matrixProxy.url,
        username: 'bo',
        password: bo.password,
      });
      assert.ok(added.ok, JSON.stringify(added));
      const acct = (added.value as Account).id;
      await d.engine.stop(acct);
      await d.engine.syncOnce(acct, { maxAttempts: 1, backfill: false });
      for (let i = 3; i < 8; i++) await say(i);

      matrixProxy.arm({ kind: 'reset', afterBytes: 100 }, { path: /\/sync$/ });
      await assert.rejects(
        d.engine.syncOnce(acct, { maxAttempts: 1, backfill: false }),
        /connection lost mid-answer/,
      );
      matrixProxy.arm({ kind: 'status', status: 503, retryAfter: '3' }, { path: /\/sync$/ });
      await assert.rejects(
        d.engine.syncOnce(acct, { maxAttempts: 1, backfill: false }),
        (e: Error) => e.name === 'RateLimitedError',
      );
      matrixProxy.heal();
      await d.engine.syncOnce(acct, { maxAttempts: 1, backfill: false });
      const bodies = d.store.db
        .prepare(
          `SELECT body FROM messages WHERE account_id = ? AND body LIKE 'matrix %' ORDER BY id`,
        )
        .pluck()
        .all(acct);
      assert.deepEqual(
        bodies,
        Array.from({ length: 8 }, (_, i) => `matrix ${i}`),
        'each exactly once, in order',
      );
    } finally {
      await d.close();
      await matrixProxy.close();
      await synapse.stop();
      cleanup();
    }
  },
);
