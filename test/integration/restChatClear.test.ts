// "Clear chat" on the REST chat reference server (test/servers/rest-chat):
// the owner clears a chat elsewhere (DELETE /chats/:id/messages) and its
// messages leave Parley, live or at the next start; what is posted after the
// clear shows. And clearing from Parley: the owner may, others are refused
// with the server's reason, and a retried clear does not clear twice.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startRestChatServer, type RestChatServer } from '../servers/rest-chat/server.js';
import { waitFor } from '../helpers/fixtures.js';
import { signInRestChatUser, type RestChatUser, restChatRequest } from '../helpers/restChatUser.js';
import type { DaemonEvent, OutboxItem } from '../../main/daemon/api/contract.js';
import { clearChat } from '../../main/daemon/connectors/rest-chat/chats.js';
import { openSession } from '../../main/daemon/connectors/rest-chat/session.js';

let server: RestChatServer;
let bob: RestChatUser;

before(async () => {
  server = await startRestChatServer({
    users: [
      { username: 'annie', password: 'annie-password', name: 'Annie' },
      { username: 'bobby', password: 'bobby-password', name: 'Bobby' },
      { username: 'cyril', password: 'cyril-password', name: 'Cyril' },
      { username: 'dorian', password: 'dorian-password', name: 'Dorian' },
    ],
  });
  bob = await signInRestChatUser(server.url, 'bobby', 'bobby-password');
});

after(async () => {
  await bob?.close();
  await server?.close();
});

/** A request as Annie (the chats' owner) makes it with another client. */
async function asAnnie<T>(method: string, path: string, body?: unknown): Promise<T> {
  const token = server.newSession('annie').accessToken;
  return restChatRequest<T>(server.url, token, method, path, body);
}

/**
 * A group of Annie's with Bobby and these others. The server finds an existing
 * chat by its members, so each chat here has its own.
 */
const groupWith = async (title: string, others: string[]) =>
  (
    await asAnnie<{ id: string }>('POST', '/chats', {
      participants: ['bobby', ...others].map((u) => server.user(u).id),
      isPersonal: false,
      title,
    })
  ).id;

/** Annie's personal chat with Bobby (either side of one may clear it). */
const personal = async () =>
  (
    await asAnnie<{ id: string }>('POST', '/chats', {
      participants: [server.user('bobby').id],
      isPersonal: true,
    })
  ).id;

const post = (chatId: string, text: string) =>
  asAnnie('POST', `/chats/${chatId}/messages`, {
    localId: `${server.user('annie').id}+${crypto.randomUUID()}`,
    text,
  });

const bodies = (chatId: string) => bob.messages(chatId).map((m) => m.body);
const searchHits = async (query: string) =>
  (await bob.call<{ hits: unknown[] }>('search.query', { query })).hits.length;

test('the owner clears a chat while Parley is live: its messages go, a later one shows', async () => {
  const chatId = await groupWith('Cleared live', []);
  const other = await groupWith('Not cleared', ['cyril']);
  await post(chatId, 'kangaroo one');
  await post(chatId, 'kangaroo two');
  await post(other, 'kangaroo elsewhere');
  await waitFor('Bobby has all three', () => bob.messages(chatId).length === 2 && bodies(other)[0]);
  assert.equal(await searchHits('kangaroo'), 3);
  const local = bob.chat(chatId)!;
  assert.equal(local.unreadCount, 2);
  await bob.call('timeline.watch', { watcher: 'window', chatIds: [local.id] });
  const seen = bob.events.length;

  await asAnnie('DELETE', `/chats/${chatId}/messages`);
  await waitFor('the cleared messages leave Bobby’s timeline', () => bodies(chatId).length === 0);
  const row = bob.chat(chatId)!;
  assert.equal(row.unreadCount, 0, 'nothing left to read');
  assert.equal(row.lastMessagePreview, null, 'the chat list previews nothing');
  assert.equal(await searchHits('kangaroo'), 1, 'search finds only the other chat’s message');
  assert.deepEqual(bodies(other), ['kangaroo elsewhere'], 'the other chat keeps its messages');
  const removed = bob.events
    .slice(seen)
    .filter(
      (e): e is Extract<DaemonEvent, { name: 'messages.removed' }> =>
        e.name === 'messages.removed' && e.payload.chatId === local.id,
    )
    .flatMap((e) => e.payload.messageIds);
  assert.equal(removed.length, 2, 'the open window is told both messages are gone');

  await post(chatId, 'after the clear');
  await waitFor('a message after the clear shows', () => bodies(chatId)[0] === 'after the clear');
  assert.deepEqual(bodies(chatId), ['after the clear']);
  assert.equal(bob.chat(chatId)!.lastMessagePreview, 'after the clear');
  assert.equal(bob.chat(chatId)!.unreadCount, 1);
});

