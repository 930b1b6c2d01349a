import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Daemon } from '../../main/daemon/daemon.js';
import { PROCEDURE_NAMES, type DaemonEvent } from '../../main/daemon/api/contract.js';
import { ConnectorRegistry } from '../../main/daemon/connectors/registry.js';
import { ScriptedServer, scriptedConnector } from '../helpers/scriptedConnector.js';
import { chatBatch, memorySecrets, message, tempDir } from '../helpers/fixtures.js';

function daemonWith(server: ScriptedServer) {
  const { dir, cleanup } = tempDir();
  const secrets = memorySecrets();
  const connectors = new ConnectorRegistry().register('matrix', () => scriptedConnector(server));
  const daemon = new Daemon({
    profileDir: dir,
    secrets,
    connectors,
    engine: { loop: { backoff: { baseMs: 5, maxMs: 20 }, pollIntervalMs: 20 } },
  });
  return { daemon, secrets, cleanup: async () => (await daemon.close(), cleanup()) };
}

const MALFORMED: unknown[] = [
  null,
  42,
  'text',
  [],
  { bogus: 1 },
  { chatId: -1 },
  { chatId: 'x' },
  { accountId: 1.5 },
];

test('every procedure rejects malformed input with a typed error and the daemon keeps working', async () => {
  const { daemon, cleanup } = daemonWith(new ScriptedServer());
  try {
    for (const name of PROCEDURE_NAMES) {
      for (const input of MALFORMED) {
        const result = await daemon.call(name, input);
        // None of these inputs is valid for any procedure: each must be refused.
        if (result.ok) assert.fail(`${name}(${JSON.stringify(input)}) was accepted`);
        assert.equal(
          result.error.code,
          'invalid_input',
          `${name}(${JSON.stringify(input)}) → ${result.error.code}`,
        );
        assert.ok(Array.isArray(result.error.issues) && result.error.issues.length > 0);
      }
      const bogus = await daemon.call(name, { bogus: 1 });
      assert.equal(bogus.ok, false, `${name} refuses unknown fields`);
    }
    const unknown = await daemon.call('chats.drop', {});
    assert.deepEqual(unknown.ok ? null : unknown.error.code, 'unknown_procedure');
    const proto = await daemon.call('__proto__', {});
    assert.equal(proto.ok ? null : proto.error.code, 'unknown_procedure');
    const ok = await daemon.call('accounts.list', {});
    assert.deepEqual(ok, { ok: true, value: [] });
  } finally {
    await cleanup();
  }
});

test('accounts.add signs in, keeps the token in the keychain only, and syncs', async () => {
  const server = new ScriptedServer();
  server.syncBatches.push({
    ...chatBatch('!r', 'Room', [message('!r', '$1', 1000, 'welcome')]),
    cursors: { sync: 's1' },
  });
  const { daemon, secrets, cleanup } = daemonWith(server);
  try {
    const wrong = await daemon.call('accounts.add', {
      protocol: 'matrix',
      server: 'https://m.test',
      username: 'ann',
      password: 'wrong',
    });
    assert.equal(wrong.ok ? null : wrong.error.code, 'auth_failed');
    const events: DaemonEvent[] = [];
    daemon.subscribe((e) => events.push(e));
    const added = await daemon.call('accounts.add', {
      protocol: 'matrix',
      server: 'https://m.test',
      username: 'ann',
      password: 'right',
      workspace: 'Work',
    });
    assert.ok(added.ok);
    assert.deepEqual([...secrets.map.values()], ['token-for-ann']);
    const dbText = JSON.stringify(daemon.store.db.prepare(`SELECT * FROM accounts`).all());
    assert.ok(
      !dbText.includes('token-for-ann') && !dbText.includes('right'),
      'no secret in SQLite',
    );
    // Events go out once per turn of the daemon's event loop, after the write.
    const announced = () => events.some((e) => e.name === 'chats.updated');
    for (let i = 0; i < 100 && (daemon.store.read.chats().length === 0 || !announced()); i++)
      await new Promise((r) => setTimeout(r, 10));
    assert.equal(daemon.store.read.chats()[0]?.name, 'Room');
    assert.ok(announced());
    const dup = await daemon.call('accounts.add', {
      protocol: 'matrix',
      server: 'https://m.test',
      username: 'ann',
      password: 'right',
    });
    assert.equal(dup.ok ? null : dup.error.code, 'conflict');
    const notYet = await daemon.call('accounts.add', {
      protocol: 'unichat',
      server: 'https://u.test',
      username: 'ann',
      password: 'x',
    });
    assert.equal(notYet.ok ? null : notYet.error.code, 'not_implemented');
    const workspaces = await daemon.call('workspaces.list', {});
    assert.deepEqual(workspaces.ok && (workspaces.value as { name: string }[]).map((w) => w.name), [
      'Work',
    ]);
  } finally {
    await cleanup();
  }
});

