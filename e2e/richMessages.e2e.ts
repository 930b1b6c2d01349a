// Rich messages and people against a real Synapse: the built renderer in
// Chromium over web mode, a real daemon signed in as alice, and bob writing
// through the Synapse client API as "another client".
//
//   node --import tsx --test e2e/richMessages.e2e.ts
//
// Needs Chromium and the Synapse venv (scripts/setup-test-env.sh); skips,
// saying so, without them. Screenshots (light and dark) go to test-results/rich/.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { firstMissing, requires } from '../test/helpers/prerequisites.js';
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
if (skip) console.log(`# skipping rich messages e2e: ${skip}`);

const SHOTS = shotsDir('rich');
/** A 2×2 PNG and a 4×2 one (a 2:1 picture). */
const PNG_SQUARE = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGP8z8DAwMDAxMDAwMDAAAANHQEDasKb6QAAAABJRU5ErkJggg==',
  'base64',
);

type ServerEvent = {
  event_id: string;
  type: string;
  sender: string;
  content: Record<string, unknown>;
};

describe('rich messages against a real Synapse', { skip, timeout: 600_000 }, () => {
  const scratch = mkdtempSync(join(tmpdir(), 'parley-e2e-rich-'));
  let synapse: Synapse;
  let alice: RegisteredUser;
  let bob: RegisteredUser;
  let parley: ParleyUser;
  let app: WebApp;
  let page: Page;
  let rich = '';
  let quiet = '';
  let bobAvatar = '';

  const serverEvents = async (roomId: string) =>
    (
      await synapse.api<{ chunk: ServerEvent[] }>(
        bob.accessToken,
        'GET',
        `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/messages?dir=b&limit=100`,
      )
    ).chunk;
  const messageRow = (text: string | RegExp) =>
    page.getByRole('log').locator('li.message').filter({ hasText: text }).last();
  const composer = () => page.locator('.composer textarea');
  const upload = async (user: RegisteredUser, bytes: Buffer, name: string) => {
    const res = await fetch(`${synapse.url}/_matrix/media/v3/upload?filename=${name}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${user.accessToken}`, 'content-type': 'image/png' },
      body: new Uint8Array(bytes),
    });
    return ((await res.json()) as { content_uri: string }).content_uri;
  };
  const shoot = (name: string) => app.shoot(SHOTS, name);
  const openChat = async (name: string) => {
    await page
      .getByRole('listbox', { name: 'Chats' })
      .getByRole('option', { name: new RegExp(name) })
      .click();
    await page.getByRole('heading', { name }).waitFor();
  };

  before(async () => {
    synapse = await Synapse.start({ dataDir: join(scratch, 'synapse') });
    alice = await synapse.register('alice');
    bob = await synapse.register('bob');
    await synapse.api(
      bob.accessToken,
      'PUT',
      `/_matrix/client/v3/profile/${encodeURIComponent(bob.userId)}/displayname`,
      {
        displayname: 'Bob Builder',
      },
    );
    bobAvatar = await upload(bob, PNG_SQUARE, 'bob.png');
    await synapse.api(
      bob.accessToken,
      'PUT',
      `/_matrix/client/v3/profile/${encodeURIComponent(bob.userId)}/avatar_url`,
      {
        avatar_url: bobAvatar,
      },
    );
    rich = await synapse.sharedRoom(bob, alice, { name: 'Rich room', preset: 'private_chat' });
    quiet = await synapse.sharedRoom(bob, alice, { name: 'Quiet room', preset: 'private_chat' });
    await synapse.send(bob, rich, { msgtype: 'm.text', body: 'welcome to the rich room' });
    await synapse.send(bob, quiet, { msgtype: 'm.text', body: 'nothing happens here' });

    parley = await ParleyUser.signIn(synapse, alice, { profileDir: join(scratch, 'profile') });
    app = await openWebApp({
      client: daemonClient(parley.daemon),
      scratch,
      blobDir: join(scratch, 'profile', 'blobs'),
      permissions: ['notifications', 'clipboard-read', 'clipboard-write'],
      captureNotifications: true,
    });
    page = app.page;
    await page
      .getByRole('listbox', { name: 'Chats' })
      .getByRole('option', { name: /Rich room/ })
      .waitFor({ timeout: 60_000 });
  });

  after(async () => {
    await app?.close();
    await parley?.close(false);
    await synapse?.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  test('a formatted message from another client renders, sanitized, with a pill for me and its inline image', async () => {
    await openChat('Rich room');
    await messageRow('welcome to the rich room').waitFor({ timeout: 30_000 });
    const inline = await upload(bob, PNG_SQUARE, 'inline.png');
    await synapse.send(bob, rich, {
      msgtype: 'm.text',
      body: 'Release notes for alice: bold, code, list',
      format: 'org.matrix.custom.html',
      formatted_body:
        `<p>Release notes for <a href="https://matrix.to/#/${alice.userId}">alice</a>: ` +
        '<strong>bold</strong>, <em>it</em>, <code>npm test</code></p>' +
        '<pre><code class="language-sh">echo hi\n</code></pre>' +
        '<ul><li>first</li><li>second</li></ul><blockquote>quoted</blockquote>' +
        '<span data-mx-spoiler="ending">the butler</span> ' +
        `<img src="${inline}" alt="inline pic" width="2" height="2"> ` +
        '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>' +
        '<a href="javascript:window.__pwned=3">bad link</a>',
      'm.mentions': { user_ids: [alice.userId] },
    });
    const row = messageRow('Release notes for');
    await row.waitFor({ timeout: 30_000 });
    const body = row.locator('.formatted-body');
    await body.locator('strong', { hasText: 'bold' }).waitFor();
    await body.locator('em', { hasText: 'it' }).waitFor();
    await body.locator('code', { hasText: 'npm test' }).waitFor();
    await body.locator('pre code.language-sh').waitFor();
    assert.equal(await body.locator('li').count(), 2);
    await body.locator('blockquote', { hasText: 'quoted' }).waitFor();
    // A mention of me: a highlighted pill, and the row is highlighted.
    await body.locator('a.mention-pill.me', { hasText: 'alice' }).waitFor();
    assert.match((await row.getAttribute('class')) ?? '', /mentions-me/);
    // The spoiler is hidden until clicked.
    const spoiler = body.locator('.spoiler');
    assert.doesNotMatch((await spoiler.getAttribute('class')) ?? '', /revealed/);
    await spoiler.click();
    assert.match((await spoiler.getAttribute('class')) ?? '', /revealed/);
    // The inline image loads from the daemon's blob route (mxc → media repository), nothing else.
    const img = body.locator('img.inline-image');
    await img.waitFor({ timeout: 30_000 });
    assert.match((await img.getAttribute('src')) ?? '', /^\/blob\/[0-9a-f]{64}$/);
    await page.waitForFunction(
      (el) => (el as HTMLImageElement).complete && (el as HTMLImageElement).naturalWidth > 0,
      await img.elementHandle(),
    );
    assert.equal(await body.locator('img').count(), 1, 'the img without an mxc src is gone');
    assert.equal(await body.locator('script').count(), 0);
    assert.equal(await body.locator('a[href^="javascript"]').count(), 0);
    assert.equal(
      await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned),
      undefined,
    );
    // Bob's avatar comes through authenticated media; his first message's sender line shows it.
    const avatar = messageRow('welcome to the rich room').locator('.sender-avatar');
    await page.waitForFunction(
      (el) => el?.getAttribute('data-avatar') === 'image',
      await avatar.elementHandle(),
      { timeout: 30_000 },
    );
    await shoot('1-formatted');
  });

  test('Markdown sent from Parley reaches the other client as formatted_body; raw sends as typed', async () => {
    await composer().fill('**shipped** the `v2` build\n\n- docs\n- tests');
    await page.getByRole('button', { name: 'Preview' }).click();
    const preview = page.getByRole('region', { name: 'Preview' });
    await preview.locator('strong', { hasText: 'shipped' }).waitFor();
    await shoot('2-markdown-preview');
    await composer().press('Enter');
    const mine = messageRow('shipped');
    await mine
      .locator('.formatted-body strong', { hasText: 'shipped' })
      .waitFor({ timeout: 30_000 });
    let sent: ServerEvent | undefined;
    await waitFor('the formatted message on the server', async () => {
      sent = (await serverEvents(rich)).find(
        (e) => e.sender === alice.userId && String(e.content.body).startsWith('**shipped**'),
      );
      return !!sent;
    });
    assert.equal(sent!.content.format, 'org.matrix.custom.html');
    assert.equal(
      sent!.content.formatted_body,
      '<p><strong>shipped</strong> the <code>v2</code> build</p>\n<ul>\n<li>docs</li>\n<li>tests</li>\n</ul>',
    );
    assert.equal(sent!.content.body, '**shipped** the `v2` build\n\n- docs\n- tests');

    await page.getByRole('button', { name: 'Markdown' }).click();
    await composer().fill('**not bold** on purpose');
    await composer().press('Enter');
    await messageRow('**not bold** on purpose').waitFor({ timeout: 30_000 });
    await waitFor('the raw message on the server', async () =>
      (await serverEvents(rich)).some((e) => e.content.body === '**not bold** on purpose'),
    );
    const raw = (await serverEvents(rich)).find(
      (e) => e.content.body === '**not bold** on purpose',
    )!;
    assert.equal(raw.content.formatted_body, undefined);
    await page.getByRole('button', { name: 'Markdown' }).click();
  });

  test('@ autocompletes a member; the mention reaches the server as m.mentions and a pill, and notifies bob', async () => {
    await composer().fill('');
    await composer().pressSequentially('thanks @bob');
    const options = page.getByRole('listbox', { name: 'People' });
    await options.getByRole('option', { name: /Bob Builder/ }).waitFor({ timeout: 10_000 });
    await shoot('3-mention-autocomplete');
    await composer().press('Enter');
    assert.equal(await composer().inputValue(), 'thanks Bob Builder ');
    await composer().pressSequentially('for the review');
    await composer().press('Enter');
    await messageRow('thanks Bob Builder')
      .locator('a.mention-pill', { hasText: 'Bob Builder' })
      .waitFor({
        timeout: 30_000,
      });
    let sent: ServerEvent | undefined;
    await waitFor('the mention on the server', async () => {
      sent = (await serverEvents(rich)).find(
        (e) => e.content.body === 'thanks Bob Builder for the review',
      );
      return !!sent;
    });
    assert.deepEqual(sent!.content['m.mentions'], { user_ids: [bob.userId] });
    assert.equal(
      sent!.content.formatted_body,
      `thanks <a href="https://matrix.to/#/${bob.userId}">Bob Builder</a> for the review`,
    );
    // Bob's server counts it as a highlight (the mention push rule matched).
    await waitFor('a highlight notification for bob', async () => {
      const { notifications: list } = await synapse.api<{
        notifications: { event: { event_id: string }; actions: unknown[] }[];
      }>(bob.accessToken, 'GET', '/_matrix/client/v3/notifications?only=highlight');
      return list.some((n) => n.event.event_id === sent!.event_id);
    });
  });

  test('a mention of me in another chat notifies and is counted in the chat list', async () => {
    await synapse.send(bob, quiet, {
      msgtype: 'm.text',
      body: 'alice: can you look at this?',
      format: 'org.matrix.custom.html',
      formatted_body: `<a href="https://matrix.to/#/${alice.userId}">alice</a>: can you look at this?`,
      'm.mentions': { user_ids: [alice.userId] },
    });
    await synapse.send(bob, quiet, {
      msgtype: 'm.text',
      body: 'alice, and this',
      'm.mentions': { user_ids: [alice.userId] },
    });
    const row = page.getByRole('option', { name: /Quiet room/ });
    await row.getByTestId('mention-badge').filter({ hasText: '@2' }).waitFor({ timeout: 30_000 });
    await waitFor('a notification for the mention', async () =>
      (await notifications(page)).some((n) => /can you look at this/.test(n.body)),
    );
    await shoot('4-mention-counted');
  });

  test('a "new messages" divider sits at the read marker, with a jump to it', async () => {
    // Read everything in Quiet room, leave, and let bob write 40 more.
    await openChat('Quiet room');
    await page
      .getByRole('option', { name: /Quiet room/ })
      .getByTestId('unread-badge')
      .waitFor({ state: 'detached', timeout: 30_000 });
    await openChat('Rich room');
    for (let i = 1; i <= 40; i++)
      await synapse.send(bob, quiet, { msgtype: 'm.text', body: `filler line ${i}` });
    await page
      .getByRole('option', { name: /Quiet room/ })
      .getByTestId('unread-badge')
      .filter({ hasText: /^40$/ })
      .waitFor({ timeout: 30_000 });
    await openChat('Quiet room');
    await messageRow('filler line 40').waitFor({ timeout: 30_000 });
    // The divider sits above the first of the 40, off screen; the jump brings it.
    await page.getByRole('button', { name: '↑ Jump to first unread' }).click();
    const divider = page.getByRole('log').getByRole('separator', { name: 'New messages' });
    await divider.waitFor();
    const around = await page.evaluate(() => {
      const d = document.querySelector('.unread-divider') as HTMLElement;
      const rows = [...document.querySelectorAll<HTMLElement>('.messages > li.message')].sort(
        (a, b) => a.offsetTop - b.offsetTop,
      );
      return {
        before: rows.filter((r) => r.offsetTop < d.offsetTop).pop()?.textContent ?? '',
        after: rows.find((r) => r.offsetTop > d.offsetTop)?.textContent ?? '',
      };
    });
    assert.match(around.after, /filler line 1(?!\d)/);
    assert.match(around.before, /alice, and this/);
    await shoot('5-new-messages-divider');
  });

  test('typing and read receipts from the other client show', async () => {
    await openChat('Rich room');
    await synapse.api(
      bob.accessToken,
      'PUT',
      `/_matrix/client/v3/rooms/${encodeURIComponent(rich)}/typing/${encodeURIComponent(bob.userId)}`,
      { typing: true, timeout: 30_000 },
    );
    await page.getByText('Bob Builder is typing…').waitFor({ timeout: 30_000 });
    const mine = (await serverEvents(rich)).find(
      (e) => e.content.body === 'thanks Bob Builder for the review',
    )!;
    await synapse.api(
      bob.accessToken,
      'POST',
      `/_matrix/client/v3/rooms/${encodeURIComponent(rich)}/receipt/m.read/${encodeURIComponent(mine.event_id)}`,
      {},
    );
    const receipts = messageRow('thanks Bob Builder for the review').locator('.read-receipts');
    try {
      await receipts.waitFor({ timeout: 30_000 });
    } catch (err) {
      const stored = await parley.call('chats.receipts', { chatId: parley.chat(rich)!.id });
      throw new Error(`no receipt row; the daemon has ${JSON.stringify(stored)}`, { cause: err });
    }
    assert.equal(await receipts.getAttribute('title'), 'Seen by Bob Builder');
    await shoot('6-typing-receipts');
    await synapse.api(
      bob.accessToken,
      'PUT',
      `/_matrix/client/v3/rooms/${encodeURIComponent(rich)}/typing/${encodeURIComponent(bob.userId)}`,
      { typing: false },
    );
    await page.getByText('Bob Builder is typing…').waitFor({ state: 'detached', timeout: 30_000 });
  });

  test('images keep their aspect ratio before they load; the viewer zooms, steps and saves', async () => {
    const a = await upload(bob, PNG_SQUARE, 'wide.png');
    const b = await upload(bob, PNG_SQUARE, 'square.png');
    await synapse.send(bob, rich, {
      msgtype: 'm.image',
      body: 'wide.png',
      url: a,
      info: { mimetype: 'image/png', size: PNG_SQUARE.length, w: 1600, h: 800 },
    });
    await synapse.send(bob, rich, {
      msgtype: 'm.image',
      body: 'square.png',
      url: b,
      info: { mimetype: 'image/png', size: PNG_SQUARE.length, w: 300, h: 300 },
    });
    const wide = page.locator('.attachment.image').filter({ hasText: 'wide.png' }).last();
    await wide.waitFor({ timeout: 30_000 });
    const box = await wide.getByRole('button', { name: 'Open image wide.png' }).boundingBox();
    assert.ok(box);
    assert.equal(Math.round(box.width), 360, 'scaled to the 360 px column');
    assert.equal(Math.round(box.height), 180, 'height from the 2:1 ratio, before the image loads');
    await wide.getByRole('button', { name: 'Open image wide.png' }).click();
    const viewer = page.getByRole('dialog', { name: 'wide.png' });
    await viewer.locator('img').waitFor({ timeout: 30_000 });
    await viewer
      .getByText('1 / 2')
      .or(viewer.getByText(/\d+ \/ \d+/))
      .first()
      .waitFor();
    await viewer.getByRole('button', { name: 'Zoom in' }).click();
    await viewer.getByText('150%').waitFor();
    assert.equal(
      await viewer.locator('a', { hasText: 'Save' }).getAttribute('download'),
      'wide.png',
    );
    await shoot('7-image-viewer');
    await viewer.getByRole('button', { name: 'Next image' }).click();
    await page.getByRole('dialog', { name: 'square.png' }).waitFor();
    await page
      .getByRole('dialog', { name: 'square.png' })
      .getByRole('button', { name: 'Close' })
      .click();
  });

  test('a look-alike (Punycode) link asks first and names the real host', async () => {
    await synapse.send(bob, rich, {
      msgtype: 'm.text',
      body: 'log in at https://xn--pple-43d.com/login now',
    });
    const link = messageRow('log in at').getByRole('link', {
      name: 'https://xn--pple-43d.com/login',
    });
    await link.waitFor({ timeout: 30_000 });
    let popups = 0;
    app.context.on('page', () => (popups += 1));
    await link.click();
    const dialog = page.getByRole('dialog', { name: 'Open this link?' });
    await dialog.getByText(/reads "аpple\.com" but is "xn--pple-43d\.com"/).waitFor();
    await shoot('8-link-confirm');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
    assert.equal(popups, 0, 'nothing opened');
  });

  test('a thread reply round-trips: started from the hover actions, answered by the other client', async () => {
    const root = await synapse.send(bob, rich, {
      msgtype: 'm.text',
      body: 'thread about the release',
    });
    const row = messageRow('thread about the release');
    await row.waitFor({ timeout: 30_000 });
    await row.hover();
    await row.getByRole('button', { name: 'Open thread' }).click();
    const panel = page.getByRole('complementary', { name: 'Thread' });
    const reply = panel.getByRole('textbox', { name: 'Reply in thread' });
    await reply.fill('I will write the notes');
    await reply.press('Enter');
    await waitFor('the thread reply on the server', async () =>
      (await serverEvents(rich)).some((e) => {
        const rel = e.content['m.relates_to'] as Record<string, unknown> | undefined;
        return (
          e.content.body === 'I will write the notes' &&
          rel?.rel_type === 'm.thread' &&
          rel.event_id === root
        );
      }),
    );
    await synapse.send(bob, rich, {
      msgtype: 'm.text',
      body: 'great, thanks',
      'm.relates_to': {
        rel_type: 'm.thread',
        event_id: root,
        is_falling_back: true,
        'm.in_reply_to': { event_id: root },
      },
    });
    await panel.getByText('great, thanks').waitFor({ timeout: 30_000 });
    await shoot('9-thread');
    await panel.getByRole('button', { name: 'Close thread' }).click();
  });

  test('the member panel lists the chat members with their avatars; the header counts them', async () => {
    await page.getByRole('button', { name: /^Members: 2$/ }).click();
    const panel = page.getByRole('complementary', { name: 'Members' });
    await panel.getByText('Bob Builder').waitFor();
    await panel
      .getByText('alice (you)')
      .or(panel.getByText(/\(you\)/))
      .first()
      .waitFor();
    // Bob made the room (v12: its owner); alice is at level 0: she may invite
    // (invite level 0) but neither remove nor ban (50), so neither is offered.
    const bobRow = panel.locator('li.member', { hasText: 'Bob Builder' });
    await bobRow.getByText(/owner/).waitFor();
    await panel.getByRole('textbox', { name: 'Invite someone' }).waitFor();
    assert.equal(await bobRow.getByRole('button', { name: 'Remove' }).count(), 0);
    assert.equal(await bobRow.getByRole('button', { name: 'Ban' }).count(), 0);
    await shoot('10-members');
    await page.getByRole('button', { name: 'Close members' }).click();
  });

  test('a link to a page with Open Graph tags shows its preview card; the account switch turns previews off', async () => {
    // The page is served here on 127.0.0.1 (the test Synapse lets loopback
    // through its preview blacklist: see the harness); Synapse fetches it and
    // its og:image, and the daemon asks Synapse.
    const asked: string[] = [];
    const site = createServer((req, res) => {
      asked.push(req.url ?? '');
      if (req.url === '/pic.png') {
        res.writeHead(200, { 'content-type': 'image/png' }).end(PNG_SQUARE);
        return;
      }
      const title = req.url === '/later.html' ? 'Later article' : 'Parley release notes';
      res
        .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
        .end(
          '<!doctype html><html><head>' +
            `<meta property="og:title" content="${title}">` +
            '<meta property="og:description" content="Everything new in this release, in one page.">' +
            '<meta property="og:site_name" content="Parley blog">' +
            `<meta property="og:image" content="http://127.0.0.1:${port}/pic.png">` +
            `</head><body><h1>${title}</h1></body></html>`,
        );
    });
    await new Promise<void>((r) => site.listen(0, '127.0.0.1', r));
    const port = (site.address() as AddressInfo).port;
    try {
      await openChat('Rich room');
      const link = `http://127.0.0.1:${port}/notes.html`;
      await synapse.send(bob, rich, { msgtype: 'm.text', body: `have a look: ${link}` });
      const card = messageRow('have a look').locator('a.link-preview');
      await card.waitFor({ timeout: 60_000 });
      await card.locator('.link-preview-title', { hasText: 'Parley release notes' }).waitFor();
      await card.getByText('Everything new in this release, in one page.').waitFor();
      await card.getByText('Parley blog').waitFor();
      // The picture arrives through the media repository (mxc://) into the blob store.
      const img = card.locator('.link-preview-image img');
      await img.waitFor({ timeout: 30_000 });
      assert.match((await img.getAttribute('src')) ?? '', /^\/blob\/[0-9a-f]{64}$/);
      assert.ok(asked.includes('/notes.html') && asked.includes('/pic.png'));
      await shoot('11-link-preview');

      // Off for this account, in Settings: no card, and the page is never asked for.
      await page.getByRole('button', { name: 'Settings' }).click();
      const settings = page.getByRole('dialog', { name: 'Settings' });
      const toggle = settings.getByLabel(/Show link previews/);
      assert.equal(await toggle.isChecked(), true);
      await toggle.click();
      await settings.locator('.link-preview-switch input:not(:checked)').waitFor();
      await shoot('12-link-preview-switch-off');
      await page.keyboard.press('Escape');
      await settings.waitFor({ state: 'detached' });
      assert.equal(
        (await parley.call('accounts.settings', { accountId: parley.accountId })).linkPreviews,
        false,
      );
      const later = `http://127.0.0.1:${port}/later.html`;
      await synapse.send(bob, rich, { msgtype: 'm.text', body: `and another: ${later}` });
      const row = messageRow('and another');
      await row.waitFor({ timeout: 30_000 });
      // The card would come from media.linkPreview: answer the same question here,
      // after the row's own request, and see that nothing was fetched.
      assert.equal(
        await parley.call('media.linkPreview', { accountId: parley.accountId, url: later }),
        null,
      );
      assert.equal(await row.locator('a.link-preview').count(), 0);
      assert.ok(!asked.includes('/later.html'), 'the server was never asked for the page');
    } finally {
      await new Promise((r) => site.close(r));
    }
  });

  test('"Copy link" puts the daemon-made matrix.to permalink of the message on the clipboard', async () => {
    const eventId = await synapse.send(bob, rich, { msgtype: 'm.text', body: 'link to me please' });
    const row = messageRow('link to me please');
    await row.waitFor({ timeout: 30_000 });
    await row.hover();
    await row.getByRole('button', { name: 'Copy link' }).click();
    await row.getByRole('button', { name: 'Link copied' }).waitFor();
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    assert.equal(
      copied,
      `https://matrix.to/#/${encodeURIComponent(rich)}/${encodeURIComponent(eventId)}`,
    );
  });

  test('media.fetch caches what a URI gave: the second call answers from the blob store', async () => {
    const first = await parley.call('media.fetch', { accountId: parley.accountId, uri: bobAvatar });
    await synapse.stop();
    const again = await parley.call('media.fetch', { accountId: parley.accountId, uri: bobAvatar });
    assert.equal(again.sha256, first.sha256);
  });

  test('no page errors and no CSP violations along the way', () => {
    const real = app.problems.filter(
      (p) => !/Failed to load resource.*(502|503|ERR_CONNECTION)/.test(p),
    );
    assert.deepEqual(real, []);
  });
});
