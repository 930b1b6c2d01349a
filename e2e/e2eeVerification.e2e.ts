// End to end in Chromium (web mode) against a real Synapse, with matrix-js-sdk
// and its Rust crypto as the other client: an encrypted DM it made opens in
// Parley, its message shows decrypted, a message sent from the composer is
// decrypted by the other client, and when the other client asks to verify,
// the verification dialog shows the same seven emoji (with their names) and
// confirming verifies both sides.
//
//   node --import tsx --test e2e/e2eeVerification.e2e.ts
//
// Needs Chromium, the Synapse venv and the native Matrix crypto module; skips,
// saying so, without them. Screenshots go to test-results/e2ee-verification/.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { firstMissing, requires } from '../test/helpers/prerequisites.js';
import { startWebHost, type WebHost } from '../main/web/webHost.js';
import {
  SYNAPSE_PYTHON,
  Synapse,
  waitFor as waitForWithin,
  type RegisteredUser,
} from '../test/servers/synapse/harness.js';
import { ParleyUser } from '../test/servers/synapse/parley.js';
import { JsSdkPeer } from '../test/helpers/jsSdkPeer.js';
import {
  VerificationPhase,
  peerSas,
  peerSeesDeviceVerified,
  peerStartsDmVerification,
  waitPhase,
} from '../test/helpers/verifyPeer.js';
import { findNativeCrypto } from '../main/daemon/connectors/matrix/crypto/native.js';
import {
  buildRenderer,
  chromiumMissing,
  daemonClient,
  launchChromium,
  shotsDir,
  watchProblems,
} from './support.js';

const skip = firstMissing(
  chromiumMissing,
  requires(
    `Synapse at ${SYNAPSE_PYTHON}`,
    !!process.env.SYNAPSE_URL || existsSync(SYNAPSE_PYTHON),
    'run bash scripts/setup-test-env.sh',
  ),
  requires(
    'the native Matrix crypto module',
    findNativeCrypto() !== null,
    'bash scripts/setup-test-env.sh, or node scripts/build-crypto.mjs',
  ),
);
if (skip) console.log(`# skipping the E2EE verification e2e: ${skip}`);

const SHOTS = shotsDir('e2ee-verification');
/** Conditions, not sleeps; generous on a loaded machine. */
const waitFor = <T>(what: string, check: () => T | Promise<T>, timeoutMs = 90_000) =>
  waitForWithin(what, check, Math.max(timeoutMs, 90_000));

