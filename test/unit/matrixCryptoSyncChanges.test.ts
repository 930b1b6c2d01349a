// A /sync with nothing for the crypto (no to-device events, no device-list
// changes, the same key counts) does not reach the Olm machine, whose every
// call saves its account in a store transaction; anything the machine needs
// does, and so does a quiet sync once RECEIVE_AT_LEAST_EVERY_MS has passed
// or while the machine holds a verification request (its garbage collection,
// run first by the call, must drop a finished flow before the next one with
// that user starts, or the machine cancels the new one).
// The machine is a stand-in recording its calls (our own native wrapper's
// interface; the real one is exercised against Synapse in the integration
// tests).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AccountCrypto,
  RECEIVE_AT_LEAST_EVERY_MS,
} from '../../main/daemon/connectors/matrix/crypto/accountCrypto.js';
import type { NativeCryptoMachine } from '../../main/daemon/connectors/matrix/crypto/native.js';
import type { MatrixTransport } from '../../main/daemon/connectors/matrix/transport.js';
import type { SyncResponse } from '../../main/daemon/connectors/matrix/wire.js';

function recordingCrypto() {
  const calls: Record<string, unknown>[] = [];
  const machine = {
    receiveSyncChanges: (input: string) => {
      const parsed = JSON.parse(input) as Record<string, unknown>;
      calls.push(parsed);
      const keys = ((parsed.to_device_events ?? []) as { content?: { session_id?: string } }[])
        .filter((e) => e.content?.session_id)
        .map((e) => ({ room_id: '!r:hs', session_id: e.content!.session_id! }));
      return Promise.resolve(JSON.stringify({ room_keys: keys, to_device: keys.length }));
    },
  } as unknown as NativeCryptoMachine;
  const crypto = new AccountCrypto(machine, {} as MatrixTransport, () => undefined);
  return { crypto, calls };
}

const sync = (extra: Partial<SyncResponse> = {}): SyncResponse =>
  ({
    next_batch: 's1',
    device_one_time_keys_count: { signed_curve25519: 50 },
    device_unused_fallback_key_types: ['signed_curve25519'],
    ...extra,
  }) as SyncResponse;

test('a sync with nothing for the crypto skips the machine; keys, device changes, new counts and time do not', async () => {
  const { crypto, calls } = recordingCrypto();
  let now = 1_000;
  // The first sync of a session always reaches it.
  await crypto.receiveSyncChanges(sync(), now);
  assert.equal(calls.length, 1);
  // A message, a receipt, someone typing: the same counts, nothing else.
  for (let i = 0; i < 5; i++) await crypto.receiveSyncChanges(sync(), (now += 1_000));
  assert.equal(calls.length, 1, 'quiet syncs skip the machine');

  // A room key by to-device: handed over, and its key reported.
  const keys = await crypto.receiveSyncChanges(
    sync({
      to_device: {
        events: [{ type: 'm.room.encrypted', sender: '@a:hs', content: { session_id: 'S' } }],
      },
    } as Partial<SyncResponse>),
    (now += 1_000),
  );
  assert.equal(calls.length, 2);
  assert.deepEqual(keys, [{ roomId: '!r:hs', sessionId: 'S' }]);

  // A device list change, a device that left, a one-time key used up, the fallback key used.
  await crypto.receiveSyncChanges(
    sync({ device_lists: { changed: ['@b:hs'] } } as Partial<SyncResponse>),
    (now += 1_000),
  );
  await crypto.receiveSyncChanges(
    sync({ device_lists: { left: ['@c:hs'] } } as Partial<SyncResponse>),
    (now += 1_000),
  );
  await crypto.receiveSyncChanges(
    sync({ device_one_time_keys_count: { signed_curve25519: 49 } }),
    (now += 1_000),
  );
  await crypto.receiveSyncChanges(
    sync({
      device_one_time_keys_count: { signed_curve25519: 49 },
      device_unused_fallback_key_types: [],
    }),
    (now += 1_000),
  );
  assert.equal(calls.length, 6, 'each reached the machine');
  assert.deepEqual(calls[5]!.unused_fallback_keys, []);

  // Quiet again, until the interval has passed: then once, with the sync's token.
  const counts = { device_one_time_keys_count: { signed_curve25519: 49 } };
  await crypto.receiveSyncChanges(
    sync({ ...counts, device_unused_fallback_key_types: [] }),
    (now += 1_000),
  );
  assert.equal(calls.length, 6);
  await crypto.receiveSyncChanges(
    sync({ ...counts, device_unused_fallback_key_types: [], next_batch: 's9' }),
    (now += RECEIVE_AT_LEAST_EVERY_MS),
  );
  assert.equal(calls.length, 7);
  assert.equal(calls[6]!.next_batch_token, 's9');
});

test('a failed call is not remembered: the next quiet sync tries the machine again', async () => {
  let fail = true;
  let tried = 0;
  const machine = {
    receiveSyncChanges: () => {
      tried++;
      return fail
        ? Promise.reject(new Error('store busy'))
        : Promise.resolve(JSON.stringify({ room_keys: [], to_device: 0 }));
    },
  } as unknown as NativeCryptoMachine;
  const crypto = new AccountCrypto(machine, {} as MatrixTransport, () => undefined);
  await assert.rejects(crypto.receiveSyncChanges(sync(), 1_000), /store busy/);
  fail = false;
  await crypto.receiveSyncChanges(sync(), 2_000);
  assert.equal(tried, 2);
  await crypto.receiveSyncChanges(sync(), 3_000);
  assert.equal(tried, 2, 'then quiet syncs skip it');
});

test('while the machine holds a verification, quiet syncs reach it (its garbage collection drops finished flows)', async () => {
  const { crypto, calls } = recordingCrypto();
  let held = false;
  crypto.holdsVerifications = () => held;
  let now = 1_000;
  await crypto.receiveSyncChanges(sync(), now);
  await crypto.receiveSyncChanges(sync(), (now += 1_000));
  assert.equal(calls.length, 1);
  // A flow is going on, or finished and not collected yet: each sync reaches the machine.
  held = true;
  await crypto.receiveSyncChanges(sync({ next_batch: 's2' }), (now += 1_000));
  await crypto.receiveSyncChanges(sync({ next_batch: 's3' }), (now += 1_000));
  assert.equal(calls.length, 3);
  assert.equal(calls[2]!.next_batch_token, 's3');
  // Collected: quiet syncs skip it again.
  held = false;
  await crypto.receiveSyncChanges(sync(), (now += 1_000));
  assert.equal(calls.length, 3);
});

test('collecting verifications hands the machine an empty change: no key counts, no sync token', async () => {
  const { crypto, calls } = recordingCrypto();
  await crypto.receiveSyncChanges(sync(), 1_000);
  await crypto.collectVerifications();
  assert.equal(calls.length, 2);
  assert.deepEqual(calls[1], {});
  // The quiet-sync rule is untouched by it.
  await crypto.receiveSyncChanges(sync(), 2_000);
  assert.equal(calls.length, 2);
});
