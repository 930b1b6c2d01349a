// End to end against a real Synapse: the built renderer in Chromium over web
// mode, a real daemon (in-process, with the test-tuned Matrix connector), and
// a second user who writes through the Synapse client API.
//
//   node --import tsx --test e2e/synapse.e2e.ts
//
// Needs Chromium and the Synapse venv (.cache/synapse-venv, scripts/setup-test-env.sh);
// skips, saying so, without them. Screenshots go to test-results/synapse/.
import { after, before, describe, test } from 'node:test';
import { firstMissing, requires } from '../test/helpers/prerequisites.js';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import {
  SYNAPSE_PYTHON,
  Synapse,
  waitFor,
  type RegisteredUser,
} from '../test/servers/synapse/harness.js';
import { ParleyUser } from '../test/servers/synapse/parley.js';
import {
  chromiumMissing,
  daemonClient,
  notifications,
  openWebApp,
  shotsDir,
  type WebApp,
} from './support.js';

const skip = firstMissing(
  chromiumMissing,
  requires(
    `Synapse at ${SYNAPSE_PYTHON}`,
    !!process.env.SYNAPSE_URL || existsSync(SYNAPSE_PYTHON),
    'run bash scripts/setup-test-env.sh',
  ),
);
if (skip) console.log(`# skipping Synapse e2e: ${skip}`);

const SHOTS = shotsDir('synapse');
const HISTORY = 120;
/** A 2×2 PNG. */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGP8z8DAwMDAxMDAwMDAAAANHQEDasKb6QAAAABJRU5ErkJggg==',
  'base64',
);

