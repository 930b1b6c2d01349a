// Matrix rooms beyond messaging, against a real Synapse (one for the file):
// membership through the outbox and the API (create, DM with m.direct, invite,
// accept/decline, join by alias, leave, forget, kick, ban, unban), typing,
// presence and others' read receipts, media up and down (authenticated media,
// thumbnails, the blob store), and spaces with their children.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';
import { Synapse, waitFor, type RegisteredUser } from '../servers/synapse/harness.js';
import { ParleyUser } from '../servers/synapse/parley.js';
import type { DaemonEvent } from '../../main/daemon/api/contract.js';
import { Daemon } from '../../main/daemon/daemon.js';
import { ConnectorRegistry } from '../../main/daemon/connectors/registry.js';
import { memorySecrets } from '../servers/synapse/parley.js';
import { tempDir } from '../helpers/fixtures.js';
import { secretKey } from '../../main/daemon/store/accounts.js';

let synapse: Synapse;
let ann: RegisteredUser;
let bo: RegisteredUser;
let cy: RegisteredUser;
const C = '/_matrix/client/v3';
const open: ParleyUser[] = [];
const e = encodeURIComponent;

before(async () => {
  synapse = await Synapse.start();
  ann = await synapse.register('ann');
  bo = await synapse.register('bo');
  cy = await synapse.register('cy');
  for (const [u, name] of [
    [ann, 'Ann'],
    [bo, 'Bo'],
    [cy, 'Cy'],
  ] as const)
    await synapse.api(u.accessToken, 'PUT', `${C}/profile/${e(u.userId)}/displayname`, {
      displayname: name,
    });
});

after(async () => {
  for (const p of open) await p.close().catch(() => undefined);
  await synapse?.stop();
});

/** Signs in with every daemon event recorded (what the UI would receive). */
async function signIn(user: RegisteredUser) {
  const p = ParleyUser.open();
  open.push(p);
  const events: DaemonEvent[] = [];
  p.daemon.subscribe((ev) => events.push(ev));
  const account = await p.call('accounts.add', {
    protocol: 'matrix',
    server: synapse.url,
    username: user.localpart,
    password: user.password,
  });
  p.accountId = account.id;
  return Object.assign(p, { events });
}

/** Waits for an outbox entry to be sent; returns what the server created. */
async function sent(p: ParleyUser, outboxId: number): Promise<string | null> {
  const entry = await waitFor(`outbox entry ${outboxId} settles`, () => {
    const x = p.daemon.store.outbox.get(outboxId);
    return x && (x.state === 'sent' || x.state === 'failed') ? x : null;
  });
  assert.equal(entry.state, 'sent', `outbox entry ${outboxId}: ${entry.lastError}`);
  return entry.remoteId;
}

const selfMembership = (p: ParleyUser, roomId: string) =>
  p.daemon.store.db
    .prepare(
      `SELECT cm.membership FROM chat_members cm JOIN chats c ON c.id = cm.chat_id
       JOIN people pe ON pe.id = cm.person_id WHERE c.remote_id = ? AND pe.is_self = 1`,
    )
    .pluck()
    .get(roomId) as string | undefined;

const directOf = async (u: RegisteredUser) =>
  synapse
    .api<Record<string, string[]>>(
      u.accessToken,
      'GET',
      `${C}/user/${e(u.userId)}/account_data/m.direct`,
    )
    .catch(() => ({}) as Record<string, string[]>);

