// The JMAP Chat catch-up in one request, against the reference server
// (test/servers/jmap-chat): a push (or a restart) asks every moved type's
// /changes and its /get by result reference together, where it used to ask
// them one after another. What the user sees must not change: each test ends
// by comparing what the caught-up daemon holds with what a fresh sign-in of
// the same user loads from scratch (no /changes at all).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  JmapChatConnector,
  type JmapChatOptions,
} from '../../main/daemon/connectors/jmap-chat/connector.js';
import { STREAM } from '../../main/daemon/connectors/jmap-chat/sync.js';
import type { MessageView } from '../../main/daemon/model/types.js';
import { startJmapChatServer, type JmapChatServer } from '../servers/jmap-chat/server.js';
import { signInDaemonUser, type DaemonUser } from '../helpers/daemonUser.js';
import { waitFor } from '../helpers/fixtures.js';
import { jmapChatCallsOk } from '../helpers/jmapChatCalls.js';
import {
  recordJmapRequests,
  type JmapRequestRecorder,
  type RecordedCall,
} from '../helpers/jmapRequestRecorder.js';

const USERS = ['ann', 'bo'].map((login) => ({
  login,
  password: `${login}-pw`,
  displayName: login[0]!.toUpperCase() + login.slice(1),
}));

type Call = RecordedCall;
type User = DaemonUser<JmapChatOptions>;

const servers: JmapChatServer[] = [];
const users: User[] = [];

after(async () => {
  for (const u of users.reverse()) await u.close().catch(() => undefined);
  for (const s of servers) await s.close();
});

async function serve() {
  const server = await startJmapChatServer({ users: USERS });
  servers.push(server);
  return server;
}

async function signIn(server: JmapChatServer, login: string, options: JmapChatOptions = {}) {
  const u = await signInDaemonUser<JmapChatOptions>({
    protocol: 'jmap-chat',
    connector: (o) => new JmapChatConnector({ pollIntervalMs: 3_600_000, ...o }),
    options,
    server: server.url,
    username: login,
    password: `${login}-pw`,
  });
  users.push(u);
  return u;
}

/** The first sync is over: every type's state is committed (ReadPosition comes last). */
const synced = (u: User) =>
  waitFor('the first sync is over', () =>
    u.daemon.store.writer.cursor(u.account.id, 'ReadPosition'),
  );

/**
 * Bo's connector has nothing left to ask: push listens, its catch-up as it
 * opened is answered, and every state the server holds for Bo is committed,
 * so a StateChange still on its way names no state he lacks. A test counting
 * the requests one push costs starts after this.
 */
async function settled(server: JmapChatServer, rec: JmapRequestRecorder, u: User) {
  await waitFor('Bo listens for push', () => server.pushConnectionCount() >= 1);
  await rec.pushOpenCatchUpDone();
  await waitFor(
    'Bo holds every state the server has for him',
    () =>
      rec.inFlight() === 0 &&
      Object.values(STREAM).every(
        (type) =>
          u.daemon.store.writer.cursor(u.account.id, type) === server.store.state('bo', type),
      ),
  );
}

/** Raw JMAP calls as one user: another client of the account, or the other person. */
const jmap = (server: JmapChatServer, login: string, calls: unknown[]) =>
  jmapChatCallsOk(server.url, login, calls);

const createdId = (answer: [string, Record<string, unknown>, string] | undefined, key: string) =>
  (answer![1].created as Record<string, { id: string }>)[key]!.id;

const text = (chatId: string, body: string) => ({
  chatId,
  body,
  bodyType: 'text/plain',
  sentAt: new Date().toISOString(),
});

async function directChat(server: JmapChatServer) {
  const [created] = await jmap(server, 'ann', [
    ['Chat/set', { accountId: 'ann', create: { c: { kind: 'direct', contactId: 'bo' } } }, 's'],
  ]);
  return createdId(created, 'c');
}

/** Ann's chat with Bo and a first message in one request: a new chat and its message. */
async function groupWithMessage(server: JmapChatServer, name: string, body: string) {
  const [chat, message] = await jmap(server, 'ann', [
    [
      'Chat/set',
      { accountId: 'ann', create: { g: { kind: 'group', name, memberIds: ['bo'] } } },
      'c',
    ],
    ['Message/set', { accountId: 'ann', create: { m: text('#g', body) } }, 'm'],
  ]);
  return { chatId: createdId(chat, 'g'), messageId: createdId(message, 'm') };
}

/** The methods of one request, e.g. "Chat/changes Chat/get Chat/get". */
const methods = (request: Call[]) => request.map((c) => c[0]).join(' ');

/**
 * Every request holds whole catch-ups: each X/changes travels with two X/get
 * whose ids refer to its /created and /updated, and no X/get goes out on its
 * own (which would be a second round trip).
 */
