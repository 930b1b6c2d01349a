// The unichat connector against the reference server (test/servers/unichat)
// on a random loopback port: three users, each with their own Parley daemon.
// What one user does with "another client" goes straight to the RPC endpoint
// with a session of their own.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
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
