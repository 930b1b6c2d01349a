// What a kind of connector can do is the registry's to say (capabilities,
// permalinks), agrees with what its connectors say, and is learnt without
// making a connector per account per question.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Daemon } from '../../main/daemon/daemon.js';
import { ConnectorRegistry, defaultConnectors } from '../../main/daemon/connectors/registry.js';
import { PROTOCOLS, type Account } from '../../main/daemon/model/types.js';
import { matrixMemberAuthority } from '../../main/daemon/connectors/matrix/powerLevels.js';
import { ScriptedServer, scriptedConnector } from '../helpers/scriptedConnector.js';
import { addAccount, chatBatch, memorySecrets, message, tempDir } from '../helpers/fixtures.js';

test('each shipped kind says the capabilities its connectors have, with a profile and without', async () => {
  const { dir, cleanup } = tempDir();
  try {
    for (const registry of [defaultConnectors(dir), defaultConnectors()]) {
      for (const protocol of PROTOCOLS) {
        const kind = registry.kind(protocol);
        assert.ok(kind, `${protocol} has a kind`);
        const connector = await registry.create(protocol);
        assert.deepEqual(kind.capabilities, connector.capabilities, protocol);
        assert.deepEqual(kind.operations, connector.operations, protocol);
        await connector.close?.();
      }
    }
    // Matrix previews links through its server; the other protocols have no preview call.
    const registry = defaultConnectors(dir);
    assert.equal(registry.kind('matrix')!.capabilities.linkPreviews, true);
    for (const p of PROTOCOLS.filter((p) => p !== 'matrix'))
      assert.notEqual(registry.kind(p)!.capabilities.linkPreviews, true, p);
  } finally {
    cleanup();
  }
});

test('Matrix reads roles and powers from its power levels once loaded; the other protocols have none', async () => {
  const registry = defaultConnectors();
  assert.equal(await registry.memberAuthority('matrix'), matrixMemberAuthority);
  for (const p of PROTOCOLS.filter((p) => p !== 'matrix'))
    assert.equal(await registry.memberAuthority(p), null, p);
});

test('a Matrix message has a matrix.to permalink; protocols without shareable links have none', () => {
  const registry = defaultConnectors();
  assert.equal(
    registry.permalink('matrix', '!room:example.org', '$ev/1+x'),
    'https://matrix.to/#/!room%3Aexample.org/%24ev%2F1%2Bx',
  );
  for (const p of ['jmap-mail', 'jmap-chat', 'rest-chat', 'unichat'] as const)
    assert.equal(registry.permalink(p, 'c1', 'm1'), null, p);
});

test('accounts.list and messages.permalink ask the registry: one sample connector at most, however often', async () => {
  const { dir, cleanup } = tempDir();
  let made = 0;
  const server = new ScriptedServer();
  const connectors = new ConnectorRegistry().register('matrix', () => {
    made++;
    return { ...scriptedConnector(server), permalink: (c: string, m: string) => `link:${c}/${m}` };
  });
  const daemon = new Daemon({ profileDir: dir, secrets: memorySecrets(), connectors });
  try {
    // A stopped account (never started): listing it must not make a connector each time.
    const account = addAccount(daemon.store, 'me');
    daemon.store.writer.apply(
      account.id,
      chatBatch('!r', 'Room', [message('!r', '$e1', 1000, 'hello')]),
    );
    for (let i = 0; i < 5; i++) {
      const listed = await daemon.call('accounts.list', {});
      assert.ok(listed.ok);
      const a = (listed.value as Account[])[0]!;
      assert.equal(a.permalinks, true);
      assert.equal(a.encrypts, false);
    }
    assert.equal(made, 1, 'one sample connector for the kind, not one per call');
    const chat = daemon.store.read.chats({})[0]!;
    const [m] = daemon.store.read.messages(chat.id, { limit: 5 });
    const link = await daemon.call('messages.permalink', { messageId: m!.id });
    assert.deepEqual(link, { ok: true, value: { url: 'link:!r/$e1' } });
    const missing = await daemon.call('messages.permalink', { messageId: 99_999 });
    assert.equal(missing.ok ? null : missing.error.code, 'not_found');
  } finally {
    await daemon.close();
    cleanup();
  }
});