function assertBatched(requests: Call[][]) {
  for (const r of requests) {
    const changes = r.filter(([n]) => n.endsWith('/changes'));
    assert.ok(changes.length > 0, `a request without /changes: ${methods(r)}`);
    for (const [name, , id] of changes) {
      const type = name.split('/')[0]!;
      const paths = r
        .filter(
          ([n, a]) => n === `${type}/get` && (a['#ids'] as { resultOf?: string })?.resultOf === id,
        )
        .map(([, a]) => (a['#ids'] as { path: string }).path)
        .sort();
      assert.deepEqual(paths, ['/created', '/updated'], methods(r));
    }
  }
}

/**
 * A new session (a restart, or back online) first reads every contact once:
 * direct chats and senders are named after them. The requests after that
 * read; it must be there, alone in its request.
 */
function afterContactsRead(requests: Call[][]): Call[][] {
  assert.equal(methods(requests[0]!), 'ChatContact/get', requests.map(methods).join(' | '));
  assert.equal(requests[0]![0]![1].ids, null, 'every contact');
  return requests.slice(1);
}

/** What a user sees of a message (ids and local times aside). */
const seen = (m: MessageView) => ({
  remoteId: m.remoteId,
  body: m.body,
  sender: m.senderRemoteId,
  edited: m.edited,
  reactions: m.reactions.map((r) => `${r.key}×${r.count}${r.mine ? ' mine' : ''}`).sort(),
  replyTo: m.replyToRemoteId,
});

/** The caught-up daemon holds what a fresh sign-in of the same user loads. */
async function assertSameAsFreshLoad(server: JmapChatServer, caughtUp: User, chatIds: string[]) {
  const fresh = await signIn(server, 'bo');
  for (const chatId of chatIds) {
    await waitFor(`a fresh load has chat ${chatId}`, () => fresh.chat(chatId));
    const visible = (u: User) =>
      u
        .messages(chatId)
        .filter((m) => !m.deleted)
        .map(seen);
    await waitFor(
      `chat ${chatId} has its messages in the fresh load`,
      () => visible(fresh).length === visible(caughtUp).length,
    );
    assert.deepEqual(visible(caughtUp), visible(fresh), `chat ${chatId}`);
    // Also what the chat list shows: a direct chat's name is its contact's
    // after a restart too, and a destroyed newest message previews the one
    // before it, as a fresh load does.
    const a = caughtUp.chat(chatId)!;
    const b = fresh.chat(chatId)!;
    assert.deepEqual(
      [a.kind, a.name, a.unreadCount, a.lastMessagePreview],
      [b.kind, b.name, b.unreadCount, b.lastMessagePreview],
    );
  }
  await fresh.close();
}

test('a pushed message reaches the other user with one API request for the catch-up', async () => {
  const server = await serve();
  const rec = recordJmapRequests();
  const bo = await signIn(server, 'bo', { fetch: rec.fetch });
  const chatId = await directChat(server);
  await waitFor('Bo has the chat', () => bo.chat(chatId));
  await settled(server, rec, bo);

  rec.requests.length = 0;
  await jmap(server, 'ann', [
    ['Message/set', { accountId: 'ann', create: { m: text(chatId, 'one round trip') } }, 'm'],
  ]);
  const got = await waitFor('Bo has the message by push', () =>
    bo.messages(chatId).find((m) => m.body === 'one round trip'),
  );
  await new Promise((r) => setTimeout(r, 200)); // nothing more goes out for it
  assert.equal(rec.requests.length, 1, rec.requests.map(methods).join(' | '));
  assert.equal(
    methods(rec.requests[0]!),
    'Chat/changes Chat/get Chat/get Message/changes Message/get Message/get',
  );
  assertBatched(rec.requests);
  assert.equal(got.senderRemoteId, 'ann');
  assert.equal(bo.chat(chatId)!.unreadCount, 1);
  assert.equal(bo.chat(chatId)!.lastMessagePreview, 'one round trip');
  await assertSameAsFreshLoad(server, bo, [chatId]);
});

