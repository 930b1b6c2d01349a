// Recorded fixture → SyncBatch: Bo's first ChatContact/Chat/Message answers
// from the JMAP Chat reference server (test/fixtures/jmap-chat/first-sync.json,
// recorded by test/fixtures/record.ts): Ann opened a direct chat, said "hello
// Bo" and edited it to "hello, Bo", Bo replied and reacted 🎉, Ann sent a
// message and deleted it for everyone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  chatMembers,
  chatToChat,
  contactToPerson,
} from '../../main/daemon/connectors/jmap-chat/mapping.js';
import { messageBatch } from '../../main/daemon/connectors/jmap-chat/sync.js';
import type { ChatSession } from '../../main/daemon/connectors/jmap-chat/transport.js';
import {
  ChatContactSchema,
  ChatSchema,
  MessageSchema,
} from '../../main/daemon/connectors/jmap-chat/wire.js';
import { parseArgs } from '../../main/daemon/connectors/jmap/client.js';
import { connectorContext, noBlobs } from '../../main/daemon/connectors/context.js';

const FIXTURE = join(import.meta.dirname, '..', 'fixtures', 'jmap-chat', 'first-sync.json');

function recorded() {
  const { methodResponses } = JSON.parse(readFileSync(FIXTURE, 'utf8')) as {
    methodResponses: [string, { list?: unknown[] }, string][];
  };
  const list = (name: string) => methodResponses.find(([n]) => n === name)![1].list!;
  const contacts = list('ChatContact/get').map((c) => parseArgs(ChatContactSchema, 'c', c));
  const chats = list('Chat/get').map((c) => parseArgs(ChatSchema, 'h', c));
  const messages = list('Message/get').map((m) => parseArgs(MessageSchema, 'm', m));
  // Bo's session as the connector holds it after its contact and chat sync
  // (no client: the mappers below make no calls).
  const session = {
    accountId: 'bo',
    selfId: 'bo',
    selfName: 'bo',
    contacts: new Map(
      contacts.map((c) => [c.id, { name: c.displayName ?? c.login, login: c.login }]),
    ),
    readPositions: new Map(),
    knownChats: new Set(chats.map((c) => c.id)),
    sentKeys: new Map(),
  } as unknown as ChatSession;
  return { contacts, chats, messages, session };
}

const ctxWith = (stored: Record<string, string>) =>
  connectorContext({
    account: { id: 1 } as never,
    secret: 'x',
    signal: new AbortController().signal,
    cursor: (k) => stored[k] ?? null,
    openBlob: noBlobs,
    log: () => undefined,
  });

test('jmap-chat: the direct chat is named after Ann, with both of us as members', () => {
  const { contacts, chats, session } = recorded();
  assert.deepEqual(
    contacts.map(contactToPerson).map((p) => [p.remoteId, p.displayName]),
    [['ann', 'Ann']],
  );
  const chat = chatToChat(session, chats[0]!);
  assert.deepEqual([chat.kind, chat.name, chat.unreadCount], ['direct', 'Ann', 1]);
  assert.deepEqual(
    chatMembers(session, chats[0]!).map((m) => [m.personRemoteId, m.membership]),
    [
      ['bo', 'join'],
      ['ann', 'join'],
    ],
  );
});

test('jmap-chat: messages, the edit from editHistory, the reaction and the deletion form one batch', async () => {
  const { messages, session } = recorded();
  const batch = await messageBatch(ctxWith({}), session, messages);
  const [hello, reply, deleted] = batch.messages!;
  assert.ok(hello && reply && deleted);
  assert.deepEqual(
    batch.messages!.map((m) => [m.senderRemoteId, m.body, m.deleted ?? false]),
    [
      ['ann', 'hello Bo', false],
      ['bo', 'hi Ann', false],
      ['ann', '', true],
    ],
    'the first message arrives as first sent; its edit follows',
  );
  assert.equal(reply.replyToRemoteId, hello.remoteId);
  assert.deepEqual(
    batch.edits?.map((e) => [e.messageRemoteId, e.body]),
    [[hello.remoteId, 'hello, Bo']],
  );
  assert.deepEqual(
    batch.reactionsAdded?.map((r) => [r.messageRemoteId, r.senderRemoteId, r.key]),
    [[hello.remoteId, 'bo', '🎉']],
  );
  // What was delivered is remembered as connector state, committed with the batch.
  assert.deepEqual(batch.state?.[`reactions:${hello.remoteId}`], [['bo', '🎉']]);
  assert.equal(batch.cursors?.[`edits:${hello.remoteId}`] ?? null, '1');
});

test('jmap-chat: a second look with the state committed adds no reaction again; a removed one goes', async () => {
  const { messages, session } = recorded();
  const helloId = messages[0]!.id;
  const same = await messageBatch(
    ctxWith({
      [`reactions:${helloId}`]: JSON.stringify([['bo', '🎉']]),
      [`edits:${helloId}`]: '1',
    }),
    session,
    messages,
  );
  assert.deepEqual(same.reactionsAdded, []);
  assert.deepEqual(same.reactionsRemoved, []);
  assert.deepEqual(same.edits, [], 'the edit was applied before');
  const earlier = await messageBatch(
    ctxWith({
      [`reactions:${helloId}`]: JSON.stringify([
        ['ann', '👀'],
        ['bo', '🎉'],
      ]),
    }),
    session,
    messages,
  );
  assert.deepEqual(
    earlier.reactionsRemoved?.map((r) => [r.senderRemoteId, r.key]),
    [['ann', '👀']],
  );
});
