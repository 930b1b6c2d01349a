// Recorded fixture → SyncBatch: Bo's first /sync from a real Synapse
// (test/fixtures/matrix/initial-sync.json, recorded by test/fixtures/record.ts):
// Ann made "Fixture room", invited Bo; Ann said "hello" and edited it to
// "hello, world", Bo replied and reacted 👍, Ann sent "oops" and redacted it,
// changed the topic, and Bo sent a notice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { mapSync } from '../../main/daemon/connectors/matrix/syncMapper.js';
import { mapRoomEvents } from '../../main/daemon/connectors/matrix/mapping/messages.js';
import { parseWire, syncResponseSchema } from '../../main/daemon/connectors/matrix/wire.js';
import { RoomInfoSchema } from '../../main/daemon/connectors/matrix/mapping/rooms.js';
import type { MappingContext } from '../../main/daemon/connectors/matrix/mapping/common.js';
import { readState } from '../../main/daemon/connectors/context.js';

const FIXTURE = join(import.meta.dirname, '..', 'fixtures', 'matrix', 'initial-sync.json');
const BO = '@bo:localhost';
const ANN = '@ann:localhost';

function firstSync() {
  const res = parseWire(syncResponseSchema, JSON.parse(readFileSync(FIXTURE, 'utf8')), 'sync');
  const ctx: MappingContext = {
    selfId: BO,
    selfName: null,
    direct: new Map(),
    reactions: new Map(),
  };
  const nothingStored = { cursor: () => null, state: () => null };
  return { batch: mapSync(res, ctx, nothingStored), ctx };
}

test('matrix: the room becomes a chat with its name, latest topic, members and people', () => {
  const { batch } = firstSync();
  assert.equal(batch.chats?.length, 1);
  const chat = batch.chats![0]!;
  assert.equal(chat.name, 'Fixture room');
  assert.equal(chat.topic, 'Fixtures, recorded', 'the later topic wins');
  assert.equal(chat.kind, 'group');
  assert.equal(chat.encrypted, false);
  assert.deepEqual(
    batch.people?.map((p) => [p.remoteId, p.displayName, p.isSelf ?? false]),
    [
      [ANN, 'Ann', false],
      [BO, 'Bo', true],
    ],
  );
  assert.deepEqual(
    batch.members?.at(-1),
    { chatRemoteId: chat.remoteId, personRemoteId: BO, membership: 'join' },
    'Bo ends up joined',
  );
});

test('matrix: the timeline becomes messages, an edit, a reaction and a deletion', () => {
  const { batch } = firstSync();
  const messages = batch.messages!;
  assert.deepEqual(
    messages.map((m) => [m.kind, m.body]),
    [
      ['system', 'Ann created the room'],
      ['system', 'Ann joined'],
      ['system', 'Ann changed the room name to Fixture room'],
      ['system', 'Ann changed the topic to Where the fixtures live'],
      ['system', 'Ann invited Bo'],
      ['system', 'Bo joined'],
      ['text', 'hello'],
      ['text', 'hi Ann'], // the reply fallback ("> <@ann…> hello") is stripped
      ['text', ''], // "oops", redacted
      ['system', 'Ann changed the topic to Fixtures, recorded'],
      ['notice', 'a notice from Bo'],
    ],
  );
  const hello = messages[6]!;
  const reply = messages[7]!;
  const oops = messages[8]!;
  assert.equal(reply.replyToRemoteId, hello.remoteId);
  assert.equal(reply.idempotencyKey, 't2', 'our own send carries its txnId back');
  assert.equal(oops.deleted, true);
  assert.ok(messages.every((m) => m.ts > 0 && m.chatRemoteId === batch.chats![0]!.remoteId));
  // The edit is no message of its own; it targets "hello" from its own sender.
  assert.deepEqual(
    batch.edits?.map((e) => [e.messageRemoteId, e.body, e.senderRemoteId, e.scope]),
    [[hello.remoteId, 'hello, world', ANN, 'm.room.message']],
  );
  assert.deepEqual(
    batch.reactionsAdded?.map((r) => [r.messageRemoteId, r.senderRemoteId, r.key]),
    [[hello.remoteId, BO, '👍']],
  );
  assert.deepEqual(batch.deletions, [{ messageRemoteId: oops.remoteId }]);
});

test("matrix: push rules decide notifications: Ann's message notifies, ours and notices do not", () => {
  const { batch } = firstSync();
  const byBody = new Map(batch.messages!.map((m) => [m.body, m]));
  assert.equal(byBody.get('hello')?.notify, true);
  assert.equal(byBody.get('hi Ann')?.notify, false, 'our own message');
  assert.equal(byBody.get('a notice from Bo')?.notify, false);
  assert.ok(batch.messages!.filter((m) => m.kind === 'system').every((m) => m.notify === false));
});

test('matrix: cursors and connector state come with the batch, and the state reads back typed', () => {
  const { batch } = firstSync();
  const roomId = batch.chats![0]!.remoteId;
  assert.match(batch.cursors?.sync ?? '', /^s\d/);
  assert.equal(
    batch.cursors?.[`backfill:${roomId}`],
    'done',
    'the whole history fit the first sync (it has m.room.create)',
  );
  const stored = readState(JSON.stringify(batch.state?.[`room:${roomId}`]), RoomInfoSchema);
  assert.ok(stored);
  assert.equal(stored.name, 'Fixture room');
  assert.equal(stored.membership, 'join');
  assert.equal(stored.joined, 2);
  assert.ok(batch.state?.push_rules, "the account's push rules are kept for the next start");
});

test('matrix: a message mentions us by our display name as a whole word, however long the name', () => {
  const event = (body: string, n: number) =>
    ({
      event_id: `$m${n}`,
      type: 'm.room.message',
      sender: ANN,
      origin_server_ts: 1_000 + n,
      content: { msgtype: 'm.text', body },
    }) as never;
  const mentioned = (selfName: string, bodies: string[]) =>
    mapRoomEvents(
      '!r:localhost',
      bodies.map(event),
      { selfId: BO, selfName, direct: new Map(), reactions: new Map() },
      (id) => id,
    ).messages.map((m) => m.mentionsSelf ?? false);
  assert.deepEqual(
    mentioned('Bobby', ['hi bobby!', 'hi bobbyx', 'xbobby', '😀bobby😀', 'éBobby', 'bobby']),
    [true, false, false, true, false, true],
  );
  // A name of megabytes (a hostile server) used to become a RegExp V8 refused: now it is a plain search.
  const huge = 'bo'.repeat(2_000_000);
  assert.deepEqual(mentioned(huge, [`hey ${huge}`, 'hey bo']), [true, false]);
});