test('edits, reactions, a destroyed message, a new chat with its message and a chat left all arrive through the batched catch-up', async () => {
  const server = await serve();
  const rec = recordJmapRequests();
  const bo = await signIn(server, 'bo', { fetch: rec.fetch });
  const chatId = await directChat(server);
  await waitFor('Bo has the chat', () => bo.chat(chatId));
  await settled(server, rec, bo);
  rec.requests.length = 0;

  const [first, second] = await jmap(server, 'ann', [
    ['Message/set', { accountId: 'ann', create: { a: text(chatId, 'first text') } }, 'a'],
    ['Message/set', { accountId: 'ann', create: { b: text(chatId, 'to be removed') } }, 'b'],
  ]);
  const editedId = createdId(first, 'a');
  const removedId = createdId(second, 'b');
  await waitFor('Bo has both', () => bo.messages(chatId).length === 2);

  // An edit: the new text, marked edited, the old one kept as a revision.
  await jmap(server, 'ann', [
    ['Message/set', { accountId: 'ann', update: { [editedId]: { body: 'edited text' } } }, 'e'],
  ]);
  await waitFor('Bo sees the edit', () =>
    bo.messages(chatId).find((m) => m.remoteId === editedId && m.body === 'edited text'),
  );
  assert.ok(bo.messages(chatId).find((m) => m.remoteId === editedId)!.edited);

  // A reaction, then its removal.
  const sentAt = new Date().toISOString();
  await jmap(server, 'ann', [
    [
      'Message/set',
      { accountId: 'ann', update: { [editedId]: { 'reactions/r1': { emoji: '🎉', sentAt } } } },
      'r',
    ],
  ]);
  await waitFor('Bo sees the reaction', () =>
    bo
      .messages(chatId)
      .find((m) => m.remoteId === editedId)
      ?.reactions.some((r) => r.key === '🎉'),
  );
  await jmap(server, 'ann', [
    ['Message/set', { accountId: 'ann', update: { [editedId]: { 'reactions/r1': null } } }, 'r'],
  ]);
  await waitFor(
    'the reaction goes away',
    () => bo.messages(chatId).find((m) => m.remoteId === editedId)?.reactions.length === 0,
  );

  // Destroyed from Bo's account by another of his clients: /changes says destroyed.
  await jmap(server, 'bo', [['Message/set', { accountId: 'bo', destroy: [removedId] }, 'd']]);
  await waitFor(
    'Bo sees it gone',
    () => bo.messages(chatId).find((m) => m.remoteId === removedId)?.deleted !== false,
  );

  // A new chat and its first message, written in one request.
  const group = await groupWithMessage(server, 'Plans', 'in a new chat');
  await waitFor('Bo has the new chat with its message', () =>
    bo.messages(group.chatId).find((m) => m.remoteId === group.messageId),
  );
  assert.equal(bo.chat(group.chatId)!.name, 'Plans');

  // Bo leaves a group from another client: its Chat is destroyed for him.
  const left = await groupWithMessage(server, 'Leaving', 'bye');
  await waitFor('Bo has the group to leave', () => bo.chat(left.chatId));
  await jmap(server, 'bo', [['Chat/set', { accountId: 'bo', destroy: [left.chatId] }, 'l']]);
  await waitFor('the chat is gone for Bo', () => !bo.chat(left.chatId));

  // Every catch-up was one request (the new chat's messages needed no Chat/get of their own).
  assertBatched(rec.requests);
  const revisions = bo.daemon.store.db
    .prepare(
      `SELECT r.body FROM message_revisions r JOIN messages m ON m.id = r.message_id WHERE m.remote_id = ?`,
    )
    .pluck()
    .all(editedId);
  assert.deepEqual(revisions, ['first text']);
  await assertSameAsFreshLoad(server, bo, [chatId, group.chatId]);
});

test('more changes than one page (hasMoreChanges) while offline: every message arrives after the first batched request', async () => {
  const server = await serve();
  server.setMessageRate({ max: 10_000, windowMs: 1000 });
  const rec = recordJmapRequests();
  const bo = await signIn(server, 'bo', { fetch: rec.fetch });
  const chatId = await directChat(server);
  await waitFor('Bo has the chat', () => bo.chat(chatId));
  await synced(bo);
  await bo.offline();

  // 300 messages in 300 commits: more than the connector's maxChanges (256).
  for (let i = 0; i < 300; i += 30)
    await jmap(
      server,
      'ann',
      Array.from({ length: 30 }, (_, j) => [
        'Message/set',
        { accountId: 'ann', create: { m: text(chatId, `offline ${i + j}`) } },
        `m${j}`,
      ]),
    );
  rec.requests.length = 0;
  await bo.online();
  await waitFor(
    'Bo has all 300',
    () => bo.messages(chatId).filter((m) => m.body.startsWith('offline ')).length === 300,
    20_000,
  );
  // The restart's catch-up: the contacts, then every type in one request, then Message's next pages.
  const first = afterContactsRead(rec.requests)[0]!;
  assert.equal(
    first
      .filter(([n]) => n.endsWith('/changes'))
      .map(([n]) => n)
      .join(' '),
    'ChatContact/changes Space/changes Chat/changes Message/changes ReadPosition/changes',
  );
  const pages = rec.requests.flat().filter(([n]) => n === 'Message/changes');
  assert.ok(pages.length >= 2, 'Message/changes was paged');
  assert.equal(
    new Set(pages.map(([, a]) => a.sinceState)).size,
    pages.length,
    'each page moves on',
  );
  await assertSameAsFreshLoad(server, bo, [chatId]);
});