test('membership through the outbox: create, DM, invite, accept, decline, kick, ban, unban, join by alias, leave, forget', async () => {
  const a = await signIn(ann);
  const b = await signIn(bo);

  // Ann creates a room and invites Bo.
  const created = await a.call('chats.create', {
    accountId: a.accountId,
    name: 'Team',
    topic: 'All of us',
    invite: [bo.userId],
  });
  const teamId = (await sent(a, created.outboxId))!;
  assert.match(teamId, /^!/);
  await waitFor('Ann has the new room', () => a.chat(teamId)?.name === 'Team');
  assert.equal(a.chat(teamId)!.topic, 'All of us');
  assert.equal(selfMembership(a, teamId), 'join');

  // Bo sees the invitation, with who sent it, and accepts it.
  const invite = await waitFor('Bo is invited', async () =>
    (await b.call('invites.list', {})).find((i) => i.chat.remoteId === teamId),
  );
  assert.equal(invite.inviterRemoteId, ann.userId);
  assert.equal(invite.inviterName, 'Ann');
  assert.equal(invite.chat.name, 'Team');
  await sent(b, (await b.call('invites.accept', { chatId: invite.chat.id })).outboxId);
  await waitFor('Bo has joined', () => selfMembership(b, teamId) === 'join');
  assert.deepEqual(await b.call('invites.list', {}), []);
  await waitFor('Ann sees Bo join', () => a.bodies(teamId, 'system').includes('Bo joined'));

  // A direct chat: m.direct on both sides, a direct chat in both stores.
  const dm = await a.call('chats.create', {
    accountId: a.accountId,
    invite: [bo.userId],
    direct: true,
  });
  const dmId = (await sent(a, dm.outboxId))!;
  assert.ok((await directOf(ann))[bo.userId]?.includes(dmId), 'Ann’s m.direct has the DM');
  await waitFor(
    'Ann has a direct chat named after Bo',
    () => a.chat(dmId)?.kind === 'direct' && a.chat(dmId)?.name === 'Bo',
  );
  const dmInvite = await waitFor('Bo is invited to the DM', async () =>
    (await b.call('invites.list', {})).find((i) => i.chat.remoteId === dmId),
  );
  assert.equal(dmInvite.chat.kind, 'direct');
  await sent(b, (await b.call('invites.accept', { chatId: dmInvite.chat.id })).outboxId);
  assert.ok((await directOf(bo))[ann.userId]?.includes(dmId), 'accepting fills Bo’s m.direct');
  await waitFor(
    'Bo has a direct chat named after Ann',
    () => b.chat(dmId)?.kind === 'direct' && b.chat(dmId)?.name === 'Ann',
  );

  // A declined invitation disappears from Bo's list; Ann sees the decline.
  const declined = await a.call('chats.create', {
    accountId: a.accountId,
    name: 'Not for Bo',
    invite: [bo.userId],
  });
  const declinedId = (await sent(a, declined.outboxId))!;
  const inv2 = await waitFor('Bo is invited again', () => b.chat(declinedId));
  await sent(b, (await b.call('invites.decline', { chatId: inv2.id })).outboxId);
  await waitFor('the declined chat is gone for Bo', () => !b.chat(declinedId));
  await waitFor('Ann sees the decline', () =>
    a.bodies(declinedId, 'system').includes('Bo declined the invitation'),
  );

  // Kick, ban, unban, invite again: each shows on both sides.
  const teamChat = a.chat(teamId)!;
  await sent(
    a,
    (
      await a.call('chats.kick', {
        chatId: teamChat.id,
        personRemoteId: bo.userId,
        reason: 'too loud',
      })
    ).outboxId,
  );
  await waitFor('Bo was removed', () => selfMembership(b, teamId) === 'leave');
  await waitFor('Ann sees the kick', () =>
    a.bodies(teamId, 'system').includes('Ann removed Bo: too loud'),
  );
  await sent(
    a,
    (await a.call('chats.ban', { chatId: teamChat.id, personRemoteId: bo.userId })).outboxId,
  );
  await sent(
    a,
    (await a.call('chats.unban', { chatId: teamChat.id, personRemoteId: bo.userId })).outboxId,
  );
  await sent(
    a,
    (await a.call('chats.invite', { chatId: teamChat.id, personRemoteId: bo.userId })).outboxId,
  );
  await waitFor('Bo is invited back', () => selfMembership(b, teamId) === 'invite');
  const system = a.bodies(teamId, 'system');
  for (const line of ['Ann banned Bo', 'Ann unbanned Bo', 'Ann invited Bo'])
    assert.ok(system.includes(line), `${line}: ${system.join(' | ')}`);
  await sent(b, (await b.call('invites.accept', { chatId: b.chat(teamId)!.id })).outboxId);
  await waitFor('Bo is back', () => selfMembership(b, teamId) === 'join');

  // Join by alias (a public room of Cy's), then leave it.
  const { room_id: lobbyId } = await synapse.api<{ room_id: string }>(
    cy.accessToken,
    'POST',
    `${C}/createRoom`,
    { name: 'Lobby', preset: 'public_chat', room_alias_name: 'lobby' },
  );
  const joined = await b.call('chats.join', {
    accountId: b.accountId,
    target: '#lobby:localhost',
  });
  assert.equal(await sent(b, joined.outboxId), lobbyId, 'the alias resolved to the room');
  await waitFor('Bo is in the lobby', () => b.chat(lobbyId)?.name === 'Lobby');
  await sent(b, (await b.call('chats.leave', { chatId: b.chat(lobbyId)!.id })).outboxId);
  await waitFor('Bo left the lobby', () => selfMembership(b, lobbyId) === 'leave');
  const members = await synapse.api<{ joined: Record<string, unknown> }>(
    cy.accessToken,
    'GET',
    `${C}/rooms/${e(lobbyId)}/joined_members`,
  );
  assert.deepEqual(Object.keys(members.joined), [cy.userId]);

  // Forget: gone from Bo's device at once, and the server forgot it for Bo.
  const forget = await b.call('chats.forget', { chatId: b.chat(teamId)!.id });
  assert.equal(b.chat(teamId), undefined, 'gone at once');
  await sent(b, forget.outboxId);
  const left = await synapse.api<{ joined_rooms: string[] }>(
    bo.accessToken,
    'GET',
    `${C}/joined_rooms`,
  );
  assert.ok(!left.joined_rooms.includes(teamId), 'left on the server');
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(b.chat(teamId), undefined, 'the leave coming back by sync does not recreate it');
});

