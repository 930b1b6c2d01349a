// The Matrix connector against a real Synapse (one for the whole file): two
// users, each with their own Parley daemon, converse and every feature
// round-trips through the server and back into the other's store.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Synapse, waitFor, type RegisteredUser } from '../servers/synapse/harness.js';
import { addMatrixAccount, cliRunner } from '../helpers/cli.js';
import { ParleyUser } from '../servers/synapse/parley.js';
import { connectorContext, noBlobs } from '../../main/daemon/connectors/context.js';

let synapse: Synapse;
let ann: RegisteredUser;
let bo: RegisteredUser;
const C = '/_matrix/client/v3';
const open: ParleyUser[] = [];

before(async () => {
  synapse = await Synapse.start();
  ann = await synapse.register('ann');
  bo = await synapse.register('bo');
  await synapse.api(
    ann.accessToken,
    'PUT',
    `${C}/profile/${encodeURIComponent(ann.userId)}/displayname`,
    { displayname: 'Ann' },
  );
  await synapse.api(
    bo.accessToken,
    'PUT',
    `${C}/profile/${encodeURIComponent(bo.userId)}/displayname`,
    { displayname: 'Bo' },
  );
});

after(async () => {
  for (const p of open) await p.close().catch(() => undefined);
  await synapse?.stop();
});

async function signIn(user: RegisteredUser, options = {}) {
  const p = await ParleyUser.signIn(synapse, user, options);
  open.push(p);
  return p;
}

/** A room Bo creates and Ann joins (over the raw API: setup, not the feature under test). */
async function sharedRoom(name: string | null, extra: Record<string, unknown> = {}) {
  return synapse.sharedRoom(bo, ann, { ...(name ? { name } : {}), ...extra });
}

const boSends = (roomId: string, content: Record<string, unknown>, type = 'm.room.message') =>
  synapse.send(bo, roomId, content, type);

