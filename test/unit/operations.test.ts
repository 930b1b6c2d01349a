// Outbox operations as schema-checked data: what a connector handles is its
// operation table, the API refuses the rest before queueing, and a stored row
// that no longer parses fails with its reason instead of being sent or retried.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Daemon } from '../../main/daemon/daemon.js';
import { defaultConnectors } from '../../main/daemon/connectors/registry.js';
import { JmapMailConnector } from '../../main/daemon/connectors/jmap-mail/connector.js';
import { jmapMailOperations } from '../../main/daemon/connectors/jmap-mail/actions.js';
import { JmapChatConnector } from '../../main/daemon/connectors/jmap-chat/connector.js';
import { MatrixConnector } from '../../main/daemon/connectors/matrix/connector.js';
import { dispatch, UnsupportedOperationError } from '../../main/daemon/connectors/operations.js';
import { connectorContext, noBlobs } from '../../main/daemon/connectors/context.js';
import { PermanentError } from '../../main/daemon/connectors/errors.js';
import { parseStoredOp } from '../../main/daemon/model/ops.js';
import type { MailSession } from '../../main/daemon/connectors/jmap-mail/transport.js';
import {
  addAccount,
  chatBatch,
  memorySecrets,
  message,
  tempDir,
  tempStore,
} from '../helpers/fixtures.js';

function daemonWithRealConnectors() {
  const { dir, cleanup } = tempDir();
  const daemon = new Daemon({
    profileDir: dir,
    secrets: memorySecrets(),
    connectors: defaultConnectors(),
  });
  return { daemon, cleanup: async () => (await daemon.close(), cleanup()) };
}

test('editing a mail message answers unsupported at once and queues nothing', async () => {
  const { daemon, cleanup } = daemonWithRealConnectors();
  try {
    const store = daemon.store;
    const mail = store.accounts.add({
      protocol: 'jmap-mail',
      server: 'https://mail.test',
      username: 'ann',
    });
    store.writer.apply(
      mail.id,
      chatBatch('T1', 'Lunch?', [message('T1', 'M1', 1000, 'see you at noon')]),
    );
    const [m] = store.read.messages(store.read.chats({ accountId: mail.id })[0]!.id, { limit: 10 });

    const edit = await daemon.call('messages.edit', { messageId: m!.id, body: 'see you at one' });
    assert.equal(edit.ok ? null : edit.error.code, 'unsupported');
    assert.match(edit.ok ? '' : edit.error.message, /jmap-mail accounts cannot edit messages/);
    const react = await daemon.call('messages.react', { messageId: m!.id, key: '👍' });
    assert.equal(react.ok ? null : react.error.code, 'unsupported');
    assert.deepEqual(store.outbox.list(mail.id), [], 'nothing was queued');
    assert.equal(
      store.read.messagesById([m!.id])[0]?.body,
      'see you at noon',
      'the mail is untouched',
    );

    // The same call on an account whose connector handles edits is queued.
    const chat = addAccount(store, 'bo', 'matrix');
    store.writer.apply(chat.id, {
      ...chatBatch('!r', 'Room', [message('!r', '$1', 1000, 'hi', { senderRemoteId: '@bo' })]),
    });
    const [own] = store.read.messages(store.read.chats({ accountId: chat.id })[0]!.id, {
      limit: 10,
    });
    const queued = await daemon.call('messages.edit', { messageId: own!.id, body: 'hello' });
    assert.ok(queued.ok, 'a Matrix edit is queued');
    assert.deepEqual(
      store.outbox.list(chat.id).map((e) => e.op),
      ['edit'],
    );
  } finally {
    await cleanup();
  }
});

test('write capabilities are read off each connector operation table', () => {
  const mail = new JmapMailConnector();
  assert.deepEqual(
    [
      mail.capabilities.edit,
      mail.capabilities.react,
      mail.capabilities.delete,
      mail.capabilities.readMarkers,
    ],
    [false, false, true, true],
  );
  assert.equal(mail.capabilities.membership, false);
  assert.ok(mail.operations.has('mailSend') && !mail.operations.has('sendAttachment'));

  const matrix = new MatrixConnector();
  assert.ok(
    matrix.capabilities.edit && matrix.capabilities.react && matrix.capabilities.membership,
  );
  assert.ok(!matrix.operations.has('mailMove'), 'Matrix lists no mail operations');

  const chat = new JmapChatConnector();
  assert.ok(chat.capabilities.edit && chat.capabilities.membership);
  assert.ok(!chat.operations.has('chatJoin'), 'JMAP Chat joins Spaces, not chats by id');
});

