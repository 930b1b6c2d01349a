// The JMAP Chat connector against the reference server (test/servers/jmap-chat)
// on a random loopback port: two users, each with their own Parley daemon.
// Polling is set to an hour, so whatever arrives live arrived by push.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { JmapChatOptions } from '../../main/daemon/connectors/jmap-chat/connector.js';
import { startJmapChatServer, type JmapChatServer } from '../servers/jmap-chat/server.js';
import { encodePng } from '../servers/jmap-chat/png.js';
import { waitFor } from '../helpers/fixtures.js';
import { signInChatUser, type ChatUser } from '../servers/jmap-chat/parleyUser.js';

type User = ChatUser;

let server: JmapChatServer;
const users: User[] = [];

async function signIn(login: string, password: string, options: JmapChatOptions = {}) {
  const u = await signInChatUser(server, login, password, options);
  users.push(u);
  return u;
}

before(async () => {
  server = await startJmapChatServer({
    users: [
      { login: 'ann', password: 'ann-pw', displayName: 'Ann' },
      { login: 'bo', password: 'bo-pw', displayName: 'Bo' },
    ],
  });
});

after(async () => {
  for (const u of users) await u.close();
  await server?.close();
});

const serverMessages = (chatId: string) => server.store.messagesByChat.get(chatId) ?? [];

test('two users converse over push: direct chat, mentions, replies in threads, reactions, edits, deletions, read positions', async () => {
  const ann = await signIn('ann', 'ann-pw');
  const bo = await signIn('bo', 'bo-pw');
  const { id: chatId } = (await ann.connector.act(ann.ctx, {
    action: 'createDirect',
    contactId: 'bo',
  })) as { id: string };
  // A second create is deduplicated by contact.
  const again = await bo.connector.act(bo.ctx, { action: 'createDirect', contactId: 'ann' });
  assert.equal(again.id, chatId);
  const boChat = await waitFor('Bo sees the direct chat named after Ann', () =>
    bo.chat(chatId)?.name === 'Ann' ? bo.chat(chatId) : null,
  );
  assert.equal(boChat.kind, 'direct');
  const annChat = await waitFor('Ann sees it too', () => ann.chat(chatId));

  const sent = Date.now();
  await ann.call('messages.send', { chatId: annChat.id, body: 'hello @bo' });
  const hello = await waitFor('Bo receives the message by push', () =>
    bo.messages(chatId).find((m) => m.body === 'hello @bo'),
  );
  assert.ok(Date.now() - sent < 5000);
  assert.equal(hello.senderName, 'Ann');
  const mentioned = bo.daemon.store.db
    .prepare(`SELECT mentions_self FROM messages WHERE id = ?`)
    .pluck()
    .get(hello.id);
  assert.equal(mentioned, 1, 'the @bo mention reaches Bo');
  // Ann's local echo became the server's message (no duplicate).
  await waitFor('Ann has exactly one copy', () => {
    const mine = ann.messages(chatId).filter((m) => m.body === 'hello @bo');
    return mine.length === 1 && mine[0]!.remoteId !== null && mine[0]!.outboxState !== 'pending';
  });

  // Reply → a thread rooted at the first message.
  await bo.call('messages.send', { chatId: boChat.id, body: 'hi Ann', replyToMessageId: hello.id });
  const reply = await waitFor('Ann receives the reply', () =>
    ann.messages(chatId).find((m) => m.body === 'hi Ann'),
  );
  assert.equal(reply.replyToRemoteId, hello.remoteId);
  assert.equal(reply.threadRootRemoteId, hello.remoteId);

  // Reactions: add, then remove.
  await bo.call('messages.react', { messageId: hello.id, key: '👍' });
  await waitFor('Ann sees Bo’s reaction', () =>
    ann
      .messages(chatId)
      .find((m) => m.body === 'hello @bo')
      ?.reactions.some((r) => r.key === '👍'),
  );
  await bo.call('messages.react', { messageId: hello.id, key: '👍', remove: true });
  await waitFor(
    'the reaction goes away',
    () => ann.messages(chatId).find((m) => m.remoteId === hello.remoteId)?.reactions.length === 0,
  );

  // Edit and delete (author only).
  const annHello = ann.messages(chatId).find((m) => m.remoteId === hello.remoteId)!;
  await ann.call('messages.edit', { messageId: annHello.id, body: 'hello @bo, edited' });
  await waitFor('Bo sees the edit', () => {
    const m = bo.messages(chatId).find((x) => x.remoteId === hello.remoteId);
    return m?.body === 'hello @bo, edited' && m.edited;
  });
  await ann.call('messages.delete', { messageId: annHello.id });
  await waitFor(
    'Bo sees the deletion',
    () => bo.messages(chatId).find((x) => x.remoteId === hello.remoteId)?.deleted,
  );

  // Read position: Bo reads up to the newest message; the server's unreadCount follows.
  const newest = bo.messages(chatId)[0]!;
  await bo.call('chats.markRead', { chatId: boChat.id, messageId: newest.id });
  await waitFor('the server has Bo’s read position', () => {
    const c = server.store.chats.get(chatId)!;
    return server.store.unreadCount(c, 'bo') === 0;
  });

  // Every write was delivered once: two messages on the server, outboxes empty.
  assert.equal(serverMessages(chatId).length, 2);
  await waitFor('both outboxes are done', () =>
    [ann, bo].every((u) =>
      u.daemon.store.outbox.list(u.account.id).every((e) => e.state === 'sent'),
    ),
  );
});