test('two users converse: rooms, every message kind, sends with local echo, live updates', async () => {
  const roomId = await sharedRoom('Project', { topic: 'Planning the launch' });
  const dmId = await sharedRoom(null, { is_direct: true });
  await synapse.api(
    ann.accessToken,
    'PUT',
    `${C}/user/${encodeURIComponent(ann.userId)}/account_data/m.direct`,
    { [bo.userId]: [dmId] },
  );
  await boSends(roomId, {
    msgtype: 'm.text',
    body: 'hello *world*',
    format: 'org.matrix.custom.html',
    formatted_body: 'hello <em>world</em>',
  });

  const a = await signIn(ann);
  const b = await signIn(bo);
  await waitFor('Ann sees the room with its first message', () =>
    a.bodies(roomId).includes('hello *world*'),
  );
  const chat = a.chat(roomId)!;
  assert.equal(chat.name, 'Project');
  assert.equal(chat.topic, 'Planning the launch');
  assert.equal(chat.kind, 'group');
  await waitFor(
    'the DM is direct and named after Bo',
    () => a.chat(dmId)?.kind === 'direct' && a.chat(dmId)?.name === 'Bo',
  );
  const first = a.messages(roomId).find((m) => m.body === 'hello *world*')!;
  assert.equal(first.html, 'hello <em>world</em>');
  assert.equal(first.senderName, 'Bo');
  assert.ok(
    a.bodies(roomId, 'system').some((b) => b === 'Ann joined'),
    `membership as system messages: ${a.bodies(roomId, 'system').join(' | ')}`,
  );
  const self = a.daemon.store.db
    .prepare(`SELECT remote_id, display_name FROM people WHERE is_self = 1`)
    .get();
  assert.deepEqual(self, { remote_id: ann.userId, display_name: 'Ann' });

  // Live: every message kind Bo sends arrives while Ann's daemon long-polls.
  const kinds: [string, Record<string, unknown>][] = [
    ['notice', { msgtype: 'm.notice', body: 'build passed' }],
    ['emote', { msgtype: 'm.emote', body: 'waves' }],
    [
      'image',
      {
        msgtype: 'm.image',
        body: 'cat.png',
        url: 'mxc://localhost/cat',
        info: { mimetype: 'image/png', size: 12, w: 4, h: 3 },
      },
    ],
    [
      'file',
      {
        msgtype: 'm.file',
        body: 'plan.pdf',
        url: 'mxc://localhost/plan',
        info: { mimetype: 'application/pdf', size: 99 },
      },
    ],
    [
      'audio',
      {
        msgtype: 'm.audio',
        body: 'memo.ogg',
        url: 'mxc://localhost/memo',
        info: { mimetype: 'audio/ogg' },
      },
    ],
    [
      'video',
      {
        msgtype: 'm.video',
        body: 'clip.mp4',
        url: 'mxc://localhost/clip',
        info: { mimetype: 'video/mp4' },
      },
    ],
    ['location', { msgtype: 'm.location', body: 'Big Ben', geo_uri: 'geo:51.5008,0.1247' }],
  ];
  for (const [, content] of kinds) await boSends(roomId, content);
  await waitFor('every kind arrives live', () => a.bodies(roomId).includes('Big Ben'));
  for (const [kind, content] of kinds) {
    const m = a.messages(roomId).find((x) => x.body === content.body)!;
    assert.equal(m.kind, kind, `${content.body} is ${kind}`);
  }
  const image = a.messages(roomId).find((m) => m.body === 'cat.png')!;
  assert.deepEqual(
    image.attachments.map((x) => [x.name, x.mime, x.size]),
    [['cat.png', 'image/png', 12]],
  );

  // Ann answers through Parley: a local echo at once, then the server's copy adopts it.
  const aChat = a.chat(roomId)!;
  const sent = await a.call('messages.send', { chatId: aChat.id, body: 'On it, @Bo' });
  assert.ok(
    a.daemon.store.read.messagesById([sent.messageId])[0]!.outboxState !== null,
    'local echo while pending',
  );
  await waitFor('Bo sees Ann’s answer', async () => {
    await waitFor('Bo has the room', () => b.chat(roomId));
    return b.bodies(roomId).includes('On it, @Bo');
  });
  await waitFor('Ann’s echo is confirmed', () => {
    const mine = a.messages(roomId).filter((m) => m.body === 'On it, @Bo');
    return (
      mine.length === 1 &&
      mine[0]!.remoteId?.startsWith('$') &&
      mine[0]!.outboxState === null &&
      a.daemon.store.outbox.get(sent.outboxId)?.state === 'sent'
    );
  });
  // Bo sees the message once, from Ann, in order after Big Ben.
  const bBodies = b.bodies(roomId);
  assert.equal(bBodies.filter((x) => x === 'On it, @Bo').length, 1);
  assert.ok(bBodies.indexOf('On it, @Bo') > bBodies.indexOf('Big Ben'));
});