test('a protocol without membership answers not_implemented', async () => {
  const { dir, cleanup } = tempDir('parley-nomembership-');
  const secrets = memorySecrets();
  const connectors = new ConnectorRegistry().register('unichat', () => ({
    protocol: 'unichat',
    operations: new Set(),
    capabilities: {
      live: false,
      backfill: false,
      edit: false,
      react: false,
      delete: false,
      readMarkers: false,
      typing: false,
      attachments: false,
    },
    login: async () => ({ secret: 's', selfRemoteId: 'me' }),
    // eslint-disable-next-line require-yield
    sync: async function* () {
      return;
    },
    perform: async () => ({}),
  }));
  const daemon = new Daemon({ profileDir: dir, secrets, connectors });
  try {
    const account = daemon.store.accounts.add({
      protocol: 'unichat',
      server: 'https://chat.example',
      username: 'me',
    });
    await secrets.set(secretKey(account), 's');
    daemon.store.writer.apply(account.id, {
      chats: [{ remoteId: 'c1', kind: 'group', name: 'One' }],
    });
    const chatId = daemon.store.read.chats({})[0]!.id;
    for (const [name, input] of [
      ['chats.create', { accountId: account.id, name: 'x' }],
      ['chats.invite', { chatId, personRemoteId: 'you' }],
      ['chats.leave', { chatId }],
      ['chats.typing', { chatId, typing: true }],
      ['presence.set', { accountId: account.id, presence: 'online' }],
    ] as const) {
      const r = await daemon.call(name, input);
      assert.equal(r.ok ? 'ok' : r.error.code, 'not_implemented', name);
    }
    assert.deepEqual(daemon.store.outbox.list(), [], 'nothing queued');
  } finally {
    await daemon.close();
    cleanup();
  }
});

