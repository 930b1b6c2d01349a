// Recorded fixture → model: Bo's subscriptions and the room's messages from
// the unichat reference server (test/fixtures/unichat/, recorded by `npx tsx
// test/fixtures/record.ts unichat`): Ann made "Fixture room" with Bo, said
// "hello @bo" (mentioning him) and edited it, Bo replied, Ann posted one more
// and deleted it, then sent a file; Bo opened a private chat with Ann, saved a
// draft and read up to the hello. Also: notifications under either type key,
// mentions found in text, and the RPC error body's kinds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { messagesBatch, subscriptionBatch } from '../../main/daemon/connectors/unichat/mapping.js';
import { MessagesAnswer, SubscriptionsAnswer } from '../../main/daemon/connectors/unichat/wire.js';
import { parseFrame, sseData, typeOf } from '../../main/daemon/connectors/unichat/live.js';
import { findMentions } from '../../main/daemon/connectors/unichat/actions.js';
import { UnichatTransport } from '../../main/daemon/connectors/unichat/transport.js';
import { EmptyAnswer } from '../../main/daemon/connectors/unichat/wire.js';
import { AuthError, PermanentError, ProtocolError } from '../../main/daemon/connectors/errors.js';
import { TransientHttpError } from '../../main/daemon/connectors/http/index.js';

const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(join(import.meta.dirname, '..', 'fixtures', 'unichat', name), 'utf8'));

// Ann is user 1 on the recording server, Bo user 2; the room is group 1.
const BO = '2';

test('a room maps to a group chat with its members and roles, our read position; a private chat is direct', () => {
  const { subscriptions } = SubscriptionsAnswer.parse(fixture('subscriptions.json'));
  assert.equal(subscriptions.length, 2);
  const room = subscriptionBatch(subscriptions[0]!, BO);
  assert.deepEqual(
    room.chats!.map((c) => [c.remoteId, c.kind, c.name]),
    [['1', 'group', 'Fixture room']],
  );
  assert.deepEqual(
    room.members!.map((m) => [m.personRemoteId, m.membership, m.role]),
    [
      ['1', 'join', 'owner'],
      ['2', 'join', 'writer'],
    ],
  );
  assert.deepEqual(
    room.people!.map((p) => [p.remoteId, p.displayName, p.isSelf]),
    [
      ['1', 'ann', false],
      ['2', 'bo', true],
    ],
  );
  assert.deepEqual(room.readPositions, [{ chatRemoteId: '1', messageRemoteId: '3' }]);
  assert.equal(subscriptions[0]!.draft, 'a draft');
  const direct = subscriptionBatch(subscriptions[1]!, BO);
  assert.deepEqual(
    direct.chats!.map((c) => [c.kind, c.name]),
    [['direct', 'ann']],
  );
  assert.deepEqual(direct.readPositions, []);
});

test('messages: system messages, a mention of us, an edit, a reply, a deletion, a file, our uid', () => {
  const { messages } = MessagesAnswer.parse(fixture('messages.json'));
  const batch = messagesBatch(messages, BO);
  const byId = new Map(batch.messages!.map((m) => [m.remoteId, m]));
  assert.deepEqual(
    [...byId.values()]
      .filter((m) => m.kind === 'system')
      .map((m) => m.body)
      .sort(),
    ['ann created the room', 'bo was invited'],
  );
  const hello = byId.get('3')!;
  assert.equal(hello.body, 'hello, @bo');
  assert.ok(hello.editedTs! > 0, 'edited');
  assert.equal(hello.mentionsSelf, true);
  assert.deepEqual(hello.mentionRemoteIds, ['2']);
  assert.equal(hello.idempotencyKey, null, 'Ann’s uid is not shown to Bo');
  const reply = byId.get('4')!;
  assert.equal(reply.replyToRemoteId, '3');
  assert.equal(reply.idempotencyKey, '00000000-0000-4000-8000-000000000002', 'our own uid');
  assert.equal(reply.senderRemoteId, BO);
  assert.deepEqual(batch.deletions, [{ messageRemoteId: '5' }], 'the short record');
  assert.ok(!byId.has('5'));
  const file = byId.get('6')!;
  assert.equal(file.kind, 'file');
  assert.deepEqual(file.attachments, [
    { remoteId: '<redacted>/files/1/notes.txt', name: 'notes.txt', mime: 'text/plain', size: 5 },
  ]);
  assert.equal(typeof file.ts, 'number');
});