test('timeline semantics round-trip: edits, reactions, deletions, replies, threads, mentions, read markers', async () => {
  const roomId = await sharedRoom('Semantics');
  const a = await signIn(ann);
  const b = await signIn(bo);
  await waitFor('both see the room', () => a.chat(roomId) && b.chat(roomId));
  const aChat = () => a.chat(roomId)!;
  const bChat = () => b.chat(roomId)!;
  const byBody = (p: ParleyUser, body: string) => p.messages(roomId).find((m) => m.body === body);

  // Bo writes through Parley; Ann edits her own message, reacts, replies, threads.
  await b.call('messages.send', { chatId: bChat().id, body: 'first draft' });
  const original = await waitFor('Ann sees Bo’s message', () => byBody(a, 'first draft'));
  const mine = await a.call('messages.send', { chatId: aChat().id, body: 'typo hree' });
  const mineRemote = await waitFor(
    'Ann’s message confirmed',
    () => a.daemon.store.read.messagesById([mine.messageId])[0]?.remoteId,
  );
  const mineId = a.messages(roomId).find((m) => m.remoteId === mineRemote)!.id;
  await a.call('messages.edit', { messageId: mineId, body: 'typo here' });
  await waitFor('Bo sees the edit, latest text, marked edited', () => {
    const m = b.messages(roomId).find((x) => x.remoteId === mineRemote);
    return m?.body === 'typo here' && m.edited;
  });
  const bMine = b.messages(roomId).find((x) => x.remoteId === mineRemote)!;
  const history = b.daemon.store.db
    .prepare(`SELECT body FROM message_revisions WHERE message_id = ?`)
    .pluck()
    .all(bMine.id);
  assert.deepEqual(history, ['typo hree'], 'the edit history is kept');
  assert.equal(
    b.bodies(roomId).filter((x) => x.includes('typo')).length,
    1,
    'an edit is not a new message',
  );

  await a.call('messages.react', { messageId: original.id, key: '👍' });
  await waitFor('Bo sees Ann’s reaction', () =>
    byBody(b, 'first draft')?.reactions.some((r) => r.key === '👍' && r.count === 1 && !r.mine),
  );
  await waitFor('Ann sees her own reaction', () =>
    byBody(a, 'first draft')?.reactions.some((r) => r.key === '👍' && r.mine),
  );
  await a.call('messages.react', { messageId: original.id, key: '👍', remove: true });
  await waitFor(
    'the reaction is gone on both sides',
    () =>
      byBody(b, 'first draft')?.reactions.length === 0 &&
      byBody(a, 'first draft')?.reactions.length === 0,
  );

  // Bo reacts back; a reply and a thread reply; a mention of Ann.
  const bOriginal = byBody(b, 'first draft')!;
  await b.call('messages.react', {
    messageId: b.messages(roomId).find((m) => m.remoteId === mineRemote)!.id,
    key: '🎉',
  });
  await waitFor(
    'Ann sees Bo’s reaction',
    () => a.messages(roomId).find((m) => m.remoteId === mineRemote)?.reactions[0]?.key === '🎉',
  );
  await b.call('messages.send', {
    chatId: bChat().id,
    body: 'replying',
    replyToMessageId: bOriginal.id,
  });
  const reply = await waitFor('Ann sees the reply', () => byBody(a, 'replying'));
  assert.equal(reply.replyToRemoteId, original.remoteId);
  await boSends(roomId, {
    msgtype: 'm.text',
    body: 'in a thread',
    'm.relates_to': {
      rel_type: 'm.thread',
      event_id: original.remoteId,
      is_falling_back: true,
      'm.in_reply_to': { event_id: original.remoteId },
    },
  });
  const threaded = await waitFor('Ann sees the thread reply', () => byBody(a, 'in a thread'));
  assert.equal(threaded.threadRootRemoteId, original.remoteId);
  assert.equal(threaded.replyToRemoteId, null, 'a falling-back reply is not a reply');

  const unreadBefore = aChat().mentionCount;
  await boSends(roomId, {
    msgtype: 'm.text',
    body: 'Ann, can you look?',
    'm.mentions': { user_ids: [ann.userId] },
  });
  await boSends(roomId, { msgtype: 'm.text', body: 'ping @ann:localhost' });
  await waitFor('mentions of Ann count', () => aChat().mentionCount >= unreadBefore + 2);
  const mentions = a.daemon.store.db
    .prepare(`SELECT body FROM messages WHERE chat_id = ? AND mentions_self = 1 ORDER BY id`)
    .pluck()
    .all(aChat().id);
  assert.deepEqual(mentions, ['Ann, can you look?', 'ping @ann:localhost']);

  // Bo deletes his message: gone for Ann too.
  await b.call('messages.delete', { messageId: byBody(b, 'replying')!.id });
  await waitFor(
    'the deletion reaches Ann',
    () => a.messages(roomId).find((m) => m.remoteId === reply.remoteId)?.deleted,
  );

  // Room changes and an encrypted event (Parley has no keys: a placeholder).
  await synapse.api(
    bo.accessToken,
    'PUT',
    `${C}/rooms/${encodeURIComponent(roomId)}/state/m.room.topic/`,
    { topic: 'Now with a topic' },
  );
  await synapse.api(
    bo.accessToken,
    'PUT',
    `${C}/rooms/${encodeURIComponent(roomId)}/state/m.room.name/`,
    { name: 'Semantics 2' },
  );
  await boSends(
    roomId,
    {
      algorithm: 'm.megolm.v1.aes-sha2',
      ciphertext: 'AwgA',
      sender_key: 'x',
      session_id: 'y',
      device_id: 'D',
    },
    'm.room.encrypted',
  );
  await waitFor(
    'the room changes show',
    () => aChat().name === 'Semantics 2' && aChat().topic === 'Now with a topic',
  );
  const system = a.bodies(roomId, 'system');
  assert.ok(system.includes('Bo changed the topic to Now with a topic'), system.join(' | '));
  assert.ok(system.includes('Bo changed the room name to Semantics 2'));
  await waitFor('an encrypted placeholder', () =>
    a.messages(roomId).some((m) => m.kind === 'encrypted'),
  );

  // Ann reads up to the newest message: her read marker reaches the server, Bo's
  // Parley account on another daemon sees nothing change, and Ann's own second
  // device (a fresh profile) starts with the chat read.
  const newest = a
    .messages(roomId)
    .filter((m) => m.remoteId)
    .at(-1)!;
  await a.call('chats.markRead', { chatId: aChat().id, messageId: newest.id });
  await waitFor('the read marker reached the server', async () => {
    const r = await synapse
      .api<{ event_id?: string }>(
        ann.accessToken,
        'GET',
        `${C}/user/${encodeURIComponent(ann.userId)}/rooms/${encodeURIComponent(roomId)}/account_data/m.fully_read`,
      )
      .catch(() => ({}));
    return (r as { event_id?: string }).event_id === newest.remoteId;
  });
  const second = await signIn(ann);
  await waitFor(
    'a second device starts with the chat read',
    () => second.chat(roomId)?.unreadCount === 0 && second.messages(roomId).length > 0,
  );
  await second.close();
});