test('typing both ways, presence, and who has read how far', async () => {
  const { room_id: roomId } = await synapse.api<{ room_id: string }>(
    bo.accessToken,
    'POST',
    `${C}/createRoom`,
    { name: 'Ephemeral', invite: [ann.userId] },
  );
  await synapse.api(ann.accessToken, 'POST', `${C}/join/${e(roomId)}`, {});
  const a = await signIn(ann);
  const b = await signIn(bo);
  await waitFor('both see the room', () => a.chat(roomId) && b.chat(roomId));
  // What the UI receives: the daemon's typing and presence events.
  const typingOf = (chatId: number) =>
    a.events
      .flatMap((ev) => (ev.name === 'typing' && ev.payload.chatId === chatId ? [ev.payload] : []))
      .at(-1);
  const aChat = a.chat(roomId)!;

  await b.call('chats.typing', { chatId: b.chat(roomId)!.id, typing: true });
  await waitFor('Ann sees Bo typing', () => typingOf(aChat.id)?.names.join() === 'Bo').catch(
    (err: Error) => {
      throw new Error(
        `${err.message}\n${JSON.stringify(a.events.slice(-5))}\n${a.logs.join('\n')}`,
      );
    },
  );
  assert.deepEqual(typingOf(aChat.id)!.personRemoteIds, [bo.userId]);
  await b.call('chats.typing', { chatId: b.chat(roomId)!.id, typing: false });
  await waitFor('Bo stopped typing', () => typingOf(aChat.id)?.names.length === 0);

  // Presence: Bo goes away with a status; Ann's sync says so.
  await b.call('presence.set', {
    accountId: b.accountId,
    presence: 'unavailable',
    statusMsg: 'at lunch',
  });
  const away = await waitFor('Ann sees Bo away', () =>
    a.events
      .flatMap((ev) => (ev.name === 'presence' ? [ev.payload] : []))
      .find((p) => p.personRemoteId === bo.userId && p.presence === 'unavailable'),
  );
  assert.equal(away.statusMsg, 'at lunch');
  assert.equal(away.name, 'Bo');
  // Bo's own long-poll keeps the chosen presence instead of setting him online again.
  await new Promise((r) => setTimeout(r, 4000));
  const state = await synapse.api<{ presence: string }>(
    ann.accessToken,
    'GET',
    `${C}/presence/${e(bo.userId)}/status`,
  );
  assert.equal(state.presence, 'unavailable');

  // Receipts: Ann writes, Bo reads it in Parley; Ann sees "seen by Bo".
  const mine = await a.call('messages.send', { chatId: aChat.id, body: 'did you see this?' });
  const remote = await waitFor(
    'Ann’s message is confirmed',
    () => a.daemon.store.read.messagesById([mine.messageId])[0]?.remoteId,
  );
  const bMsg = await waitFor('Bo has it', () =>
    b.messages(roomId).find((m) => m.remoteId === remote),
  );
  // Ann's window shows the chat: the receipt comes to her as an event, as it
  // arrives with her sync (m.receipt), with no one asking chats.receipts.
  await a.call('timeline.watch', { watcher: 'ann-window', chatIds: [aChat.id] });
  await b.call('chats.markRead', { chatId: b.chat(roomId)!.id, messageId: bMsg.id });
  const seen = await waitFor('Ann is told of Bo’s receipt', () =>
    a.events
      .flatMap((ev) =>
        ev.name === 'receipts.updated' && ev.payload.chatId === aChat.id ? ev.payload.receipts : [],
      )
      .find((r) => r.personRemoteId === bo.userId && r.messageRemoteId === remote),
  );
  assert.equal(seen.name, 'Bo');
  assert.equal(seen.messageId, mine.messageId);
  // The same as chats.receipts says (what a window reads when it opens the chat).
  assert.deepEqual(
    (await a.call('chats.receipts', { chatId: aChat.id })).find(
      (r) => r.personRemoteId === bo.userId,
    ),
    seen,
  );
  const own = await a.call('chats.receipts', { chatId: aChat.id });
  assert.ok(
    own.every((r) => r.personRemoteId !== ann.userId),
    'our own receipt is the read position, not a "seen by"',
  );
  await b.close(false);
});

