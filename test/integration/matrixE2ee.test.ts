// Matrix end-to-end encryption against a real Synapse, with matrix-js-sdk and
// its Rust crypto as "the other client": an encrypted DM the other client made
// is decrypted by Parley (and searchable), Parley's replies, edits and
// reactions are decrypted by the other client, a restarted daemon keeps its
// device and keeps decrypting, and signing out deletes the device and its
// crypto store.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Synapse, waitFor, type RegisteredUser } from '../servers/synapse/harness.js';
import { ParleyUser } from '../servers/synapse/parley.js';
import { JsSdkPeer } from '../helpers/jsSdkPeer.js';
import { tempDir } from '../helpers/fixtures.js';
import { requires } from '../helpers/prerequisites.js';
import { findNativeCrypto } from '../../main/daemon/connectors/matrix/crypto/native.js';

const C = '/_matrix/client/v3';
const CRASH_CHILD = fileURLToPath(new URL('../helpers/e2eeCrashChild.ts', import.meta.url));
let synapse: Synapse;
let ann: RegisteredUser;
let bo: RegisteredUser;
let peer: JsSdkPeer;
const open: ParleyUser[] = [];
const built = findNativeCrypto() !== null;
// Under CI=true a missing module fails the run (the setup script builds it).
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
});

after(async () => {
  for (const p of open) await p.close().catch(() => undefined);
  await peer?.stop();
  await synapse?.stop();
});

/** Ann's devices and their ed25519 keys, as any client sees them on the server. */
async function devicesOf(user: RegisteredUser): Promise<Map<string, string>> {
  const res = await synapse.api<{
    device_keys: Record<string, Record<string, { keys: Record<string, string> }>>;
  }>(bo.accessToken, 'POST', `${C}/keys/query`, { device_keys: { [user.userId]: [] } });
  const out = new Map<string, string>();
  for (const [id, d] of Object.entries(res.device_keys[user.userId] ?? {}))
    out.set(id, d.keys[`ed25519:${id}`] ?? '');
  return out;
}

async function sent(p: ParleyUser, outboxId: number): Promise<string> {
  const entry = await waitFor(`outbox entry ${outboxId} settles`, () => {
    const x = p.daemon.store.outbox.get(outboxId);
    return x && (x.state === 'sent' || x.state === 'failed') ? x : null;
  });
  assert.equal(entry.state, 'sent', `outbox entry ${outboxId}: ${entry.lastError}`);
  return entry.remoteId!;
}

const messageWith = (p: ParleyUser, roomId: string, body: string) =>
  p.messages(roomId).find((m) => m.body === body);

test(
  'an encrypted DM made by another client: both sides read each other, and a restart keeps the device',
  { skip },
  async () => {
    const profile = tempDir('parley-e2ee-');
    const a = await ParleyUser.signIn(synapse, ann, { profileDir: profile.dir });
    open.push(a);

    // Parley's device publishes its keys on its own.
    const devices = await waitFor('Parley uploads its device keys', async () => {
      const d = await devicesOf(ann);
      return d.size === 1 && [...d.values()][0] ? d : null;
    });
    const [deviceId, ed25519] = [...devices][0]!;

    const roomId = await peer.createEncryptedDm(ann.userId);
    const invite = await waitFor('Parley sees the invitation', () => a.chat(roomId));
    await sent(a, (await a.call('invites.accept', { chatId: invite.id })).outboxId);
    await waitFor('the peer sees Ann join', () =>
      peer.client.getRoom(roomId)?.getMember(ann.userId)?.membership === 'join' ? true : null,
    );

    // The other client → Parley.
    await peer.sendText(roomId, 'the otter password is marmalade');
    const got = await waitFor('Parley decrypts the peer’s message', () =>
      messageWith(a, roomId, 'the otter password is marmalade'),
    );
    assert.equal(a.chat(roomId)!.encrypted, true);
    assert.equal(got.kind, 'text');
    assert.equal(got.encryption?.senderDevice, peer.deviceId, 'the sender device is shown');
    assert.ok(got.encryption?.trust, 'and how far it is trusted');
    assert.notEqual(got.encryption?.trust, 'verified', 'nobody verified anything here');
    const search = await a.call('search.query', { query: 'marmalade' });
    assert.deepEqual(
      search.hits.map((h) => h.messageId),
      [got.id],
      'the decrypted text is searchable',
    );

    // Parley → the other client: a reply, an edit, a reaction.
    const reply = await a.call('messages.send', {
      chatId: a.chat(roomId)!.id,
      body: 'noted, burning this message',
      replyToMessageId: got.id,
    });
    const replyId = await sent(a, reply.outboxId);
    await waitFor('the peer decrypts Parley’s reply', () =>
      peer.decryptedBodies(roomId).includes('noted, burning this message') ? true : null,
    );
    const raw = await synapse.api<{ type: string; content: Record<string, unknown> }>(
      bo.accessToken,
      'GET',
      `${C}/rooms/${encodeURIComponent(roomId)}/event/${encodeURIComponent(replyId)}`,
    );
    assert.equal(raw.type, 'm.room.encrypted', 'the server only ever saw ciphertext');
    assert.ok(!JSON.stringify(raw.content).includes('burning'));
    const replyEvent = peer.decryptedEvents(roomId).find((e) => e.getId() === replyId)!;
    assert.equal(
      (replyEvent.getContent()['m.relates_to'] as { 'm.in_reply_to'?: { event_id?: string } })?.[
        'm.in_reply_to'
      ]?.event_id,
      got.remoteId,
      'the peer sees it as a reply',
    );

    const ownReply = await waitFor('Parley reads back its own encrypted reply', () => {
      const m = a.messages(roomId).find((x) => x.remoteId === replyId);
      return m && m.body === 'noted, burning this message' ? m : null;
    });
    await sent(
      a,
      (await a.call('messages.edit', { messageId: ownReply.id, body: 'noted, burnt' })).outboxId,
    );
    await waitFor('the peer decrypts the edit', () =>
      peer
        .decryptedEvents(roomId)
        .some(
          (e) =>
            (e.getContent()['m.new_content'] as { body?: string } | undefined)?.body ===
            'noted, burnt',
        )
        ? true
        : null,
    );
    await sent(a, (await a.call('messages.react', { messageId: got.id, key: '🔥' })).outboxId);
    await waitFor('the peer decrypts the reaction', () =>
      peer
        .decryptedEvents(roomId)
        .some((e) => e.getType() === 'm.reaction' && e.getRelation()?.key === '🔥')
        ? true
        : null,
    );

    // A restart: same device, same keys, and new messages still decrypt.
    await a.close(false);
    open.splice(open.indexOf(a), 1);
    const again = ParleyUser.open({ profileDir: profile.dir, secrets: a.secrets });
    again.accountId = a.accountId;
    open.push(again);
    await again.daemon.engine.start(again.accountId);
    await peer.sendText(roomId, 'after the restart: still marmalade');
    await waitFor('the restarted daemon decrypts', () =>
      messageWith(again, roomId, 'after the restart: still marmalade'),
    );
    assert.deepEqual(await devicesOf(ann), new Map([[deviceId, ed25519]]), 'no new device');

    // Signing out deletes the device on the server and its crypto store here.
    const cryptoDir = join(profile.dir, 'matrix-crypto');
    assert.equal(readdirSync(cryptoDir).length, 1, 'one store, for the one device');
    await again.call('accounts.remove', { accountId: again.accountId });
    assert.equal((await devicesOf(ann)).size, 0, 'the device is gone from the server');
    assert.equal(readdirSync(cryptoDir).length, 0, 'and its crypto store from the disk');
    assert.ok(existsSync(cryptoDir));
  },
);