test('a room with more history than the initial sync backfills completely, across a daemon restart mid-sync', async () => {
  const roomId = await sharedRoom('History');
  const total = 60;
  for (let i = 1; i <= total; i++)
    await boSends(roomId, { msgtype: 'm.text', body: `history ${i}` });
  const expected = Array.from({ length: total }, (_, i) => `history ${i + 1}`);

  // Timeline limit 10, pages of 7: the initial sync has the newest 10, backfill the rest.
  const first = ParleyUser.open({ pageSize: 7 });
  const history = () => first.bodies(roomId).filter((b) => b.startsWith('history '));
  let initialCount = 0;
  let closing: Promise<void> | null = null;
  first.daemon.subscribe((e) => {
    if (e.name !== 'messages.upserted' || closing) return;
    const n = history().length;
    if (initialCount === 0) initialCount = n;
    else if (n > initialCount) closing = first.daemon.close(); // mid-backfill: one page in
  });
  // Message deltas come only for watched timelines: this test follows them all.
  await first.call('timeline.watch', { watcher: 'test', chatIds: 'all' });
  await first.call('accounts.add', {
    protocol: 'matrix',
    server: synapse.url,
    username: ann.localpart,
    password: ann.password,
  });
  await waitFor('the daemon stopped after one backfill page', () => closing !== null);
  await closing;
  const store = (await import('../../main/daemon/store/store.js')).Store.open(first.profileDir);
  const partial = store.db
    .prepare(`SELECT count(*) FROM messages WHERE body LIKE 'history %'`)
    .pluck()
    .get() as number;
  store.close();
  assert.ok(
    partial > initialCount && partial < total,
    `stopped mid-sync (${initialCount} → ${partial} of ${total})`,
  );

  // Restart on the same profile: it resumes from the committed cursors.
  const again = ParleyUser.open({
    profileDir: first.profileDir,
    secrets: first.secrets,
    pageSize: 7,
  });
  open.push(again);
  again.accountId = again.daemon.store.accounts.list()[0]!.id;
  await again.daemon.start();
  await waitFor(
    'all history arrives',
    () => again.bodies(roomId).filter((b) => b.startsWith('history ')).length >= total,
  );
  assert.deepEqual(
    again.bodies(roomId).filter((b) => b.startsWith('history ')),
    expected,
    'complete, in order, no duplicates',
  );
  await waitFor(
    'the backfill cursor is done',
    () => again.daemon.store.writer.cursor(again.accountId, `backfill:${roomId}`) === 'done',
  );
  const system = again.bodies(roomId, 'system');
  assert.equal(system[0], 'Bo created the room', 'backfill reached the room’s start');
});

