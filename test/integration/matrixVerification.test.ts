// Cross-signing, SAS verification and trust against a real Synapse, with
// matrix-js-sdk and its Rust crypto as the other client (Element's engine):
// Parley bootstraps cross-signing with the password and its device becomes
// cross-signed; SAS completes with the same emoji on both sides, Parley
// starting (to-device) and the peer starting (in a DM room), and each side
// then sees the other's device and identity verified; a cancel by the peer
// and a "they don't match" by Parley are reported and verify nobody; a
// verified user who resets cross-signing raises the identity-change warning;
// signing out another session needs the right password.
import { after, before, test } from 'node:test';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import {
  Synapse,
  waitFor as waitForWithin,
  type RegisteredUser,
} from '../servers/synapse/harness.js';
import { ParleyUser } from '../servers/synapse/parley.js';
import { JsSdkPeer } from '../helpers/jsSdkPeer.js';
import { requires } from '../helpers/prerequisites.js';
import { findNativeCrypto } from '../../main/daemon/connectors/matrix/crypto/native.js';
import type { DaemonEvent } from '../../main/daemon/api/contract.js';
import type { DeviceView, VerificationView } from '../../main/daemon/model/security.js';
import { runCli } from '../../main/cli/main.js';
import { tempDir } from '../helpers/fixtures.js';
import {
  VerificationPhase,
  collectRequests,
  peerBootstrapCrossSigning,
  peerSas,
  peerSeesDeviceSignedByOwner,
  peerSeesDeviceVerified,
  peerSeesUserVerified,
  peerStartsDeviceVerification,
  peerStartsDmVerification,
  waitPhase,
} from '../helpers/verifyPeer.js';

const C = '/_matrix/client/v3';
/** Conditions, not sleeps; generous on a loaded machine, where a sync round trip can take seconds. */
const waitFor = <T>(what: string, check: () => T | Promise<T>, timeoutMs = 90_000) =>
  waitForWithin(what, check, timeoutMs);
let synapse: Synapse;
let ann: RegisteredUser;
let bo: RegisteredUser;
let peer: JsSdkPeer;
let a: ParleyUser;
let annDevice: string;
let dmRoomId: string;
const events: DaemonEvent[] = [];
/** Requests others sent the peer, as they arrive. */
let requestsToPeer: ReturnType<typeof collectRequests> = [];
const built = findNativeCrypto() !== null;
const skip = requires(
  'the native Matrix crypto module',
  built,
  'bash scripts/setup-test-env.sh, or node scripts/build-crypto.mjs',
);

before(async () => {
  if (!built) return;
  synapse = await Synapse.start();
  ann = await synapse.register('ann');
  bo = await synapse.register('bo');
  peer = await JsSdkPeer.start(synapse, bo);
  requestsToPeer = collectRequests(peer);
  a = await ParleyUser.signIn(synapse, ann);
  a.daemon.subscribe((e) => events.push(e));
  const status = await waitFor('Parley’s crypto is up', () =>
    a.call('security.status', { accountId: a.accountId }).catch(() => null),
  );
  annDevice = status.deviceId;
  // A shared encrypted DM, as between two people who verify each other: each
  // side then follows the other's devices and keys (the other client tracks
  // only members of its encrypted rooms).
  dmRoomId = await peer.createEncryptedDm(ann.userId);
  const invite = await waitFor('Parley sees the invitation', () => a.chat(dmRoomId));
  await a.call('invites.accept', { chatId: invite.id });
  await waitFor('the peer sees Ann join', () =>
    peer.client.getRoom(dmRoomId)?.getMember(ann.userId)?.membership === 'join' ? true : null,
  );
});

after(async () => {
  // The daemon's operational log (never tokens or bodies), for a failure's post-mortem.
  if (a) writeFileSync(join(tmpdir(), 'parley-verification-daemon.log'), a.logs.join('\n'));
  await a?.close().catch(() => undefined);
  await peer?.stop();
  await synapse?.stop();
});

const peerRequests = () => requestsToPeer;

/** The newest view Parley reported of a flow, by event. */
function reported(flowId: string): VerificationView | undefined {
  return events
    .filter((e) => e.name === 'verification.updated' && e.payload.flowId === flowId)
    .map((e) => e.payload as VerificationView)
    .at(-1);
}

function reportedWith(pick: (v: VerificationView) => boolean): VerificationView | undefined {
  return events
    .filter((e) => e.name === 'verification.updated' && pick(e.payload as VerificationView))
    .map((e) => e.payload as VerificationView)
    .at(-1);
}

