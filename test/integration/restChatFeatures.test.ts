// The REST chat connector beyond messages, against the reference server
// (test/servers/rest-chat) on a random loopback port, each user with their
// own Parley daemon: attachments both ways (with the sender's preview, and
// without one), chat settings kept on the server, chats and members, blocking,
// a server restarted mid-send, and broken websocket frames.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startRestChatServer, type RestChatServer } from '../servers/rest-chat/server.js';
import { waitFor } from '../helpers/fixtures.js';
import { signInRestChatUser, type RestChatUser, restChatRequest } from '../helpers/restChatUser.js';
import { encodePng } from '../../main/daemon/connectors/pngThumbnail.js';
import type { ChatSummary } from '../../main/daemon/model/types.js';

let server: RestChatServer;
let ann: RestChatUser;
let bob: RestChatUser;
// The server reuses a group for the same members: each test's groups have their own set.
const NAMES = ['annie', 'bobby', 'cyril', 'dorian', 'edith', 'fabian', 'gloria'];

before(async () => {
  server = await startRestChatServer({
    users: NAMES.map((n) => ({
      username: n,
      password: `${n}-password`,
      name: n[0]!.toUpperCase() + n.slice(1),
    })),
  });
  ann = await signInRestChatUser(server.url, 'annie', 'annie-password');
  bob = await signInRestChatUser(server.url, 'bobby', 'bobby-password');
});

after(async () => {
  await ann?.close();
  await bob?.close();
  await server?.close();
});

const uid = (name: string) => server.user(name).id;

/** A request as a user would make it with another client (a session of their own). */
async function as<T>(username: string, method: string, path: string, body?: unknown): Promise<T> {
  const token = server.newSession(username).accessToken;
  return restChatRequest<T>(server.url, token, method, path, body);
}

/**
 * A group chat with exactly these members (the server reuses a chat with the
 * same members) and a first message: the server announces no new chat, so the
 * members' clients learn of it from that message's event.
 */
async function group(owner: string, others: string[], title: string): Promise<string> {
  const { id } = await as<{ id: string }>(owner, 'POST', '/chats', {
    participants: others.map(uid),
    isPersonal: false,
    title,
  });
  await as(owner, 'POST', `/chats/${id}/messages`, {
    localId: crypto.randomUUID(),
    text: 'welcome',
  });
  return id;
}

/** Every chat of the user's account, archived or not. */
const chatOf = (u: RestChatUser, remoteId: string): ChatSummary | undefined =>
  [false, true]
    .flatMap((archived) => u.daemon.store.read.chats({ accountId: u.account.id, archived }))
    .find((c) => c.remoteId === remoteId);

const membership = (u: RestChatUser, chatRemoteId: string, person: string) =>
  u.daemon.store.db
    .prepare(
      `SELECT m.membership FROM chat_members m JOIN chats c ON c.id = m.chat_id
       JOIN people p ON p.id = m.person_id
       WHERE c.account_id = ? AND c.remote_id = ? AND p.remote_id = ?`,
    )
    .pluck()
    .get(u.account.id, chatRemoteId, String(uid(person))) as string | undefined;

async function outboxSettled(u: RestChatUser) {
  return waitFor('the outbox is done', async () => {
    const items = await u.call<
      { state: string; lastError: string | null; attempts: number; op: string; id: number }[]
    >('outbox.list', {});
    return items.every((i) => i.state === 'sent' || i.state === 'failed') ? items : null;
  });
}

async function blobBytes(u: RestChatUser, sha256: string): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const c of u.daemon.store.blobs.open(sha256)) chunks.push(c);
  return Buffer.concat(chunks);
}

/** A w×h gradient PNG, different for each seed. */
function picture(w: number, h: number, seed: number): Buffer {
  const rgba = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const o = (y * w + x) * 4;
      rgba.set([(x + seed) & 255, (y * 3) & 255, (x ^ y) & 255, 255], o);
    }
  return encodePng(w, h, rgba);
}

const pngSize = (b: Buffer) => ({ width: b.readUInt32BE(16), height: b.readUInt32BE(20) });

