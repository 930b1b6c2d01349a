// The JMAP Chat connector against the reference server (test/servers/jmap-chat),
// beyond messaging: typing and presence pushed live (over the WebSocket and
// over EventSource), edits that keep their history, backfill below the
// initial window, and joining a Space by invite code through the API.
// Polling is set to an hour, so whatever arrives live arrived by push.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import type { JmapChatOptions } from '../../main/daemon/connectors/jmap-chat/connector.js';
import type { SyncPhase } from '../../main/daemon/sync/observer.js';
import type { SpaceView } from '../../main/daemon/api/contract.js';
import { startJmapChatServer, type JmapChatServer } from '../servers/jmap-chat/server.js';
import { waitFor } from '../helpers/fixtures.js';
import { jmapChatCalls } from '../helpers/jmapChatCalls.js';
import { recordJmapRequests } from '../helpers/jmapRequestRecorder.js';
import { signInChatUser, type ChatUser } from '../servers/jmap-chat/parleyUser.js';

const USERS = ['ann', 'bo', 'cy'].map((login) => ({
  login,
  password: `${login}-pw`,
  displayName: login[0]!.toUpperCase() + login.slice(1),
}));

type User = ChatUser;

const servers: JmapChatServer[] = [];
const cleanups: (() => Promise<void>)[] = [];

after(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
  for (const s of servers) await s.close();
});

async function serve(options: Parameters<typeof startJmapChatServer>[0] = {}) {
  const server = await startJmapChatServer({ users: USERS, typingIntervalMs: 50, ...options });
  servers.push(server);
  return server;
}

async function signIn(server: JmapChatServer, login: string, options: JmapChatOptions = {}) {
  const u = await signInChatUser(server, login, `${login}-pw`, options);
  cleanups.push(() => u.close());
  return u;
}

/** The latest typing list a user got for a chat (undefined before any). */
const typingIn = (u: User, chatId: number) =>
  u.events
    .flatMap((e) => (e.name === 'typing' && e.payload.chatId === chatId ? [e.payload] : []))
    .at(-1);

/** Raw JMAP calls as one user (to seed a server without a daemon). */
const jmap = (server: JmapChatServer, login: string, calls: unknown[]) =>
  jmapChatCalls(server.url, login, calls);

for (const transport of ['websocket', 'eventsource'] as const) {
  test(`typing and presence reach the other user live (${transport})`, async () => {
    const server = await serve(transport === 'eventsource' ? { webSocket: false } : {});
    const ann = await signIn(server, 'ann');
    const bo = await signIn(server, 'bo', { typingTimeoutMs: 1000 });
    const { id: chatId } = (await ann.connector.act(ann.ctx, {
      action: 'createDirect',
      contactId: 'bo',
    })) as { id: string };
    const boChat = await waitFor('Bo has the direct chat', () => bo.chat(chatId));
    const annChat = await waitFor('Ann has it too', () => ann.chat(chatId));
    await waitFor('both push channels are open', () => server.pushConnectionCount() >= 2);

    // Ann types: Bo's daemon learns who, by name. (Repeated until the push
    // channel has subscribed; the server passes one "typing" per 50 ms.)
    const seen = await waitFor('Bo sees Ann typing', async () => {
      const t = typingIn(bo, boChat.id);
      if (t?.personRemoteIds.length) return t;
      await ann.call('chats.typing', { chatId: annChat.id, typing: true });
      await new Promise((r) => setTimeout(r, 100));
      return null;
    });
    assert.deepEqual(seen.personRemoteIds, ['ann']);
    assert.deepEqual(seen.names, ['Ann']);
    assert.equal(typingIn(ann, annChat.id), undefined, 'nobody sees their own typing');

    // Ann stops: the list empties.
    await ann.call('chats.typing', { chatId: annChat.id, typing: false });
    await waitFor('Bo sees Ann stop', () => typingIn(bo, boChat.id)?.personRemoteIds.length === 0);

    // Ann types and goes quiet without saying so: it runs out on its own.
    await ann.call('chats.typing', { chatId: annChat.id, typing: true });
    await waitFor('Ann typing again', () => typingIn(bo, boChat.id)?.personRemoteIds.length === 1);
    const started = Date.now();
    await waitFor(
      'the stale typing runs out',
      () => typingIn(bo, boChat.id)?.personRemoteIds.length === 0,
      5000,
    );
    assert.ok(Date.now() - started >= 700, 'not before the timeout');

    // Presence: Ann steps away with a status, then comes back.
    const presenceOf = () =>
      bo.events
        .flatMap((e) => (e.name === 'presence' ? [e.payload] : []))
        .filter((p) => p.personRemoteId === 'ann');
    await ann.call('presence.set', {
      accountId: ann.account.id,
      presence: 'unavailable',
      statusMsg: 'lunch',
    });
    const away = await waitFor('Bo sees Ann away', () =>
      presenceOf().find((p) => p.presence === 'unavailable'),
    );
    assert.equal(away.name, 'Ann');
    assert.equal(away.statusMsg, 'lunch');
    assert.equal(away.currentlyActive, false);
    await ann.call('presence.set', { accountId: ann.account.id, presence: 'online' });
    await waitFor('Bo sees Ann back', () => presenceOf().at(-1)?.presence === 'online');
    // Ephemeral: nothing of it was stored as a message.
    assert.equal(bo.messages(chatId).length, 0);
  });
}