const emojiNames = (v: VerificationView) => v.emoji!.map((e) => e.name.toLowerCase());

test(
  'cross-signing: bootstrapped with the password, this device becomes cross-signed',
  { skip, timeout: 240_000 },
  async () => {
    const before = await a.call('security.status', { accountId: a.accountId });
    assert.equal(before.crossSigning.master, false, 'a new account has no cross-signing yet');
    assert.equal(before.deviceCrossSigned, false);

    const after = await a.call('security.bootstrapCrossSigning', {
      accountId: a.accountId,
      password: ann.password,
    });
    assert.deepEqual(after.crossSigning, { master: true, selfSigning: true, userSigning: true });
    assert.ok(after.masterKey, 'the master key is published');

    const server = await synapse.api<{
      master_keys?: Record<string, { keys: Record<string, string> }>;
    }>(bo.accessToken, 'POST', `${C}/keys/query`, { device_keys: { [ann.userId]: [] } });
    assert.deepEqual(
      Object.values(server.master_keys?.[ann.userId]?.keys ?? {}),
      [after.masterKey],
      'the server has the same master key',
    );
    await waitFor('Parley sees its own device signed', async () =>
      (await a.call('security.status', { accountId: a.accountId })).deviceCrossSigned ? true : null,
    );
    await waitFor('the other client sees Parley’s device signed by its owner', () =>
      peerSeesDeviceSignedByOwner(peer, ann.userId, annDevice).then((x) => x || null),
    );
    const own = await a.call('security.devices', { accountId: a.accountId });
    const me = own.find((d) => d.current)!;
    assert.equal(me.deviceId, annDevice);
    assert.equal(me.ed25519, after.ed25519, 'this device’s fingerprint is listed');
    assert.equal(me.crossSigned, true);

    await peerBootstrapCrossSigning(peer, bo);
  },
);

test(
  'SAS started by Parley (to-device): the same emoji on both sides, then both are verified',
  { skip, timeout: 240_000 },
  async () => {
    const started = await a.call('verification.request', {
      accountId: a.accountId,
      userId: bo.userId,
      deviceId: peer.deviceId,
    });
    assert.equal(started.phase, 'waiting');
    assert.equal(started.weStarted, true);

    const request = await waitFor('the peer receives the request', () =>
      peerRequests().find(
        (r) => r.otherUserId === ann.userId && r.transactionId === started.flowId,
      ),
    );
    await request.accept();
    // Parley starts the comparison itself once the peer is ready; the peer answers.
    const { sas, done } = await peerSas(request);
    const compare = await waitFor('Parley shows the emoji', () => {
      const v = reported(started.flowId);
      return v?.phase === 'compare' ? v : null;
    });
    assert.equal(compare.emoji?.length, 7);
    assert.deepEqual(
      emojiNames(compare),
      sas.sas.emoji!.map(([, name]) => name.toLowerCase()),
      'both sides show the same seven emoji',
    );
    assert.deepEqual(compare.decimals, sas.sas.decimal, 'and the same numbers');

    await sas.confirm();
    await a.call('verification.confirm', { accountId: a.accountId, flowId: started.flowId });
    await done;
    await waitFor('Parley reports it done', () =>
      reported(started.flowId)?.phase === 'done' ? true : null,
    );

    const devices = await a.call('security.devices', { accountId: a.accountId, userId: bo.userId });
    assert.equal(devices.find((d) => d.deviceId === peer.deviceId)?.verified, true);
    // Our user-signing key's signature on their master key, as the server now has it.
    await waitFor('the peer’s identity is verified in Parley', async () => {
      const [trust] = await a.call('security.userTrust', {
        accountId: a.accountId,
        userIds: [bo.userId],
      });
      return trust!.verified ? true : null;
    });
    await waitFor('the peer sees Parley’s device verified', () =>
      peerSeesDeviceVerified(peer, ann.userId, annDevice).then((x) => x || null),
    );
    await waitFor('the peer sees Ann verified', () =>
      peerSeesUserVerified(peer, ann.userId).then((x) => x || null),
    );
  },
);

