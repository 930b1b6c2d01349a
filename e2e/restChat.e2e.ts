// End to end against the REST chat reference server (test/servers/rest-chat):
// the built renderer in Chromium over web mode, a real daemon (in-process,
// with the REST chat connector), and a second user who writes through the
// server's HTTP API as another client would.
//
//   node --import tsx --test e2e/restChat.e2e.ts
//
// Needs Chromium (CHROMIUM_PATH, default /usr/bin/chromium); skips, saying so,
// without it. Screenshots go to test-results/restChat/.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { Daemon } from '../main/daemon/daemon.js';
import { ConnectorRegistry } from '../main/daemon/connectors/registry.js';
import { RestChatConnector } from '../main/daemon/connectors/rest-chat/connector.js';
import { startRestChatServer, type RestChatServer } from '../test/servers/rest-chat/server.js';
import { memorySecrets, waitFor } from '../test/helpers/fixtures.js';
import { restChatRequest } from '../test/helpers/restChatUser.js';
import { chromiumMissing, daemonClient, openWebApp, shotsDir, type WebApp } from './support.js';

const skip = chromiumMissing;
if (skip) console.log(`# skipping REST chat e2e: ${skip}`);

const SHOTS = shotsDir('restChat');
/** A 2×2 PNG. */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGP8z8DAwMDAxMDAwMDAAAANHQEDasKb6QAAAABJRU5ErkJggg==',
  'base64',
);