test('spaces with channels, invites, bans; attachments with server thumbnails; presence and blocking', async () => {
  const [ann, bo] = users as [User, User];
  const { id: spaceId } = (await ann.connector.act(ann.ctx, {
    action: 'createSpace',
    name: 'Team',
  })) as { id: string };
  await ann.connector.act(ann.ctx, {
    action: 'updateSpace',
    spaceId,
    patch: {
      addCategories: [{ name: 'Work' }],
      addChannels: [{ name: 'general', topic: 'Everything' }],
    },
  });
  const invite = (await ann.connector.act(ann.ctx, {
    action: 'createInvite',
    spaceId,
    maxUses: 1,
  })) as {
    created: { code: string };
  };
  await bo.connector.act(bo.ctx, { action: 'joinSpace', inviteCode: invite.created.code });
  const general = await waitFor('Bo sees the channel', () =>
    bo.chats().find((c) => c.kind === 'channel' && c.name === 'general'),
  );
  assert.equal(general.topic, 'Everything');
  const spaceRow = bo.daemon.store.db
    .prepare(`SELECT name, kind FROM spaces WHERE remote_id = ? AND account_id = ?`)
    .get(spaceId, bo.account.id);
  assert.deepEqual(spaceRow, { name: 'Team', kind: 'space' });
  assert.equal(general.spaceId !== null, true);

  // An image attachment: Bo receives it, fetches it, and asks the server for a thumbnail.
  const w = 64;
  const h = 32;
  const pixels = new Uint8Array(w * h * 4).fill(200);
  const png = encodePng({ width: w, height: h, data: pixels });
  const annGeneral = await waitFor('Ann sees the channel', () => ann.chat(general.remoteId));
  await ann.call('messages.sendAttachment', {
    chatId: annGeneral.id,
    name: 'pic.png',
    mime: 'image/png',
    dataBase64: png.toString('base64'),
    body: 'a picture',
  });
  const pic = await waitFor('Bo receives the picture', () =>
    bo.messages(general.remoteId).find((m) => m.attachments.length === 1),
  );
  assert.equal(pic.attachments[0]!.name, 'pic.png');
  const full = await bo.call<{ size: number }>('attachments.fetch', {
    attachmentId: pic.attachments[0]!.id,
  });
  assert.equal(full.size, png.length);
  const thumb = await bo.call<{ sha256: string; mime: string }>('attachments.thumbnail', {
    attachmentId: pic.attachments[0]!.id,
    width: 16,
    height: 16,
  });
  assert.equal(thumb.mime, 'image/png');
  const thumbBytes = await new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    bo.daemon.store.blobs
      .open(thumb.sha256)
      .on('data', (c: Buffer) => chunks.push(c))
      .on('end', () => resolve(Buffer.concat(chunks)))
      .on('error', reject);
  });
  assert.equal(thumbBytes.readUInt32BE(16), 16, 'the server really resized: width 16');
  assert.equal(thumbBytes.readUInt32BE(20), 8, 'height 8 keeps the aspect ratio');

  // Bans: Ann bans Bo; the channel leaves Bo's store.
  await ann.connector.act(ann.ctx, { action: 'ban', spaceId, userId: 'bo', reason: 'test' });
  await waitFor('the channel is gone for Bo', () => !bo.chat(general.remoteId));
  const bans = await bo.connector.list(bo.ctx, 'SpaceBan');
  assert.equal(bans.length, 1, 'a banned user sees their own ban');

  // Presence and blocking reach the server; quotas are readable.
  await bo.call('presence.set', {
    accountId: bo.account.id,
    presence: 'unavailable',
    statusMsg: 'lunch',
  });
  assert.equal(server.store.presence.get('bo')?.presence, 'away');
  await ann.connector.act(ann.ctx, { action: 'block', contactId: 'bo', blocked: true });
  const contacts = await ann.connector.list(ann.ctx, 'ChatContact');
  assert.equal(contacts.find((c) => c.id === 'bo')?.blocked, true);
  const quotas = await ann.connector.quotas(ann.ctx);
  assert.ok(quotas.some((q) => q.resourceType === 'count' && (q.used as number) >= 1));
  await ann.connector.act(ann.ctx, { action: 'block', contactId: 'bo', blocked: false });
});

