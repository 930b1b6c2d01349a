// JMAP Chat against the reference server (test/servers/jmap-chat): a message
// sent while Parley's push channel is not yet listening (after its sync,
// before the EventSource answers; or while it reconnects) sends Parley no
// StateChange. It must show as soon as the channel listens, not at the next
// change on the server. The EventSource request is held by a fetch wrapper
// until the message is on the server, so the gap is not left to timing.
// Polling is set to an hour: whatever shows came as the channel opened.
// This server sends its current states as a stream opens, which also covers
// the gap; test/unit/jmapChatLive.test.ts holds the case of a server that
// does not (RFC 8620 does not ask it to), where only the connector's own
// catch-up on open shows the message.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  JmapChatConnector,
  type JmapChatOptions,
} from '../../main/daemon/connectors/jmap-chat/connector.js';
import { startJmapChatServer, type JmapChatServer } from '../servers/jmap-chat/server.js';
import { signInDaemonUser, type DaemonUser } from '../helpers/daemonUser.js';
import { waitFor } from '../helpers/fixtures.js';
import { jmapChatCallsOk } from '../helpers/jmapChatCalls.js';

const USERS = ['ann', 'bo'].map((login) => ({
  login,
  password: `${login}-pw`,
  displayName: login[0]!.toUpperCase() + login.slice(1),
}));

type User = DaemonUser<JmapChatOptions>;

const servers: JmapChatServer[] = [];
const users: User[] = [];

after(async () => {
  for (const u of users.reverse()) await u.close().catch(() => undefined);
  for (const s of servers) await s.close();
});

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

/** Raw JMAP calls as Ann, the other person. */
const asAnn = (server: JmapChatServer, calls: unknown[]) =>
  jmapChatCallsOk(server.url, 'ann', calls);

async function directChat(server: JmapChatServer) {
  const [created] = await asAnn(server, [
    ['Chat/set', { accountId: 'ann', create: { c: { kind: 'direct', contactId: 'bo' } } }, 's'],
  ]);
  return (created![1].created as Record<string, { id: string }>).c!.id;
}

const annSays = (server: JmapChatServer, chatId: string, body: string) =>
  asAnn(server, [
    [
      'Message/set',
      {
        accountId: 'ann',
        create: { m: { chatId, body, bodyType: 'text/plain', sentAt: new Date().toISOString() } },
      },
      'm',
    ],
  ]);

/**
 * A fetch for Bo's connector that runs `beforeListening(n)` before the n-th
 * EventSource request (1, 2, …) goes to the server, and counts API requests
 * (sent and answered) so a test can tell when a catch-up is over.
 */
function holdingFetch(beforeListening: (n: number) => Promise<void>) {
  let eventSources = 0;
  const api = { sent: 0, answered: 0 };
  const wrapped: typeof fetch = async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (url.pathname === '/jmap/eventsource/') await beforeListening(++eventSources);
    if (url.pathname !== '/jmap/api/') return fetch(input, init);
    api.sent++;
    try {
      return await fetch(input, init);
    } finally {
      api.answered++;
    }
  };
  return { fetch: wrapped, api };
}

test('a message sent after the sync and before the push channel listens shows when it listens', async () => {
  const server = await startJmapChatServer({ users: USERS, webSocket: false });
  servers.push(server);
  const chatId = await directChat(server);
  const held = holdingFetch(async (n) => {
    // Live starts after the first sync has committed; Ann writes in the gap.
    if (n === 1) await annSays(server, chatId, 'sent in the gap');
  });
  const bo = await signIn(server, 'bo', { fetch: held.fetch });
  await waitFor('Bo has the chat from the first sync', () => bo.chat(chatId));
  const got = await waitFor('the message sent in the gap shows, with nothing else changing', () =>
    bo.messages(chatId).find((m) => m.body === 'sent in the gap'),
  );
  assert.equal(got.senderRemoteId, 'ann');
  assert.equal(bo.chat(chatId)!.lastMessagePreview, 'sent in the gap');
});

test('a message sent while the push channel reconnects shows when it listens again', async () => {
  const server = await startJmapChatServer({ users: USERS, webSocket: false });
  servers.push(server);
  const chatId = await directChat(server);
  let reconnecting: (() => void) | null = null;
  const reconnected = new Promise<void>((r) => (reconnecting = r));
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  const held = holdingFetch(async (n) => {
    if (n === 2) {
      reconnecting!();
      await released;
    }
  });
  const bo = await signIn(server, 'bo', { fetch: held.fetch });
  await waitFor('Bo has the chat', () => bo.chat(chatId));
  await waitFor('Bo listens for push', () => server.pushConnectionCount() === 1);
  await annSays(server, chatId, 'before the drop');
  await waitFor('push works', () => bo.messages(chatId).find((m) => m.body === 'before the drop'));
  // Every catch-up so far is over once each API request sent has its answer.
  await waitFor('nothing in flight', () => held.api.sent === held.api.answered);

  const before = held.api.sent;
  assert.equal(server.dropPushConnections(), 1);
  await reconnected;
  // The catch-up run as the channel closed is over (its answer is back)
  // before Ann writes: only a catch-up as the channel opens can find it.
  await waitFor(
    'the catch-up for the dropped channel is over',
    () => held.api.sent > before && held.api.sent === held.api.answered,
  );
  await annSays(server, chatId, 'sent while reconnecting');
  release();
  const got = await waitFor('the message shows once push listens again', () =>
    bo.messages(chatId).find((m) => m.body === 'sent while reconnecting'),
  );
  assert.equal(got.senderRemoteId, 'ann');
});