describe('web mode against the REST chat reference server', { skip, timeout: 300_000 }, () => {
  const scratch = mkdtempSync(join(tmpdir(), 'parley-e2e-restchat-'));
  let server: RestChatServer;
  let daemon: Daemon;
  let app: WebApp;
  let page: Page;
  let bobToken = '';
  const chats = { direct: '', group: '' };

  /** Bobby writes with another client of his own. */
  async function bobby<T>(method: string, path: string, body?: unknown): Promise<T> {
    return restChatRequest<T>(server.url, bobToken, method, path, body);
  }
  const say = (chatId: string, text: string) =>
    bobby('POST', `/chats/${chatId}/messages`, { localId: crypto.randomUUID(), text });
  const messageRow = (text: string) =>
    page.getByRole('log').locator('li.message').filter({ hasText: text }).last();
  const composer = () => page.locator('.composer textarea');
  const annieMessages = (chatId: string) =>
    server.store.chatMessages(chatId).filter((m) => m.authorId === server.user('annie').id);

  before(async () => {
    server = await startRestChatServer({
      users: [
        { username: 'annie', password: 'annie-password', name: 'Annie' },
        { username: 'bobby', password: 'bobby-password', name: 'Bobby' },
        { username: 'cyril', password: 'cyril-password', name: 'Cyril' },
      ],
    });
    bobToken = server.newSession('bobby').accessToken;
    const annie = server.user('annie').id;
    chats.direct = (
      await bobby<{ id: string }>('POST', '/chats', { participants: [annie], isPersonal: true })
    ).id;
    chats.group = (
      await bobby<{ id: string }>('POST', '/chats', {
        participants: [annie, server.user('cyril').id],
        isPersonal: false,
        title: 'Weekend plans',
      })
    ).id;
    await say(chats.direct, 'Are you coming on Saturday?');
    await say(chats.group, 'Hiking or the museum?');

    daemon = new Daemon({
      profileDir: join(scratch, 'profile'),
      secrets: memorySecrets(),
      connectors: new ConnectorRegistry().register('rest-chat', () => new RestChatConnector()),
      log: () => undefined,
      engine: {
        loop: { backoff: { baseMs: 100, maxMs: 1000 } },
        outbox: { backoff: { baseMs: 100, maxMs: 1000 } },
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
    await daemon?.close().catch(() => undefined);
    await server?.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  test('adds a REST chat account on the setup screen; a wrong password shows on its field', async () => {
    await page.goto(app.web.url);
    await page.getByRole('button', { name: 'Add account' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add an account' });
    await dialog.getByRole('button', { name: /REST chat/ }).click();
    const form = page.getByRole('dialog', { name: 'Add a REST chat account' });
    await form.getByLabel('Server').fill(server.url);
    await form.getByLabel('Username').fill('annie');
    await form.getByLabel('Password').fill('not-her-password');
    await form.getByRole('button', { name: 'Sign in' }).click();
    await form.getByText(/Could not sign in/).waitFor({ timeout: 30_000 });
    await form.getByText('Check the username and password.').waitFor();
    const password = form.getByLabel('Password');
    assert.equal(await password.getAttribute('aria-invalid'), 'true', 'the field is marked');
    await app.shoot(SHOTS, '1-wrong-password');
    await password.fill('annie-password');
    await form.getByRole('button', { name: 'Sign in' }).click();
    await form.waitFor({ state: 'detached', timeout: 60_000 });
    const rail = page.getByRole('navigation', { name: 'Workspaces and accounts' });
    await rail.getByRole('button', { name: 'annie', exact: false }).first().waitFor();
  });

  test('the chats fill in: the personal one named after Bobby, the group by its title', async () => {
    const list = page.getByRole('listbox', { name: 'Chats' });
    for (const name of ['Bobby', 'Weekend plans'])
      await list.getByRole('option', { name: new RegExp(name) }).waitFor({ timeout: 60_000 });
    await app.shoot(SHOTS, '2-chats');
  });

  test('sends a message (on the server once) and sees Bobby’s reply live', async () => {
    await page.getByRole('option', { name: /Bobby/ }).click();
    await page.getByRole('heading', { name: 'Bobby' }).waitFor();
    await messageRow('Are you coming on Saturday?').waitFor({ timeout: 30_000 });
    await composer().fill('Yes, count me in');
    await composer().press('Enter');
    const echo = messageRow('Yes, count me in');
    await echo.waitFor();
    await echo.locator('[data-outbox-state]').waitFor({ state: 'detached', timeout: 30_000 });
    await waitFor('the message on the server', () =>
      annieMessages(chats.direct).some((m) => m.text === 'Yes, count me in'),
    );
    assert.equal(annieMessages(chats.direct).length, 1);
    await say(chats.direct, 'Great, see you at ten');
    await messageRow('Great, see you at ten').waitFor({ timeout: 30_000 });
    await app.shoot(SHOTS, '3-send-receive');
  });

  test('a REST chat account has no message links and no link previews: neither is offered', async () => {
    const row = messageRow('Great, see you at ten');
    await row.hover();
    await row.getByRole('button', { name: 'Reply' }).waitFor();
    assert.equal(await row.getByRole('button', { name: 'Copy link' }).count(), 0);
    await page.getByRole('button', { name: 'Settings' }).click();
    const settings = page.getByRole('dialog', { name: 'Settings' });
    await settings.getByText(/· annie ·/).waitFor();
    assert.equal(await settings.getByLabel(/Show link previews/).count(), 0);
    await app.shoot(SHOTS, '3b-settings-accounts');
    await page.keyboard.press('Escape');
    await settings.waitFor({ state: 'detached' });
  });

  test('sends a picture: uploaded with its preview, shown as an image', async () => {
    await page.locator('.composer input[type=file]').setInputFiles({
      name: 'map.png',
      mimeType: 'image/png',
      buffer: PNG,
    });
    await page.locator('.pending-files').getByText('map.png').waitFor();
    await page.getByRole('button', { name: 'Send' }).click();
    const attachment = page.locator('.attachment.image').filter({ hasText: 'map.png' }).last();
    await attachment.waitFor({ timeout: 30_000 });
    const img = attachment.locator('img');
    await img.waitFor({ timeout: 30_000 });
    await page.waitForFunction(
      (el) => (el as HTMLImageElement).complete && (el as HTMLImageElement).naturalWidth > 0,
      await img.elementHandle(),
    );
    const sent = await waitFor('the picture on the server, marked uploaded', () => {
      const m = annieMessages(chats.direct).find((x) => x.attachments.length === 1);
      const media = m?.attachments[0];
      return media && server.store.files.has(`${media.id}-preview.png`) ? media : null;
    });
    assert.deepEqual(server.store.files.get(`${sent.id}.png`), PNG);
    await app.shoot(SHOTS, '4-picture');
  });

  test('a picture from Bobby shows, named as he sent it', async () => {
    const posted = await bobby<{ id: number; attachments: { id: string }[] }>(
      'POST',
      `/chats/${chats.direct}/messages`,
      {
        localId: crypto.randomUUID(),
        text: 'trail.png',
        attachment: { fileType: 'png', fileSize: PNG.length },
      },
    );
    const upload = await fetch(`${server.url}/uploads`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${bobToken}`,
        'file-name': posted.attachments[0]!.id,
        'content-type': 'png',
      },
      body: new Uint8Array(PNG),
    });
    assert.equal(upload.status, 200);
    await bobby('PUT', `/chats/${chats.direct}/messages/${posted.id}`, {
      fileExists: true,
      previewExists: false,
    });
    const attachment = page.locator('.attachment.image').filter({ hasText: 'trail.png' }).last();
    await attachment.waitFor({ timeout: 30_000 });
    const img = attachment.locator('img');
    await img.waitFor({ timeout: 30_000 });
    await page.waitForFunction(
      (el) => (el as HTMLImageElement).complete && (el as HTMLImageElement).naturalWidth > 0,
      await img.elementHandle(),
    );
    await app.shoot(SHOTS, '5-picture-received');
  });

  test('blocks the chat from its menu: kept on the server, the composer says why; then unblocks', async () => {
    const relation = () =>
      server.store.chats.get(chats.direct)!.relations.get(server.user('annie').id)!;
    await page.getByRole('button', { name: 'Chat options' }).click();
    await page.getByRole('menuitem', { name: 'Block chat' }).click();
    await page.getByText(/You blocked this chat/).waitFor({ timeout: 30_000 });
    await page
      .getByTestId('chat-states')
      .getByText(/Blocked/)
      .waitFor();
    await waitFor('the block on the server', () => relation().chatBlocked);
    await app.shoot(SHOTS, '6-blocked');
    await page.getByRole('button', { name: 'Chat options' }).click();
    await page.getByRole('menuitem', { name: 'Unblock chat' }).click();
    await composer().waitFor({ timeout: 30_000 });
    await waitFor('lifted on the server', () => !relation().chatBlocked);
    assert.deepEqual(app.problems, [], app.problems.join('\n'));
  });

  test('clears the chat from its menu, asked twice: its messages go, a later one shows', async () => {
    await say(chats.direct, 'soon cleared');
    await messageRow('soon cleared').waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: 'Chat options' }).click();
    await page.getByRole('menuitem', { name: 'Clear chat history…' }).click();
    await page.getByRole('menuitem', { name: /Clear for everyone/ }).click();
    await waitFor(
      'cleared on the server',
      () => ![...server.store.messages.values()].some((m) => m.chatId === chats.direct),
    );
    await page.getByRole('log').locator('li.message').first().waitFor({ state: 'detached' });
    await say(chats.direct, 'after the clear');
    await messageRow('after the clear').waitFor({ timeout: 30_000 });
    assert.equal(await page.getByRole('log').locator('li.message').count(), 1);
    await app.shoot(SHOTS, '7-cleared');
    assert.deepEqual(app.problems, [], app.problems.join('\n'));
  });
});
