// CI's share of `npm run soak` (test/soak/soak.ts): 10 SIGKILLs at random
// moments while the app syncs and backfills a Matrix room (real Synapse),
// sends to Matrix and JMAP Chat, syncs a JMAP Mail account (real Cyrus, 500
// mails here, 5,000 in the full run) and serves the web UI to a page open in
// Chromium. After every kill: integrity_check ok, no message or send stored
// twice, nothing the server lacks; the page notices each kill and reconnects
// by itself; at the end every server message stored exactly once and every
// queued send delivered exactly once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { soak } from '../soak/soak.js';
import { SYNAPSE_PYTHON } from '../servers/synapse/harness.js';
import { cyrusInstalled } from '../servers/cyrus/cyrusServer.js';
import { chromiumMissing } from '../../e2e/support.js';
import { firstMissing, requires } from '../helpers/prerequisites.js';

const KILLS = 10;
const skip = firstMissing(
  requires(
    'Synapse',
    Boolean(process.env.SYNAPSE_URL) || existsSync(SYNAPSE_PYTHON),
    'run npm run setup:test',
  ),
  requires('Cyrus (cyrus-imapd)', cyrusInstalled(), 'run npm run setup:test'),
  chromiumMissing,
);

test(
  `${KILLS} SIGKILLs while syncing Matrix, JMAP Chat and mail, sending and serving the web UI: nothing lost, nothing twice`,
  { skip, timeout: 20 * 60_000 },
  async () => {
    const summary = await soak({
      kills: KILLS,
      mails: 500,
      matrixHistory: 60,
      web: true,
      log: (line) => console.log(`# ${line}`),
    });
    console.log(`# ${JSON.stringify(summary)}`);
    // A check after every kill (one before any profile existed has nothing to check) and at the end.
    assert.equal(summary.integrityChecks + summary.killedBeforeProfile, KILLS + 1);
    assert.ok(
      summary.integrityChecks > summary.killedBeforeProfile,
      'most kills hit a live profile',
    );
    for (const [protocol, a] of Object.entries(summary.accounts)) {
      assert.equal(a.stored, a.serverMessages, `${protocol}: every server message stored`);
      assert.equal(a.sendsDelivered, a.sendsQueued, `${protocol}: every queued send delivered`);
    }
    assert.deepEqual(Object.keys(summary.accounts).sort(), ['jmap-chat', 'jmap-mail', 'matrix']);
    assert.ok(
      summary.accounts.matrix!.sendsQueued > 0 && summary.accounts['jmap-chat']!.sendsQueued > 0,
    );
    // Every other life and the last wait for the page to come back (the page opens in life 2);
    // the others count it when it came back before their kill.
    assert.ok(summary.pageReconnects >= KILLS / 2 + 1, `${summary.pageReconnects} reconnections`);
    assert.equal(summary.pageNoticedKills, KILLS - 1);
  },
);
