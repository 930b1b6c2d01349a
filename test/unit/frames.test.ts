// The client protocol's frames, checked once at each receiving edge: a frame
// that is not one is refused with its reason (and the id to answer under).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  decodeText,
  encodeText,
  isFrameError,
  parseCallFrame,
  parseServerFrame,
} from '../../main/daemon/api/frames.js';

test('a call frame: id, name and input, or why not', () => {
  assert.deepEqual(parseCallFrame(decodeText('{"id":3,"name":"chats.list","input":{}}')), {
    id: 3,
    name: 'chats.list',
    input: {},
  });
  assert.deepEqual(parseCallFrame(decodeText('{"id":"a","name":"accounts.list"}')), {
    id: 'a',
    name: 'accounts.list',
    input: undefined,
  });
  const refused = (text: string) => {
    const frame = parseCallFrame(decodeText(text));
    assert.ok(isFrameError(frame), text);
    return frame;
  };
  assert.deepEqual(refused('{nope'), { id: null, error: 'the frame is not valid JSON' });
  assert.equal(refused('[1]').id, null);
  assert.equal(refused('{"name":"x"}').id, null);
  assert.deepEqual(refused('{"id":9,"name":42}'), {
    id: 9,
    error: 'a frame needs a procedure name',
  });
});

test('a server frame: a result or a known event; anything else is dropped with its reason', () => {
  const result = { id: 1, result: { ok: true, value: [] } };
  assert.deepEqual(parseServerFrame(decodeText(encodeText(result as never))), result);
  const failed = { id: 2, result: { ok: false, error: { code: 'not_found', message: 'gone' } } };
  assert.deepEqual(parseServerFrame(failed), failed);
  const event = { event: { name: 'messages.removed', payload: { chatId: 1, messageIds: [2] } } };
  assert.deepEqual(parseServerFrame(event), event);

  for (const bad of [
    null,
    'text',
    { event: { name: 'messages.exploded', payload: {} } },
    { event: { name: 'chats.updated' } },
    { id: 3, result: { value: 1 } },
    { id: 4, result: { ok: false, error: 'boom' } },
  ])
    assert.ok(isFrameError(parseServerFrame(bad)), JSON.stringify(bad));
});
