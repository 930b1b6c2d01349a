// Matrix key backup and recovery against a real Synapse, with matrix-js-sdk
// (and its Rust crypto) as the other client:
// - Parley sets up backup and gets a recovery key; a second Parley device,
//   made after the messages were sent (so nobody shared their keys with it),
//   refuses a wrong recovery key and loses nothing, then restores with the
//   right one: the old messages decrypt and are found by search;
// - matrix-js-sdk, as another device of the same user, reads the backup
//   Parley made with the same recovery key (secret storage and backup format);
// - `parley backup restore --recovery-key-stdin` restores a backup
//   matrix-js-sdk made, with js-sdk's recovery key.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { decodeRecoveryKey as jsDecodeRecoveryKey } from 'matrix-js-sdk/lib/crypto-api/recovery-key.js';
import { Synapse, waitFor, type RegisteredUser } from '../servers/synapse/harness.js';
import { ParleyUser } from '../servers/synapse/parley.js';
import { JsSdkPeer } from '../helpers/jsSdkPeer.js';
import { requires } from '../helpers/prerequisites.js';
import { tempDir } from '../helpers/fixtures.js';
import { addMatrixAccount, cliRunner } from '../helpers/cli.js';
import { findNativeCrypto } from '../../main/daemon/connectors/matrix/crypto/native.js';
import { encodeRecoveryKey } from '../../main/daemon/connectors/matrix/crypto/recoveryKey.js';

const C = '/_matrix/client/v3';
let synapse: Synapse;
let bo: RegisteredUser;
let peer: JsSdkPeer;
const open: { close(): Promise<void> }[] = [];
const peers: JsSdkPeer[] = [];
const built = findNativeCrypto() !== null;
const skip = requires(
  'the native Matrix crypto module',
  built,
  'bash scripts/setup-test-env.sh, or node scripts/build-crypto.mjs',
);

before(async () => {
  if (!built) return;
  synapse = await Synapse.start();
  bo = await synapse.register('bo');
  peer = await JsSdkPeer.start(synapse, bo);
});

after(async () => {
  for (const p of open) await p.close().catch(() => undefined);
  for (const p of [...peers, peer]) await p?.stop();
  await synapse?.stop();
});

async function sent(p: ParleyUser, outboxId: number): Promise<void> {
  const entry = await waitFor(`outbox entry ${outboxId} settles`, () => {
    const x = p.daemon.store.outbox.get(outboxId);
    return x && (x.state === 'sent' || x.state === 'failed') ? x : null;
  });
  assert.equal(entry.state, 'sent', `outbox entry ${outboxId}: ${entry.lastError}`);
}

/** A new Parley device of `user` on a fresh profile. */
async function newDevice(user: RegisteredUser): Promise<ParleyUser> {
  const p = await ParleyUser.signIn(synapse, user);
  open.push(p);
  return p;
}

const placeholders = (p: ParleyUser, roomId: string) =>
  p.messages(roomId).filter((m) => m.kind === 'encrypted');

async function failure(work: Promise<unknown>): Promise<string> {
  try {
    await work;
  } catch (err) {
    return (err as Error).message;
  }
  assert.fail('expected a refusal');
}