test(
  'SAS started by the peer in a DM room: Parley accepts, the emoji match, done',
  { skip, timeout: 240_000 },
  async () => {
    const roomId = dmRoomId;
    await waitFor('the peer knows Ann’s cross-signing identity', () =>
      peer.client
        .getCrypto()!
        .userHasCrossSigningKeys(ann.userId)
        .then((x) => x || null),
    );

    const request = await peerStartsDmVerification(peer, ann.userId, roomId);
    const incoming = await waitFor('Parley reports the request', () =>
      reportedWith((v) => v.roomId === roomId && v.phase === 'requested'),
    );
    assert.equal(incoming.userId, bo.userId);
    assert.equal(incoming.weStarted, false);

    await a.call('verification.accept', { accountId: a.accountId, flowId: incoming.flowId });
    await waitPhase(request, VerificationPhase.Ready, 'the peer sees Parley ready');
    await request.startVerification('m.sas.v1');
    const { sas, done } = await peerSas(request);
    const compare = await waitFor('Parley shows the emoji', () => {
      const v = reported(incoming.flowId);
      return v?.phase === 'compare' ? v : null;
    });
    assert.deepEqual(
      emojiNames(compare),
      sas.sas.emoji!.map(([, name]) => name.toLowerCase()),
    );

    await a.call('verification.confirm', { accountId: a.accountId, flowId: incoming.flowId });
    await sas.confirm();
    await done;
    await waitFor('Parley reports it done', () =>
      reported(incoming.flowId)?.phase === 'done' ? true : null,
    );
  },
);

test(
  'a cancel by the peer is reported, and "they don’t match" verifies nobody',
  { skip, timeout: 240_000 },
  async () => {
    // The peer cancels a request Parley made.
    const started = await a.call('verification.request', {
      accountId: a.accountId,
      userId: bo.userId,
      deviceId: peer.deviceId,
    });
    const request = await waitFor('the peer receives the request', () =>
      peerRequests().find((r) => r.transactionId === started.flowId),
    );
    await request.cancel();
    const cancelled = await waitFor('Parley reports the cancel', () => {
      const v = reported(started.flowId);
      return v?.phase === 'cancelled' ? v : null;
    });
    assert.equal(cancelled.cancel?.byUs, false, 'cancelled by the other side');

    // The peer asks; Parley compares and says the emoji differ.
    const theirs = await peerStartsDeviceVerification(peer, ann.userId, annDevice);
    const incoming = await waitFor('Parley reports the peer’s request', () =>
      reportedWith((v) => v.flowId === theirs.transactionId && v.phase === 'requested'),
    );
    await a.call('verification.accept', { accountId: a.accountId, flowId: incoming.flowId });
    await waitPhase(theirs, VerificationPhase.Ready, 'the peer sees Parley ready');
    await theirs.startVerification('m.sas.v1');
    const { done } = await peerSas(theirs);
    await waitFor('Parley shows the emoji', () =>
      reported(incoming.flowId)?.phase === 'compare' ? true : null,
    );
    const mismatch = await a.call('verification.mismatch', {
      accountId: a.accountId,
      flowId: incoming.flowId,
    });
    assert.equal(mismatch.phase, 'cancelled');
    assert.equal(mismatch.cancel?.code, 'm.mismatched_sas');
    await assert.rejects(done, 'the peer’s verification fails');
    await waitPhase(theirs, VerificationPhase.Cancelled, 'the peer sees the cancel');
    assert.equal(theirs.cancellationCode, 'm.mismatched_sas');
  },
);

test(
  'a verified user resets cross-signing: Parley warns that their identity changed',
  { skip, timeout: 240_000 },
  async () => {
    const [before] = await a.call('security.userTrust', {
      accountId: a.accountId,
      userIds: [bo.userId],
    });
    assert.equal(before!.verified, true, 'verified by the SAS above');
    const oldKey = before!.masterKey;

    await peerBootstrapCrossSigning(peer, bo, true);
    const warning = await waitFor(
      'the daemon emits the identity change',
      () =>
        events.find(
          (e) =>
            e.name === 'security.identityChanged' &&
            e.payload.userId === bo.userId &&
            e.payload.masterKey !== oldKey,
        ),
      60_000,
    );
    assert.equal(warning.name, 'security.identityChanged');
    const [now] = await a.call('security.userTrust', {
      accountId: a.accountId,
      userIds: [bo.userId],
    });
    assert.equal(now!.identityChanged, true);
    assert.equal(now!.verified, false, 'the new identity is not verified');
    assert.notEqual(now!.masterKey, oldKey);

    await a.call('security.acceptIdentityChange', { accountId: a.accountId, userId: bo.userId });
    const [accepted] = await a.call('security.userTrust', {
      accountId: a.accountId,
      userIds: [bo.userId],
    });
    assert.equal(accepted!.identityChanged, false, 'accepted: no more warning');
  },
);