test('a pushed message catches up only the types its StateChange names, not every type', async () => {
  const server = await serve();
  // Every JMAP request Bo's connector sends, in order.
  const rec = recordJmapRequests();
  const bo = await signIn(server, 'bo', { fetch: rec.fetch });
  const [created] = await jmap(server, 'ann', [
    ['Chat/set', { accountId: 'ann', create: { c: { kind: 'direct', contactId: 'bo' } } }, 's'],
  ]);
  const chatId = (created![1].created as Record<string, { id: string }>).c!.id;
  await waitFor('Bo has the chat', () => bo.chat(chatId));
  await waitFor('Bo listens for push', () => server.pushConnectionCount() >= 1);
  // As the channel opens, the connector catches up every type once: that one
  // rightly asks about contacts, so the count starts after it.
  await rec.pushOpenCatchUpDone();
  rec.requests.length = 0;
  await jmap(server, 'ann', [
    [
      'Message/set',
      {
        accountId: 'ann',
        create: {
          m: {
            chatId,
            body: 'only what moved',
            bodyType: 'text/plain',
            sentAt: new Date().toISOString(),
          },
        },
      },
      'm',
    ],
  ]);
  await waitFor('Bo has the message by push', () =>
    bo.messages(chatId).find((m) => m.body === 'only what moved'),
  );
  const methods = rec.requests.flat().map(([name]) => name);
  assert.ok(methods.includes('Message/changes'), methods.join(' '));
  // Nothing about contacts or spaces moved: their /changes would only delay the message.
  assert.ok(!methods.includes('ChatContact/changes'), methods.join(' '));
  assert.ok(!methods.includes('Space/changes'), methods.join(' '));
});

test('edits keep their history: earlier texts in message_revisions, the latest shown, edited', async () => {
  const server = await serve();
  const ann = await signIn(server, 'ann');
  const bo = await signIn(server, 'bo');
  const { id: chatId } = (await ann.connector.act(ann.ctx, {
    action: 'createDirect',
    contactId: 'bo',
  })) as { id: string };
  const annChat = await waitFor('Ann has the chat', () => ann.chat(chatId));
  await ann.call('messages.send', { chatId: annChat.id, body: 'first draft' });
  const mine = await waitFor('the send is confirmed', () =>
    ann.messages(chatId).find((m) => m.body === 'first draft' && m.remoteId),
  );
  await waitFor('Bo has it', () => bo.messages(chatId).find((m) => m.body === 'first draft'));
  await ann.call('messages.edit', { messageId: mine.id, body: 'second draft' });
  await waitFor('Bo sees the first edit', () =>
    bo.messages(chatId).find((m) => m.body === 'second draft'),
  );
  await ann.call('messages.edit', { messageId: mine.id, body: 'final text' });

  const revisions = (u: User, messageId: number) =>
    u.daemon.store.db
      .prepare(`SELECT body FROM message_revisions WHERE message_id = ? ORDER BY replaced_at`)
      .pluck()
      .all(messageId) as string[];
  const shown = await waitFor('Bo sees the final text', () =>
    bo.messages(chatId).find((m) => m.remoteId === mine.remoteId && m.body === 'final text'),
  );
  assert.equal(shown.edited, true);
  assert.deepEqual(revisions(bo, shown.id), ['first draft', 'second draft']);
  await waitFor('Ann’s own copy too', () => ann.messages(chatId)[0]?.body === 'final text');
  assert.deepEqual(revisions(ann, mine.id), ['first draft', 'second draft']);

  // The message changes again (a reaction): it comes back whole, the history is not repeated.
  await bo.call('messages.react', { messageId: shown.id, key: '👍' });
  await waitFor('Ann sees the reaction', () => ann.messages(chatId)[0]?.reactions.length === 1);
  assert.deepEqual(revisions(ann, mine.id), ['first draft', 'second draft']);
  assert.equal(ann.messages(chatId)[0]!.body, 'final text');

  // A device that signs in later gets the same history from its first sync.
  const bo2 = await signIn(server, 'bo');
  const fresh = await waitFor('the new device has the message', () =>
    bo2.messages(chatId).find((m) => m.remoteId === mine.remoteId),
  );
  assert.equal(fresh.body, 'final text');
  assert.equal(fresh.edited, true);
  assert.deepEqual(revisions(bo2, fresh.id), ['first draft', 'second draft']);
});