describe('an encrypted chat and a verification in Chromium', { skip, timeout: 600_000 }, () => {
  const scratch = mkdtempSync(join(tmpdir(), 'parley-e2e-verify-'));
  let synapse: Synapse;
  let alice: RegisteredUser;
  let bob: RegisteredUser;
  let peer: JsSdkPeer;
  let parley: ParleyUser;
  let web: WebHost;
  let context: BrowserContext;
  let page: Page;
  let problems: string[] = [];
  let roomId = '';

  const messageRow = (text: string) =>
    page.getByRole('log').locator('li.message').filter({ hasText: text }).last();

  before(async () => {
    const rendererDir = join(scratch, 'renderer');
    await buildRenderer(rendererDir);
    synapse = await Synapse.start({ dataDir: join(scratch, 'synapse') });
    alice = await synapse.register('alice');
    bob = await synapse.register('bob');
    peer = await JsSdkPeer.start(synapse, bob);
    parley = await ParleyUser.signIn(synapse, alice, { profileDir: join(scratch, 'profile') });
    web = await startWebHost({
      client: daemonClient(parley.daemon),
      port: 0,
      rendererDir,
      blobDir: join(scratch, 'profile', 'blobs'),
    });
    context = await launchChromium(join(scratch, 'chromium'));
    page = context.pages()[0] ?? (await context.newPage());
    problems = watchProblems(page);
  });

  after(async () => {
    await context?.close();
    await web?.close();
    await parley?.close(false);
    await peer?.stop();
    await synapse?.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  test('an encrypted chat opens, shows the decrypted message, and sends one the peer decrypts', async () => {
    roomId = await peer.createEncryptedDm(alice.userId);
    const invite = await waitFor('Parley sees the invitation', () => parley.chat(roomId), 60_000);
    await parley.call('invites.accept', { chatId: invite.id });
    await waitFor(
      'the peer sees Alice join',
      () =>
        peer.client.getRoom(roomId)?.getMember(alice.userId)?.membership === 'join' ? true : null,
      60_000,
    );
    await peer.sendText(roomId, 'the lighthouse key is under the mat');

    await page.goto(web.url);
    const option = page.getByRole('option', { name: /bob/ }).first();
    await option.waitFor({ timeout: 90_000 });
    await option.click();
    await page.locator('.chat-encrypted').waitFor();
    await messageRow('the lighthouse key is under the mat').waitFor({ timeout: 90_000 });

    const composer = page.locator('.composer textarea');
    await composer.fill('got it, thanks');
    await composer.press('Enter');
    await waitFor(
      'the peer decrypts the message sent from the composer',
      () => (peer.decryptedBodies(roomId).includes('got it, thanks') ? true : null),
      60_000,
    );
    await page.screenshot({ path: join(SHOTS, '1-encrypted-chat.png') });
  });

  test('the peer asks to verify: the dialog shows the same emoji, and confirming verifies', async () => {
    // Element asks in the DM only of someone with a cross-signing identity: Alice sets hers up.
    await parley.call('security.bootstrapCrossSigning', {
      accountId: parley.accountId,
      password: alice.password,
    });
    await waitFor('the peer knows Alice’s cross-signing identity', () =>
      peer.client
        .getCrypto()!
        .userHasCrossSigningKeys(alice.userId)
        .then((x) => x || null),
    );
    const request = await peerStartsDmVerification(peer, alice.userId, roomId);
    const dialog = page.getByRole('dialog', { name: 'Verify session' });
    await dialog.waitFor({ timeout: 90_000 });
    await dialog.getByText(/wants to verify/).waitFor();
    await dialog.getByRole('button', { name: 'Accept' }).click();

    await waitPhase(request, VerificationPhase.Ready, 'the peer sees Parley ready');
    await request.startVerification('m.sas.v1');
    const { sas, done } = await peerSas(request);

    const emoji = dialog.getByRole('list', { name: 'Emoji to compare' }).locator('li');
    await emoji.first().waitFor({ timeout: 90_000 });
    assert.equal(await emoji.count(), 7, 'seven emoji');
    const shown = (await dialog.locator('.sas-name').allTextContents()).map((n) => n.toLowerCase());
    assert.deepEqual(
      shown,
      sas.sas.emoji!.map(([, name]) => name.toLowerCase()),
      'the same emoji, named, in the same order as the other client shows',
    );
    const symbols = await dialog.locator('.sas-symbol').allTextContents();
    assert.deepEqual(
      symbols,
      sas.sas.emoji!.map(([symbol]) => symbol),
    );
    await dialog.getByText(sas.sas.decimal!.join(' ')).waitFor();
    await page.screenshot({ path: join(SHOTS, '2-verification-emoji.png') });

    await dialog.getByRole('button', { name: 'Confirm' }).click();
    await sas.confirm();
    await done;
    await dialog.getByText(/is verified/).waitFor({ timeout: 90_000 });
    await page.screenshot({ path: join(SHOTS, '3-verified.png') });
    const status = await parley.call('security.status', { accountId: parley.accountId });
    await waitFor('the peer sees Parley’s device verified', () =>
      peerSeesDeviceVerified(peer, alice.userId, status.deviceId).then((x) => x || null),
    );
    await dialog.getByRole('button', { name: 'Done' }).click();
    await dialog.waitFor({ state: 'detached' });
    assert.deepEqual(problems, [], 'no page errors');
  });
});
