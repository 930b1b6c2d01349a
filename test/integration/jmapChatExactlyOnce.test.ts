// Exactly-once sends against the JMAP Chat reference server, which (like RFC
// 8620 §5.3) forgets a creation id when its request ends. A loopback relay in
// front of the server's API cuts the connection of a Message/set (or Chat/set) create either
// after forwarding it (the message exists, the answer is lost) or before (the
// server never saw it). Push, uploads and downloads go to the server directly.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Daemon } from '../../main/daemon/daemon.js';
import { ConnectorRegistry } from '../../main/daemon/connectors/registry.js';
import { JmapChatConnector } from '../../main/daemon/connectors/jmap-chat/connector.js';
import type { Account, ChatSummary } from '../../main/daemon/model/types.js';
import { startJmapChatServer, type JmapChatServer } from '../servers/jmap-chat/server.js';
import { memorySecrets, tempDir, waitFor } from '../helpers/fixtures.js';

type Mode = 'pass' | 'loseAnswer' | 'neverArrive';

let server: JmapChatServer;
let relay: Server;
let relayUrl = '';
/** What the relay does to the next Message/set or Chat/set create (then it passes again). */
let mode: Mode = 'pass';
/** Creates the server received through the relay. */
let forwardedCreates = 0;
/** Connections the relay holds open without an answer (lost answers), to cut on demand. */
const held: ServerResponse[] = [];

async function relayRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const body = Buffer.concat(chunks).toString('utf8');
  const isCreate =
    req.method === 'POST' && /"(Message|Chat)\/set"/.test(body) && body.includes('"create"');
  const cut = isCreate ? mode : 'pass';
  if (isCreate) mode = 'pass';
  if (cut === 'neverArrive') {
    req.socket.destroy();
    return;
  }
  const upstream = await fetch(`${server.url}${req.url}`, {
    method: req.method,
    headers: {
      authorization: req.headers.authorization ?? '',
      'content-type': req.headers['content-type'] ?? 'application/json',
    },
    body: req.method === 'POST' ? body : undefined,
  });
  const text = await upstream.text();
  if (isCreate) forwardedCreates++;
  if (cut === 'loseAnswer') {
    held.push(res);
    return;
  }
  res.writeHead(upstream.status, {
    'content-type': upstream.headers.get('content-type') ?? 'application/json',
  });
  // Only the API goes through the relay.
  res.end(text.replaceAll(`${server.url}/jmap/api/`, `${relayUrl}/jmap/api/`));
}

after(async () => {
  for (const r of held) r.socket?.destroy();
  relay.closeAllConnections();
  await new Promise((r) => relay.close(r));
  await server?.close();
});

const profile = tempDir('parley-jmapchat-xo-');
const secrets = memorySecrets();
let daemon: Daemon;
let account: Account;

const openDaemon = () =>
  new Daemon({
    profileDir: profile.dir,
    secrets,
    connectors: new ConnectorRegistry().register(
      'jmap-chat',
      () => new JmapChatConnector({ pollIntervalMs: 3_600_000 }),
    ),
    engine: {
      loop: { backoff: { baseMs: 20, maxMs: 200 }, pollIntervalMs: 3_600_000 },
      outbox: { backoff: { baseMs: 20, maxMs: 200 } },
    },
  });

async function call<T>(name: string, input: unknown): Promise<T> {
  const r = await daemon.call(name, input);
  if (!r.ok) throw new Error(`${name}: ${r.error.code} ${r.error.message}`);
  return r.value as T;
}

const onServer = (chatId: string, body: string) =>
  (server.store.messagesByChat.get(chatId) ?? []).filter((m) => m.body === body);
const localChat = (chatId: string): ChatSummary | undefined =>
  daemon.store.read.chats({ accountId: account.id }).find((c) => c.remoteId === chatId);
const local = (chatId: string, body: string) =>
  daemon.store.read.messages(localChat(chatId)!.id, { limit: 500 }).filter((m) => m.body === body);