for (const unknown of ['Chat', 'Message'] as const) {
  test(`a ${unknown} state the server no longer knows (cannotCalculateChanges) reloads ${unknown} alone; the other types catch up from the same request`, async () => {
    const server = await serve();
    const rec = recordJmapRequests();
    const bo = await signIn(server, 'bo', { fetch: rec.fetch });
    const chatId = await directChat(server);
    await jmap(server, 'ann', [
      ['Message/set', { accountId: 'ann', create: { m: text(chatId, 'before') } }, 'm'],
    ]);
    await waitFor('Bo has the message', () => bo.messages(chatId).length === 1);
    await synced(bo);
    // A state from before the server's history: as after a server restore.
    bo.daemon.store.db
      .prepare(`UPDATE sync_cursors SET cursor = 'forgotten' WHERE account_id = ? AND stream = ?`)
      .run(bo.account.id, unknown);
    await bo.offline();

    const group = await groupWithMessage(server, 'While away', 'written while away');
    await jmap(server, 'ann', [
      ['Message/set', { accountId: 'ann', create: { m: text(chatId, 'after') } }, 'm'],
    ]);
    rec.requests.length = 0;
    await bo.online();
    await waitFor('Bo has the new chat’s message', () =>
      bo.messages(group.chatId).find((m) => m.remoteId === group.messageId),
    );
    await waitFor('and the direct chat’s', () =>
      bo.messages(chatId).find((m) => m.body === 'after'),
    );
    const [first, ...rest] = afterContactsRead(rec.requests);
    assert.match(methods(first!), /Chat\/changes .*Message\/changes/);
    // The fallback of that type alone: every Chat (ids null), or the Message
    // window (its state first: Message/get of no ids); the other type's
    // changes came with the first request, and no /changes is asked again
    // by the sync. (Once it is over, the push channel opening runs one
    // catch-up of every type from the states just committed: that round
    // is the live phase's, not the fallback's.)
    const liveOpening = (r: Call[]) => methods(r).startsWith('ChatContact/changes') && r !== first;
    const later = rest.filter((r) => !liveOpening(r)).flat();
    const fullLoad = later.filter(([n, a]) =>
      unknown === 'Chat'
        ? n === 'Chat/get' && a.ids === null
        : n === 'Message/get' && Array.isArray(a.ids) && a.ids.length === 0,
    );
    assert.equal(fullLoad.length, 1, rec.requests.map(methods).join(' | '));
    assert.deepEqual(
      later.filter(([n]) => n.endsWith('/changes')),
      [],
      rec.requests.map(methods).join(' | '),
    );
    assert.ok(
      bo.log.some((l) => l.includes('cannot be calculated')),
      'the fallback is logged',
    );
    assert.equal(bo.messages(chatId).filter((m) => m.body === 'before').length, 1, 'no copies');
    await assertSameAsFreshLoad(server, bo, [chatId, group.chatId]);
  });
}

test('after a restart, a direct chat keeps its contact’s name, senders keep theirs, and a send’s @mention reaches its contact', async () => {
  const server = await serve();
  const bo = await signIn(server, 'bo');
  const chatId = await directChat(server);
  await waitFor('Bo has the chat named after Ann', () => bo.chat(chatId)?.name === 'Ann');
  await synced(bo);
  await bo.offline();
  await bo.online();
  // Nothing about Ann changed: her contact is not in ChatContact's changes.
  await jmap(server, 'ann', [
    ['Message/set', { accountId: 'ann', create: { m: text(chatId, 'after the restart') } }, 'm'],
  ]);
  const got = await waitFor('Bo has the message by push', () =>
    bo.messages(chatId).find((m) => m.body === 'after the restart'),
  );
  assert.equal(got.senderName, 'Ann');
  assert.equal(bo.chat(chatId)!.name, 'Ann');
  // Bo's reply mentions Ann by her login: the server stores the mention.
  const local = bo.chat(chatId)!;
  await bo.call('messages.send', { chatId: local.id, body: 'thanks @ann' });
  const sent = await waitFor('the reply reaches the server', async () => {
    const [q] = await jmap(server, 'ann', [
      ['Message/query', { accountId: 'ann', filter: { chatId } }, 'q'],
    ]);
    const [g] = await jmap(server, 'ann', [
      ['Message/get', { accountId: 'ann', ids: (q![1] as { ids: string[] }).ids }, 'g'],
    ]);
    return ((g![1] as { list: Record<string, unknown>[] }).list ?? []).find(
      (m) => m.body === 'thanks @ann',
    );
  });
  assert.deepEqual(
    (sent.mentions as { id: string }[]).map((m) => m.id),
    ['ann'],
  );
  await assertSameAsFreshLoad(server, bo, [chatId]);
});