test('a dropped push connection resumes from the last state with nothing lost', async () => {
  const [ann, bo] = users as [User, User];
  const chatId = [...server.store.chats.values()].find((c) => c.kind === 'direct')!.id;
  const boChat = bo.chat(chatId)!;
  await waitFor('both have push connections', () => server.pushConnectionCount() >= 2);
  assert.ok(server.dropPushConnections() >= 2);
  // Written while Ann's push channel is down.
  await bo.call('messages.send', { chatId: boChat.id, body: 'while you were away' });
  await waitFor('Ann gets it after the reconnect', () =>
    ann.messages(chatId).some((m) => m.body === 'while you were away'),
  );
});

test('cannotCalculateChanges triggers a clean resync', async () => {
  const [ann, bo] = users as [User, User];
  const chatId = [...server.store.chats.values()].find((c) => c.kind === 'direct')!.id;
  server.expireChanges();
  await bo.call('messages.send', { chatId: bo.chat(chatId)!.id, body: 'after the states expired' });
  await waitFor('Ann resyncs and has the new message', () =>
    ann.messages(chatId).some((m) => m.body === 'after the states expired'),
  );
  const copies = ann.messages(chatId).filter((m) => m.body === 'hi Ann');
  assert.equal(copies.length, 1, 'the resync upserts, never duplicates');
});

test('rateLimited is honoured: the outbox waits for serverRetryAfter and never duplicates', async () => {
  const [ann, bo] = users as [User, User];
  const chatId = [...server.store.chats.values()].find((c) => c.kind === 'direct')!.id;
  server.setMessageRate({ max: 2, windowMs: 1500 });
  try {
    const annChat = ann.chat(chatId)!;
    for (let i = 0; i < 5; i++)
      await ann.call('messages.send', { chatId: annChat.id, body: `flood ${i}` });
    await waitFor(
      'every flood message reaches Bo',
      () => [0, 1, 2, 3, 4].every((i) => bo.messages(chatId).some((m) => m.body === `flood ${i}`)),
      15_000,
    );
    const entries = ann.daemon.store.outbox.list(ann.account.id).filter((e) => e.op === 'send');
    assert.ok(
      entries.some((e) => e.attempts > 1 && e.state === 'sent'),
      'at least one send was rate limited and retried',
    );
    for (let i = 0; i < 5; i++)
      assert.equal(serverMessages(chatId).filter((m) => m.body === `flood ${i}`).length, 1);
  } finally {
    server.setMessageRate({ max: 60, windowMs: 10_000 });
  }
});