test(
  'SIGKILLed 20 times at random moments during sync and sends: no new device, nothing lost, everything decrypts',
  { skip },
  async () => {
    const cy = await synapse.register('cy');
    const profile = tempDir('parley-e2ee-crash-');
    const first = await ParleyUser.signIn(synapse, cy, { profileDir: profile.dir });
    const device = await waitFor('Parley uploads its device keys', async () => {
      const d = await devicesOf(cy);
      return d.size === 1 && [...d.values()][0] ? [...d][0] : null;
    });
    const roomId = await peer.createEncryptedDm(cy.userId);
    const invite = await waitFor('Parley sees the invitation', () => first.chat(roomId));
    await sent(first, (await first.call('invites.accept', { chatId: invite.id })).outboxId);
    await waitFor('the peer sees Cy join', () =>
      peer.client.getRoom(roomId)?.getMember(cy.userId)?.membership === 'join' ? true : null,
    );
    const accountId = first.accountId;
    const secrets = JSON.stringify(Object.fromEntries(first.secrets.map));
    await first.close(false);

    const KILLS = 20;
    const peerSent: string[] = [];
    for (let i = 0; i < KILLS; i++) {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', CRASH_CHILD, profile.dir, String(accountId), roomId, String(i)],
        {
          env: { ...process.env, PARLEY_TEST_SECRETS: secrets },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      // Some kills land while the store opens, others during sync, key upload or a send.
      const body = `peer says ${i}`;
      await peer.sendText(roomId, body);
      peerSent.push(body);
      await new Promise((r) => setTimeout(r, 300 + Math.random() * 3500));
      child.kill('SIGKILL');
      await exited;
      assert.deepEqual(
        await devicesOf(cy),
        new Map([device]),
        `after kill ${i + 1}: still the one device with the same key`,
      );
    }

    const last = ParleyUser.open({ profileDir: profile.dir, secrets: first.secrets });
    last.accountId = accountId;
    open.push(last);
    await last.daemon.engine.start(accountId);
    await peer.sendText(roomId, 'peer says: all done');
    peerSent.push('peer says: all done');
    await waitFor(
      'every message of the peer is decrypted, none left waiting',
      () => {
        const bodies = last.bodies(roomId);
        return peerSent.every((b) => bodies.includes(b)) &&
          last.messages(roomId).every((m) => m.kind !== 'encrypted')
          ? true
          : null;
      },
      60_000,
    );
    // Every send a run queued went out once, encrypted, and the peer reads it.
    const queued = last.bodies(roomId).filter((b) => /^parley run \d+$/.test(b));
    await waitFor(
      'every queued send is delivered',
      () =>
        last.daemon.store.outbox.list(accountId).every((e) => e.state === 'sent') ? true : null,
      60_000,
    );
    await waitFor('the peer decrypts each of them', () => {
      const got = peer.decryptedBodies(roomId).filter((b) => /^parley run \d+$/.test(b));
      return queued.every((b) => got.includes(b)) ? true : null;
    });
    const got = peer.decryptedBodies(roomId).filter((b) => /^parley run \d+$/.test(b));
    assert.equal(new Set(got).size, got.length, 'none of them twice');
    assert.deepEqual(await devicesOf(cy), new Map([device]));
  },
);
