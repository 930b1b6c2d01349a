// The unichat connector against the reference server (test/servers/unichat)
// on a random loopback port: three users, each with their own Parley daemon.
// What one user does with "another client" goes straight to the RPC endpoint
// with a session of their own.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import {
  startUnichatServer,
  TEST_APP_DOMAIN_TOKEN,
  type UnichatServer,
} from '../servers/unichat/server.js';
import { waitFor } from '../helpers/fixtures.js';
import { signInUnichatUser, type UnichatUser } from '../helpers/unichatUser.js';
import type { UnichatOptions } from '../../main/daemon/connectors/unichat/connector.js';
import type { MemberView } from '../../main/daemon/api/contract.js';

let server: UnichatServer;
const users: UnichatUser[] = [];

before(async () => {
  server = await startUnichatServer({
    users: [
      { email: 'ann@example.test', password: 'ann-password', nick: 'ann' },
      { email: 'bo@example.test', password: 'bo-password', nick: 'bo' },
      { email: 'cy@example.test', password: 'cy-password', nick: 'cy' },
    ],
  });
});

after(async () => {
  for (const u of users) await u.close();
  await server?.close();
});

async function signIn(name: string, options: UnichatOptions = {}) {
  const u = await signInUnichatUser(
    server.url,
    `${name}@example.test`,
    `${name}-password`,
    options,
  );
  users.push(u);
  return u;
}

const uid = (name: string) => server.user(`${name}@example.test`).id;

// Replies are JSON read field by field by the tests.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Obj = Record<string, any>;