const entryFor = (body: string) =>
  daemon.store.outbox
    .list(account.id)
    .find((e) => e.operation?.op === 'send' && e.operation.body === body);

let chatId = '';

/** The server stores a create before the relay has read its answer: wait until the relay holds it, so cutting
 * the held connections cannot miss it (a missed one leaves the send waiting on a socket nobody closes). */
const answerHeld = () => waitFor('the relay holds the lost answer', () => held.length > 0);

before(async () => {
  server = await startJmapChatServer({
    users: [
      { login: 'ann', password: 'ann-pw', displayName: 'Ann' },
      { login: 'bo', password: 'bo-pw', displayName: 'Bo' },
    ],
  });
  relay = createServer((req, res) => void relayRequest(req, res).catch(() => req.socket.destroy()));
  await new Promise<void>((r) => relay.listen(0, '127.0.0.1', () => r()));
  relayUrl = `http://127.0.0.1:${(relay.address() as AddressInfo).port}`;
  daemon = openDaemon();
  account = await call<Account>('accounts.add', {
    protocol: 'jmap-chat',
    server: relayUrl,
    username: 'ann',
    password: 'ann-pw',
  });
  // The chat is made on the server directly, as another device of Ann's would.
  const res = await fetch(`${server.url}/jmap/api/`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from('ann:ann-pw').toString('base64')}`,
      'content-type': 'application/json',
    },
    body: JSON.stringify({
      using: ['urn:ietf:params:jmap:core', 'urn:ietf:params:jmap:chat'],
      methodCalls: [
        [
          'Chat/set',
          { accountId: 'ann', create: { g: { kind: 'group', name: 'Relay', memberIds: ['bo'] } } },
          '0',
        ],
      ],
    }),
  });
  const answer = (await res.json()) as {
    methodResponses: [string, { created: { g: { id: string } } }][];
  };
  chatId = answer.methodResponses[0]![1].created.g.id;
  await waitFor('the chat reaches the daemon', () => localChat(chatId));
});

after(async () => {
  await daemon?.close().catch(() => undefined);
  profile.cleanup();
});

test('a send whose answer is lost is delivered once, across a daemon restart between attempts', async () => {
  const body = 'lost answer, sent once';
  const before = forwardedCreates;
  mode = 'loseAnswer';
  await call('messages.send', { chatId: localChat(chatId)!.id, body });
  await waitFor('the server has the message', () => onServer(chatId, body)[0]);
  await answerHeld();
  assert.equal(held.length, 1);
  assert.equal(entryFor(body)!.state, 'sending', 'the daemon does not know the outcome');

  // The daemon goes away before the answer could arrive; the connection then dies.
  await daemon.close();
  for (const r of held.splice(0)) r.socket?.destroy();
  daemon = openDaemon();
  await daemon.start();

  await waitFor('the restarted daemon settles the entry', () =>
    entryFor(body)?.state === 'sent' ? entryFor(body) : null,
  );
  const entry = entryFor(body)!;
  assert.ok(entry.attempts >= 2, 'a second attempt ran');
  assert.equal(onServer(chatId, body).length, 1, 'the server has one copy');
  assert.equal(
    forwardedCreates - before,
    1,
    'the retry adopted the first message, it did not create',
  );
  assert.equal(entry.remoteId, onServer(chatId, body)[0]!.id);
  await waitFor('the local copy is the server message, once', () => {
    const mine = local(chatId, body);
    return mine.length === 1 && mine[0]!.remoteId === entry.remoteId;
  });
});

test('a send whose first attempt never reached the server is created once by the retry', async () => {
  const body = 'never arrived, sent once';
  const before = forwardedCreates;
  mode = 'neverArrive';
  await call('messages.send', { chatId: localChat(chatId)!.id, body });
  await waitFor('the retry delivers the message', () =>
    entryFor(body)?.state === 'sent' ? entryFor(body) : null,
  );
  assert.ok(entryFor(body)!.attempts >= 2, 'the first attempt failed');
  assert.equal(forwardedCreates - before, 1);
  assert.equal(onServer(chatId, body).length, 1);
  await waitFor('one local copy', () => local(chatId, body).length === 1);
});

test('an identical message written later is a message of its own, not an earlier attempt', async () => {
  const body = 'same words twice';
  await call('messages.send', { chatId: localChat(chatId)!.id, body });
  await waitFor('the first is sent', () => onServer(chatId, body).length === 1);
  // The second, written over a second later, loses its first answer too.
  await new Promise((r) => setTimeout(r, 1100));
  mode = 'loseAnswer';
  await call('messages.send', { chatId: localChat(chatId)!.id, body });
  await waitFor('the second reaches the server', () => onServer(chatId, body).length === 2);
  await answerHeld();
  for (const r of held.splice(0)) r.socket?.destroy();
  await waitFor('both entries are sent', () => {
    const sends = daemon.store.outbox
      .list(account.id)
      .filter((e) => e.operation?.op === 'send' && e.operation.body === body);
    return sends.length === 2 && sends.every((e) => e.state === 'sent') ? sends : null;
  });
  const sends = daemon.store.outbox
    .list(account.id)
    .filter((e) => e.operation?.op === 'send' && e.operation.body === body);
  assert.equal(onServer(chatId, body).length, 2, 'two messages, no third');
  assert.notEqual(sends[0]!.remoteId, sends[1]!.remoteId, 'each entry has its own message');
});

test('a file sent as a reply whose answer is lost is delivered once', async () => {
  const root = onServer(chatId, 'never arrived, sent once')[0]!;
  const rootLocal = local(chatId, 'never arrived, sent once')[0]!;
  const body = 'the notes, once';
  const before = forwardedCreates;
  mode = 'loseAnswer';
  await call('messages.sendAttachment', {
    chatId: localChat(chatId)!.id,
    name: 'notes.txt',
    mime: 'text/plain',
    dataBase64: Buffer.from('meeting notes\n').toString('base64'),
    body,
    replyToMessageId: rootLocal.id,
  });
  await waitFor('the server has the file message', () => onServer(chatId, body)[0]);
  await answerHeld();
  for (const r of held.splice(0)) r.socket?.destroy();
  await waitFor('the entry is sent', () =>
    daemon.store.outbox
      .list(account.id)
      .some(
        (e) =>
          e.operation?.op === 'sendAttachment' && e.operation.body === body && e.state === 'sent',
      ),
  );
  const copies = onServer(chatId, body);
  assert.equal(copies.length, 1, 'one message on the server');
  assert.equal(copies[0]!.replyTo, root.id);
  assert.equal((copies[0]!.attachments as unknown[]).length, 1);
  assert.equal(forwardedCreates - before, 1);
});

test('a group whose create lost its answer is made once', async () => {
  const name = 'Planning, once';
  const groups = () =>
    [...server.store.chats.values()].filter((c) => c.kind === 'group' && c.name === name);
  const before = forwardedCreates;
  mode = 'loseAnswer';
  const { outboxId } = await call<{ outboxId: number }>('chats.create', {
    accountId: account.id,
    name,
    invite: ['bo'],
  });
  await waitFor('the server has the group', () => groups()[0]);
  await answerHeld();
  for (const r of held.splice(0)) r.socket?.destroy();
  const entry = await waitFor('the entry is sent', () =>
    daemon.store.outbox.get(outboxId)?.state === 'sent' ? daemon.store.outbox.get(outboxId) : null,
  );
  assert.ok(entry.attempts >= 2, 'a second attempt ran');
  assert.equal(groups().length, 1, 'one group on the server');
  assert.equal(entry.remoteId, groups()[0]!.id);
  assert.equal(forwardedCreates - before, 1);
});
