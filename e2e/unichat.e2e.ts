// End to end against the unichat reference server: the built renderer in
// Chromium over web mode, a real daemon (in-process, the shipped connectors),
// and Bo, who writes through the server's RPC endpoint. The account is added
// on the same generic setup screen as every protocol; system messages, the
// members' roles and drafts shared through the server show as for any chat.
//
//   node --import tsx --test e2e/unichat.e2e.ts
//
// Needs Chromium (CHROMIUM_PATH); skips, saying so, without it. Screenshots go
// to test-results/unichat/.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { Daemon } from '../main/daemon/daemon.js';
import {
  startUnichatServer,
  TEST_APP_DOMAIN_TOKEN,
  type UnichatServer,
} from '../test/servers/unichat/server.js';
import { memorySecrets, waitFor } from '../test/helpers/fixtures.js';
import { chromiumMissing, daemonClient, openWebApp, shotsDir, type WebApp } from './support.js';

const skip = chromiumMissing;
if (skip) console.log(`# skipping unichat e2e: ${skip}`);
const SHOTS = shotsDir('unichat');

// Replies are JSON read field by field.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Obj = Record<string, any>;

describe('web mode with a unichat account', { skip, timeout: 300_000 }, () => {
  const scratch = mkdtempSync(join(tmpdir(), 'parley-e2e-unichat-'));
  let server: UnichatServer;
  let daemon: Daemon;
  let app: WebApp;
  let page: Page;
  let groupId = 0;
  let boToken = '';

  const rpc = async (token: string, method: string, args: Obj): Promise<Obj> => {
    const res = await fetch(`${server.url}/api/${method}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        APP_DOMAIN_TOKEN: TEST_APP_DOMAIN_TOKEN,
        USER_AUTH_TOKEN: token,
      },
      body: JSON.stringify({ args }),
    });
    const body = (await res.json()) as Obj;
    assert.equal(res.status, 200, JSON.stringify(body));
    return body;
  };
  const annSubscription = () =>
    server.store.subscriptionOf(server.user('ann@example.test').id, groupId)!;
  const messageRow = (text: string) =>
    page.getByRole('log').locator('li.message').filter({ hasText: text }).last();
  const composer = () => page.locator('.composer textarea');

  before(async () => {
    server = await startUnichatServer({
      users: [
        { email: 'ann@example.test', password: 'ann-password', nick: 'ann' },
        { email: 'bo@example.test', password: 'bo-password', nick: 'bo' },
      ],
    });
    boToken = server.newSession('bo@example.test');
    const { subscription } = await rpc(boToken, 'create_room', {
      name: 'Garden',
      user_ids: [server.user('ann@example.test').id],
    });
    groupId = subscription.group_id as number;
    await rpc(boToken, 'post', { group_id: groupId, uid: 'e2e-1', text: 'the roses are out' });
    // Ann started a reply on her phone: the server keeps it as her draft.
    await rpc(server.newSession('ann@example.test'), 'update_subscription', {
      subscription_id: annSubscription().id,
      draft: 'typed on my phone',
    });

    daemon = new Daemon({
      profileDir: join(scratch, 'profile'),
      secrets: memorySecrets(),
      engine: {
        loop: { backoff: { baseMs: 50, maxMs: 500 } },
        outbox: { backoff: { baseMs: 50, maxMs: 500 } },
      },
    });
    // Opened by the first test: the setup screen is part of what it checks.
    app = await openWebApp({
      client: daemonClient(daemon),
      scratch,
      blobDir: join(scratch, 'profile', 'blobs'),
      open: false,
    });
    page = app.page;
  });

  after(async () => {
    await app?.close();
    await daemon?.close();
    await server?.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  test('adds a unichat account on the setup screen; a wrong password is a clear error', async () => {
    await page.goto(app.web.url);
    await page.getByRole('button', { name: 'Add account' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add an account' });
    await dialog.getByRole('button', { name: /unichat/ }).click();
    const form = page.getByRole('dialog', { name: 'Add a unichat account' });
    await form.getByLabel('Server').fill(server.url);
    await form.getByLabel('Email address').fill('ann@example.test');
    await form.getByLabel('Password').fill('wrong-password');
    await form.getByRole('button', { name: 'Sign in' }).click();
    await form.getByText(/Could not sign in/).waitFor({ timeout: 30_000 });
    await form.getByLabel('Password').fill('ann-password');
    await form.getByRole('button', { name: 'Sign in' }).click();
    await form.waitFor({ state: 'detached', timeout: 30_000 });
    await app.shoot(SHOTS, '1-added');
  });

  test('the room shows its system messages as such, and the message', async () => {
    await page.getByRole('option', { name: /Garden/ }).click({ timeout: 30_000 });
    await page.getByRole('heading', { name: 'Garden' }).waitFor();
    await messageRow('the roses are out').waitFor({ timeout: 30_000 });
    const system = page.getByRole('log').locator('li.kind-system');
    await system.filter({ hasText: 'bo created the room' }).waitFor();
    await system.filter({ hasText: 'ann was invited' }).waitFor();
    assert.equal(await system.locator('.sender').count(), 0, 'no sender line on system rows');
    await app.shoot(SHOTS, '2-system-messages');
  });

  test('members show with their roles', async () => {
    await page.getByRole('button', { name: /^Members/ }).click();
    const list = page.getByRole('complementary', { name: 'Members' }).locator('.member-list');
    await list.getByText('bo', { exact: true }).waitFor();
    const rows = await list
      .locator('li')
      .evaluateAll((items) =>
        items.map(
          (li) =>
            `${li.querySelector('.member-name')?.textContent} ${li.querySelector('.member-meta')?.textContent}`,
        ),
      );
    assert.deepEqual(rows, ['ann (you) writer', 'bo owner']);
    await app.shoot(SHOTS, '3-members');
    await page.getByRole('button', { name: 'Close members' }).click();
  });

  test('the draft from another device is in the composer; typing goes back to the server', async () => {
    assert.equal(await composer().inputValue(), 'typed on my phone');
    await composer().fill('typed here instead');
    await waitFor('the server has the new draft', () =>
      annSubscription().draft === 'typed here instead' ? true : null,
    );
    await composer().press('Enter');
    await messageRow('typed here instead').waitFor();
    await waitFor('the message on the server, the draft cleared', () =>
      [...server.store.messages.values()].some((m) => m.text === 'typed here instead') &&
      annSubscription().draft === ''
        ? true
        : null,
    );
    await rpc(boToken, 'post', { group_id: groupId, uid: 'e2e-2', text: 'lovely' });
    await messageRow('lovely').waitFor({ timeout: 30_000 });
    await app.shoot(SHOTS, '4-draft-and-send');
    assert.deepEqual(app.problems, []);
  });
});