/** A call as the user would make it with another client (a session of their own). */
async function as(name: string, method: string, args: Obj = {}): Promise<Obj> {
  const token = server.newSession(`${name}@example.test`);
  const res = await fetch(`${server.url}/api/${method}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      APP_DOMAIN_TOKEN: TEST_APP_DOMAIN_TOKEN,
      USER_AUTH_TOKEN: token,
    },
    body: JSON.stringify({ args }),
  });
  const body = (await res.json()) as Obj;
  assert.equal(res.status, 200, `${method}: ${JSON.stringify(body)}`);
  return body;
}

/** A room made by `owner` with the others invited; its group id (the chat's remote id). */
async function room(owner: string, others: string[], name: string): Promise<string> {
  const { subscription } = await as(owner, 'create_room', {
    name,
    user_ids: others.map(uid),
  });
  return String(subscription.group_id);
}

const serverMessages = (groupId: string) =>
  [...server.store.messages.values()].filter((m) => m.groupId === Number(groupId));
const subscriptionOf = (name: string, groupId: string) =>
  server.store.subscriptionOf(uid(name), Number(groupId));

test('sign-in keeps the auth_token (never the password); a wrong password is a clear error', async () => {
  const ann = await signIn('ann');
  const stored = [...ann.secrets.values()];
  assert.equal(stored.length, 1);
  assert.notEqual(stored[0], 'ann-password');
  assert.equal(server.store.sessions.get(stored[0]!), uid('ann'), 'a live auth_token');
  await assert.rejects(
    signInUnichatUser(server.url, 'bo@example.test', 'wrong-password'),
    /auth_failed/,
  );
});

test('a room: chats for all three, system messages shown as such, members with roles', async () => {
  const ann = users[0]!;
  const bo = await signIn('bo');
  const cy = await signIn('cy');
  const bob = await ann.call<{ outboxId: number }>('chats.create', {
    accountId: ann.account.id,
    name: 'Planning',
    invite: [String(uid('bo')), String(uid('cy'))],
  });
  assert.ok(bob.outboxId > 0);
  const groupId = await waitFor('the server has the room', () => {
    const g = [...server.store.groups.values()].find((x) => x.name === 'Planning');
    return g ? String(g.id) : null;
  });
  for (const u of [ann, bo, cy])
    await waitFor('each sees the room', () => u.chat(groupId)?.name === 'Planning');
  const system = await waitFor('the creation and two invites, as system messages', () => {
    const ms = cy.messages(groupId).filter((m) => m.kind === 'system');
    return ms.length === 3 ? ms : null;
  });
  assert.deepEqual(system.map((m) => m.body).sort(), [
    'ann created the room',
    'bo was invited',
    'cy was invited',
  ]);
  assert.equal(cy.chat(groupId)!.kind, 'group');
  const members = await cy.call<MemberView[]>('chats.members', { chatId: cy.chat(groupId)!.id });
  assert.deepEqual(
    members.map((m) => [m.name, m.role, m.isSelf]),
    [
      ['ann', 'owner', false],
      ['bo', 'writer', false],
      ['cy', 'writer', true],
    ],
  );
});

test('send with a mention and a reply, exactly once by uid; edit, delete and read arrive', async () => {
  const [ann, bo] = [users[0]!, users[1]!];
  const groupId = await room('ann', ['bo', 'cy'], 'Talk');
  const annChat = await waitFor('Ann sees the room', () => ann.chat(groupId));
  await ann.call('messages.send', { chatId: annChat.id, body: 'hello @bo, see this' });
  const hello = await waitFor('Bo receives it, mentioning him', () =>
    bo.messages(groupId).find((m) => m.body === 'hello @bo, see this'),
  );
  assert.equal(hello.senderName, 'ann');
  const stored = serverMessages(groupId).find((m) => m.text === 'hello @bo, see this')!;
  assert.deepEqual(stored.mentions, [{ user_id: uid('bo'), text: '@bo' }]);
  assert.match(stored.uid!, /^parley-[0-9a-f-]{36}$/);
  assert.equal(subscriptionOf('bo', groupId)!.lastMentionedInMessageId, stored.id);
  await waitFor('Bo’s chat counts the mention', () => bo.chat(groupId)!.mentionCount === 1);
  await waitFor('Ann has exactly one copy: the echo became the server copy', () => {
    const mine = ann.messages(groupId).filter((m) => m.body === 'hello @bo, see this');
    return mine.length === 1 && mine[0]!.remoteId === String(stored.id) && !mine[0]!.outboxState;
  });

  const boChat = bo.chat(groupId)!;
  await bo.call('messages.send', { chatId: boChat.id, body: 'seen', replyToMessageId: hello.id });
  const reply = await waitFor('Ann gets the reply, linked', () =>
    ann.messages(groupId).find((m) => m.body === 'seen' && !m.outboxState),
  );
  assert.equal(reply.replyToRemoteId, String(stored.id));
  assert.equal(
    serverMessages(groupId).find((m) => m.text === 'seen')!.inReplyToMessageId,
    stored.id,
  );

  const annHello = ann.messages(groupId).find((m) => m.remoteId === String(stored.id))!;
  await ann.call('messages.edit', { messageId: annHello.id, body: 'hello @bo, look' });
  await waitFor('Bo sees the edit', () =>
    bo.messages(groupId).find((m) => m.remoteId === String(stored.id) && m.edited),
  );
  assert.equal(
    bo.messages(groupId).find((m) => m.remoteId === String(stored.id))!.body,
    'hello @bo, look',
  );

  await bo.call('chats.markRead', { chatId: boChat.id, messageId: hello.id });
  await waitFor('the server has Bo’s read position, and the mention is cleared', () => {
    const sub = subscriptionOf('bo', groupId)!;
    return sub.lastReadMessageId === stored.id && sub.lastMentionedInMessageId === null;
  });

  await ann.call('messages.delete', { messageId: annHello.id });
  await waitFor('Bo sees it deleted', () =>
    bo.messages(groupId).find((m) => m.remoteId === String(stored.id) && m.deleted),
  );
  const bodies = bo.messages(groupId).filter((m) => m.kind !== 'system');
  assert.equal(bodies.length, 2, 'nothing duplicated');
});

test('a catch-up after being offline brings new, edited and deleted messages exactly once', async () => {
  const groupId = await room('ann', ['bo', 'cy'], 'While away');
  const post = async (text: string) =>
    (await as('ann', 'post', { group_id: Number(groupId), uid: crypto.randomUUID(), text }))
      .message as Obj;
  const keep = await post('will be edited');
  const gone = await post('will be deleted');
  // Cy watches what the catch-up reads: every message id each get_messages answer holds.
  const read: number[] = [];
  const watching: typeof fetch = async (input, init) => {
    const res = await fetch(input, init);
    if (
      String(input).endsWith('/api/get_messages') &&
      String(init?.body).includes('after_serial')
    ) {
      const body = (await res.clone().json()) as Obj;
      read.push(...(body.messages as Obj[]).map((m) => m.id as number));
    }
    return res;
  };
  const cy = users[2]!;
  await waitFor(
    'Cy has both',
    () => cy.messages(groupId).filter((m) => m.kind === 'text').length === 2,
  );
  await cy.offline();
  const fresh = await post('new while away');
  await as('ann', 'edit_message', { message_id: keep.id, text: 'edited while away' });
  await as('ann', 'delete_message', { message_id: gone.id });
  read.length = 0;
  await cy.online({ fetch: watching });
  await waitFor('Cy has the new message, the edit and the deletion', () => {
    const ms = cy.messages(groupId);
    return (
      ms.some((m) => m.body === 'new while away') &&
      ms.some(
        (m) => m.remoteId === String(keep.id) && m.body === 'edited while away' && m.edited,
      ) &&
      ms.some((m) => m.remoteId === String(gone.id) && m.deleted)
    );
  });
  const changed = [fresh.id, keep.id, gone.id] as number[];
  assert.deepEqual(
    read.filter((id) => changed.includes(id)).sort(),
    [...changed].sort(),
    'each change was read once',
  );
  const texts = cy.messages(groupId).filter((m) => m.kind === 'text');
  assert.equal(texts.length, 3, 'nothing doubled');
});

test('a 5 MB file goes up in async chunks out of order, assembles, verifies and downloads', async () => {
  const sent: number[] = [];
  const recording: typeof fetch = async (input, init) => {
    if (String(input).endsWith('/api/attachment_by_chunks'))
      sent.push((JSON.parse(String(init!.body)) as Obj).args.chunk_id as number);
    return fetch(input, init);
  };
  const ann = await signIn('ann', {
    fetch: recording,
    // Last first, then the rest from the middle out.
    upload: {
      chunkOrder: (n) => [
        n - 1,
        ...[...Array(n - 1).keys()].sort((a, b) => (a % 2) - (b % 2) || b - a),
      ],
    },
  });
  const groupId = await room('ann', ['bo'], 'Files');
  const chat = await waitFor('the room', () => ann.chat(groupId));
  const bytes = randomBytes(5 * 1024 * 1024 + 123);
  const sha = createHash('sha256').update(bytes).digest('hex');
  await ann.call('messages.sendAttachment', {
    chatId: chat.id,
    name: 'big.bin',
    mime: 'application/octet-stream',
    dataBase64: bytes.toString('base64'),
  });
  const bo = users[1]!;
  const got = await waitFor('Bo receives the file', () =>
    bo.messages(groupId).find((m) => m.attachments[0]?.name === 'big.bin'),
  );
  assert.equal(got.kind, 'file');
  assert.equal(got.attachments[0]!.size, bytes.length);
  assert.equal(sent.length, 6, 'six chunks of at most 1 MiB');
  assert.notDeepEqual(
    sent,
    [...sent].sort((a, b) => a - b),
    'sent out of order',
  );
  const file = serverMessages(groupId).find((m) => m.attachments.length)!.attachments[0]!;
  assert.equal(createHash('sha256').update(file.data).digest('hex'), sha, 'assembled right');
  const fetched = await bo.call<{ sha256: string; size: number }>('attachments.fetch', {
    attachmentId: got.attachments[0]!.id,
  });
  assert.equal(fetched.sha256, sha);
  await waitFor('Ann has one copy, no longer pending', () => {
    const mine = ann.messages(groupId).filter((m) => m.attachments[0]?.name === 'big.bin');
    return mine.length === 1 && !mine[0]!.outboxState;
  });
});

test('a chunk damaged on the way fails the send with the server’s checksum error; nothing posted', async () => {
  const damaging: typeof fetch = async (input, init) => {
    if (!String(input).endsWith('/api/attachment_by_chunks')) return fetch(input, init);
    const body = JSON.parse(String(init!.body)) as Obj;
    const chunk = Buffer.from(body.args.file_chunk as string, 'base64');
    chunk[0] = chunk[0]! ^ 0xff;
    body.args.file_chunk = chunk.toString('base64');
    return fetch(input, { ...init, body: JSON.stringify(body) });
  };
  const ann = await signIn('ann', { fetch: damaging });
  const groupId = await room('ann', ['bo'], 'Damaged');
  const chat = await waitFor('the room', () => ann.chat(groupId));
  await ann.call('messages.sendAttachment', {
    chatId: chat.id,
    name: 'small.txt',
    mime: 'text/plain',
    dataBase64: Buffer.from('hello, checksum').toString('base64'),
  });
  const entry = await waitFor('the entry fails', async () => {
    const list = await ann.call<{ state: string; lastError: string | null }[]>('outbox.list', {
      accountId: ann.account.id,
    });
    return list.find((e) => e.state === 'failed');
  });
  assert.match(entry.lastError!, /attachment_by_chunks: checksum_mismatch \(the CRC32/);
  assert.equal(serverMessages(groupId).filter((m) => m.attachments.length).length, 0);
});

test('malformed server JSON fails that sync with a clear reason; the next one recovers', async () => {
  let broken = 0;
  const breaking: typeof fetch = async (input, init) => {
    const res = await fetch(input, init);
    if (String(input).endsWith('/api/get_subscriptions') && broken < 2) {
      broken++;
      const text = await res.text();
      const body =
        broken === 1
          ? text.slice(0, Math.floor(text.length / 2))
          : '{"status":"OK","subscriptions":[{"id":"x"}]}';
      return new Response(body, { status: 200, headers: { 'content-type': 'application/json' } });
    }
    return res;
  };
  const groupId = await room('cy', ['ann'], 'Recovery');
  const ann = await signIn('ann', { fetch: breaking });
  await waitFor('the room arrives once the answers are whole', () => ann.chat(groupId));
  const failures = ann.log.filter((l) => /sync failed/.test(l));
  assert.equal(failures.length, 2, failures.join('\n'));
  assert.match(failures[0]!, /unichat get_subscriptions: the server's answer is not JSON/);
  assert.match(
    failures[1]!,
    /unichat get_subscriptions: unexpected answer \(subscriptions\.0\.id: /,
  );
  assert.notEqual(ann.daemon.store.accounts.get(ann.account.id)?.status, 'error');
});

test('drafts go to the subscription: typing for the others, the text for our other devices', async () => {
  const [ann, bo] = [users[0]!, users[1]!];
  const groupId = await room('ann', ['bo'], 'Drafts');
  const annChat = await waitFor('Ann sees the room', () => ann.chat(groupId));
  const boChat = await waitFor('Bo sees the room', () => bo.chat(groupId));
  const annElsewhere = await signIn('ann', { typingTimeoutMs: 300 });
  const elsewhereChat = await waitFor('Ann’s other device sees it', () =>
    annElsewhere.chat(groupId),
  );
  await ann.call('drafts.save', { chatId: annChat.id, body: 'half a tho' });
  await waitFor('the server keeps the draft', () =>
    subscriptionOf('ann', groupId)!.draft === 'half a tho' ? true : null,
  );
  const typing = (u: UnichatUser, chatId: number, names: string[]) =>
    u.events.find(
      (e) =>
        e.name === 'typing' &&
        e.payload.chatId === chatId &&
        JSON.stringify(e.payload.names) === JSON.stringify(names),
    );
  await waitFor('Bo sees Ann typing', () => typing(bo, boChat.id, ['ann']));
  await waitFor('Ann’s other device has the draft', async () => {
    const d = await annElsewhere.call<{ body: string } | null>('drafts.get', {
      chatId: elsewhereChat.id,
    });
    return d?.body === 'half a tho';
  });
  assert.equal(typing(ann, annChat.id, ['ann']), undefined, 'our own typing is not shown');
  // Bo's typing lapses on Ann's other device (timeout 300 ms) when no more saves come.
  await bo.call('drafts.save', { chatId: boChat.id, body: 'and me' });
  await waitFor('Ann sees Bo typing', () => typing(annElsewhere, elsewhereChat.id, ['bo']));
  await waitFor('then not', () => {
    const last = annElsewhere.events.flatMap((e) =>
      e.name === 'typing' && e.payload.chatId === elsewhereChat.id ? [e.payload] : [],
    );
    return JSON.stringify(last.at(-1)?.names) === '[]';
  });
  // Sending clears the draft locally, and the cleared draft reaches the other device.
  await ann.call('drafts.save', { chatId: annChat.id, body: '' });
  await waitFor(
    'the other device’s draft is gone',
    async () => (await annElsewhere.call('drafts.get', { chatId: elsewhereChat.id })) === null,
  );
});

test('leaving, kicking, owner hand-over and joining by invite code, seen as members and system messages', async () => {
  const [ann, bo, cy] = [users[0]!, users[1]!, users[2]!];
  const groupId = await room('ann', ['bo', 'cy'], 'Membership');
  const chatOf = (u: UnichatUser) => waitFor('the room', () => u.chat(groupId));
  const members = async (u: UnichatUser) =>
    (await u.call<MemberView[]>('chats.members', { chatId: (await chatOf(u)).id }))
      // chats.members also lists who left (the member panel shows joined and invited).
      .filter((m) => m.membership === 'join')
      .map((m) => `${m.name}:${m.role}`);
  await waitFor('Bo has all three', async () => (await members(bo)).length === 3);
  // Ann (the owner) kicks Cy, then leaves: Bo, the oldest writer, is the owner.
  await ann.call('chats.kick', {
    chatId: (await chatOf(ann)).id,
    personRemoteId: String(uid('cy')),
  });
  await waitFor('Cy is no longer in the room', () => (cy.chat(groupId) ? null : true));
  await ann.call('chats.leave', { chatId: (await chatOf(ann)).id });
  await waitFor('Ann’s room is gone', () => (ann.chat(groupId) ? null : true));
  await waitFor(
    'Bo is the owner and alone',
    async () => JSON.stringify(await members(bo)) === JSON.stringify(['bo:owner']),
  );
  const system = bo
    .messages(groupId)
    .filter((m) => m.kind === 'system')
    .map((m) => m.body);
  assert.ok(system.includes('cy was removed'), system.join(' | '));
  assert.ok(system.includes('ann left'), system.join(' | '));
  // Bo shares an invite code; Cy joins with it.
  const { code } = await as('bo', 'create_group_invite_code', {
    subscription_id: subscriptionOf('bo', groupId)!.id,
  });
  await cy.call('chats.join', { accountId: cy.account.id, target: code });
  await waitFor('Cy is back', () => cy.chat(groupId));
  await waitFor(
    'Bo sees Cy as a writer',
    async () => JSON.stringify(await members(bo)) === JSON.stringify(['bo:owner', 'cy:writer']),
  );
  await waitFor('and the joined message', () =>
    bo.messages(groupId).find((m) => m.kind === 'system' && m.body === 'cy joined'),
  );
  // Bo invites Ann back from Parley.
  await bo.call('chats.invite', {
    chatId: (await chatOf(bo)).id,
    personRemoteId: String(uid('ann')),
  });
  await waitFor('Ann has the room again', () => ann.chat(groupId));
  await waitFor('an invite message from Bo', () =>
    ann.messages(groupId).find((m) => m.kind === 'system' && m.body === 'ann was invited'),
  );
});

test('a room made a space shows as a space holding its chat', async () => {
  const bo = users[1]!;
  const groupId = await room('bo', ['ann'], 'Neighbourhood');
  await waitFor('Bo sees the room', () => bo.chat(groupId));
  await as('bo', 'update_group', {
    subscription_id: subscriptionOf('bo', groupId)!.id,
    is_space: true,
  });
  const space = await waitFor('a space appears', async () =>
    (
      await bo.call<{ remoteId: string; name: string; kind: string; chatIds: number[] }[]>(
        'spaces.list',
        { accountId: bo.account.id },
      )
    ).find((sp) => sp.remoteId === `space:${groupId}`),
  );
  assert.equal(space.name, 'Neighbourhood');
  assert.equal(space.kind, 'space');
  assert.deepEqual(space.chatIds, [bo.chat(groupId)!.id]);
});

test('a private chat is direct and named after the other; a forward links its original', async () => {
  const [ann, bo] = [users[0]!, users[1]!];
  await ann.call('chats.create', {
    accountId: ann.account.id,
    direct: true,
    invite: [String(uid('bo'))],
  });
  const direct = await waitFor('Bo has the private chat named after Ann', () =>
    bo.daemon.store.read
      .chats({ accountId: bo.account.id })
      .find((c) => c.kind === 'direct' && c.name === 'ann'),
  );
  const groupId = await room('bo', ['cy'], 'Source');
  const source = await waitFor('Bo sees the source room', () => bo.chat(groupId));
  await bo.call('messages.send', { chatId: source.id, body: 'worth sharing' });
  const original = await waitFor('it is on the server', () =>
    bo.messages(groupId).find((m) => m.body === 'worth sharing' && m.remoteId && !m.outboxState),
  );
  await bo.call('messages.forward', { messageId: original.id, toChatId: direct.id });
  const forward = await waitFor('the forward is on the server', () =>
    serverMessages(direct.remoteId).find((m) => m.forwardedMessageId === Number(original.remoteId)),
  );
  assert.equal(forward.text, 'worth sharing');
  await waitFor('Ann receives it', () =>
    ann.messages(direct.remoteId).find((m) => m.body === 'worth sharing'),
  );
});

test('history: the newest window first, then backfill by before_id, nothing missed or doubled', async () => {
  const groupId = await room('ann', ['bo'], 'History');
  for (let i = 1; i <= 75; i++)
    await as('ann', 'post', { group_id: Number(groupId), uid: crypto.randomUUID(), text: `m${i}` });
  const bo = await signIn('bo', { windowPerChat: 20, pageSize: 15 });
  const all = await waitFor('all 75 arrive', () => {
    const ms = bo.messages(groupId).filter((m) => m.kind === 'text');
    return ms.length >= 75 ? ms : null;
  });
  assert.deepEqual(
    all.map((m) => m.body).sort(),
    Array.from({ length: 75 }, (_, i) => `m${i + 1}`).sort(),
  );
  assert.equal(new Set(all.map((m) => m.remoteId)).size, 75);
});

test('someone’s read position or role change re-reads that one group, not the whole list', async () => {
  const calls: string[] = [];
  const counting: typeof fetch = (input, init) => {
    calls.push(String(input).split('/api/')[1] ?? '');
    return fetch(input, init);
  };
  const groupId = await room('ann', ['cy'], 'Quiet');
  const cy = await signIn('cy', { fetch: counting });
  await waitFor('Cy sees the room', () => cy.chat(groupId));
  await waitFor('Cy is live', () => (calls.includes('create_sse_auth_code') ? true : null));
  await new Promise((r) => setTimeout(r, 200));
  calls.length = 0;
  const last = serverMessages(groupId).at(-1)!;
  await as('ann', 'update_subscription', {
    subscription_id: subscriptionOf('ann', groupId)!.id,
    last_read_message_id: last.id,
  });
  await waitFor('Cy re-reads the group', () => (calls.includes('get_subscription') ? true : null));
  await new Promise((r) => setTimeout(r, 200));
  assert.ok(!calls.includes('get_subscriptions'), calls.join(' '));
});

test('messages of the same second show in the order they were posted', async () => {
  // The server's times are whole seconds: the creation and the invites, and
  // posts in quick succession, share one.
  const groupId = await room('ann', ['bo', 'cy'], 'Quick succession');
  for (let i = 1; i <= 5; i++)
    await as('ann', 'post', { group_id: Number(groupId), uid: crypto.randomUUID(), text: `q${i}` });
  const cy = await signIn('cy');
  const shown = await waitFor('Cy has all eight', () =>
    cy.messages(groupId).length === 8 ? cy.messages(groupId) : null,
  );
  const ids = shown.map((m) => Number(m.remoteId));
  assert.deepEqual(
    ids,
    [...ids].sort((a, b) => b - a),
    shown.map((m) => m.body).join(' | '),
  );
});

test('messages read on another device while away are read here after the catch-up', async () => {
  // The notification stream never opens: what shows is the catch-up's alone.
  const stalled: typeof fetch = (input, init) =>
    String(input).includes('/api/sse')
      ? new Promise((_, reject) =>
          init?.signal?.addEventListener('abort', () => reject(init.signal!.reason as Error)),
        )
      : fetch(input, init);
  const groupId = await room('ann', ['bo'], 'Read elsewhere');
  const bo = await signIn('bo', { fetch: stalled });
  await waitFor('Bo sees the room', () => bo.chat(groupId));
  await bo.offline();
  let last: Obj = {};
  for (const text of ['one', 'two', 'three'])
    last = (await as('ann', 'post', { group_id: Number(groupId), uid: crypto.randomUUID(), text }))
      .message as Obj;
  // Bo reads them on his phone.
  await as('bo', 'update_subscription', {
    subscription_id: subscriptionOf('bo', groupId)!.id,
    last_read_message_id: last.id,
  });
  await bo.online();
  await waitFor('Bo has the three', () =>
    bo.messages(groupId).some((m) => m.remoteId === String(last.id)),
  );
  // The list's read position came before the three; it applies with them.
  assert.equal(bo.chat(groupId)!.unreadCount, 0, 'read on the phone, read here');
});
