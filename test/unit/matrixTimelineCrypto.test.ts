// A message whose room key comes late: it is stored as a placeholder, waits in
// the connector state committed with its batch, and turns into the real
// message in the batch whose sync brought the key (also after a restart).
// The crypto here is a stand-in for our own AccountCrypto (its native side is
// tested against Synapse in test/integration/matrixE2ee.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { z } from 'zod';
import type { AccountCrypto } from '../../main/daemon/connectors/matrix/crypto/accountCrypto.js';
import {
  decryptSync,
  WAITING_STATE,
} from '../../main/daemon/connectors/matrix/crypto/timelineCrypto.js';
import { mapSync, type StateReader } from '../../main/daemon/connectors/matrix/syncMapper.js';
import type { RoomEvent, SyncResponse } from '../../main/daemon/connectors/matrix/wire.js';
import type { MappingContext } from '../../main/daemon/connectors/matrix/mapping/common.js';
import type { SyncBatch } from '../../main/daemon/model/types.js';

const ROOM = '!r:localhost';

/** Knows the session ids it has keys for; "decrypts" by reading the test's plaintext. */
function fakeCrypto(keys: Set<string>, arriving: string[] = []) {
  const fake = {
    retriedAtStart: false,
    tracked: [] as string[],
    receiveSyncChanges: async () => {
      for (const k of arriving) keys.add(k);
      return arriving.map((sessionId) => ({ roomId: ROOM, sessionId }));
    },
    kickOutgoing: () => undefined,
    updateTrackedUsers: async (users: Iterable<string>) => void fake.tracked.push(...users),
    decrypt: async (_room: string, e: RoomEvent) => {
      const sessionId = String(e.content.session_id);
      if (!keys.has(sessionId)) return { ok: false as const, sessionId, reason: 'missing_key' };
      return {
        ok: true as const,
        type: 'm.room.message',
        content: { msgtype: 'm.text', body: String(e.content.ciphertext) },
        senderDevice: 'PEERDEVICE',
        trust: 'unverified' as const,
      };
    },
  };
  return fake;
}

const encrypted = (id: string, sessionId: string, plaintext: string): RoomEvent => ({
  type: 'm.room.encrypted',
  event_id: id,
  sender: '@bo:localhost',
  origin_server_ts: 1_700_000_000_000,
  // The stand-in's "ciphertext" is the text; nothing here is real Megolm.
  content: { algorithm: 'm.megolm.v1.aes-sha2', session_id: sessionId, ciphertext: plaintext },
});

const syncWith = (events: RoomEvent[], next: string): SyncResponse => ({
  next_batch: next,
  rooms: { join: { [ROOM]: { timeline: { events } } } },
});

/** Committed connector state, as the batch writer would keep it between batches. */
function stateStore() {
  const values = new Map<string, unknown>();
  const read: StateReader = {
    cursor: (k) => (values.has(k) ? JSON.stringify(values.get(k)) : null),
    state: <T>(k: string, schema: z.ZodType<T>) => {
      if (!values.has(k)) return null;
      const r = schema.safeParse(values.get(k));
      return r.success ? r.data : null;
    },
  };
  const commit = (b: SyncBatch) => {
    for (const [k, v] of Object.entries(b.state ?? {})) values.set(k, v);
  };
  return { read, commit, values };
}

const mapping = (): MappingContext => ({
  selfId: '@ann:localhost',
  selfName: 'Ann',
  direct: new Map(),
  reactions: new Map(),
});

async function run(
  crypto: ReturnType<typeof fakeCrypto>,
  res: SyncResponse,
  s: ReturnType<typeof stateStore>,
) {
  const pass = await decryptSync(crypto as unknown as AccountCrypto, res, s.read);
  const m = mapping();
  const batch = mapSync(res, m, s.read);
  pass.applyTo(batch, m, s.read);
  s.commit(batch);
  return batch;
}