test('Synapse killed during a send: delivered exactly once after it returns', async () => {
  const roomId = await sharedRoom('Crash');
  const a = await signIn(ann);
  const b = await signIn(bo);
  await waitFor('both see the room', () => a.chat(roomId) && b.chat(roomId));
  synapse.freeze();
  const sent = await a.call('messages.send', {
    chatId: a.chat(roomId)!.id,
    body: 'survives a crash',
  });
  await waitFor(
    'the send is in flight',
    () => a.daemon.store.outbox.get(sent.outboxId)?.state === 'sending',
  );
  await synapse.kill();
  await waitFor(
    'the send failed and waits to retry',
    () => (a.daemon.store.outbox.get(sent.outboxId)?.lastError ?? '') !== '',
  );
  await synapse.restart();
  await waitFor(
    'delivered',
    () => a.daemon.store.outbox.get(sent.outboxId)?.state === 'sent',
    30_000,
  );
  await waitFor('Bo sees it', () => b.bodies(roomId).includes('survives a crash'), 30_000);
  // A retry with the same key (a response lost after the server committed) returns the same event.
  const entry = a.daemon.store.outbox.get(sent.outboxId)!;
  const { MatrixConnector } = await import('../../main/daemon/connectors/matrix/connector.js');
  const secret = [...a.secrets.map.values()][0]!;
  const ctx = connectorContext({
    account: a.account(),
    secret,
    cursor: () => null,
    openBlob: noBlobs,
    signal: new AbortController().signal,
    log: () => undefined,
  });
  const again = await new MatrixConnector().perform(ctx, entry.operation!, entry.idempotencyKey);
  assert.equal(again.remoteId, entry.remoteId, 'the txnId makes the retry idempotent');
  const onServer = await synapse.api<{ chunk: { content: { body?: string } }[] }>(
    bo.accessToken,
    'GET',
    `${C}/rooms/${encodeURIComponent(roomId)}/messages?dir=b&limit=50`,
  );
  assert.equal(
    onServer.chunk.filter((e) => e.content.body === 'survives a crash').length,
    1,
    'exactly one copy on the server',
  );
  assert.equal(b.bodies(roomId).filter((x) => x === 'survives a crash').length, 1);
  assert.equal(a.bodies(roomId).filter((x) => x === 'survives a crash').length, 1);
});

test('a 429 is honoured: rate-limited sends wait for retry_after_ms and all arrive exactly once', async () => {
  const admin = await synapse.register('admin', 'pw-admin', true);
  const cy = await synapse.register('cy');
  // A low message rate for this user only (Synapse's per-user rc_message override).
  await synapse.api(
    admin.accessToken,
    'POST',
    `/_synapse/admin/v1/users/${encodeURIComponent(cy.userId)}/override_ratelimit`,
    {
      messages_per_second: 1,
      burst_count: 1,
    },
  );
  const { room_id: roomId } = await synapse.api<{ room_id: string }>(
    cy.accessToken,
    'POST',
    `${C}/createRoom`,
    { name: 'Slow' },
  );
  const c = await signIn(cy);
  await waitFor('Cy sees the room', () => c.chat(roomId));
  const bodies = ['one', 'two', 'three', 'four'];
  for (const body of bodies) await c.call('messages.send', { chatId: c.chat(roomId)!.id, body });
  await waitFor(
    'all sent',
    () => c.daemon.store.outbox.list().every((e) => e.state === 'sent'),
    30_000,
  );
  assert.ok(
    c.logs.some((l) => /will retry: RateLimitedError/.test(l)),
    `a 429 happened and was retried: ${c.logs.join('\n')}`,
  );
  const onServer = await synapse.api<{ chunk: { type: string; content: { body?: string } }[] }>(
    cy.accessToken,
    'GET',
    `${C}/rooms/${encodeURIComponent(roomId)}/messages?dir=f&limit=50`,
  );
  // Exactly once each, and in the order they were written, retries and all.
  assert.deepEqual(
    onServer.chunk.filter((e) => e.type === 'm.room.message').map((e) => e.content.body),
    bodies,
  );
});