test(
  'signing out another session needs the right password',
  { skip, timeout: 300_000 },
  async () => {
    // A second session of Ann, as another client would have.
    const login = await fetch(`${synapse.url}${C}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        type: 'm.login.password',
        identifier: { type: 'm.id.user', user: ann.localpart },
        password: ann.password,
        initial_device_display_name: 'old laptop',
      }),
    }).then((r) => r.json() as Promise<{ device_id: string }>);
    const listed = await a.call('security.devices', { accountId: a.accountId });
    const other = listed.find((d) => d.deviceId === login.device_id);
    assert.equal(other?.displayName, 'old laptop');
    assert.equal(other?.current, false);

    await assert.rejects(
      a.call('security.signOutDevice', {
        accountId: a.accountId,
        deviceId: login.device_id,
        password: 'not the password',
      }),
      /conflict/,
    );
    assert.ok(
      (await a.call('security.devices', { accountId: a.accountId })).some(
        (d) => d.deviceId === login.device_id,
      ),
      'a wrong password signs nothing out',
    );
    await a.call('security.signOutDevice', {
      accountId: a.accountId,
      deviceId: login.device_id,
      password: ann.password,
    });
    const after = await a.call('security.devices', { accountId: a.accountId });
    assert.ok(!after.some((d) => d.deviceId === login.device_id), 'the old laptop is signed out');
    assert.ok(
      after.some((d) => d.deviceId === annDevice && d.current),
      'this session stays',
    );
    await assert.rejects(
      a.call('security.signOutDevice', {
        accountId: a.accountId,
        deviceId: annDevice,
        password: ann.password,
      }),
      /conflict/,
      'this very session is not signed out from here',
    );
  },
);

test(
  'the CLI: parley devices lists the sessions, parley verify --accept --yes verifies with the emoji',
  { skip, timeout: 240_000 },
  async () => {
    const profile = tempDir('parley-cli-verify-');
    // No keychain in this process: the CLI keeps its secrets in the profile (--insecure-store).
    process.env.DBUS_SESSION_BUS_ADDRESS = '';
    const out: string[] = [];
    const err: string[] = [];
    const io = (stdin = '') => ({
      stdout: (t: string) => void out.push(t),
      stderr: (t: string) => void err.push(t),
      stdin: () => stdin,
    });
    const cli = (args: string[], stdin?: string) =>
      runCli([...args, '--profile', profile.dir], io(stdin));
    try {
      const added = await cli(
        [
          'accounts',
          'add',
          'matrix',
          '--server',
          synapse.url,
          '--user',
          ann.localpart,
          '--password-stdin',
          '--insecure-store',
          '--json',
        ],
        `${ann.password}\n`,
      );
      assert.equal(added, 0, err.join(''));
      const accountId = String((JSON.parse(out.pop()!) as { id: number }).id);

      assert.equal(await cli(['devices', '--account', accountId, '--json']), 0, err.join(''));
      const devices = JSON.parse(out.pop()!) as DeviceView[];
      const mine = devices.find((d) => d.current);
      assert.ok(mine, 'this session is marked');
      assert.ok(
        devices.some((d) => d.deviceId === annDevice && !d.current),
        'the app’s session is listed as another session',
      );

      // The other client asks this CLI session to verify; the CLI accepts and confirms.
      const verifying = cli([
        'verify',
        '--account',
        accountId,
        bo.userId,
        '--accept',
        '--yes',
        '--json',
        '--timeout',
        '120',
      ]);
      await waitFor('the CLI waits for the request', () =>
        err.join('').includes('waiting for') ? true : null,
      );
      const request = await waitFor(
        'the peer can ask the CLI’s session',
        async () => {
          return peerStartsDeviceVerification(peer, ann.userId, mine.deviceId).catch(() => null);
        },
        60_000,
      );
      await waitPhase(request, VerificationPhase.Ready, 'the CLI accepts');
      await request.startVerification('m.sas.v1');
      const { sas, done } = await peerSas(request);
      await sas.confirm();
      await done;
      assert.equal(await verifying, 0, err.join(''));
      const [compare, final] = out.splice(0).map((l) => JSON.parse(l) as VerificationView);
      assert.deepEqual(
        compare!.emoji!.map((e) => e.name.toLowerCase()),
        sas.sas.emoji!.map(([, name]) => name.toLowerCase()),
        'the CLI printed the same emoji',
      );
      assert.equal(final!.phase, 'done');
    } finally {
      profile.cleanup();
    }
  },
);
