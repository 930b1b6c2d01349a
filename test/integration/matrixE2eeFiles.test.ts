// Matrix end-to-end encryption against a real Synapse, second part, with
// matrix-js-sdk and its Rust crypto as the other client:
// - encrypted attachments both ways (a 5 MB file from Parley, decrypted by the
//   other client from the event's key; the other client's picture with its
//   encrypted thumbnail, decrypted by Parley; a file whose checksum does not
//   match is refused and nothing is stored);
// - a late key: a message arrives before its key, waits (counted), and is
//   decrypted and searchable when the key comes;
// - a new device of the other user gets the key of Parley's next message;
// - neither the profile database nor the crypto store holds a room key in
//   the clear, and the crypto store holds no message text.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Synapse, waitFor, type RegisteredUser } from '../servers/synapse/harness.js';
import { ParleyUser } from '../servers/synapse/parley.js';
import { JsSdkPeer } from '../helpers/jsSdkPeer.js';
import { tempDir } from '../helpers/fixtures.js';
import { requires } from '../helpers/prerequisites.js';
import { ToDeviceHold } from '../helpers/toDeviceHold.js';
import { webCryptoDecrypt, webCryptoEncrypt } from '../helpers/webCryptoAttachments.js';
import type { WebEncryptedFile } from '../helpers/webCryptoAttachments.js';
import { findNativeCrypto } from '../../main/daemon/connectors/matrix/crypto/native.js';
import { scaledThumbnail } from '../../main/daemon/connectors/pngThumbnail.js';

const C = '/_matrix/client/v3';
let synapse: Synapse;
let bo: RegisteredUser;
let peer: JsSdkPeer;
const hold = new ToDeviceHold();
const open: ParleyUser[] = [];
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
  peer = await JsSdkPeer.start(synapse, bo, { fetchFn: hold.fetch });
});

after(async () => {
  for (const p of open) await p.close().catch(() => undefined);
  for (const p of [peer, ...peers]) await p?.stop();
  await synapse?.stop();
});

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

async function sent(p: ParleyUser, outboxId: number): Promise<string> {
  const entry = await waitFor(
    `outbox entry ${outboxId} settles`,
    () => {
      const x = p.daemon.store.outbox.get(outboxId);
      return x && (x.state === 'sent' || x.state === 'failed') ? x : null;
    },
    60_000,
  );
  assert.equal(entry.state, 'sent', `outbox entry ${outboxId}: ${entry.lastError}`);
  return entry.remoteId!;
}

/** A Parley user in an encrypted DM the peer made (joined on both sides). */
async function encryptedDm(localpart: string) {
  const user = await synapse.register(localpart);
  const profile = tempDir(`parley-e2ee-${localpart}-`);
  const a = await ParleyUser.signIn(synapse, user, { profileDir: profile.dir });
  open.push(a);
  const roomId = await peer.createEncryptedDm(user.userId);
  const invite = await waitFor('Parley sees the invitation', () => a.chat(roomId));
  await sent(a, (await a.call('invites.accept', { chatId: invite.id })).outboxId);
  await waitFor('the peer sees the join', () =>
    peer.client.getRoom(roomId)?.getMember(user.userId)?.membership === 'join' ? true : null,
  );
  return { a, user, roomId, profileDir: profile.dir };
}

