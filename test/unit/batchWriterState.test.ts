// Connector state is stored as JSON beside the cursors; a server can make it
// nested deeper than JSON.stringify recurses. The batch is then refused as
// inconsistent (InvalidBatchError, a ProtocolError to the engine) and nothing
// of it is written, rather than a RangeError ending the sync.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidBatchError } from '../../main/daemon/store/batchWriter.js';
import { addAccount, chatBatch, message, tempStore } from '../helpers/fixtures.js';

test('state nested too deeply to write refuses its batch, which leaves nothing behind', () => {
  const { store, cleanup } = tempStore();
  try {
    const account = addAccount(store);
    let deep: unknown = 'bottom';
    for (let i = 0; i < 200_000; i++) deep = [deep];
    assert.throws(
      () =>
        store.writer.apply(account.id, {
          ...chatBatch('!room', 'Room', [message('!room', '$1', 1_000, 'hello')]),
          cursors: { since: 's2' },
          state: { 'room:!room': deep },
        }),
      (err: unknown) =>
        err instanceof InvalidBatchError &&
        /state "room:!room" is nested too deeply/.test(err.message),
    );
    assert.equal(store.writer.cursor(account.id, 'since'), null);
    assert.equal(store.read.chats().length, 0);
    // A sound batch after it goes in.
    store.writer.apply(account.id, { ...chatBatch('!room', 'Room'), state: { 'room:!room': [1] } });
    assert.equal(store.writer.cursor(account.id, 'room:!room'), '[1]');
  } finally {
    cleanup();
  }
});
