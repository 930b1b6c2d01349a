// CI's share of `npm run soak`: 10 SIGKILLs at random moments while the app
// syncs a JMAP Chat account live and its outbox sends (test/soak/soak.ts).
// After every kill: integrity_check ok, no message stored twice, nothing the
// server lacks; at the end every server message stored exactly once and every
// queued send delivered exactly once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { soak } from '../soak/soak.js';

test(
  '10 SIGKILLs while syncing and sending: nothing lost, nothing twice',
  { timeout: 240_000 },
  async () => {
    const summary = await soak(10);
    console.log(`# ${JSON.stringify(summary)}`);
    // A check after every kill (one that came before any profile existed has nothing to check) and at the end.
    assert.equal(summary.integrityChecks + summary.killedBeforeProfile, 11);
    assert.ok(
      summary.integrityChecks > summary.killedBeforeProfile,
      'most kills hit a live profile',
    );
    assert.equal(summary.sendsDelivered, summary.sendsQueued);
  },
);
