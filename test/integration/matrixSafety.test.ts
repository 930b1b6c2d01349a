// Matrix correctness and safety against a real Synapse: no plaintext into
// encrypted rooms, edits per the spec, relations that arrive before their
// target, and replies in threads (API and CLI).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { addMatrixAccount, cliRunner } from '../helpers/cli.js';
import { Synapse, waitFor, type RegisteredUser } from '../servers/synapse/harness.js';
import { ParleyUser } from '../servers/synapse/parley.js';
import { Store } from '../../main/daemon/store/store.js';
import { tempDir } from '../helpers/fixtures.js';

let synapse: Synapse;
let ann: RegisteredUser;
let bo: RegisteredUser;
const C = '/_matrix/client/v3';
const open: ParleyUser[] = [];
const ENCRYPTION = {
  type: 'm.room.encryption',
  state_key: '',
  content: { algorithm: 'm.megolm.v1.aes-sha2' },
};

before(async () => {
  synapse = await Synapse.start();
  ann = await synapse.register('ann');
  bo = await synapse.register('bo');
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

/** A room Bo creates and Ann joins (raw API: setup, not the feature under test). */
/** A room Bo creates and Ann joins. */
const sharedRoom = (name: string, extra: Record<string, unknown> = {}) =>
  synapse.sharedRoom(bo, ann, { name, ...extra });
/** Transaction ids for the redactions this file makes through the raw API. */
let txn = 0;
const sendAs = (user: RegisteredUser, roomId: string, content: object, type = 'm.room.message') =>
  synapse.send(user, roomId, content, type);
const text = (body: string) => ({ msgtype: 'm.text', body });

/** Events of a room as another client reads them (newest first). */
async function roomEvents(roomId: string) {
  const res = await synapse.api<{
    chunk: { event_id: string; type: string; sender: string; content: Record<string, unknown> }[];
  }>(bo.accessToken, 'GET', `${C}/rooms/${encodeURIComponent(roomId)}/messages?dir=b&limit=100`);
  return res.chunk;
}

async function threadEvents(roomId: string, rootId: string) {
  const res = await synapse.api<{ chunk: { event_id: string }[] }>(
    bo.accessToken,
    'GET',
    `/_matrix/client/v1/rooms/${encodeURIComponent(roomId)}/relations/${encodeURIComponent(rootId)}/m.thread`,
  );
  return res.chunk.map((e) => e.event_id);
}

test('without a crypto store an encrypted room refuses send, reply, edit, react and attachments at once; a write queued before the room turned encryption on never goes out', async () => {
  const secret = await sharedRoom('Secret', { initial_state: [ENCRYPTION] });
  const later = await sharedRoom('Soon secret');
  await sendAs(bo, secret, text('plain from before'));
  const a = await signIn(ann, { cryptoDir: null });
  await waitFor('Ann sees both rooms and Bo’s message', () =>
    a.bodies(secret).includes('plain from before') ? a.chat(later) : null,
  );
  assert.equal(a.chat(secret)!.encrypted, true, 'the chat says it is encrypted');
  assert.equal(a.chat(later)!.encrypted, false);

  const chatId = a.chat(secret)!.id;
  const bosMessage = a.messages(secret).find((m) => m.body === 'plain from before')!;
  const refusals = [
    await a.daemon.call('messages.send', { chatId, body: 'hello' }),
    await a.daemon.call('messages.send', {
      chatId,
      body: 'a reply',
      replyToMessageId: bosMessage.id,
    }),
    await a.daemon.call('messages.send', {
      chatId,
      body: 'in a thread',
      threadRootMessageId: bosMessage.id,
    }),
    await a.daemon.call('messages.edit', { messageId: bosMessage.id, body: 'changed' }),
    await a.daemon.call('messages.react', { messageId: bosMessage.id, key: '👍' }),
    await a.daemon.call('messages.sendAttachment', {
      chatId,
      name: 'note.txt',
      mime: 'text/plain',
      dataBase64: Buffer.from('secret notes').toString('base64'),
    }),
  ];
  for (const r of refusals) {
    assert.equal(r.ok, false);
    if (!r.ok) {
      assert.equal(r.error.code, 'encryption_unavailable');
      assert.match(r.error.message, /end-to-end encrypted/);
    }
  }
  assert.deepEqual(await a.call('outbox.list', { accountId: a.accountId }), [], 'nothing queued');
  assert.equal(
    a.messages(secret).filter((m) => m.outboxState !== null).length,
    0,
    'no local echo either',
  );

  // Queued while the room was plain (Ann's Parley closed), then Bo turns encryption on.
  const laterChatId = a.chat(later)!.id;
  await a.close(false);
  const store = Store.open(a.profileDir);
  const queued = store.outbox.enqueue(a.accountId, laterChatId, {
    op: 'send',
    chatRemoteId: later,
    body: 'must not leak',
  });
  store.close();
  await synapse.api(
    bo.accessToken,
    'PUT',
    `${C}/rooms/${encodeURIComponent(later)}/state/m.room.encryption/`,
    ENCRYPTION.content,
  );
  const again = ParleyUser.open({ profileDir: a.profileDir, secrets: a.secrets, cryptoDir: null });
  open.push(again);
  again.accountId = a.accountId;
  await again.daemon.start();
  const entry = await waitFor('the queued send fails', () => {
    const e = again.daemon.store.outbox.get(queued.id);
    return e?.state === 'failed' ? e : null;
  });
  assert.match(entry.lastError ?? '', /^encryption_unavailable: .*end-to-end encrypted/);
  await waitFor('the chat turns encrypted', () => again.chat(later)?.encrypted);
  const leaked = (await roomEvents(later)).filter((e) => e.sender === ann.userId);
  assert.deepEqual(
    leaked.filter((e) => e.type !== 'm.room.member'),
    [],
    'nothing from Ann reached the room',
  );
});

test('an edit by another user, of another event type, or of an edit is ignored, on both sides', async () => {
  const roomId = await sharedRoom('Edits');
  const a = await signIn(ann);
  const b = await signIn(bo);
  await waitFor('both see the room', () => a.chat(roomId) && b.chat(roomId));
  const { outboxId } = await a.call('messages.send', {
    chatId: a.chat(roomId)!.id,
    body: 'mine, original',
  });
  const mineId = await waitFor(
    'Ann’s message is confirmed',
    () => a.daemon.store.outbox.get(outboxId)?.remoteId,
  );
  // Ann's own edit applies.
  const mine = () => a.messages(roomId).find((m) => m.remoteId === mineId)!;
  const edit = await a.call('messages.edit', { messageId: mine().id, body: 'mine, edited' });
  const editId = await waitFor(
    'the edit is confirmed',
    () => a.daemon.store.outbox.get(edit.outboxId)?.remoteId,
  );
  // Then, newer than Ann's edit: Bo tries to rewrite her message (any client can
  // send this; receivers must ignore it) …
  await sendAs(bo, roomId, {
    ...text('* hijacked'),
    'm.new_content': text('hijacked'),
    'm.relates_to': { rel_type: 'm.replace', event_id: mineId },
  });
  // … a sticker is "edited" by a message event (the type differs) …
  const sticker = await sendAs(
    bo,
    roomId,
    { body: 'a sticker', url: 'mxc://localhost/sticker', info: { mimetype: 'image/png' } },
    'm.sticker',
  );
  await sendAs(bo, roomId, {
    ...text('* sticker into text'),
    'm.new_content': text('sticker into text'),
    'm.relates_to': { rel_type: 'm.replace', event_id: sticker },
  });
  // … and Ann edits her edit.
  await sendAs(ann, roomId, {
    ...text('* edit of an edit'),
    'm.new_content': text('edit of an edit'),
    'm.relates_to': { rel_type: 'm.replace', event_id: editId },
  });
  await sendAs(bo, roomId, text('after the edits'));

  for (const [who, p] of [
    ['Ann', a],
    ['Bo', b],
  ] as const) {
    await waitFor(`${who} has everything`, () => p.bodies(roomId).includes('after the edits'));
    const m = p.messages(roomId).find((x) => x.remoteId === mineId)!;
    assert.equal(m.body, 'mine, edited', `${who} sees Ann's own edit only`);
    assert.equal(p.messages(roomId).find((x) => x.remoteId === sticker)?.body, 'a sticker');
    assert.ok(
      !p.bodies(roomId).some((x) => /hijacked|edit of an edit|sticker into text/.test(x)),
      `${who}: no rejected edit shows, neither applied nor as a message`,
    );
  }

  // Redacting the edit reverts it: the original text shows again, unedited.
  await synapse.api(
    ann.accessToken,
    'PUT',
    `${C}/rooms/${encodeURIComponent(roomId)}/redact/${encodeURIComponent(editId)}/r${++txn}`,
    {},
  );
  for (const p of [a, b])
    await waitFor('the redacted edit is reverted', () => {
      const m = p.messages(roomId).find((x) => x.remoteId === mineId);
      return m?.body === 'mine, original' && !m.edited && !m.deleted;
    });
});

test('a reaction, an edit and a redaction newer than the first sync wait for their backfilled target, across a restart', async () => {
  const roomId = await sharedRoom('Old history');
  const old = await sendAs(bo, roomId, text('the old one'));
  const doomed = await sendAs(bo, roomId, text('soon redacted'));
  for (let i = 1; i <= 30; i++) await sendAs(bo, roomId, text(`filler ${i}`));
  await sendAs(
    bo,
    roomId,
    { 'm.relates_to': { rel_type: 'm.annotation', event_id: old, key: '🎉' } },
    'm.reaction',
  );
  await sendAs(bo, roomId, {
    ...text('* the old one, edited'),
    'm.new_content': text('the old one, edited'),
    'm.relates_to': { rel_type: 'm.replace', event_id: old },
  });
  await synapse.api(
    bo.accessToken,
    'PUT',
    `${C}/rooms/${encodeURIComponent(roomId)}/redact/${encodeURIComponent(doomed)}/r${++txn}`,
    {},
  );
  await sendAs(bo, roomId, text('newest'));

  // The first sync holds the newest 5 events; the daemon stops right after it.
  const options = { pageSize: 4, timelineLimit: 5 };
  const first = ParleyUser.open(options);
  let closing: Promise<void> | null = null;
  first.daemon.subscribe((e) => {
    if (e.name === 'messages.upserted' && !closing) closing = first.daemon.close();
  });
  // Message deltas come only for watched timelines: this test follows them all.
  await first.call('timeline.watch', { watcher: 'test', chatIds: 'all' });
  await first.call('accounts.add', {
    protocol: 'matrix',
    server: synapse.url,
    username: ann.localpart,
    password: ann.password,
  });
  await waitFor('the daemon stopped after the first sync', () => closing !== null);
  await closing;
  const store = Store.open(first.profileDir);
  const stored = store.db
    .prepare(`SELECT count(*) FROM messages WHERE remote_id = ?`)
    .pluck()
    .get(old) as number;
  const waiting = store.db
    .prepare(
      `SELECT target_remote_id || ' ' || kind FROM pending_relations
       WHERE target_remote_id IN (?, ?) ORDER BY 1`,
    )
    .pluck()
    .all(old, doomed);
  store.close();
  assert.equal(stored, 0, 'the target is older than the first sync');
  assert.deepEqual(
    waiting,
    [`${doomed} deletion`, `${old} edit`, `${old} reaction`].sort(),
    'the relations wait in the database',
  );

  const again = ParleyUser.open({
    ...options,
    profileDir: first.profileDir,
    secrets: first.secrets,
  });
  open.push(again);
  again.accountId = again.daemon.store.accounts.list()[0]!.id;
  await again.daemon.start();
  const target = await waitFor('backfill brings the old message', () =>
    again.messages(roomId).find((m) => m.remoteId === old),
  );
  assert.deepEqual(target.reactions, [{ key: '🎉', count: 1, mine: false }]);
  assert.equal(target.body, 'the old one, edited');
  await waitFor('backfill is done', () =>
    again.daemon.store.writer.cursor(again.accountId, `backfill:${roomId}`) === 'done' ? 1 : 0,
  );
  const redacted = again.messages(roomId).find((m) => m.remoteId === doomed);
  assert.equal(redacted?.deleted, true, 'the redacted message shows as deleted');
  const left = again.daemon.store.db
    .prepare(`SELECT kind FROM pending_relations WHERE target_remote_id IN (?, ?)`)
    .pluck()
    .all(old, doomed);
  assert.deepEqual(left, [], 'every relation of this room found its target');
});

test('a reply in a thread reaches other clients in the thread, with the reply fallback', async () => {
  const roomId = await sharedRoom('Threads');
  const root = await sendAs(bo, roomId, text('thread root'));
  const boReply = await sendAs(bo, roomId, {
    ...text('bo in thread'),
    'm.relates_to': {
      rel_type: 'm.thread',
      event_id: root,
      is_falling_back: true,
      'm.in_reply_to': { event_id: root },
    },
  });
  const a = await signIn(ann);
  const inThread = await waitFor('Ann sees the thread', () =>
    a.messages(roomId).find((m) => m.remoteId === boReply),
  );
  assert.equal(inThread.threadRootRemoteId, root);

  // Answering from a thread reply still goes into the root's thread.
  const { outboxId, messageId } = await a.call('messages.send', {
    chatId: a.chat(roomId)!.id,
    body: 'ann in thread',
    threadRootMessageId: inThread.id,
  });
  const echo = a.daemon.store.read.messagesById([messageId])[0]!;
  assert.equal(echo.threadRootRemoteId, root, 'the local echo shows in the thread at once');
  const sent = await waitFor(
    'the reply is confirmed',
    () => a.daemon.store.outbox.get(outboxId)?.remoteId,
  );
  const event = await synapse.api<{ content: Record<string, unknown> }>(
    bo.accessToken,
    'GET',
    `${C}/rooms/${encodeURIComponent(roomId)}/event/${encodeURIComponent(sent)}`,
  );
  assert.deepEqual(event.content['m.relates_to'], {
    rel_type: 'm.thread',
    event_id: root,
    is_falling_back: true,
    'm.in_reply_to': { event_id: boReply },
  });
  assert.ok((await threadEvents(roomId, root)).includes(sent), 'Synapse lists it in the thread');
  const mine = await waitFor('Ann’s copy is in the thread, not a plain reply', () =>
    a.messages(roomId).find((m) => m.remoteId === sent),
  );
  assert.equal(mine.threadRootRemoteId, root);
  assert.equal(mine.replyToRemoteId, null);
});

test('the CLI sends into an encrypted chat encrypted, and replies in a thread', async () => {
  const secret = await sharedRoom('CLI secret', { initial_state: [ENCRYPTION] });
  const roomId = await sharedRoom('CLI threads');
  const root = await sendAs(bo, roomId, text('cli thread root'));
  const { dir, cleanup } = tempDir('parley-matrix-cli-');
  const parley = cliRunner('source', dir);
  try {
    const add = addMatrixAccount(parley, synapse.url, ann);
    assert.equal(add.code, 0, add.stderr);
    assert.equal(parley(['sync', '--once']).code, 0);
    const chats = JSON.parse(parley(['chats', '--json']).stdout) as {
      name: string;
      id: number;
      encrypted: boolean;
    }[];
    const secretChat = chats.find((c) => c.name === 'CLI secret')!;
    const threadChat = chats.find((c) => c.name === 'CLI threads')!;
    assert.equal(secretChat.encrypted, true);

    const sealed = parley(['send', String(secretChat.id), 'no leak here']);
    assert.equal(sealed.code, 0, sealed.stderr);
    const fromAnn = (await roomEvents(secret)).filter(
      (e) => e.sender === ann.userId && e.type !== 'm.room.member',
    );
    assert.deepEqual(
      fromAnn.map((e) => e.type),
      ['m.room.encrypted'],
      'one event, encrypted',
    );
    assert.ok(!JSON.stringify(fromAnn[0]!.content).includes('leak'), 'no plaintext on the server');

    const messages = JSON.parse(parley(['messages', String(threadChat.id), '--json']).stdout) as {
      id: number;
      remoteId: string;
    }[];
    const rootId = messages.find((m) => m.remoteId === root)!.id;
    const sent = parley([
      'send',
      String(threadChat.id),
      'from the terminal',
      '--thread',
      String(rootId),
      '--json',
    ]);
    assert.equal(sent.code, 0, sent.stderr);
    const events = await roomEvents(roomId);
    const mine = events.find((e) => e.content.body === 'from the terminal')!;
    assert.ok((await threadEvents(roomId, root)).includes(mine.event_id));
  } finally {
    cleanup();
  }
});

test('push rules decide what notifies: a room set to dont_notify stays quiet, a keyword highlights, joins and renames never notify', async () => {
  const quiet = await sharedRoom('Quiet');
  const loud = await sharedRoom('Loud');
  const enc = encodeURIComponent;
  await synapse.api(ann.accessToken, 'PUT', `${C}/pushrules/global/room/${enc(quiet)}`, {
    actions: [],
  });
  await synapse.api(ann.accessToken, 'PUT', `${C}/pushrules/global/content/pineapple`, {
    pattern: 'pineapple',
    actions: ['notify', { set_tweak: 'highlight' }],
  });
  const a = await signIn(ann);
  const notified: { chatId: number; preview: string; mentionsMe: boolean }[] = [];
  a.daemon.subscribe((e) => {
    if (e.name === 'notify') notified.push(e.payload);
  });
  await waitFor('Ann has both rooms and the account’s push rules', () =>
    a.chat(quiet) && a.chat(loud) ? a.daemon.store.writer.cursor(a.accountId, 'push_rules') : null,
  );

  await sendAs(bo, quiet, text('hello quiet'));
  await sendAs(bo, loud, text('hello loud'));
  await sendAs(bo, loud, text('pineapple pie tonight'));
  await synapse.api(bo.accessToken, 'PUT', `${C}/rooms/${enc(loud)}/state/m.room.name/`, {
    name: 'Louder',
  });
  const cy = await synapse.register('cy');
  await synapse.api(bo.accessToken, 'POST', `${C}/rooms/${enc(loud)}/invite`, {
    user_id: cy.userId,
  });
  await synapse.api(cy.accessToken, 'POST', `${C}/join/${enc(loud)}`, {});
  await sendAs(bo, loud, text('last one'));
  await waitFor(
    'Ann has everything',
    () =>
      a.bodies(loud).includes('last one') &&
      a.bodies(quiet).includes('hello quiet') &&
      a.bodies(loud, 'system').some((b) => b.endsWith('joined') && b.includes('cy')),
  );

  assert.deepEqual(
    notified.map((n) => [
      n.chatId === a.chat(loud)!.id ? 'loud' : 'other',
      n.preview,
      n.mentionsMe,
    ]),
    [
      ['loud', 'hello loud', false],
      ['loud', 'pineapple pie tonight', true],
      ['loud', 'last one', false],
    ],
    'only messages the rules let notify; the keyword highlights; no system message',
  );
  assert.equal(a.chat(loud)!.mentionCount, 1, 'the highlight counts as a mention');
});
