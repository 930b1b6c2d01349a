// ctx.state(key, schema): a connector's typed per-account state, set by a
// batch and committed in the same transaction as the batch's data.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as z from 'zod';
import { connectorContext, noBlobs } from '../../main/daemon/connectors/context.js';
import { addAccount, chatBatch, message, tempStore } from '../helpers/fixtures.js';

const RoomSchema = z.object({ name: z.string(), members: z.number() });

test('state set by a batch reads back typed, and commits or rolls back with the batch', () => {
  const { store, cleanup } = tempStore();
  try {
    const account = addAccount(store);
    const ctx = connectorContext({
      account,
      secret: 's',
      signal: new AbortController().signal,
      cursor: (stream) => store.writer.cursor(account.id, stream),
      openBlob: noBlobs,
      log: () => undefined,
    });
    assert.equal(ctx.state('room:!a', RoomSchema), null, 'unset');

    store.writer.apply(account.id, {
      ...chatBatch('!a', 'A'),
      cursors: { sync: 's1' },
      state: { 'room:!a': { name: 'A', members: 3 } },
    });
    assert.deepEqual(ctx.state('room:!a', RoomSchema), { name: 'A', members: 3 });
    assert.equal(ctx.cursor('sync'), 's1');

    // A batch that fails leaves neither its cursor nor its state behind.
    assert.throws(() =>
      store.writer.apply(account.id, {
        messages: [message('!nowhere', '$1', 1000, 'lost')],
        cursors: { sync: 's2' },
        state: { 'room:!a': { name: 'renamed', members: 4 } },
      }),
    );
    assert.equal(ctx.cursor('sync'), 's1');
    assert.deepEqual(ctx.state('room:!a', RoomSchema), { name: 'A', members: 3 });

    // What no longer fits the schema reads as unset (the connector rebuilds it); null clears.
    store.writer.apply(account.id, { state: { 'room:!a': { name: 7 } } });
    assert.equal(ctx.state('room:!a', RoomSchema), null);
    store.writer.apply(account.id, { state: { 'room:!a': null } });
    assert.equal(ctx.cursor('room:!a'), null);
  } finally {
    cleanup();
  }
});