test('an attachment round-trips: post, file and preview uploaded, marked; the other side downloads both', async () => {
  const chatId = await group('annie', ['bobby'], 'Pictures');
  const annChat = await waitFor('Annie sees the chat', () => chatOf(ann, chatId));
  const photo = picture(1000, 800, 1);
  const { messageId } = await ann.call<{ messageId: number }>('messages.sendAttachment', {
    chatId: annChat.id,
    name: 'holiday.png',
    mime: 'image/png',
    dataBase64: photo.toString('base64'),
  });
  assert.ok(messageId);
  await outboxSettled(ann);

  const stored = server.store.chatMessages(chatId).find((m) => m.attachments.length === 1)!;
  const media = stored.attachments[0]!;
  assert.equal(media.fileType, 'png');
  assert.deepEqual(server.store.files.get(`${media.id}.png`), photo, 'the file, whole');
  const preview = server.store.files.get(`${media.id}-preview.png`);
  assert.ok(preview, 'a preview was made and uploaded');
  assert.deepEqual(pngSize(preview), { width: 320, height: 256 }, 'the preview keeps the aspect');
  assert.deepEqual([media.previewWidth, media.previewHeight], [320, 256]);
  assert.equal(stored.text, 'holiday.png', 'the name goes as the text: the server keeps no name');

  const mine = ann.messages(chatId).filter((m) => m.attachments.length > 0);
  assert.equal(mine.length, 1, 'the echo became the server copy');
  assert.equal(mine[0]!.remoteId, String(stored.id));
  assert.ok(mine[0]!.attachments[0]!.blobSha256, 'the sender keeps the bytes it sent');

  const got = await waitFor('Bobby receives the picture', () =>
    bob.messages(chatId).find((m) => m.kind === 'image'),
  );
  const attachment = got.attachments[0]!;
  assert.equal(attachment.mime, 'image/png');
  assert.equal(attachment.name, 'holiday.png', 'named after the text, the name Parley sent');
  const file = await bob.call<{ sha256: string }>('attachments.fetch', {
    attachmentId: attachment.id,
  });
  assert.deepEqual(await blobBytes(bob, file.sha256), photo, 'the download is the file sent');
  const thumb = await bob.call<{ sha256: string }>('attachments.thumbnail', {
    attachmentId: attachment.id,
    width: 480,
    height: 360,
  });
  assert.deepEqual(
    await blobBytes(bob, thumb.sha256),
    preview,
    'the thumbnail is the sender’s preview',
  );
});

test('a picture whose sender gave no preview gets a thumbnail made here; other files come whole', async () => {
  const chatId = await group('cyril', ['bobby'], 'No previews');
  // Another client posts and uploads the file only (no preview), as the API allows.
  const photo = picture(1200, 600, 2);
  const posted = await as<{ id: number; attachments: { id: string }[] }>(
    'cyril',
    'POST',
    `/chats/${chatId}/messages`,
    {
      localId: crypto.randomUUID(),
      attachment: { fileType: 'png', fileSize: photo.length },
    },
  );
  const mediaId = posted.attachments[0]!.id;
  const token = server.newSession('cyril').accessToken;
  const upload = (name: string, type: string, body: Buffer) =>
    fetch(`${server.url}/uploads`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'file-name': name, 'content-type': type },
      body: new Uint8Array(body),
    });
  assert.equal((await upload(mediaId, 'png', photo)).status, 200);
  await as('cyril', 'PUT', `/chats/${chatId}/messages/${posted.id}`, {
    fileExists: true,
    previewExists: false,
  });
  const got = await waitFor('Bobby receives it', () =>
    bob.messages(chatId).find((m) => m.kind === 'image'),
  );
  const thumb = await bob.call<{ sha256: string; mime: string }>('attachments.thumbnail', {
    attachmentId: got.attachments[0]!.id,
    width: 480,
    height: 360,
  });
  const bytes = await blobBytes(bob, thumb.sha256);
  assert.deepEqual(pngSize(bytes), { width: 480, height: 240 }, 'made here, at the size asked');

  // A file that is not a picture: no preview is uploaded, and the thumbnail is the file.
  const bobChat = await waitFor('Bobby has the chat', () => chatOf(bob, chatId));
  const notes = Buffer.from('minutes of the meeting\n');
  await bob.call('messages.sendAttachment', {
    chatId: bobChat.id,
    name: 'minutes.txt',
    mime: 'text/plain',
    dataBase64: notes.toString('base64'),
  });
  await outboxSettled(bob);
  const text = server.store.chatMessages(chatId).find((m) => m.attachments[0]?.fileType === 'txt');
  assert.ok(text, 'stored under the name’s extension');
  const id = text.attachments[0]!.id;
  assert.deepEqual(server.store.files.get(`${id}.txt`), notes);
  assert.equal(server.store.files.has(`${id}-preview.txt`), false);
});