test('a revoked token pauses the account with "sign in again" and loses nothing', async () => {
  const roomId = await sharedRoom('Before logout');
  await boSends(roomId, { msgtype: 'm.text', body: 'kept' });
  const a = await signIn(ann);
  await waitFor('synced', () => a.bodies(roomId).includes('kept'));
  const { accessToken } = JSON.parse([...a.secrets.map.values()][0]!) as { accessToken: string };
  await synapse.api(accessToken, 'POST', `${C}/logout`, {});
  await waitFor('the account is signed out', () => a.account().status === 'signed_out', 30_000);
  assert.match(a.account().statusDetail ?? '', /sign in again/i);
  assert.ok(a.bodies(roomId).includes('kept'), 'nothing lost');
});

test('removing the account logs its session out and forgets the token', async () => {
  const roomId = await sharedRoom('Leaving');
  const a = await signIn(ann);
  await waitFor('synced', () => a.chat(roomId));
  const { accessToken } = JSON.parse([...a.secrets.map.values()][0]!) as { accessToken: string };
  const { removed } = await a.call('accounts.remove', { accountId: a.accountId });
  assert.equal(removed, true);
  assert.equal(a.secrets.map.size, 0, 'the keychain entry is gone');
  assert.deepEqual(a.daemon.store.read.chats(), [], 'its chats are gone');
  await assert.rejects(
    synapse.api(accessToken, 'GET', `${C}/account/whoami`),
    /M_UNKNOWN_TOKEN|401/,
    'the old token no longer works on the server',
  );
});

test('the CLI adds a Matrix account (password on stdin) and syncs it', async () => {
  const roomId = await sharedRoom('From the CLI');
  await boSends(roomId, { msgtype: 'm.text', body: 'hello terminal' });
  const { tempDir } = await import('../helpers/fixtures.js');
  const { dir, cleanup } = tempDir('parley-matrix-cli-');
  const parley = cliRunner('source', dir);
  try {
    const add = addMatrixAccount(parley, synapse.url, ann);
    assert.equal(add.code, 0, add.stderr);
    const sync = parley(['sync', '--once']);
    assert.equal(sync.code, 0, sync.stderr);
    const chats = JSON.parse(parley(['chats', '--json']).stdout) as { name: string; id: number }[];
    const chat = chats.find((c) => c.name === 'From the CLI');
    assert.ok(chat, `the room is listed: ${chats.map((c) => c.name).join(', ')}`);
    const messages = parley(['messages', String(chat.id), '--json']);
    assert.match(messages.stdout, /hello terminal/);
  } finally {
    cleanup();
  }
});

test('a malformed server response fails that batch with a logged reason; the daemon lives on', async () => {
  const roomId = await sharedRoom('After the glitch');
  await boSends(roomId, { msgtype: 'm.text', body: 'still arrives' });
  // A loopback relay in front of the real Synapse that garbles the first /sync answer.
  const { createServer } = await import('node:http');
  let garbled = 0;
  const relay = createServer((req, res) => void forward(req, res).catch(() => res.destroy()));
  const forward = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    if (req.url?.startsWith('/_matrix/client/v3/sync') && garbled === 0) {
      garbled++;
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end('{"next_batch": 42, "rooms": "nope"}');
      return;
    }
    const upstream = await fetch(synapse.url + req.url, {
      method: req.method,
      headers: {
        ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
        'content-type': 'application/json',
      },
      body: chunks.length ? Buffer.concat(chunks) : undefined,
    });
    res.writeHead(upstream.status, {
      'content-type': upstream.headers.get('content-type') ?? 'application/json',
    });
    res.end(Buffer.from(await upstream.arrayBuffer()));
  };
  await new Promise<void>((r) => relay.listen(0, '127.0.0.1', r));
  const port = (relay.address() as { port: number }).port;
  const p = ParleyUser.open();
  try {
    const account = await p.call('accounts.add', {
      protocol: 'matrix',
      server: `http://127.0.0.1:${port}`,
      username: 'ann',
      password: ann.password,
    });
    p.accountId = account.id;
    await waitFor(
      'the sync recovers and delivers',
      () => p.bodies(roomId).includes('still arrives'),
      30_000,
    );
    assert.equal(garbled, 1);
    assert.ok(
      p.logs.some((l) =>
        /sync failed \(attempt 1\): ProtocolError: malformed GET \/_matrix\/client\/v3\/sync answer: next_batch/.test(
          l,
        ),
      ),
      p.logs.join('\n'),
    );
  } finally {
    await p.close();
    relay.closeAllConnections();
    relay.close();
  }
});