/** A real PNG (w×h, a gradient), so the server can make thumbnails. */
function png(w: number, h: number): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf: Buffer) => {
    let c = 0xffffffff;
    for (const byte of buf) c = crcTable[(c ^ byte) & 0xff]! ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const c = Buffer.alloc(4);
    c.writeUInt32BE(crc(td));
    return Buffer.concat([len, td, c]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  const rows: Buffer[] = [];
  for (let y = 0; y < h; y++) {
    const row = Buffer.alloc(1 + w * 3);
    for (let x = 0; x < w; x++) row.set([x * 4, y * 4, 128], 1 + x * 3);
    rows.push(row);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

test('media: send a picture (upload, local echo), download it on the other side through authenticated media, thumbnails', async () => {
  const { room_id: roomId } = await synapse.api<{ room_id: string }>(
    bo.accessToken,
    'POST',
    `${C}/createRoom`,
    { name: 'Pictures', invite: [ann.userId] },
  );
  await synapse.api(ann.accessToken, 'POST', `${C}/join/${e(roomId)}`, {});
  const a = await signIn(ann);
  const b = await signIn(bo);
  await waitFor('both see the room', () => a.chat(roomId) && b.chat(roomId));
  const bytes = png(64, 48);
  const sha = createHash('sha256').update(bytes).digest('hex');

  const out = await a.call('messages.sendAttachment', {
    chatId: a.chat(roomId)!.id,
    name: 'gradient.png',
    mime: 'image/png',
    dataBase64: bytes.toString('base64'),
    width: 64,
    height: 48,
  });
  const echo = a.daemon.store.read.messagesById([out.messageId])[0]!;
  assert.equal(echo.kind, 'image');
  assert.equal(echo.attachments[0]?.blobSha256, sha, 'the echo shows the picture at once');
  await sent(a, out.outboxId);
  await waitFor('the server copy adopts the echo, keeping the bytes', () => {
    const m = a.daemon.store.read.messagesById([out.messageId])[0];
    return (
      m?.remoteId &&
      m.outboxState === null &&
      m.attachments.length === 1 &&
      m.attachments[0]!.blobSha256 === sha &&
      a.daemon.store.db
        .prepare(`SELECT remote_id FROM attachments WHERE message_id = ?`)
        .pluck()
        .get(m.id)
        ?.toString()
        .startsWith('mxc://')
    );
  });

  const got = await waitFor('Bo receives the picture', () =>
    b.messages(roomId).find((m) => m.kind === 'image' && m.body === 'gradient.png'),
  );
  const att = got.attachments[0]!;
  assert.deepEqual(
    [att.name, att.mime, att.size, att.blobSha256],
    ['gradient.png', 'image/png', bytes.length, null],
  );
  const fetched = await b.call('attachments.fetch', { attachmentId: att.id });
  assert.deepEqual(fetched, { sha256: sha, size: bytes.length, mime: 'image/png' });
  assert.ok(readFileSync(b.daemon.store.blobs.pathOf(sha)).equals(bytes), 'the same bytes');
  assert.equal(b.messages(roomId).find((m) => m.id === got.id)!.attachments[0]!.blobSha256, sha);
  // The mail procedure reaches the same code (and the blob is there already).
  assert.deepEqual(await b.call('mail.fetchAttachment', { attachmentId: att.id }), fetched);

  // Authenticated media only: the legacy unauthenticated download refuses this file.
  const mxc = b.daemon.store.db
    .prepare(`SELECT remote_id FROM attachments WHERE id = ?`)
    .pluck()
    .get(att.id) as string;
  const legacy = await fetch(`${synapse.url}/_matrix/media/v3/download/${mxc.slice(6)}`);
  assert.equal(legacy.status, 404, 'Synapse serves new media only to authenticated requests');

  const thumb = await b.call('attachments.thumbnail', {
    attachmentId: att.id,
    width: 32,
    height: 32,
    method: 'scale',
  });
  assert.match(thumb.mime, /^image\//);
  assert.ok(thumb.size > 0 && thumb.sha256 !== sha, 'a smaller picture of its own');
  assert.ok(b.daemon.store.blobs.has(thumb.sha256));

  // A file from a path, with a caption.
  const { dir, cleanup } = tempDir('parley-media-');
  try {
    const { writeFileSync } = await import('node:fs');
    const path = `${dir}/notes.txt`;
    writeFileSync(path, 'plain text notes\n');
    const file = await a.call('messages.sendAttachment', {
      chatId: a.chat(roomId)!.id,
      name: 'notes.txt',
      mime: 'text/plain',
      path,
      body: 'the notes',
    });
    await sent(a, file.outboxId);
    const m = await waitFor('Bo receives the file with its caption', () =>
      b.messages(roomId).find((x) => x.kind === 'file' && x.body === 'the notes'),
    );
    assert.equal(m.attachments[0]!.name, 'notes.txt');
    const f = await b.call('attachments.fetch', { attachmentId: m.attachments[0]!.id });
    assert.equal(readFileSync(b.daemon.store.blobs.pathOf(f.sha256), 'utf8'), 'plain text notes\n');
  } finally {
    cleanup();
  }
});

test('spaces: a space lists its rooms, a room joined later and a room removed from the space follow', async () => {
  const api = <T = Record<string, unknown>>(method: string, path: string, body?: unknown) =>
    synapse.api<T>(bo.accessToken, method, path, body);
  const { room_id: spaceId } = await api<{ room_id: string }>('POST', `${C}/createRoom`, {
    name: 'Company',
    creation_content: { type: 'm.space' },
    invite: [cy.userId],
  });
  const room = async (name: string) => {
    const { room_id } = await api<{ room_id: string }>('POST', `${C}/createRoom`, {
      name,
      invite: [cy.userId],
    });
    await api('PUT', `${C}/rooms/${e(spaceId)}/state/m.space.child/${e(room_id)}`, {
      via: ['localhost'],
    });
    return room_id;
  };
  const general = await room('General');
  const random = await room('Random');
  const cyJoin = (id: string) => synapse.api(cy.accessToken, 'POST', `${C}/join/${e(id)}`, {});
  await cyJoin(spaceId);
  await cyJoin(general);

  const c = await signIn(cy);
  const spaceOf = async () =>
    (await c.call('spaces.list', { accountId: c.accountId })).find((s) => s.remoteId === spaceId);
  const space = await waitFor('Cy has the space with General in it', async () => {
    const s = await spaceOf();
    return s && c.chat(general) && s.chatIds.includes(c.chat(general)!.id) ? s : null;
  });
  assert.equal(space.name, 'Company');
  assert.equal(space.kind, 'space');
  assert.equal(c.chat(general)!.spaceId, space.id);
  assert.equal(c.chat(spaceId), undefined, 'a space is not a chat');

  // Joined after the space was synced: it still lands in the space.
  await cyJoin(random);
  await waitFor('Random is in the space', () => c.chat(random)?.spaceId === space.id);
  assert.deepEqual(
    (await spaceOf())!.chatIds.sort(),
    [c.chat(general)!.id, c.chat(random)!.id].sort(),
  );

  // Removed from the space (an empty m.space.child): the chat leaves it.
  await api('PUT', `${C}/rooms/${e(spaceId)}/state/m.space.child/${e(general)}`, {});
  await waitFor('General left the space', () => c.chat(general)?.spaceId === null);
  assert.deepEqual((await spaceOf())!.chatIds, [c.chat(random)!.id]);
});
