// End-to-end encrypted chats as the user sees them, in web mode (the built
// renderer in Chromium over the real web host and daemon worker) on a seeded
// profile: the lock in the chat list and the header, the count of messages
// waiting for their key and their placeholders, the sender device's trust on
// a message, and axe-core finding nothing serious, light and dark.
//
//   node scripts/run-tests.mjs e2e/encryptedChat.e2e.ts
//
// (The messages themselves are decrypted against a real Synapse in
// test/integration/matrixE2ee*.test.ts; this file is about what the page shows.)
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { DaemonHost } from '../main/daemon/host/daemonHost.js';
import { Store } from '../main/daemon/store/store.js';
import type { RemoteMessage } from '../main/daemon/model/types.js';
import type { SecretBroker } from '../main/daemon/secrets/secretBroker.js';
import { startWebHost, type WebHost } from '../main/web/webHost.js';
import {
  buildRenderer,
  CHROMIUM,
  CHROMIUM_ARGS,
  chromiumMissing,
  shotsDir,
  watchProblems,
} from './support.js';

const skip = chromiumMissing;
if (skip) console.log(`# skipping encrypted chat e2e: ${skip}`);

const memorySecrets = (): SecretBroker => {
  const map = new Map<string, string>();
  return {
    get: async (k) => map.get(k) ?? null,
    set: async (k, v) => void map.set(k, v),
    delete: async (k) => map.delete(k),
  };
};

function seedProfile(profileDir: string): void {
  const store = Store.open(profileDir);
  try {
    const account = store.accounts.add({
      protocol: 'matrix',
      server: 'https://matrix.example.test',
      username: 'me',
      label: 'Me on Matrix',
      workspace: 'Work',
    });
    const now = Date.now();
    const msg = (id: string, ago: number, extra: Partial<RemoteMessage>): RemoteMessage => ({
      remoteId: id,
      chatRemoteId: '!secret',
      senderRemoteId: '@ann',
      senderName: 'Ann',
      ts: now - ago * 60_000,
      kind: 'text',
      body: '',
      ...extra,
    });
    store.writer.apply(account.id, {
      chats: [
        { remoteId: '!secret', kind: 'direct', name: 'Ann (secret)', encrypted: true },
        { remoteId: '!open', kind: 'group', name: 'Open lobby' },
      ],
      people: [
        { remoteId: '@me', displayName: 'Me', isSelf: true },
        { remoteId: '@ann', displayName: 'Ann' },
      ],
      messages: [
        msg('$o1', 50, { chatRemoteId: '!open', body: 'Anyone can read this lobby.' }),
        msg('$s1', 40, {
          body: 'From my verified laptop.',
          encryption: { senderDevice: 'LAPTOP', trust: 'verified' },
        }),
        msg('$s2', 30, {
          body: 'From a phone I have not verified yet.',
          encryption: { senderDevice: 'PHONE', trust: 'unsigned_device' },
        }),
        msg('$s3', 20, { kind: 'encrypted', body: 'Encrypted message' }),
        msg('$s4', 10, { kind: 'encrypted', body: 'Encrypted message' }),
      ],
    });
  } finally {
    store.close();
  }
}

describe('an end-to-end encrypted chat in the page', { skip }, () => {
  const scratch = mkdtempSync(join(tmpdir(), 'parley-e2ee-e2e-'));
  const profileDir = join(scratch, 'profile');
  const rendererDir = join(scratch, 'renderer');
  const SHOTS = shotsDir('encryptedChat');
  let daemon: DaemonHost;
  let web: WebHost;
  let browser: Browser;
  let page: Page;
  let problems: string[] = [];

  before(async () => {
    await buildRenderer(rendererDir);
    seedProfile(profileDir);
    daemon = new DaemonHost({ profileDir, secrets: memorySecrets() });
    await daemon.ready;
    web = await startWebHost({
      client: daemon,
      port: 0,
      rendererDir,
      blobDir: join(profileDir, 'blobs'),
    });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
    });
    // bypassCSP: axe-core is evaluated as text, which the app's CSP (rightly) forbids.
    const context = await browser.newContext({
      viewport: { width: 1280, height: 800 },
      bypassCSP: true,
    });
    page = await context.newPage();
    problems = watchProblems(page);
    await page.goto(web.url);
    await page.getByRole('listbox', { name: 'Chats' }).waitFor();
  });

  after(async () => {
    await browser?.close();
    await web?.close();
    await daemon?.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  test('the encrypted chat has a lock in the list, said to screen readers; the open one has none', async () => {
    const secret = page.getByRole('option', { name: /Ann \(secret\)\W+end-to-end encrypted/ });
    await secret.waitFor();
    assert.equal(await secret.getByTestId('lock').count(), 1);
    const lobby = page.getByRole('option', { name: /Open lobby/ });
    assert.equal(await lobby.getByTestId('lock').count(), 0);
    assert.doesNotMatch((await lobby.textContent()) ?? '', /encrypted/);
  });

  test('the header says encrypted and how many messages wait for their key; placeholders say so', async () => {
    await page.getByRole('option', { name: /Ann \(secret\)/ }).click();
    const header = page.locator('header.chat-header');
    await header.getByTestId('chat-lock').waitFor();
    await header
      .getByRole('status')
      .filter({ hasText: '2 messages waiting for their keys' })
      .waitFor();
    const log = page.getByRole('log');
    await log.getByText('From a phone I have not verified yet.').waitFor();
    assert.equal(await log.getByText(/Waiting for this message’s key/).count(), 2);
  });

  test('a message from an unverified device carries a badge naming the device; a verified one none', async () => {
    const log = page.getByRole('log');
    const phone = log.locator('li.message').filter({ hasText: 'From a phone' });
    const badge = phone.getByTestId('trust-badge');
    assert.match((await badge.textContent()) ?? '', /Unverified device/);
    assert.match(
      (await badge.getAttribute('title')) ?? '',
      /device PHONE, which Ann has not verified/,
    );
    const laptop = log.locator('li.message').filter({ hasText: 'From my verified laptop' });
    assert.equal(await laptop.getByTestId('trust-badge').count(), 0);
  });

  test('axe finds no serious or critical violations, light and dark', async () => {
    const require = createRequire(import.meta.url);
    await page.evaluate(readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8'));
    type Violation = { id: string; impact: string | null; help: string; nodes: unknown[] };
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      const violations = (await page.evaluate(`axe
        .run(document, { resultTypes: ['violations'] })
        .then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target) })))`)) as Violation[];
      const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
      assert.deepEqual(
        bad.map((v) => `${scheme}: ${v.id} (${v.impact}) ${v.help} at ${JSON.stringify(v.nodes)}`),
        [],
      );
      await page.screenshot({ path: join(SHOTS, `encrypted-chat-${scheme}.png`) });
    }
    assert.deepEqual(problems, []);
  });
});