test('dispatch refuses an operation outside the table as a permanent error, without calling out', async () => {
  const ctx = connectorContext({
    account: {
      id: 1,
      protocol: 'jmap-mail',
      server: 'https://mail.test',
      username: 'ann',
    } as never,
    secret: 'x',
    signal: new AbortController().signal,
    cursor: () => null,
    openBlob: noBlobs,
    log: () => undefined,
  });
  const session = {} as MailSession; // never touched: the table has no edit
  const edit = { op: 'edit', chatRemoteId: 'T1', messageRemoteId: 'M1', body: 'x' } as const;
  await assert.rejects(
    async () => dispatch('jmap-mail', jmapMailOperations, session, edit, 'key', ctx),
    (err: unknown) =>
      err instanceof UnsupportedOperationError &&
      err instanceof PermanentError &&
      /cannot edit messages/.test(err.message),
  );
});

test('an outbox row that no longer parses is failed with its reason, never sent or retried', () => {
  const { store, cleanup } = tempStore();
  try {
    const account = addAccount(store);
    store.writer.apply(account.id, chatBatch('!r', 'Room'));
    const chatId = store.read.chats()[0]!.id;
    const good = store.outbox.enqueue(account.id, chatId, {
      op: 'read',
      chatRemoteId: '!r',
      messageRemoteId: '$1',
    });
    const bad = store.outbox.enqueue(account.id, chatId, {
      op: 'read',
      chatRemoteId: '!r',
      messageRemoteId: '$2',
    });
    const junk = store.outbox.enqueue(account.id, chatId, {
      op: 'read',
      chatRemoteId: '!r',
      messageRemoteId: '$3',
    });
    // As if written by another version: a field of the wrong type, and a payload that is not JSON.
    store.db
      .prepare(`UPDATE outbox SET payload_json = ? WHERE id = ?`)
      .run(JSON.stringify({ op: 'read', chatRemoteId: '!r', messageRemoteId: 42 }), bad.id);
    store.db.prepare(`UPDATE outbox SET payload_json = '{"op":' WHERE id = ?`).run(junk.id);

    assert.deepEqual(
      store.outbox.due(account.id).map((e) => e.id),
      [good.id],
      'only the readable entry goes',
    );
    const stored = store.db
      .prepare(`SELECT id, state, last_error FROM outbox ORDER BY id`)
      .all() as {
      id: number;
      state: string;
      last_error: string | null;
    }[];
    assert.deepEqual(
      stored.map((r) => r.state),
      ['pending', 'failed', 'failed'],
    );
    assert.match(stored[1]!.last_error!, /cannot read a "read" operation .* at messageRemoteId/);
    assert.match(stored[2]!.last_error!, /not valid JSON/);
    const listed = store.outbox.get(bad.id)!;
    assert.equal(listed.operation, null);
    assert.equal(listed.op, 'read', 'the entry still says what it was');

    // The user's retry does not make it sendable: it fails again, at once.
    assert.ok(store.outbox.retryNow(bad.id));
    assert.deepEqual(
      store.outbox.due(account.id).map((e) => e.id),
      [good.id],
    );
    assert.equal(store.outbox.get(bad.id)!.state, 'failed');
  } finally {
    cleanup();
  }
});

test('stored operations from before openBlob (with a blob path) still parse', () => {
  const sha = 'a'.repeat(64);
  const old = JSON.stringify({
    op: 'sendAttachment',
    chatRemoteId: '!r',
    body: 'cat.png',
    attachment: {
      sha256: sha,
      path: `/profile/blobs/aa/${sha}`,
      name: 'cat.png',
      mime: 'image/png',
      size: 3,
    },
  });
  const parsed = parseStoredOp(old);
  assert.ok(parsed.ok);
  assert.deepEqual(parsed.op.op === 'sendAttachment' && Object.keys(parsed.op.attachment).sort(), [
    'mime',
    'name',
    'sha256',
    'size',
  ]);
});