test('chat flags, drafts, read marks and sends go through the API', async () => {
  const server = new ScriptedServer();
  server.syncBatches.push({
    ...chatBatch('!r', 'Room', [
      message('!r', '$1', 1000, 'one'),
      message('!r', '$2', 2000, 'two'),
    ]),
  });
  const { daemon, cleanup } = daemonWith(server);
  try {
    await daemon.call('accounts.add', {
      protocol: 'matrix',
      server: 'https://m.test',
      username: 'zed',
      password: 'right',
    });
    for (let i = 0; i < 100 && daemon.store.read.chats().length === 0; i++)
      await new Promise((r) => setTimeout(r, 10));
    const chat = daemon.store.read.chats()[0]!;
    assert.equal(chat.unreadCount, 2);
    const muted = await daemon.call('chats.setFlags', {
      chatId: chat.id,
      muted: true,
      pinned: true,
    });
    assert.ok(muted.ok && (muted.value as { muted: boolean }).muted);
    const missing = await daemon.call('chats.setFlags', { chatId: 999, muted: true });
    assert.equal(missing.ok ? null : missing.error.code, 'not_found');

    await daemon.call('drafts.save', { chatId: chat.id, body: 'half a thought' });
    const draft = await daemon.call('drafts.get', { chatId: chat.id });
    assert.equal(draft.ok && (draft.value as { body: string }).body, 'half a thought');

    const [newest] = daemon.store.read.messages(chat.id);
    const read = await daemon.call('chats.markRead', { chatId: chat.id, messageId: newest!.id });
    assert.equal(read.ok && (read.value as { unreadCount: number }).unreadCount, 0);

    const sent = await daemon.call('messages.send', { chatId: chat.id, body: 'reply' });
    assert.ok(sent.ok);
    for (let i = 0; i < 200 && server.delivered.size < 3; i++)
      await new Promise((r) => setTimeout(r, 10));
    const ops = [...server.delivered.values()].map((o) => o.op).sort();
    // The scripted connector handles every operation, chatSettings too: its
    // server keeps mute (pinning stays local).
    assert.deepEqual(
      ops,
      ['chatSettings', 'read', 'send'],
      'the mute, the read marker and the message reached the server',
    );
    const settings = [...server.delivered.values()].find((o) => o.op === 'chatSettings');
    assert.deepEqual(settings, { op: 'chatSettings', chatRemoteId: '!r', muted: true });
    const afterSend = await daemon.call('drafts.get', { chatId: chat.id });
    assert.equal(afterSend.ok && afterSend.value, null, 'sending clears the draft');
  } finally {
    await cleanup();
  }
});

test('the substring index catches up in the background after a sync batch', async () => {
  const server = new ScriptedServer();
  server.syncBatches.push({
    ...chatBatch('!r', 'Room', [message('!r', '$1', 1000, 'PostgreSQL upgrade tonight')]),
  });
  const { daemon, cleanup } = daemonWith(server);
  try {
    await daemon.call('accounts.add', {
      protocol: 'matrix',
      server: 'https://m.test',
      username: 'zed',
      password: 'right',
    });
    const backlog = () =>
      daemon.store.db.prepare(`SELECT count(*) FROM substring_backlog`).pluck().get() as number;
    const indexed = () =>
      daemon.store.db
        .prepare(`SELECT count(*) FROM vocabulary WHERE folded = 'postgresql'`)
        .pluck()
        .get() as number;
    for (let i = 0; i < 200 && (daemon.store.read.chats().length === 0 || backlog() > 0); i++)
      await new Promise((r) => setTimeout(r, 10));
    assert.equal(backlog(), 0, 'the background indexer emptied the backlog');
    assert.equal(indexed(), 1, 'without a search having asked for it');
    const hits = await daemon.call('search.query', { query: '*gresq' });
    assert.ok(
      hits.ok &&
        (hits.value as { hits: { snippet: string }[] }).hits[0]?.snippet.includes('Post[greSQ]L'),
    );
  } finally {
    await cleanup();
  }
});