test('mute, archive and block are kept on the server, and changes made elsewhere show here', async () => {
  const chatId = await group('annie', ['bobby', 'cyril'], 'Settings');
  const chat = await waitFor('Annie sees the chat', () => chatOf(ann, chatId));
  const rel = () => server.store.chats.get(chatId)!.relations.get(uid('annie'))!;

  await ann.call('chats.setFlags', { chatId: chat.id, muted: true, archived: true });
  await waitFor('the server has both', () => rel().isMuted && rel().isArchived);
  await outboxSettled(ann);
  assert.ok(chatOf(ann, chatId)!.muted && chatOf(ann, chatId)!.archived);

  // Another client of Annie's unmutes and unarchives; a message in the chat makes Parley look again.
  await as('annie', 'PUT', `/chats/${chatId}/settings`, { isMuted: false, isArchived: false });
  await as('cyril', 'POST', `/chats/${chatId}/messages`, {
    localId: crypto.randomUUID(),
    text: 'anyone?',
  });
  await waitFor('Parley shows the server’s settings', () => {
    const c = chatOf(ann, chatId);
    return c && !c.muted && !c.archived ? c : null;
  });

  await ann.call('chats.setFlags', { chatId: chat.id, blocked: true });
  await waitFor('the chat is blocked on the server', () => rel().chatBlocked);
  assert.equal(chatOf(ann, chatId)!.blocked, true);
  await as('annie', 'PUT', `/chats/${chatId}/unblock`);
  await as('cyril', 'POST', `/chats/${chatId}/messages`, {
    localId: crypto.randomUUID(),
    text: 'still there?',
  });
  await waitFor('unblocked elsewhere shows here', () => chatOf(ann, chatId)?.blocked === false);

  // Pinning is this device's own: nothing for the server.
  await ann.call('chats.setFlags', { chatId: chat.id, pinned: true });
  assert.equal(chatOf(ann, chatId)!.pinned, true);
});

test('chats and members: create personal and group chats, add, remove, leave', async () => {
  await ann.call('chats.create', {
    accountId: ann.account.id,
    direct: true,
    invite: [String(uid('dorian'))],
  });
  await ann.call('chats.create', {
    accountId: ann.account.id,
    name: 'Planning',
    invite: [String(uid('bobby')), String(uid('edith'))],
  });
  const created = await outboxSettled(ann);
  assert.ok(
    created.every((i) => i.state === 'sent'),
    JSON.stringify(created),
  );
  const chats = [...server.store.chats.values()];
  const personal = chats.find(
    (c) => c.isPersonal && c.participantsKey === `${uid('annie')}+${uid('dorian')}`,
  );
  assert.ok(personal, 'a personal chat with Dorian');
  const planning = chats.find((c) => c.title === 'Planning')!;
  assert.ok(planning && !planning.isPersonal, 'a group named Planning');
  assert.equal(planning.ownerId, uid('annie'));
  await waitFor('Annie sees the personal chat named after Dorian', () =>
    chatOf(ann, personal.id)?.name === 'Dorian' ? true : null,
  );
  const annPlanning = await waitFor('and the group', () => chatOf(ann, planning.id));
  // The server tells the others of a new chat with its first message.
  await ann.call('messages.send', { chatId: annPlanning.id, body: 'first things first' });
  const bobPlanning = await waitFor('Bobby sees the group', () => chatOf(bob, planning.id));
  assert.equal(bobPlanning.name, 'Planning');

  await ann.call('chats.invite', { chatId: annPlanning.id, personRemoteId: String(uid('dorian')) });
  await ann.call('chats.kick', { chatId: annPlanning.id, personRemoteId: String(uid('edith')) });
  await outboxSettled(ann);
  assert.deepEqual(
    [...planning.relations.keys()].sort(),
    [uid('annie'), uid('bobby'), uid('dorian')].sort(),
  );
  await waitFor('Annie’s member list follows', () =>
    membership(ann, planning.id, 'dorian') === 'join' &&
    membership(ann, planning.id, 'edith') === 'leave'
      ? true
      : null,
  );

  await bob.call('chats.leave', { chatId: bobPlanning.id });
  await outboxSettled(bob);
  assert.equal(planning.relations.has(uid('bobby')), false, 'Bobby left on the server');
  // The server tells no one about a leave; Parley looks again after its own.
  await waitFor('the chat is gone from Bobby’s list', () =>
    chatOf(bob, planning.id) ? null : true,
  );
});