test('a clear while Parley was closed is noticed at the next start; what came after it stays', async () => {
  const chatId = await personal();
  await post(chatId, 'old news');
  await waitFor('Bobby has it', () => bodies(chatId)[0] === 'old news');
  await bob.offline();
  await asAnnie('DELETE', `/chats/${chatId}/messages`);
  await post(chatId, 'posted while you were away');
  await bob.online();
  await waitFor('the catch-up brings the new message', () =>
    bodies(chatId).includes('posted while you were away'),
  );
  await waitFor('and the cleared one is gone', () => bodies(chatId).length === 1);
  assert.deepEqual(bodies(chatId), ['posted while you were away']);
});

test('a short page is not a clear: a server that caps its pages leaves what Parley holds', async () => {
  // A second Parley of Bobby's, behind a proxy that cuts message pages to two
  // messages once asked to: fewer than the connector asked for, as if the
  // history ended there, though it does not.
  let capPages = false;
  const capped: typeof fetch = async (input, init) => {
    const res = await fetch(input, init);
    const url = new URL(String(input instanceof Request ? input.url : input));
    if (
      !capPages ||
      !/\/chats\/[^/]+\/messages$/.test(url.pathname) ||
      (init?.method ?? 'GET') !== 'GET'
    )
      return res;
    const page = (await res.json()) as unknown[];
    return new Response(JSON.stringify(page.slice(0, 2)), {
      status: res.status,
      headers: { 'content-type': 'application/json' },
    });
  };
  const second = await signInRestChatUser(server.url, 'bobby', 'bobby-password', {
    fetch: capped,
  });
  try {
    const chatId = await personal();
    await post(chatId, 'kept all along');
    await waitFor('the second Parley has it', () =>
      second.messages(chatId).some((m) => m.body === 'kept all along'),
    );
    await second.offline();
    for (const n of [1, 2, 3]) await post(chatId, `while away ${n}`);
    capPages = true;
    await second.online();
    await waitFor('the newest messages arrive', () =>
      second.messages(chatId).some((m) => m.body === 'while away 3'),
    );
    assert.ok(
      second.messages(chatId).some((m) => m.body === 'kept all along'),
      'the message Parley held is still there',
    );
  } finally {
    await second.close();
  }
});

test('clearing from Parley: the owner’s clear empties every Parley; a member who is not the owner is refused', async () => {
  const ann = await signInRestChatUser(server.url, 'annie', 'annie-password');
  try {
    const chatId = await groupWith('Cleared from Parley', ['dorian']);
    await post(chatId, 'keep or clear');
    await waitFor('both have it', () => bodies(chatId).length === 1 && ann.messages(chatId)[0]);
    const prefs = await bob.call<{ canClear: boolean }>('chats.prefs', {
      chatId: bob.chat(chatId)!.id,
    });
    assert.equal(prefs.canClear, true, 'the menu offers it for REST chat');

    const { outboxId } = await bob.call<{ outboxId: number }>('chats.clear', {
      chatId: bob.chat(chatId)!.id,
    });
    const refused = await waitFor('Bobby’s clear is refused (he is not the owner)', async () =>
      (await bob.call<OutboxItem[]>('outbox.list', {})).find(
        (o) => o.id === outboxId && o.state === 'failed',
      ),
    );
    assert.match(refused.lastError ?? '', /You can't clear this chat\./);
    assert.deepEqual(bodies(chatId), ['keep or clear'], 'nothing went on a refusal');

    await ann.call('chats.clear', { chatId: ann.chat(chatId)!.id });
    await waitFor('Annie’s Parley empties', () => ann.messages(chatId).length === 0);
    await waitFor('and Bobby’s', () => bodies(chatId).length === 0);
    assert.equal(serverMessagesIn(chatId), 0);
  } finally {
    await ann.close();
  }
});

test('a clear retried after its answer was lost does not take the messages posted since', async () => {
  const chatId = await personal();
  await post(chatId, 'cleared once');
  const [through] = await asAnnie<{ id: number }[]>('GET', `/chats/${chatId}/messages?count=1`);
  const session = await openSession(
    server.url,
    server.newSession('annie').accessToken,
    {},
    AbortSignal.timeout(10_000),
  );
  const op = {
    op: 'chatClear' as const,
    chatRemoteId: chatId,
    throughMessageRemoteId: String(through!.id),
  };
  // The first attempt reached the server; its answer was lost. Then someone posts.
  await clearChat(session, op, { earlier: 0, queuedAt: Date.now() }, AbortSignal.timeout(10_000));
  await post(chatId, 'posted after the clear');
  await clearChat(session, op, { earlier: 1, queuedAt: Date.now() }, AbortSignal.timeout(10_000));
  assert.deepEqual(
    (await asAnnie<{ text: string }[]>('GET', `/chats/${chatId}/messages`)).map((m) => m.text),
    ['posted after the clear'],
  );
});

const serverMessagesIn = (chatId: string) =>
  [...server.store.messages.values()].filter((m) => m.chatId === chatId).length;