test('a message before its key is a placeholder, then the real message when the key arrives', async () => {
  const s = stateStore();
  const keys = new Set(['known']);
  const first = await run(
    fakeCrypto(keys),
    syncWith([encrypted('$a', 'known', 'hello'), encrypted('$b', 'late', 'the late one')], 's1'),
    s,
  );
  const byId = new Map(first.messages!.map((m) => [m.remoteId, m]));
  assert.equal(byId.get('$a')!.body, 'hello');
  assert.deepEqual(byId.get('$a')!.encryption, { senderDevice: 'PEERDEVICE', trust: 'unverified' });
  assert.equal(byId.get('$b')!.kind, 'encrypted', 'waiting for its key');
  assert.equal(byId.get('$b')!.encryption, undefined);
  assert.equal((s.values.get(WAITING_STATE) as unknown[]).length, 1, 'one event waits');

  // Nothing new for that session: it keeps waiting, and the batch does not touch the list.
  const same = fakeCrypto(keys);
  const quiet = await run(same, syncWith([], 's2'), s);
  assert.equal(quiet.state?.[WAITING_STATE], undefined);

  // The key arrives (to-device) in a sync with no timeline for the room.
  const crypto = fakeCrypto(keys, ['late']);
  crypto.retriedAtStart = true;
  const later = await run(crypto, syncWith([], 's3'), s);
  const late = later.messages!.find((m) => m.remoteId === '$b')!;
  assert.equal(late.kind, 'text');
  assert.equal(late.body, 'the late one', 'the placeholder is replaced by the message');
  assert.equal(late.encryption?.senderDevice, 'PEERDEVICE');
  assert.deepEqual(s.values.get(WAITING_STATE), [], 'nothing waits any more');
});

test('after a restart everything waiting is tried once, in case its key came in a batch that was lost', async () => {
  const s = stateStore();
  const keys = new Set<string>();
  await run(fakeCrypto(keys), syncWith([encrypted('$c', 'lost', 'from a lost batch')], 's1'), s);
  // The key reached the crypto store, but the batch that said so never committed.
  keys.add('lost');
  const restarted = await run(fakeCrypto(keys), syncWith([], 's2'), s);
  assert.equal(restarted.messages!.find((m) => m.remoteId === '$c')!.body, 'from a lost batch');
});

test('members of encrypted rooms are tracked as they appear', async () => {
  const s = stateStore();
  const crypto = fakeCrypto(new Set());
  const member = (user: string): RoomEvent => ({
    type: 'm.room.member',
    state_key: user,
    event_id: `$m-${user}`,
    sender: user,
    origin_server_ts: 1,
    content: { membership: 'join' },
  });
  const enc: RoomEvent = {
    type: 'm.room.encryption',
    state_key: '',
    event_id: '$enc',
    sender: '@bo:localhost',
    origin_server_ts: 1,
    content: { algorithm: 'm.megolm.v1.aes-sha2' },
  };
  await run(
    crypto,
    {
      next_batch: 's1',
      rooms: {
        join: {
          [ROOM]: { state: { events: [enc, member('@bo:localhost')] }, timeline: { events: [] } },
          '!plain:localhost': { state: { events: [member('@cy:localhost')] } },
        },
      },
    },
    s,
  );
  assert.deepEqual(crypto.tracked, ['@bo:localhost'], 'only the encrypted room’s members');
});

test('keys restored from the key backup between syncs decrypt their waiting messages in the next one', async () => {
  const s = stateStore();
  const keys = new Set<string>();
  const crypto = fakeCrypto(keys);
  crypto.retriedAtStart = true;
  await run(crypto, syncWith([encrypted('$old', 'backed-up', 'from before this device')], 's1'), s);
  assert.equal((s.values.get(WAITING_STATE) as unknown[]).length, 1);
  // A restore imports the key outside any sync, and says which session it was.
  keys.add('backed-up');
  const restored = [{ roomId: ROOM, sessionId: 'backed-up' }];
  const withBackup = Object.assign(fakeCrypto(keys), {
    retriedAtStart: true,
    backup: { takeImported: () => restored.splice(0) },
  });
  const next = await run(withBackup, syncWith([], 's2'), s);
  assert.equal(next.messages!.find((m) => m.remoteId === '$old')!.body, 'from before this device');
  assert.deepEqual(s.values.get(WAITING_STATE), [], 'nothing waits any more');
  assert.equal(restored.length, 0, 'each restored key is handed over once');
});