test('blocking a member: shown as banned, their posts refused; unblocking restores them', async () => {
  const chatId = await group('annie', ['bobby', 'fabian'], 'Moderated');
  const annChat = await waitFor('Annie sees the chat', () => chatOf(ann, chatId));
  const bobChat = await waitFor('Bobby sees the chat', () => chatOf(bob, chatId));
  await ann.call('chats.ban', { chatId: annChat.id, personRemoteId: String(uid('bobby')) });
  await outboxSettled(ann);
  assert.equal(server.store.chats.get(chatId)!.relations.get(uid('bobby'))!.userBlocked, true);
  await as('fabian', 'POST', `/chats/${chatId}/messages`, {
    localId: crypto.randomUUID(),
    text: 'a frame to look again',
  });
  await waitFor('Annie sees Bobby as banned', () => membership(ann, chatId, 'bobby') === 'ban');

  await bob.call('messages.send', { chatId: bobChat.id, body: 'let me in' });
  const items = await outboxSettled(bob);
  const refused = items.find((i) => i.state === 'failed');
  assert.match(refused?.lastError ?? '', /You can't post into this chat/);

  await ann.call('chats.unban', { chatId: annChat.id, personRemoteId: String(uid('bobby')) });
  await outboxSettled(ann);
  assert.equal(server.store.chats.get(chatId)!.relations.get(uid('bobby'))!.userBlocked, false);
  await as('fabian', 'POST', `/chats/${chatId}/messages`, {
    localId: crypto.randomUUID(),
    text: 'another frame',
  });
  await waitFor('Bobby is a member again', () => membership(ann, chatId, 'bobby') === 'join');
});

test('the server restarted mid-send: the message and the attachment are delivered once', async () => {
  const chatId = await group('annie', ['bobby', 'gloria'], 'Restarts');
  const annChat = await waitFor('Annie sees the chat', () => chatOf(ann, chatId));
  await waitFor('Bobby sees the chat', () => chatOf(bob, chatId));

  const before = (await outboxSettled(ann)).length;
  const back = server.crashAfterNext(
    (method, path) => method === 'POST' && path === `/chats/${chatId}/messages`,
  );
  await ann.call('messages.send', { chatId: annChat.id, body: 'through a restart' });
  await back;
  // The attachment's post goes through; the server dies right after storing the file.
  const backAgain = server.crashAfterNext(
    (method, path) => method === 'POST' && path === '/uploads',
  );
  const photo = picture(64, 48, 3);
  await ann.call('messages.sendAttachment', {
    chatId: annChat.id,
    name: 'after.png',
    mime: 'image/png',
    dataBase64: photo.toString('base64'),
  });
  await backAgain;
  const items = await outboxSettled(ann);
  assert.deepEqual(
    items
      .sort((a, b) => a.id - b.id)
      .slice(before)
      .map((i) => [i.op, i.attempts >= 2]),
    [
      ['send', true],
      ['sendAttachment', true],
    ],
    'each was tried again after the crash (more than once while the server was down)',
  );
  assert.ok(
    items.every((i) => i.state === 'sent'),
    JSON.stringify(items),
  );

  const stored = server.store.chatMessages(chatId);
  assert.equal(stored.filter((m) => m.text === 'through a restart').length, 1, 'posted once');
  const withFile = stored.filter((m) => m.attachments.length > 0);
  assert.equal(withFile.length, 1, 'the attachment posted once');
  const media = withFile[0]!.attachments[0]!;
  assert.deepEqual(server.store.files.get(`${media.id}.png`), photo);
  assert.ok(
    server.store.files.has(`${media.id}-preview.png`),
    'and its preview, after the restart',
  );

  await waitFor('Bobby has both, once each', () => {
    const got = bob.messages(chatId);
    return got.filter((m) => m.body === 'through a restart').length === 1 &&
      got.filter((m) => m.kind === 'image').length === 1
      ? true
      : null;
  });
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(ann.messages(chatId).filter((m) => m.body === 'through a restart').length, 1);
  assert.equal(bob.messages(chatId).length, 3, 'nothing doubled (the welcome and the two)');
});

test('a truncated or misshapen websocket frame fails that live run with a clear reason; live resumes', async () => {
  const chatId = await group('cyril', ['bobby', 'dorian'], 'Broken frames');
  await waitFor('Bobby sees the chat', () => chatOf(bob, chatId));
  const logged = bob.log.length;
  const whole = Buffer.from(JSON.stringify({ event: 'message', source: '1', payload: { id: 1 } }));
  assert.ok(server.hub.sendRaw(uid('bobby'), whole.subarray(0, whole.length - 7)) > 0);
  await waitFor('the truncated frame is named in the log', () =>
    bob.log.slice(logged).find((l) => /websocket: a frame is not JSON/.test(l)),
  );
  // Sent again until the new socket has it (the server may still hold the old one).
  await waitFor('the misshapen one is named too', () => {
    server.hub.sendRaw(uid('bobby'), whole);
    return bob.log.slice(logged).find((l) => /websocket: unexpected message payload/.test(l));
  });
  await as('cyril', 'POST', `/chats/${chatId}/messages`, {
    localId: crypto.randomUUID(),
    text: 'after the broken frames',
  });
  await waitFor('live again: the next message arrives', () =>
    bob.messages(chatId).find((m) => m.body === 'after the broken frames'),
  );
  assert.notEqual(bob.daemon.store.accounts.get(bob.account.id)?.status, 'error');
});