describe('web mode against a real Synapse', { skip, timeout: 600_000 }, () => {
  const scratch = mkdtempSync(join(tmpdir(), 'parley-e2e-synapse-'));
  let synapse: Synapse;
  let alice: RegisteredUser;
  let bob: RegisteredUser;
  let parley: ParleyUser;
  let app: WebApp;
  let context: BrowserContext;
  let page: Page;
  /** WebSockets the page saw close (a frame over the limit used to close it). */
  let socketCloses = 0;
  const rooms: Record<'project' | 'random' | 'side', string> = {
    project: '',
    random: '',
    side: '',
  };
  let txn = 0;

  const send = (user: RegisteredUser, roomId: string, content: Record<string, unknown>) =>
    synapse.api<{ event_id: string }>(
      user.accessToken,
      'PUT',
      `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/send/m.room.message/e2e${++txn}`,
      content,
    );
  const say = (user: RegisteredUser, roomId: string, body: string) =>
    send(user, roomId, { msgtype: 'm.text', body });
  const serverEvents = async (roomId: string) =>
    (
      await synapse.api<{
        chunk: { type: string; sender: string; content: Record<string, unknown> }[];
      }>(
        bob.accessToken,
        'GET',
        `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/messages?dir=b&limit=100`,
      )
    ).chunk;
  const messageRow = (text: string) =>
    page.getByRole('log').locator('li.message').filter({ hasText: text }).last();
  const composer = () => page.locator('.composer textarea');

  before(async () => {
    synapse = await Synapse.start({ dataDir: join(scratch, 'synapse') });
    alice = await synapse.register('alice');
    bob = await synapse.register('bob');
    const room = async (name: string) => {
      const { room_id } = await synapse.api<{ room_id: string }>(
        alice.accessToken,
        'POST',
        '/_matrix/client/v3/createRoom',
        { name, preset: 'private_chat', invite: [bob.userId] },
      );
      await synapse.api(
        bob.accessToken,
        'POST',
        `/_matrix/client/v3/join/${encodeURIComponent(room_id)}`,
        {},
      );
      return room_id;
    };
    rooms.project = await room('Project chat');
    rooms.random = await room('Random');
    rooms.side = await room('Side room');
    for (let i = 1; i <= HISTORY; i++)
      await say(
        bob,
        rooms.project,
        i === 3 ? 'the zanzibar plan is in the wiki' : `project update number ${i}`,
      );
    await say(bob, rooms.random, 'anyone for lunch?');
    await say(bob, rooms.side, 'side room is open');

    parley = ParleyUser.open({ profileDir: join(scratch, 'profile') });
    // Opened by the first test: adding the account is part of what it checks.
    app = await openWebApp({
      client: daemonClient(parley.daemon),
      scratch,
      blobDir: join(scratch, 'profile', 'blobs'),
      permissions: ['notifications'],
      captureNotifications: true,
      open: false,
    });
    ({ page, context } = app);
    page.on('websocket', (ws) => ws.on('close', () => (socketCloses += 1)));
  });

  after(async () => {
    await app?.close();
    await parley?.close(false);
    await synapse?.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  test('adds a Matrix account through the UI; a wrong password is a clear error', async () => {
    await page.goto(app.web.url);
    await page.getByRole('button', { name: 'Add account' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add an account' });
    await dialog.getByRole('button', { name: /Matrix/ }).click();
    const form = page.getByRole('dialog', { name: 'Add a Matrix account' });
    await form.getByLabel('Homeserver').fill('not a url');
    await form.getByLabel('Username').fill('alice');
    await form.getByLabel('Password').fill('wrong-password');
    await form.getByRole('button', { name: 'Sign in' }).click();
    await form.getByText('Enter a full address, like https://example.org').waitFor();
    await form.getByLabel('Homeserver').fill(synapse.url);
    await form.getByRole('button', { name: 'Sign in' }).click();
    await form.getByText(/Could not sign in/).waitFor({ timeout: 30_000 });
    await app.shoot(SHOTS, '1-auth-failed');
    await form.getByLabel('Password').fill(alice.password);
    await form.getByRole('button', { name: 'Sign in' }).click();
    await form.waitFor({ state: 'detached', timeout: 60_000 });
    const rail = page.getByRole('navigation', { name: 'Workspaces and accounts' });
    await rail.getByRole('button', { name: 'alice', exact: false }).first().waitFor();
  });

  test('chats fill in from the server', async () => {
    const list = page.getByRole('listbox', { name: 'Chats' });
    for (const name of ['Project chat', 'Random', 'Side room'])
      await list.getByRole('option', { name: new RegExp(name) }).waitFor({ timeout: 60_000 });
    await app.shoot(SHOTS, '2-chats-filled');
  });

  test('opens a chat, sends (delivered to the server), and receives', async () => {
    await page.getByRole('option', { name: /Project chat/ }).click();
    await page.getByRole('heading', { name: 'Project chat' }).waitFor();
    await messageRow(`project update number ${HISTORY}`).waitFor();
    await composer().fill('Hello from Parley');
    await composer().press('Enter');
    const echo = messageRow('Hello from Parley');
    await echo.waitFor();
    await echo.locator('[data-outbox-state]').waitFor({ state: 'detached', timeout: 30_000 });
    await waitFor('the message on the server', async () =>
      (await serverEvents(rooms.project)).some(
        (e) => e.sender === alice.userId && e.content.body === 'Hello from Parley',
      ),
    );
    await say(bob, rooms.project, 'Bob says hi back');
    await messageRow('Bob says hi back').waitFor({ timeout: 30_000 });
    await app.shoot(SHOTS, '3-send-receive');
  });

  test('replies to a message: a reply bar, then a quote, and m.in_reply_to on the server', async () => {
    const target = messageRow('Bob says hi back');
    await target.hover();
    await target.getByRole('button', { name: 'Reply' }).click();
    await page.locator('.composer-bar.reply').getByText('Bob says hi back').waitFor();
    await composer().fill('Replying to you, Bob');
    await composer().press('Enter');
    const reply = messageRow('Replying to you, Bob');
    await reply.locator('.reply-quote').getByText('Bob says hi back').waitFor();
    await waitFor('the reply on the server', async () =>
      (await serverEvents(rooms.project)).some(
        (e) =>
          e.content.body === 'Replying to you, Bob' &&
          !!(e.content['m.relates_to'] as Record<string, unknown> | undefined)?.['m.in_reply_to'],
      ),
    );
    await app.shoot(SHOTS, '4-reply');
  });

  test('reacts with the picker; the chip shows the count and that it is mine', async () => {
    const target = messageRow('Bob says hi back');
    await target.hover();
    await target.getByRole('button', { name: 'Add reaction' }).click();
    await target.getByRole('button', { name: 'React 👍' }).click();
    const chip = target.locator('button.reaction-chip[aria-pressed=true]');
    await chip.waitFor({ timeout: 30_000 });
    assert.match((await chip.textContent()) ?? '', /👍\s*1/);
    await app.shoot(SHOTS, '5-reaction');
  });

  test('Up in the empty composer edits the last own message', async () => {
    await composer().click();
    await composer().press('ArrowUp');
    await page.locator('.composer-bar.edit').waitFor();
    assert.equal(await composer().inputValue(), 'Replying to you, Bob');
    await composer().fill('Replying to you, Bob (fixed)');
    await composer().press('Enter');
    const edited = messageRow('Replying to you, Bob (fixed)');
    await edited.locator('.edited').waitFor({ timeout: 30_000 });
    await app.shoot(SHOTS, '6-edited');
  });

  test('search finds an old message and opens it in context', async () => {
    const box = page.getByRole('searchbox', { name: 'Search messages' });
    const hit = page.locator('.search-hit').filter({ hasText: 'zanzibar' }).first();
    // History comes in by backfill; search again until it is there.
    await waitFor(
      'the old message in search',
      async () => {
        await box.fill('');
        await box.fill('zanzibar');
        await page.waitForTimeout(400);
        return (await hit.count()) > 0;
      },
      90_000,
    );
    await app.shoot(SHOTS, '7-search');
    await hit.getByRole('button').click();
    const row = page.locator('li.message.highlighted').filter({ hasText: 'zanzibar' });
    await row.waitFor({ timeout: 30_000 });
    const inView = await row.evaluate((el) => {
      const r = el.getBoundingClientRect();
      const t = document.querySelector('.timeline')!.getBoundingClientRect();
      return r.top >= t.top && r.bottom <= t.bottom;
    });
    assert.ok(inView, 'the hit is on screen');
    await messageRow('project update number 4').waitFor();
    await app.shoot(SHOTS, '8-search-jump');
  });

  test('an image someone sends shows as a thumbnail and opens', async () => {
    const upload = await fetch(`${synapse.url}/_matrix/media/v3/upload?filename=dot.png`, {
      method: 'POST',
      headers: { authorization: `Bearer ${bob.accessToken}`, 'content-type': 'image/png' },
      body: PNG,
    });
    const { content_uri } = (await upload.json()) as { content_uri: string };
    await send(bob, rooms.project, {
      msgtype: 'm.image',
      body: 'dot.png',
      url: content_uri,
      info: { mimetype: 'image/png', size: PNG.length, w: 2, h: 2 },
    });
    await page.getByRole('button', { name: 'Jump to latest ↓' }).click();
    const attachment = page.locator('.attachment.image').filter({ hasText: 'dot.png' }).last();
    await attachment.waitFor({ timeout: 30_000 });
    const img = attachment.locator('img');
    await img.waitFor({ timeout: 30_000 });
    await page.waitForFunction(
      (el) => (el as HTMLImageElement).complete && (el as HTMLImageElement).naturalWidth > 0,
      await img.elementHandle(),
    );
    // The thumbnail opens the viewer; "Open" opens the file itself.
    await attachment.getByRole('button', { name: 'Open image dot.png' }).click();
    const viewer = page.getByRole('dialog', { name: 'dot.png' });
    await viewer.locator('img').waitFor({ timeout: 30_000 });
    await viewer.getByRole('button', { name: 'Close' }).click();
    const [popup] = await Promise.all([
      context.waitForEvent('page'),
      attachment.getByRole('button', { name: 'Open', exact: true }).click(),
    ]);
    await popup.waitForLoadState();
    assert.match(popup.url(), /\/blob\/[0-9a-f]{64}/);
    const res = await popup.request.get(popup.url());
    assert.equal(res.status(), 200);
    assert.equal(res.headers()['content-type'], 'image/png');
    await popup.close();
    await app.shoot(SHOTS, '9-attachment');
  });

  test('a file attached in the composer is sent to the server', async () => {
    await page.locator('.composer input[type=file]').setInputFiles({
      name: 'notes.txt',
      mimeType: 'text/plain',
      buffer: Buffer.from('meeting notes\n'),
    });
    await page.locator('.pending-files').getByText('notes.txt').waitFor();
    await page.getByRole('button', { name: 'Send' }).click();
    await page.locator('.attachment').filter({ hasText: 'notes.txt' }).waitFor({ timeout: 30_000 });
    await waitFor('the file on the server', async () =>
      (await serverEvents(rooms.project)).some(
        (e) => e.sender === alice.userId && e.content.msgtype === 'm.file',
      ),
    );
  });

  test('mutes a chat from its context menu', async () => {
    await page.getByRole('option', { name: /Random/ }).click({ button: 'right' });
    await page.getByRole('menu').getByRole('menuitem', { name: 'Mute' }).click();
    await page.getByRole('option', { name: /Random\W+muted/ }).waitFor();
    await app.shoot(SHOTS, '10-muted');
  });

  test('a message in a background chat raises one notification; a muted chat raises none', async () => {
    // Project chat is open; Side room is in the background, Random is muted.
    await say(bob, rooms.side, 'ping from the side room');
    await say(bob, rooms.random, 'muted chatter');
    const preview = (name: string, text: string) =>
      page
        .getByRole('option', { name: new RegExp(name) })
        .locator('.chat-preview', { hasText: text });
    await preview('Side room', 'ping from the side room').waitFor({ timeout: 30_000 });
    await preview('Random', 'muted chatter').waitFor({ timeout: 30_000 });
    await page.waitForTimeout(500);
    const shown = await notifications(page);
    assert.equal(shown.filter((n) => n.body.includes('ping from the side room')).length, 1);
    assert.equal(shown.filter((n) => n.body.includes('muted chatter')).length, 0);
    const side = shown.find((n) => n.body.includes('ping from the side room'))!;
    assert.match(side.title, /Side room/);
  });

  test('a message written while the server is down stays pending, then is delivered', async () => {
    await synapse.kill();
    await composer().fill('sent while the server was down');
    await composer().press('Enter');
    const echo = messageRow('sent while the server was down');
    await echo.locator('[data-outbox-state]').waitFor();
    await page.waitForTimeout(1500);
    await app.shoot(SHOTS, '11-pending-offline');
    await synapse.restart();
    await echo.locator('[data-outbox-state]').waitFor({ state: 'detached', timeout: 60_000 });
    await waitFor('the offline message on the server', async () =>
      (await serverEvents(rooms.project)).some(
        (e) => e.content.body === 'sent while the server was down',
      ),
    );
    await app.shoot(SHOTS, '12-delivered');
  });

  test('replies in a thread from the thread panel; the server has it in the thread', async () => {
    await page.getByRole('option', { name: /Project chat/ }).click();
    const { event_id: root } = await say(bob, rooms.project, 'a thread starts here');
    await send(bob, rooms.project, {
      msgtype: 'm.text',
      body: 'first thread reply',
      'm.relates_to': {
        rel_type: 'm.thread',
        event_id: root,
        is_falling_back: true,
        'm.in_reply_to': { event_id: root },
      },
    });
    await messageRow('a thread starts here').getByRole('button', { name: '1 reply' }).click();
    const panel = page.getByRole('complementary', { name: 'Thread' });
    await panel.getByText('first thread reply').waitFor({ timeout: 30_000 });
    const reply = panel.getByRole('textbox', { name: 'Reply in thread' });
    await reply.fill('answering in the thread');
    await reply.press('Enter');
    await panel.getByText('answering in the thread').waitFor();
    await waitFor('the thread reply on the server', async () =>
      (await serverEvents(rooms.project)).some((e) => {
        const rel = e.content['m.relates_to'] as Record<string, unknown> | undefined;
        return (
          e.content.body === 'answering in the thread' &&
          rel?.rel_type === 'm.thread' &&
          rel.event_id === root
        );
      }),
    );
    await app.shoot(SHOTS, '13-thread-reply');
    await panel.getByRole('button', { name: 'Close thread' }).click();
  });

  test('an end-to-end encrypted chat opens and takes a message, which leaves encrypted', async () => {
    const { room_id } = await synapse.api<{ room_id: string }>(
      bob.accessToken,
      'POST',
      '/_matrix/client/v3/createRoom',
      {
        name: 'Locked room',
        invite: [alice.userId],
        initial_state: [
          {
            type: 'm.room.encryption',
            state_key: '',
            content: { algorithm: 'm.megolm.v1.aes-sha2' },
          },
        ],
      },
    );
    await synapse.api(
      alice.accessToken,
      'POST',
      `/_matrix/client/v3/join/${encodeURIComponent(room_id)}`,
      {},
    );
    await say(bob, room_id, 'plaintext from another client');
    await page.getByRole('option', { name: /Locked room/ }).click({ timeout: 30_000 });
    await messageRow('plaintext from another client').waitFor({ timeout: 30_000 });
    await composer().fill('sealed with megolm');
    await composer().press('Enter');
    await messageRow('sealed with megolm').waitFor();
    const mine = await waitFor('Alice’s message on the server', async () =>
      (await serverEvents(room_id)).find(
        (e) => e.sender === alice.userId && e.type === 'm.room.encrypted',
      ),
    );
    assert.ok(!JSON.stringify(mine.content).includes('sealed'), 'only ciphertext on the server');
    // Files go encrypted too (EncryptedFile; e2e/encryptedChat and matrixE2eeFiles test the bytes).
    assert.equal(await page.locator('.composer .attach').count(), 1, 'the file button is offered');
    await app.shoot(SHOTS, '14-encrypted');
    await page.getByRole('option', { name: /Project chat/ }).click();
  });

  test('a 20 MB file from the composer arrives whole, and calls in flight keep working', async () => {
    // Over the old path (base64 in a WebSocket frame) a file this size closed the
    // socket and every call in flight failed with "connection lost".
    const big = randomBytes(20 * 1024 * 1024);
    const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
    const closesBefore = socketCloses;
    await page.locator('.composer input[type=file]').setInputFiles({
      name: 'big.bin',
      mimeType: 'application/octet-stream',
      buffer: big,
    });
    await page.locator('.pending-files').getByText('big.bin').waitFor();
    const uploads = page.waitForResponse((r) => new URL(r.url()).pathname === '/upload', {
      timeout: 120_000,
    });
    await page.getByRole('button', { name: 'Send' }).click();
    // Calls made while the file is on its way are answered.
    const box = page.getByRole('searchbox', { name: 'Search messages' });
    await box.fill('zanzibar');
    await page.locator('.search-hit').filter({ hasText: 'zanzibar' }).first().waitFor();
    await box.fill('');
    const upload = await uploads;
    assert.equal(upload.status(), 200);
    assert.equal(upload.request().url(), `${app.origin}/upload`, 'no token in it');
    await page.locator('.attachment').filter({ hasText: 'big.bin' }).waitFor({ timeout: 120_000 });
    let mxc = '';
    await waitFor(
      'the file on the server',
      async () => {
        const event = (await serverEvents(rooms.project)).find(
          (e) => e.sender === alice.userId && e.content.body === 'big.bin',
        );
        mxc = String(event?.content.url ?? '');
        return mxc !== '';
      },
      120_000,
    );
    const [, server, mediaId] = /^mxc:\/\/([^/]+)\/(.+)$/.exec(mxc)!;
    const download = await fetch(
      `${synapse.url}/_matrix/client/v1/media/download/${server}/${mediaId}`,
      { headers: { authorization: `Bearer ${bob.accessToken}` } },
    );
    assert.equal(download.status, 200);
    const got = new Uint8Array(await download.arrayBuffer());
    assert.equal(got.length, big.length);
    assert.equal(sha256(got), sha256(big), 'the bytes on the server are the bytes sent');
    assert.equal(socketCloses, closesBefore, 'the WebSocket stayed open throughout');
    assert.equal(await page.getByText(/connection to Parley was lost/).count(), 0);
  });

  test('no page errors and no CSP violations along the way', () => {
    const real = app.problems.filter(
      (p) => !/Failed to load resource.*(502|503|ERR_CONNECTION)/.test(p),
    );
    assert.deepEqual(real, []);
  });
});