test('backfill brings a chat’s history below the initial window, page by page, once', async () => {
  const server = await serve();
  server.setMessageRate({ max: 10_000, windowMs: 1000 });
  const [[, created]] = (await jmap(server, 'ann', [
    [
      'Chat/set',
      { accountId: 'ann', create: { g: { kind: 'group', name: 'Long', memberIds: ['cy'] } } },
      '0',
    ],
  ])) as [[string, { created: { g: { id: string } } }, string]];
  const chatId = created.created.g.id;
  const total = 23;
  for (let i = 0; i < total; i++)
    await jmap(server, 'ann', [
      [
        'Message/set',
        {
          accountId: 'ann',
          create: {
            m: { chatId, body: `m${i}`, bodyType: 'text/plain', sentAt: new Date().toISOString() },
          },
        },
        '0',
      ],
    ]);
  assert.equal(server.store.messagesByChat.get(chatId)?.length, total);

  const cy = await signIn(server, 'cy', { windowPerChat: 5, backfillPageSize: 4 });
  await waitFor('the whole history', () => cy.messages(chatId).length === total, 15_000);
  const bodies = cy.messages(chatId).map((m) => m.body);
  assert.deepEqual(
    [...bodies].sort(),
    Array.from({ length: total }, (_, i) => `m${i}`).sort(),
    'every message once',
  );
  assert.equal(bodies[0], `m${total - 1}`, 'the newest first');
  assert.equal(cy.daemon.store.writer.cursor(cy.account.id, `backfill:${chatId}`), 'done');
  // The first sync held the window; the rest came by backfill, in pages.
  const chatOf = (id: number) =>
    cy.daemon.store.db.prepare(`SELECT chat_id FROM messages WHERE id = ?`).pluck().get(id);
  const local = cy.chat(chatId)!.id;
  const inserted = (phase: SyncPhase) =>
    cy.batches
      .filter((b) => b.phase === phase)
      .map((b) => b.result.insertedMessageIds.filter((id) => chatOf(id) === local).length)
      .filter((n) => n > 0);
  assert.deepEqual(inserted('initial'), [5]);
  assert.deepEqual(inserted('backfill'), [4, 4, 4, 4, 2]);
});

test('spaces.join: Bo joins Ann’s Space by invite code through the API', async () => {
  const server = await serve();
  const ann = await signIn(server, 'ann');
  const bo = await signIn(server, 'bo');
  const { id: spaceId } = (await ann.connector.act(ann.ctx, {
    action: 'createSpace',
    name: 'Guild',
  })) as { id: string };
  await ann.connector.act(ann.ctx, {
    action: 'updateSpace',
    spaceId,
    patch: { addChannels: [{ name: 'lobby', topic: 'Say hi' }] },
  });
  const invite = (await ann.connector.act(ann.ctx, {
    action: 'createInvite',
    spaceId,
    maxUses: 1,
  })) as { created: { code: string } };

  const wrong = await bo.daemon.call('spaces.join', {
    accountId: bo.account.id,
    inviteCode: 'not-a-code',
  });
  assert.equal(wrong.ok ? null : wrong.error.code, 'conflict');
  const both = await bo.daemon.call('spaces.join', {
    accountId: bo.account.id,
    inviteCode: 'x',
    spaceRemoteId: spaceId,
  });
  assert.equal(both.ok ? null : both.error.code, 'invalid_input');

  const joined = await bo.call<{ spaceRemoteId: string }>('spaces.join', {
    accountId: bo.account.id,
    inviteCode: invite.created.code,
  });
  assert.equal(joined.spaceRemoteId, spaceId);
  const lobby = await waitFor('Bo has the channel', () =>
    bo.chats().find((c) => c.kind === 'channel' && c.name === 'lobby'),
  );
  assert.equal(lobby.topic, 'Say hi');
  const spaces = await waitFor('spaces.list shows the Space with its channel', async () =>
    (await bo.call<SpaceView[]>('spaces.list', { accountId: bo.account.id })).find(
      (s) => s.remoteId === spaceId && s.chatIds.includes(lobby.id),
    ),
  );
  assert.equal(spaces.name, 'Guild');
  assert.equal(spaces.kind, 'space');
  // Bo can talk there at once.
  await bo.call('messages.send', { chatId: lobby.id, body: 'hi all' });
  await waitFor('Ann reads Bo in the lobby', () =>
    ann.messages(lobby.remoteId).some((m) => m.body === 'hi all' && m.senderName === 'Bo'),
  );
});