/** The ciphertext behind an mxc:// URI, as any client of the server downloads it. */
async function downloadMxc(uri: string, token: string): Promise<Buffer> {
  const [server, mediaId] = uri.slice('mxc://'.length).split('/');
  const res = await fetch(`${synapse.url}/_matrix/client/v1/media/download/${server}/${mediaId}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  assert.equal(res.status, 200);
  return Buffer.from(await res.arrayBuffer());
}

/** A PNG of `width`×`height` with a gradient (so its thumbnail differs from it). */
function png(width: number, height: number): Buffer {
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    rgba[i * 4] = i % 251;
    rgba[i * 4 + 1] = (i >> 8) % 253;
    rgba[i * 4 + 2] = 128;
    rgba[i * 4 + 3] = 255;
  }
  return scaledThumbnail({ width, height, rgba }, width, height).png;
}

/** Encrypts with WebCrypto and uploads as the peer; returns the event's EncryptedFile. */
async function peerUpload(bytes: Buffer): Promise<{ file: WebEncryptedFile; plain: Buffer }> {
  const { ciphertext, file } = await webCryptoEncrypt(bytes);
  const { content_uri } = await peer.client.uploadContent(new Blob([new Uint8Array(ciphertext)]), {
    type: 'application/octet-stream',
  });
  return { file: { url: content_uri, ...file }, plain: bytes };
}

test(
  'encrypted attachments: a 5 MB file from Parley and a picture with its thumbnail from the other client',
  { skip },
  async () => {
    const { a, roomId, profileDir } = await encryptedDm('eve');
    const chatId = a.chat(roomId)!.id;

    // Parley → the other client: 5 MB, encrypted before upload.
    const big = randomBytes(5 * 1024 * 1024);
    const path = join(profileDir, 'big.bin');
    writeFileSync(path, big);
    const bigId = await sent(
      a,
      (
        await a.call('messages.sendAttachment', {
          chatId,
          path,
          name: 'ledger.bin',
          mime: 'application/octet-stream',
        })
      ).outboxId,
    );
    const raw = await synapse.api<{ type: string }>(
      bo.accessToken,
      'GET',
      `${C}/rooms/${encodeURIComponent(roomId)}/event/${encodeURIComponent(bigId)}`,
    );
    assert.equal(raw.type, 'm.room.encrypted', 'the event is encrypted');
    const bigEvent = await waitFor('the peer decrypts the file event', () =>
      peer.decryptedEvents(roomId).find((e) => e.getId() === bigId),
    );
    const content = bigEvent.getContent() as {
      msgtype: string;
      url?: string;
      file: WebEncryptedFile;
      info: { size: number; mimetype: string };
    };
    assert.equal(content.msgtype, 'm.file');
    assert.equal(content.url, undefined, 'no unencrypted url');
    assert.equal(content.info.size, big.length);
    const onServer = await downloadMxc(content.file.url, peer.client.getAccessToken()!);
    assert.equal(onServer.length, big.length);
    assert.notEqual(sha256(onServer), sha256(big), 'the server holds ciphertext');
    assert.equal(sha256(await webCryptoDecrypt(onServer, content.file)), sha256(big));

    // A picture from Parley: its thumbnail is encrypted too, with its size.
    const picture = png(1200, 900);
    const picId = await sent(
      a,
      (
        await a.call('messages.sendAttachment', {
          chatId,
          dataBase64: picture.toString('base64'),
          name: 'harbour.png',
          mime: 'image/png',
        })
      ).outboxId,
    );
    const picEvent = await waitFor('the peer decrypts the picture event', () =>
      peer.decryptedEvents(roomId).find((e) => e.getId() === picId),
    );
    const pic = picEvent.getContent() as {
      msgtype: string;
      file: WebEncryptedFile;
      info: {
        w: number;
        h: number;
        mimetype: string;
        thumbnail_file: WebEncryptedFile;
        thumbnail_info: { w: number; h: number; mimetype: string; size: number };
      };
    };
    assert.equal(pic.msgtype, 'm.image');
    assert.deepEqual([pic.info.w, pic.info.h, pic.info.mimetype], [1200, 900, 'image/png']);
    assert.deepEqual([pic.info.thumbnail_info.w, pic.info.thumbnail_info.h], [800, 600]);
    const thumb = await webCryptoDecrypt(
      await downloadMxc(pic.info.thumbnail_file.url, peer.client.getAccessToken()!),
      pic.info.thumbnail_file,
    );
    assert.equal(thumb.length, pic.info.thumbnail_info.size);
    assert.equal(thumb.subarray(1, 4).toString(), 'PNG');
    const whole = await webCryptoDecrypt(
      await downloadMxc(pic.file.url, peer.client.getAccessToken()!),
      pic.file,
    );
    assert.equal(sha256(whole), sha256(picture));

    // The other client → Parley: a picture with an encrypted thumbnail.
    const photo = await peerUpload(png(640, 480));
    const photoThumb = await peerUpload(png(160, 120));
    const { event_id: photoId } = await peer.client.sendMessage(roomId, {
      msgtype: 'm.image',
      body: 'otters.png',
      file: photo.file,
      info: {
        mimetype: 'image/png',
        size: photo.plain.length,
        w: 640,
        h: 480,
        thumbnail_file: photoThumb.file,
        thumbnail_info: { mimetype: 'image/png', size: photoThumb.plain.length, w: 160, h: 120 },
      },
    } as never);
    const got = await waitFor('Parley decrypts the picture message', () =>
      a.messages(roomId).find((m) => m.remoteId === photoId && m.attachments.length === 1),
    );
    assert.equal(got.kind, 'image');
    const att = got.attachments[0]!;
    assert.deepEqual(
      [att.name, att.mime, att.width, att.height],
      ['otters.png', 'image/png', 640, 480],
    );
    const fetched = await a.call('attachments.fetch', { attachmentId: att.id });
    assert.equal(fetched.sha256, sha256(photo.plain), 'Parley stores the decrypted picture');
    const shownThumb = await a.call('attachments.thumbnail', {
      attachmentId: att.id,
      width: 320,
      height: 240,
    });
    assert.equal(shownThumb.sha256, sha256(photoThumb.plain), 'and shows the sender’s thumbnail');
    assert.equal(shownThumb.mime, 'image/png');

    // A file whose checksum does not match its bytes: refused, nothing stored.
    const tampered = await peerUpload(Buffer.from('the real invoice says 100 EUR'));
    const wrongHash = createHash('sha256').update('something else').digest('base64');
    const { event_id: badId } = await peer.client.sendMessage(roomId, {
      msgtype: 'm.file',
      body: 'invoice.txt',
      file: { ...tampered.file, hashes: { sha256: wrongHash.replace(/=+$/, '') } },
      info: { mimetype: 'text/plain', size: tampered.plain.length },
    } as never);
    const bad = await waitFor('Parley decrypts the file message', () =>
      a.messages(roomId).find((m) => m.remoteId === badId && m.attachments.length === 1),
    );
    const blobsBefore = a.daemon.store.db.prepare(`SELECT count(*) FROM blobs`).pluck().get();
    const refused = await a.daemon.call('attachments.fetch', {
      attachmentId: bad.attachments[0]!.id,
    });
    assert.equal(refused.ok, false);
    assert.equal(!refused.ok && refused.error.code, 'integrity_failed');
    assert.match(!refused.ok ? refused.error.message : '', /checksum/);
    assert.equal(
      a.daemon.store.db.prepare(`SELECT count(*) FROM blobs`).pluck().get(),
      blobsBefore,
      'nothing was stored',
    );
    const tmp = readdirSync(join(profileDir, 'blobs', 'tmp'));
    assert.deepEqual(tmp, [], 'no partial file left');
  },
);

test(
  'a late key: the message waits (and is counted), then decrypts and is searchable when its key comes',
  { skip },
  async () => {
    const { a, roomId, profileDir } = await encryptedDm('fay');
    const chatId = a.chat(roomId)!.id;
    await peer.sendText(roomId, 'a first message, key delivered at once');
    await waitFor('Parley decrypts the first message', () =>
      a.messages(roomId).find((m) => m.body === 'a first message, key delivered at once'),
    );

    // A new Megolm session whose key (a to-device message) is held back.
    await peer.client.getCrypto()!.forceDiscardSession(roomId);
    hold.holding = true;
    const lateId = await peer.sendText(roomId, 'the quokka codeword is periwinkle');
    assert.ok(hold.count > 0, 'the room key went out as a to-device message and was held');
    const placeholder = await waitFor('the message arrives without its key', () =>
      a.messages(roomId).find((m) => m.remoteId === lateId),
    );
    assert.equal(placeholder.kind, 'encrypted');
    assert.deepEqual(await a.call('chats.waitingForKeys', { chatId }), { count: 1 });
    assert.deepEqual(await a.call('chats.waitingForKeys', {}), { count: 1 });
    assert.deepEqual((await a.call('search.query', { query: 'periwinkle' })).hits, []);

    await hold.release();
    const late = await waitFor('the key arrives and the message decrypts', () => {
      const m = a.messages(roomId).find((x) => x.remoteId === lateId);
      return m?.kind === 'text' ? m : null;
    });
    assert.equal(late.body, 'the quokka codeword is periwinkle');
    assert.equal(late.id, placeholder.id, 'the placeholder became the message');
    assert.equal(late.encryption?.senderDevice, peer.deviceId);
    assert.deepEqual(await a.call('chats.waitingForKeys', { chatId }), { count: 0 });
    const search = await waitFor('search finds the decrypted text', async () => {
      const r = await a.call('search.query', { query: 'periwinkle' });
      return r.hits.length > 0 ? r : null;
    });
    assert.deepEqual(
      search.hits.map((h) => h.messageId),
      [late.id],
    );

    // Parley answers too, so both directions' room keys exist to look for.
    await sent(a, (await a.call('messages.send', { chatId, body: 'heard: periwinkle' })).outboxId);
    await waitFor('the peer decrypts Parley’s answer', () =>
      peer.decryptedBodies(roomId).includes('heard: periwinkle') ? true : null,
    );

    // No room key in the clear on disk, and no message text in the crypto store.
    await a.close(false);
    open.splice(open.indexOf(a), 1);
    const keys = (await peer.client.getCrypto()!.exportRoomKeys()).filter(
      (k) => k.room_id === roomId,
    );
    assert.ok(keys.length >= 3, 'the peer exports the sessions of both senders');
    const needles: { what: string; bytes: Buffer }[] = [];
    for (const k of keys) {
      const exported = Buffer.from(k.session_key, 'base64');
      // Export format: version (1), first index (4), the ratchet (128), the signing key, …
      const ratchet = exported.subarray(5, 133);
      needles.push(
        { what: `session key ${k.session_id} (base64)`, bytes: Buffer.from(k.session_key) },
        { what: `session ${k.session_id} ratchet (raw)`, bytes: ratchet.subarray(0, 32) },
        { what: `session ${k.session_id} ratchet (raw, end)`, bytes: ratchet.subarray(96) },
        {
          what: `session ${k.session_id} ratchet (base64)`,
          bytes: Buffer.from(ratchet.subarray(0, 30).toString('base64')),
        },
      );
    }
    const files = filesUnder(profileDir).filter((f) => !f.includes(`${join('blobs', '')}`));
    const crypto = files.filter((f) => f.includes('matrix-crypto'));
    const database = files.filter((f) => /parley\.db/.test(f));
    assert.ok(crypto.length > 0 && database.length > 0, 'the crypto store and database are there');
    for (const f of [...database, ...crypto]) {
      const data = readFileSync(f);
      for (const n of needles)
        assert.equal(data.indexOf(n.bytes), -1, `${n.what} found in ${f.slice(profileDir.length)}`);
    }
    const texts = [
      'the quokka codeword is periwinkle',
      'heard: periwinkle',
      'key delivered at once',
    ];
    const inDatabase = database.some((f) => readFileSync(f).includes(texts[0]!));
    assert.ok(inDatabase, 'the scan reads the files: the database holds the decrypted text');
    for (const f of crypto) {
      const data = readFileSync(f);
      for (const t of texts)
        assert.equal(data.indexOf(t), -1, `message text found in ${f.slice(profileDir.length)}`);
    }
  },
);

test(
  'a new device of the other user joins: Parley’s next message is decryptable by it',
  { skip },
  async () => {
    const { a, roomId } = await encryptedDm('gus');
    const chatId = a.chat(roomId)!.id;
    await sent(
      a,
      (await a.call('messages.send', { chatId, body: 'before the new device' })).outboxId,
    );
    await waitFor('the peer decrypts it', () =>
      peer.decryptedBodies(roomId).includes('before the new device') ? true : null,
    );

    const second = await JsSdkPeer.start(synapse, bo);
    peers.push(second);
    await waitFor('the new device publishes its keys', async () => {
      const res = await synapse.api<{ device_keys: Record<string, Record<string, unknown>> }>(
        bo.accessToken,
        'POST',
        `${C}/keys/query`,
        { device_keys: { [bo.userId]: [second.deviceId] } },
      );
      return res.device_keys[bo.userId]?.[second.deviceId] ? true : null;
    });
    // Parley has synced past the device-list change once it has a later message.
    await peer.sendText(roomId, 'I signed in somewhere else');
    await waitFor('Parley reads the peer’s message', () =>
      a.messages(roomId).find((m) => m.body === 'I signed in somewhere else'),
    );

    await sent(
      a,
      (await a.call('messages.send', { chatId, body: 'for every device of bo' })).outboxId,
    );
    await waitFor(
      'the new device decrypts Parley’s next message',
      () => (second.decryptedBodies(roomId).includes('for every device of bo') ? true : null),
      60_000,
    );
    assert.ok(
      !second.decryptedBodies(roomId).includes('before the new device'),
      'a message from before it existed was not shared with it',
    );
  },
);

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...filesUnder(p));
    else out.push(p);
  }
  return out;
}
