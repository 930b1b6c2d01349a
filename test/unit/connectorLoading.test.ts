// The shipped connectors load on first need (connectors/registry.ts): the
// daemon serves what it has before a connector's code is read, one load serves
// every caller, and a load that failed (a broken install) is tried again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Daemon } from '../../main/daemon/daemon.js';
import { ConnectorRegistry } from '../../main/daemon/connectors/registry.js';
import type { ConnectorKind } from '../../main/daemon/connectors/connector.js';
import { secretKey } from '../../main/daemon/store/accounts.js';
import type { ChatSummary } from '../../main/daemon/model/types.js';
import { ScriptedServer, scriptedConnector } from '../helpers/scriptedConnector.js';
import {
  addAccount,
  chatBatch,
  memorySecrets,
  message,
  tempDir,
  waitFor,
} from '../helpers/fixtures.js';

function kindOf(server: ScriptedServer): ConnectorKind {
  const sample = scriptedConnector(server);
  return { capabilities: sample.capabilities, operations: sample.operations };
}

test('the chat list is served while the connector still loads; the account syncs once it has', async () => {
  const { dir, cleanup } = tempDir();
  const server = new ScriptedServer();
  server.syncBatches = [chatBatch('!new', 'Arrived by sync', [message('!new', '$n1', 2000, 'hi')])];
  let release!: () => void;
  const loaded = new Promise<void>((resolve) => (release = resolve));
  let loads = 0;
  const connectors = new ConnectorRegistry().registerModule(
    'matrix',
    async () => {
      loads++;
      await loaded;
      return { create: () => scriptedConnector(server) };
    },
    kindOf(server),
  );
  const secrets = memorySecrets();
  const daemon = new Daemon({
    profileDir: dir,
    secrets,
    connectors,
    integrityCheck: false,
    backups: false,
  });
  try {
    const account = addAccount(daemon.store, 'me');
    secrets.map.set(secretKey(account), 'token-for-me');
    daemon.store.writer.apply(
      account.id,
      chatBatch('!kept', 'Kept from last time', [message('!kept', '$k1', 1000, 'old')]),
    );
    const names = async () => {
      const listed = await daemon.call('chats.list', {});
      assert.ok(listed.ok);
      return (listed.value as { chats: ChatSummary[] }).chats.map((c) => c.name);
    };
    // Before sync starts, nothing needs the connector: the chat list and the
    // accounts (what each can do, from its kind) come without loading it.
    assert.deepEqual(await names(), ['Kept from last time']);
    const accounts = await daemon.call('accounts.list', {});
    assert.ok(accounts.ok);
    assert.equal((accounts.value as { encrypts: boolean }[])[0]!.encrypts, false);
    assert.equal(loads, 0, 'not loaded before an account needs it');

    const started = daemon.start();
    // Sync start asked for it; while its code has not arrived the list is what the profile holds.
    assert.deepEqual(await names(), ['Kept from last time']);
    assert.equal(loads, 1);
    assert.equal(server.syncCalls.length, 0, 'nothing synced before the connector loaded');

    release();
    await started;
    await waitFor('the chat the sync brings', async () =>
      (await names()).includes('Arrived by sync'),
    );
    assert.equal(loads, 1, 'loaded once');
  } finally {
    release();
    await daemon.close();
    cleanup();
  }
});

test('callers waiting on one load share it; a failed load is tried again on the next need', async () => {
  const server = new ScriptedServer();
  let loads = 0;
  const connectors = new ConnectorRegistry().registerModule(
    'matrix',
    async () => {
      loads++;
      await new Promise((resolve) => setTimeout(resolve, 10));
      if (loads === 1) throw new Error('Cannot find module ./chunks/connector.js');
      return { create: () => scriptedConnector(server) };
    },
    kindOf(server),
  );
  const first = await Promise.allSettled([
    connectors.create('matrix'),
    connectors.create('matrix'),
    connectors.memberAuthority('matrix'),
  ]);
  assert.deepEqual(
    first.map((r) => (r.status === 'rejected' ? (r.reason as Error).message : 'ok')),
    Array(3).fill('Cannot find module ./chunks/connector.js'),
  );
  assert.equal(loads, 1, 'one load for the three callers');

  const [a, b] = await Promise.all([connectors.create('matrix'), connectors.create('matrix')]);
  assert.notEqual(a, b, 'a new connector per call');
  assert.equal(a.protocol, 'matrix');
  assert.equal(await connectors.memberAuthority('matrix'), null, 'this module reads no roles');
  assert.equal(loads, 2, 'tried again once, then kept');
});

test('a protocol this build has no connector for says so, without loading anything', async () => {
  const connectors = new ConnectorRegistry();
  assert.equal(connectors.kind('unichat'), null);
  assert.equal(await connectors.memberAuthority('unichat'), null);
  await assert.rejects(
    connectors.create('unichat'),
    /the unichat connector is not implemented yet/,
  );
  await assert.rejects(
    connectors.create('carrier-pigeon' as 'unichat'),
    /unknown protocol "carrier-pigeon"/,
  );
});