test('an edit time under either name the document gives it (edited_at, last_edited_at) marks the message edited', () => {
  const raw = fixture('messages.json') as { messages: Record<string, unknown>[] };
  const hello = raw.messages.find((m) => String(m.id) === '3')!;
  const { edited_at: editedAt, ...withoutEdit } = hello;
  assert.ok(editedAt, 'the fixture has the edit under edited_at');
  const editedTs = (record: Record<string, unknown>) =>
    messagesBatch(MessagesAnswer.parse({ messages: [record] }).messages, BO).messages![0]!.editedTs;
  assert.ok(editedTs(hello)! > 0);
  assert.equal(editedTs({ ...withoutEdit, last_edited_at: editedAt }), editedTs(hello));
  assert.equal(editedTs(withoutEdit), null);
});

test('after_serial reads every change once, in serial order', () => {
  const { messages } = MessagesAnswer.parse(fixture('after-serial.json'));
  const serials = messages.map((m) => m.serial);
  assert.deepEqual(
    serials,
    [...serials].sort((a, b) => a - b),
  );
  assert.equal(new Set(messages.map((m) => m.id)).size, messages.length);
});

test('a malformed record names the field; notifications parse under either type key', () => {
  const bad = MessagesAnswer.safeParse({ status: 'OK', messages: [{ id: 1, group_id: 'x' }] });
  assert.equal(bad.success, false);
  const [a, b] = parseFrame(
    JSON.stringify({
      notifications: [
        { event: 'new', object_type: 'message', object: { id: 1 } },
        { event: 'deleted', object_name: 'subscription', object: { id: 2 } },
      ],
    }),
  );
  assert.equal(typeOf(a!), 'message');
  assert.equal(typeOf(b!), 'subscription');
  assert.throws(
    () => parseFrame('{"notifications": [{"event": "new"'),
    (e: Error) => e instanceof ProtocolError && /a frame is not JSON/.test(e.message),
  );
  assert.throws(
    () => parseFrame('{"notifications": [{"event": "new", "object": {}}]}'),
    (e: Error) => e instanceof ProtocolError && /object_type or object_name/.test(e.message),
  );
});

test('SSE framing: data lines join, comments and blank keep-alives are skipped', async () => {
  const chunks = [': hello\n\n', 'data: {"a":\n', 'data: 1}\n\ndata: {"b":2}\r', '\n\r\n'];
  const got: string[] = [];
  for await (const d of sseData(
    (async function* () {
      for (const c of chunks) yield new TextEncoder().encode(c);
    })(),
  ))
    got.push(d);
  assert.deepEqual(got, ['{"a":\n1}', '{"b":2}']);
});

test('mentions are found by participant nick, longest first, never ourselves', () => {
  const people = [
    { userId: 1, nick: 'ann' },
    { userId: 3, nick: 'ann-marie' },
    { userId: 2, nick: 'bo' },
  ];
  assert.deepEqual(findMentions('hi @ann-marie and @ANN, not me@bo or @bo', people, '2'), [
    { user_id: 3, text: '@ann-marie' },
    { user_id: 1, text: '@ANN' },
  ]);
});

test('RPC errors: a refused token is an AuthError, other codes permanent with the code, 5xx transient', async () => {
  const answers: [number, string][] = [
    [
      400,
      '{"status":"error","error_code":"auth_failed","error_text":"USER_AUTH_TOKEN is not valid"}',
    ],
    [400, '{"status":"error","error_code":"access_denied","error_text":"read-only in this group"}'],
    [503, 'busy'],
    [200, '{"status":"error"}'],
  ];
  const http = createServer((_req, res) => {
    const [status, body] = answers.shift()!;
    res.writeHead(status, { 'content-type': 'application/json' }).end(body);
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const t = new UnichatTransport(
    `http://127.0.0.1:${(http.address() as AddressInfo).port}`,
    'token',
  );
  const call = () => t.call('ping', {}, EmptyAnswer, { signal: AbortSignal.timeout(5000) });
  try {
    await assert.rejects(
      call(),
      (e: Error) => e instanceof AuthError && /auth_failed/.test(e.message),
    );
    await assert.rejects(
      call(),
      (e: Error) =>
        e instanceof PermanentError &&
        e.message === 'unichat ping: access_denied (read-only in this group)',
    );
    await assert.rejects(call(), (e: Error) => e instanceof TransientHttpError);
    await assert.rejects(
      call(),
      (e: Error) => e instanceof ProtocolError && /status/.test(e.message),
    );
  } finally {
    http.close();
  }
});
