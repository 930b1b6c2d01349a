// Recorded fixture → model: Bobby's chat list and the direct chat's newest
// page from the REST chat reference server (test/fixtures/rest-chat/, recorded
// by `npx tsx test/fixtures/record.ts rest-chat`): Annie said "hello Bobby"
// and edited it to "hello, Bobby", Bobby replied, Annie posted one more and
// deleted it. Also: both date encodings, and a server error's reason.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chatBatch, messageToMessage } from '../../main/daemon/connectors/rest-chat/mapping.js';
import {
  ChatListSchema,
  MessageInfoSchema,
  MessagePageSchema,
  WireDateSchema,
} from '../../main/daemon/connectors/rest-chat/wire.js';
import { RestTransport } from '../../main/daemon/connectors/rest-chat/transport.js';
import { parseFrame } from '../../main/daemon/connectors/rest-chat/live.js';
import { AuthError, PermanentError, ProtocolError } from '../../main/daemon/connectors/errors.js';
import { TransientHttpError } from '../../main/daemon/connectors/http/index.js';

const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(join(import.meta.dirname, '..', 'fixtures', 'rest-chat', name), 'utf8'));

// Bobby is user 2 on the recording server, Annie user 1.
const BOBBY = '2';

test('a personal chat maps to a direct chat named after the other participant, with both as members', () => {
  const [chat] = ChatListSchema.parse(fixture('chats.json'));
  const batch = chatBatch(chat!, BOBBY);
  assert.equal(batch.chats![0]!.kind, 'direct');
  assert.equal(batch.chats![0]!.name, 'Annie');
  assert.deepEqual(batch.people!.map((p) => [p.remoteId, p.displayName, p.isSelf]).sort(), [
    ['1', 'Annie', false],
    ['2', 'Bobby', true],
  ]);
  assert.deepEqual(batch.members!.map((m) => [m.personRemoteId, m.membership]).sort(), [
    ['1', 'join'],
    ['2', 'join'],
  ]);
});

test('messages map with their edit, deletion, sender and our own localId as the outbox key', () => {
  const page = MessagePageSchema.parse(fixture('messages.json'));
  const [deleted, reply, hello] = page.map((m) => messageToMessage(m, BOBBY));
  assert.equal(hello!.body, 'hello, Bobby');
  assert.equal(hello!.senderRemoteId, '1');
  assert.ok(hello!.editedTs, 'edited');
  assert.equal(hello!.idempotencyKey, null, 'Annie’s localId is not an outbox key of Bobby’s');
  assert.equal(reply!.body, 'hi Annie');
  assert.equal(reply!.idempotencyKey, '00000000-0000-4000-8000-000000000002');
  assert.equal(deleted!.deleted, true);
  assert.equal(deleted!.editedTs, null);
  // Whole seconds from the server; the id's last digits order a second's messages.
  const raw = (fixture('messages.json') as { id: number; createdAt: string }[])[2]!;
  assert.equal(hello!.ts, Date.parse(raw.createdAt) + (raw.id % 1000));
});

test('an attachment is named by a text that is a plain file name of its type, else by its file', () => {
  const withText = (text: string | undefined) =>
    messageToMessage(
      MessageInfoSchema.parse({
        id: 9,
        chatId: 'C',
        authorId: 1,
        ...(text === undefined ? {} : { text }),
        attachments: [{ id: 'AB12', fileType: 'png', fileSize: 10 }],
      }),
      BOBBY,
    ).attachments![0]!;
  assert.deepEqual(withText('beach.png'), {
    remoteId: 'AB12.png',
    name: 'beach.png',
    mime: 'image/png',
    size: 10,
    width: null,
    height: null,
  });
  assert.equal(withText('look at this').name, 'AB12.png', 'a caption is not a name');
  assert.equal(withText('notes.txt').name, 'AB12.png', 'another type is not its name');
  assert.equal(withText('../x.png').name, 'AB12.png', 'no paths');
  assert.equal(withText(undefined).name, 'AB12.png');
  assert.equal(withText('beach.png').remoteId, 'AB12.png', 'the file is found by its own name');
});