test(
  'a second Parley device restores with the recovery key and decrypts history sent before it existed; a wrong key is refused and loses nothing; matrix-js-sdk reads the same backup',
  { skip },
  async () => {
    const ann = await synapse.register('ann');
    const first = await newDevice(ann);
    const roomId = await peer.createEncryptedDm(ann.userId);
    const invite = await waitFor('Parley sees the invitation', () => first.chat(roomId));
    await sent(first, (await first.call('invites.accept', { chatId: invite.id })).outboxId);
    await waitFor('the peer sees Ann join', () =>
      peer.client.getRoom(roomId)?.getMember(ann.userId)?.membership === 'join' ? true : null,
    );
    await peer.sendText(roomId, 'the quince code is 4471');
    await waitFor('the first device decrypts it', () =>
      first.bodies(roomId).includes('the quince code is 4471') ? true : null,
    );

    const before = await first.call('keyBackup.status', { accountId: first.accountId });
    assert.equal(before.serverVersion, null, 'no backup yet');
    const { recoveryKey, version } = await first.call('keyBackup.setUp', {
      accountId: first.accountId,
    });
    assert.match(recoveryKey, /^(\S{4} ){11}\S{1,4}$/, 'shown in groups of four');
    assert.ok(
      !first.logs.some((l) => l.includes(recoveryKey.slice(0, 9))),
      'the recovery key is never logged',
    );
    const again = await failure(first.call('keyBackup.setUp', { accountId: first.accountId }));
    assert.match(again, /conflict .*already has a key backup/, 'a second set-up is refused');

    await peer.sendText(roomId, 'and the medlar code is 9902');
    await waitFor('the first device decrypts the second message', () =>
      first.bodies(roomId).includes('and the medlar code is 9902') ? true : null,
    );
    const backedUp = await waitFor('the room keys reach the backup', async () => {
      const s = await first.call('keyBackup.status', { accountId: first.accountId });
      return s.keys.total > 0 && s.keys.backedUp === s.keys.total ? s : null;
    });
    assert.equal(backedUp.version, version);
    const server = await synapse.api<{ count: number }>(
      ann.accessToken,
      'GET',
      `${C}/room_keys/version/${version}`,
    );
    assert.ok(server.count >= 1, 'the server holds the keys');

    // A device made after the messages: nobody shared their keys with it.
    const second = await newDevice(ann);
    await waitFor('the new device holds both messages as placeholders', () =>
      placeholders(second, roomId).length >= 2 ? true : null,
    );
    const status = await second.call('keyBackup.status', { accountId: second.accountId });
    assert.deepEqual(
      { version: status.version, serverVersion: status.serverVersion, ss: status.secretStorage },
      { version: null, serverVersion: version, ss: true },
    );

    // A wrong key and a mistyped one: refused with a reason, nothing changes.
    const wrong = await failure(
      second.call('keyBackup.restore', {
        accountId: second.accountId,
        recoveryKey: encodeRecoveryKey(randomBytes(32)),
      }),
    );
    assert.match(wrong, /invalid_input .*recovery key does not open/);
    const typo = await failure(
      second.call('keyBackup.restore', {
        accountId: second.accountId,
        recoveryKey: recoveryKey.slice(0, -6),
      }),
    );
    assert.match(typo, /invalid_input .*(not a whole recovery key|typo)/);
    const afterWrong = await second.call('keyBackup.status', { accountId: second.accountId });
    assert.equal(afterWrong.version, null, 'backup still off on the new device');
    assert.ok(placeholders(second, roomId).length >= 2, 'the placeholders are all still there');

    // The right key, typed without its spaces.
    const restored = await second.call('keyBackup.restore', {
      accountId: second.accountId,
      recoveryKey: recoveryKey.replace(/ /g, ''),
    });
    assert.equal(restored.version, version);
    assert.ok(restored.imported >= 1, `imported ${restored.imported} keys`);
    assert.equal(restored.failed, 0);
    await waitFor('the old messages decrypt on the new device', () => {
      const bodies = second.bodies(roomId);
      return bodies.includes('the quince code is 4471') &&
        bodies.includes('and the medlar code is 9902') &&
        placeholders(second, roomId).length === 0
        ? true
        : null;
    });
    const hits = await second.call('search.query', { query: 'medlar' });
    assert.equal(hits.hits.length, 1, 'the restored text is searchable');
    const now = await second.call('keyBackup.status', { accountId: second.accountId });
    assert.equal(now.version, version, 'the new device backs up to the same backup');

    // matrix-js-sdk as a third device of Ann reads Parley's backup with the same recovery key.
    const js = await JsSdkPeer.start(synapse, ann, {
      cryptoCallbacks: {
        getSecretStorageKey: async ({ keys }) => {
          const keyId = Object.keys(keys)[0];
          return keyId ? [keyId, jsDecodeRecoveryKey(recoveryKey)] : null;
        },
      },
    });
    peers.push(js);
    const crypto = js.client.getCrypto()!;
    await crypto.loadSessionBackupPrivateKeyFromSecretStorage();
    const jsRestore = await crypto.restoreKeyBackup();
    assert.ok(jsRestore.imported >= 1, `matrix-js-sdk imported ${jsRestore.imported} keys`);
    await waitFor('matrix-js-sdk decrypts the history from Parley’s backup', () =>
      js.decryptedBodies(roomId).includes('the quince code is 4471') ? true : null,
    );
  },
);

test(
  'parley backup restore --recovery-key-stdin restores a backup matrix-js-sdk made, with its recovery key',
  { skip },
  async () => {
    const dee = await synapse.register('dee');
    let storageKey: Uint8Array | null = null;
    const js = await JsSdkPeer.start(synapse, dee, {
      cryptoCallbacks: {
        getSecretStorageKey: async ({ keys }) => {
          const keyId = Object.keys(keys)[0];
          return keyId && storageKey ? [keyId, storageKey] : null;
        },
        cacheSecretStorageKey: (_keyId, _info, key) => {
          storageKey = key;
        },
      },
    });
    peers.push(js);
    const crypto = js.client.getCrypto()!;
    const generated = await crypto.createRecoveryKeyFromPassphrase();
    await crypto.bootstrapSecretStorage({
      createSecretStorageKey: async () => generated,
      setupNewSecretStorage: true,
      setupNewKeyBackup: true,
    });
    const roomId = await js.createEncryptedDm(bo.userId);
    await js.sendText(roomId, 'the loquat code is 3318');
    const version = await waitFor(
      'matrix-js-sdk backs up its room key',
      async () => {
        const v = await synapse.api<{ version: string; count: number }>(
          dee.accessToken,
          'GET',
          `${C}/room_keys/version`,
        );
        return v.count >= 1 ? v.version : null;
      },
      90_000,
    );

    // A new Parley profile, through the CLI as a user would.
    const profile = tempDir('parley-cli-restore-');
    open.push({ close: async () => profile.cleanup() });
    const parley = cliRunner('source', profile.dir);
    const add = addMatrixAccount(parley, synapse.url, dee);
    assert.equal(add.code, 0, add.stderr);
    const first = parley(['sync', '--once', '--no-backfill']);
    assert.equal(first.code, 0, first.stderr);
    assert.deepEqual(
      JSON.parse(parley(['search', 'loquat', '--json']).stdout),
      [],
      'nothing to find before the keys come',
    );

    const wrong = parley(
      ['backup', 'restore', '--recovery-key-stdin'],
      `${encodeRecoveryKey(randomBytes(32))}\n`,
    );
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /^parley: that recovery key does not open/);
    const missing = parley(['backup', 'restore']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--recovery-key-stdin/);

    const restore = parley(
      ['backup', 'restore', '--recovery-key-stdin', '--json'],
      `${generated.encodedPrivateKey}\n`,
    );
    assert.equal(restore.code, 0, restore.stderr);
    const r = JSON.parse(restore.stdout) as { version: string; imported: number };
    assert.equal(r.version, version);
    assert.ok(r.imported >= 1);
    const found = JSON.parse(parley(['search', 'loquat', '--json']).stdout) as unknown[];
    assert.equal(found.length, 1, 'the restored message decrypted and is searchable');
  },
);
