// The daemon's side of SAS verification around the machine (crypto/verification.ts)
// and the identity-change watch (crypto/devices.ts), with the native machine
// replaced by a scripted one: which phase the user sees for each machine state,
// which steps are taken without asking, and that a change is reported once.
// The protocol itself is tested against Synapse (test/integration/matrixVerification.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  VerificationService,
  isVerificationEvent,
  phaseOf,
} from '../../main/daemon/connectors/matrix/crypto/verification.js';
import { TrustWatch } from '../../main/daemon/connectors/matrix/crypto/devices.js';
import type {
  NativeVerification,
  SecurityNative,
} from '../../main/daemon/connectors/matrix/crypto/securityNative.js';
import type { AccountCrypto } from '../../main/daemon/connectors/matrix/crypto/accountCrypto.js';
import type { OutgoingRequest } from '../../main/daemon/connectors/matrix/crypto/requests.js';
import type { SecurityEvent } from '../../main/daemon/model/security.js';

const flow = (over: Partial<NativeVerification> = {}): NativeVerification => ({
  flow_id: 'f1',
  user_id: '@bo:x',
  device_id: 'BODEV',
  room_id: null,
  we_started: true,
  self_verification: false,
  phase: 'created',
  sas: null,
  cancel: null,
  ...over,
});

const sas = (
  phase: NonNullable<NativeVerification['sas']>['phase'],
  weStarted = false,
): NativeVerification['sas'] => ({
  phase,
  we_started: weStarted,
  device_id: 'BODEV',
  emoji: phase === 'keys_exchanged' ? [{ symbol: '🐶', description: 'Dog' }] : null,
  decimals: phase === 'keys_exchanged' ? [1111, 2222, 3333] : null,
  cancel: null,
});

/** A machine whose flows the test sets, recording the steps asked of it. */
function scripted() {
  const state = { flows: [flow()] };
  const calls: string[] = [];
  const sent: OutgoingRequest[] = [];
  const req = (id: string): OutgoingRequest => ({ kind: 'to_device', id, body: {} });
  const native = {
    verifications: () => state.flows,
    startSas: async (_u: string, f: string) => {
      calls.push(`startSas ${f}`);
      state.flows = state.flows.map((x) =>
        x.flow_id === f ? { ...x, phase: 'transitioned', sas: sas('sas_created', true) } : x,
      );
      return [req('start')];
    },
    accept: (_u: string, f: string) => {
      calls.push(`accept ${f}`);
      return [req('accept')];
    },
    requestDeviceVerification: async () => ({ flow_id: 'f1', requests: [req('request')] }),
    receiveVerificationEvent: async (e: unknown) => {
      calls.push(`event ${(e as { type: string }).type}`);
    },
  } as unknown as SecurityNative;
  const crypto = {
    send: async (r: OutgoingRequest) => {
      sent.push(r);
    },
    updateTrackedUsers: async () => undefined,
    processOutgoing: async () => undefined,
    // The machine's garbage collection: finished flows go.
    collectVerifications: async () => {
      calls.push('collect');
      state.flows = state.flows.filter((f) => f.phase !== 'done' && f.phase !== 'cancelled');
    },
  } as unknown as AccountCrypto;
  const events: SecurityEvent[] = [];
  const service = new VerificationService(crypto, native, async () => '$ev');
  service.attach((e) => events.push(e));
  return { state, calls, sent, events, service, crypto };
}

test('every machine state reads as the phase the user acts on', () => {
  assert.equal(phaseOf(flow({ phase: 'created' })), 'waiting');
  assert.equal(phaseOf(flow({ phase: 'requested', we_started: false })), 'requested');
  assert.equal(phaseOf(flow({ phase: 'ready' })), 'ready');
  assert.equal(phaseOf(flow({ phase: 'transitioned', sas: sas('sas_started', false) })), 'started');
  assert.equal(phaseOf(flow({ phase: 'transitioned', sas: sas('sas_started', true) })), 'waiting');
  assert.equal(phaseOf(flow({ phase: 'transitioned', sas: sas('sas_accepted') })), 'waiting');
  assert.equal(phaseOf(flow({ phase: 'transitioned', sas: sas('keys_exchanged') })), 'compare');
  assert.equal(phaseOf(flow({ phase: 'transitioned', sas: sas('confirmed') })), 'confirmed');
  assert.equal(phaseOf(flow({ phase: 'transitioned', sas: sas('done') })), 'done');
  assert.equal(phaseOf(flow({ phase: 'cancelled' })), 'cancelled');
});

test('in-room verification events are told apart from ordinary messages', () => {
  assert.ok(isVerificationEvent({ type: 'm.key.verification.start', content: {} }));
  assert.ok(
    isVerificationEvent({
      type: 'm.room.message',
      content: { msgtype: 'm.key.verification.request' },
    }),
  );
  assert.ok(!isVerificationEvent({ type: 'm.room.message', content: { msgtype: 'm.text' } }));
});

test('our request starts the emoji comparison once the other side is ready, once', async () => {
  const s = scripted();
  const v = await s.service.request({ userId: '@bo:x', deviceId: 'BODEV', roomId: null });
  assert.equal(v.phase, 'waiting');
  assert.deepEqual(
    s.sent.map((r) => r.id),
    ['request'],
  );
  s.state.flows = [flow({ phase: 'ready' })];
  await s.service.refresh();
  await s.service.refresh();
  assert.deepEqual(s.calls, ['collect', 'startSas f1'], 'started exactly once');
  assert.deepEqual(
    s.sent.map((r) => r.id),
    ['request', 'start'],
  );
  const last = s.events.at(-1);
  assert.equal(last?.kind === 'verification' && last.verification.phase, 'waiting');
});