test('dates parse in both encodings: ISO-8601 (HTTP) and seconds since 2001 (websocket)', () => {
  assert.equal(WireDateSchema.parse('2025-08-08T10:20:30Z'), Date.UTC(2025, 7, 8, 10, 20, 30));
  assert.equal(WireDateSchema.parse(0), Date.UTC(2001, 0, 1));
  assert.equal(WireDateSchema.parse(776_341_230.5), Date.UTC(2025, 7, 8, 10, 20, 30, 500));
  assert.equal(WireDateSchema.safeParse('yesterday').success, false);
  const m = MessageInfoSchema.parse({ id: 1, chatId: 'C', createdAt: 776_341_230 });
  assert.equal(m.createdAt, Date.UTC(2025, 7, 8, 10, 20, 30));
});

test('server errors keep the server’s reason and map to the kit’s kinds; bad bodies are protocol errors', async () => {
  const answers: Record<string, [number, string]> = {
    '/auth': [401, '{"error":true,"reason":"Unauthorized"}'],
    '/forbidden': [403, '{"error":true,"reason":"You can\'t post into this chat."}'],
    '/down': [500, '{"error":true,"reason":"Something went wrong."}'],
    '/html': [502, '<html>bad gateway</html>'],
    '/cut': [200, '[{"id": 1, "chatId"'],
    '/shape': [200, '[{"id": "one", "chatId": "C"}]'],
  };
  const http = createServer((req, res) => {
    const [status, body] = answers[req.url!]!;
    res.writeHead(status, { 'content-type': 'application/json' }).end(body);
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const t = new RestTransport(`http://127.0.0.1:${(http.address() as AddressInfo).port}`, {
    bearer: 'secret-token',
  });
  const signal = new AbortController().signal;
  const get = (path: string) => t.json('GET', path, MessagePageSchema, { signal });
  try {
    await assert.rejects(
      get('/auth'),
      (e: Error) => e instanceof AuthError && /Unauthorized/.test(e.message),
    );
    await assert.rejects(
      get('/forbidden'),
      (e: Error) =>
        e instanceof PermanentError &&
        e.message === "GET /forbidden: You can't post into this chat.",
    );
    await assert.rejects(
      get('/down'),
      (e: Error) => e instanceof TransientHttpError && /Something went wrong/.test(e.message),
    );
    await assert.rejects(
      get('/html'),
      (e: Error) => e instanceof TransientHttpError && /HTTP 502/.test(e.message),
    );
    await assert.rejects(
      get('/cut'),
      (e: Error) => e instanceof ProtocolError && /not JSON/.test(e.message),
    );
    await assert.rejects(
      get('/shape'),
      (e: Error) =>
        e instanceof ProtocolError &&
        /unexpected answer \(0\.id: /.test(e.message) &&
        !e.message.includes('one'),
    );
  } finally {
    http.close();
  }
});

test('websocket frames: a whole one is read; truncated, misshapen or with a broken message it is a clear ProtocolError', () => {
  const frame = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v));
  const good = {
    event: 'message',
    source: '1',
    payload: { id: 7, chatId: 'C', authorId: 1, text: 'hi', createdAt: 776_341_230 },
  };
  assert.deepEqual(parseFrame(frame(good)), { kind: 'event', event: 'message' });
  const whole = JSON.stringify(good);
  assert.throws(
    () => parseFrame(frame(whole.slice(0, whole.length - 5))),
    (e: Error) => e instanceof ProtocolError && e.message === 'websocket: a frame is not JSON',
  );
  assert.throws(
    () => parseFrame(frame({ source: '1', payload: null })),
    (e: Error) => e instanceof ProtocolError && /unexpected frame \(event: /.test(e.message),
  );
  assert.throws(
    () => parseFrame(frame({ ...good, payload: { id: 7, chatId: 'C', createdAt: 'soon' } })),
    (e: Error) =>
      e instanceof ProtocolError &&
      /unexpected message payload \(createdAt: /.test(e.message) &&
      !e.message.includes('hi'),
  );
});