test('before our request, the flows are reported and the machine drops finished ones', async () => {
  const s = scripted();
  // A flow with Bo finished in the last sync; its refresh has not run yet.
  s.state.flows = [flow({ flow_id: 'old', phase: 'done' })];
  s.service.noteToDevice([{ sender: '@bo:x', type: 'm.key.verification.done' }]);
  const native = s.service as unknown as { native: { requestDeviceVerification: unknown } };
  native.native.requestDeviceVerification = async () => {
    s.calls.push('request');
    s.state.flows = [...s.state.flows, flow({ flow_id: 'f1' })];
    return { flow_id: 'f1', requests: [] };
  };
  await s.service.request({ userId: '@bo:x', deviceId: 'BODEV', roomId: null });
  assert.deepEqual(s.calls, ['collect', 'request'], 'collected before the new flow exists');
  assert.deepEqual(
    s.state.flows.map((f) => f.flow_id),
    ['f1'],
  );
  assert.equal(s.service.list().find((v) => v.flowId === 'old')?.phase, 'done', 'reported first');
});

test('the crypto is told whether the machine holds a verification with anyone we know of', async () => {
  const s = scripted();
  const holds = () => s.crypto.holdsVerifications!();
  assert.equal(holds(), false, 'nobody has written to us about a verification yet');
  s.service.noteToDevice([{ sender: '@bo:x', type: 'm.key.verification.request' }]);
  assert.equal(holds(), true);
  s.state.flows = [flow({ phase: 'done' })];
  assert.equal(holds(), true, 'done, not collected yet');
  s.state.flows = [flow({ phase: 'cancelled' })];
  assert.equal(holds(), false, 'a cancelled flow stops no new one');
  s.state.flows = [];
  assert.equal(holds(), false, 'collected');
});

test('the comparison they start is accepted only on a request the user accepted', async () => {
  const s = scripted();
  s.state.flows = [flow({ phase: 'requested', we_started: false })];
  s.service.noteToDevice([{ sender: '@bo:x', type: 'm.key.verification.request' }]);
  await s.service.refresh();
  s.state.flows = [
    flow({ flow_id: 'f1', we_started: false, phase: 'transitioned', sas: sas('sas_started') }),
    flow({ flow_id: 'f2', we_started: false, phase: 'transitioned', sas: sas('sas_started') }),
  ];
  await s.service.act('f1', 'accept');
  await s.service.refresh();
  assert.deepEqual(s.calls, ['accept f1', 'accept f1'], 'f1: the request, then its comparison');
  const f2 = s.service.list().find((v) => v.flowId === 'f2');
  assert.equal(f2?.phase, 'started', 'f2 waits for the user');
});

test('an unchanged flow is reported once; the emoji come with the compare phase', async () => {
  const s = scripted();
  s.state.flows = [flow({ phase: 'transitioned', sas: sas('keys_exchanged') })];
  await s.service.refresh();
  assert.equal(s.events.length, 0, 'nobody has written to us about a verification yet');
  // An encrypted to-device event: its sender may be verifying with us.
  s.service.noteToDevice([{ sender: '@bo:x', type: 'm.room.encrypted' }]);
  await s.service.refresh();
  await s.service.refresh();
  assert.equal(s.events.length, 1);
  const e = s.events[0]!;
  assert.ok(e.kind === 'verification');
  assert.deepEqual(e.verification.emoji, [{ symbol: '🐶', name: 'Dog' }]);
  assert.deepEqual(e.verification.decimals, [1111, 2222, 3333]);
});

test('in-room verification events go to the machine with their room; others do not', async () => {
  const s = scripted();
  await s.service.receiveRoomEvents('!r:x', [
    { type: 'm.room.message', event_id: '$1', sender: '@bo:x', content: { msgtype: 'm.text' } },
    { type: 'm.key.verification.ready', event_id: '$2', sender: '@bo:x', content: {} },
  ] as never);
  assert.deepEqual(s.calls, ['event m.key.verification.ready']);
});

test('a verified user’s identity change is reported once per new master key', async () => {
  let trust = [
    {
      user_id: '@bo:x',
      has_identity: true,
      verified: false,
      was_verified: true,
      changed: true,
      master_key: 'K2',
    },
  ];
  const native = { userTrust: async () => trust } as unknown as SecurityNative;
  const crypto = { onKeysQueried: null } as unknown as AccountCrypto;
  const watch = new TrustWatch(native, crypto, () => undefined);
  const events: SecurityEvent[] = [];
  watch.attach((e) => events.push(e));
  await watch.check(['@bo:x']);
  await watch.check(['@bo:x']);
  assert.deepEqual(events, [{ kind: 'identityChanged', userId: '@bo:x', masterKey: 'K2' }]);
  trust = [{ ...trust[0]!, master_key: 'K3' }];
  await watch.check(['@bo:x']);
  assert.equal(events.length, 2, 'another new identity is reported again');
  assert.equal(
    typeof (crypto as unknown as { onKeysQueried: unknown }).onKeysQueried,
    'function',
    'the watch listens to key queries',
  );
});
