// A full disk during sync, for real: Ann's profile lives on a small tmpfs
// (mounted for this test), Bo sends through the JMAP Chat reference server,
// and the disk fills up while Ann's daemon stores his messages. Ann's account
// must say "disk full", the database must stay intact, and once space is
// freed sync must go on by itself and store every message exactly once.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startJmapChatServer, type JmapChatServer } from '../servers/jmap-chat/server.js';
import { signInChatUser, type ChatUser } from '../servers/jmap-chat/parleyUser.js';
import { waitFor } from '../helpers/fixtures.js';
import { requires } from '../helpers/prerequisites.js';
import type { Account } from '../../main/daemon/model/types.js';

const MOUNT = mkdtempSync(join(tmpdir(), 'parley-smalldisk-'));

function mountTmpfs(): boolean {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m,mode=0700', 'tmpfs', MOUNT], {
      stdio: 'ignore',
    });
    return true;
  } catch {
    return false;
  }
}

const mounted = mountTmpfs();
const skip = requires(
  'a small tmpfs for the profile',
  mounted,
  'run the tests as root, or where "mount -t tmpfs" is allowed',
);

let server: JmapChatServer;
const users: ChatUser[] = [];

before(async () => {
  if (skip) return;
  server = await startJmapChatServer({
    users: [
      { login: 'ann', password: 'ann-pw', displayName: 'Ann' },
      { login: 'bo', password: 'bo-pw', displayName: 'Bo' },
    ],
    messageRate: { max: 10_000, windowMs: 1000 },
  });
});

after(async () => {
  for (const u of users) await u.close();
  await server?.close();
  if (mounted) execFileSync('umount', ['-l', MOUNT]);
  rmSync(MOUNT, { recursive: true, force: true });
});

const freeBytes = (dir: string) => {
  const s = statfsSync(dir);
  return s.bavail * s.bsize;
};

test(
  'a full disk during sync: a clear "disk full" on the account, nothing damaged, sync resumes once space is freed',
  { skip },
  async () => {
    const profile = join(MOUNT, 'profile');
    const ann = await signInChatUser(server, 'ann', 'ann-pw', {}, profile);
    users.push(ann);
    const bo = await signInChatUser(server, 'bo', 'bo-pw');
    users.push(bo);
    const { id: chatId } = (await bo.connector.act(bo.ctx, {
      action: 'createDirect',
      contactId: 'ann',
    })) as { id: string };
    const boChat = await waitFor('Bo has the chat', () => bo.chat(chatId));
    await waitFor('Ann has the chat', () => ann.chat(chatId));

    // The disk is nearly full: what is left holds far less than what Bo sends.
    const ballast = join(MOUNT, 'ballast');
    writeFileSync(ballast, Buffer.alloc(Math.max(0, freeBytes(MOUNT) - 160 * 1024)));
    const COUNT = 40;
    const body = (i: number) => `message ${i} ${'lorem ipsum dolor sit amet '.repeat(400)}`;
    for (let i = 0; i < COUNT; i++)
      await bo.call('messages.send', { chatId: boChat.id, body: body(i) });

    const accountStatus = async () =>
      (await ann.call<Account[]>('accounts.list', {})).find((a) => a.id === ann.account.id)!;
    const full = await waitFor(
      "Ann's account says the disk is full",
      async () => {
        const a = await accountStatus();
        return a.status === 'disk_full' ? a : null;
      },
      60_000,
    );
    assert.match(full.statusDetail ?? '', /disk is full/i);
    assert.ok(
      ann.events.some((e) => e.name === 'account.status' && e.payload.status === 'disk_full'),
      'the app was told at once',
    );
    // A write the user makes meanwhile gets the same clear answer, or is stored.
    const draft = await ann.daemon.call('drafts.save', {
      chatId: ann.chat(chatId)!.id,
      body: 'x'.repeat(60_000),
    });
    assert.ok(draft.ok || draft.error.code === 'disk_full', JSON.stringify(draft).slice(0, 200));
    assert.equal(ann.daemon.store.db.pragma('integrity_check', { simple: true }), 'ok');
    const storedWhileFull = ann.messages(chatId).length;
    assert.ok(storedWhileFull < COUNT, 'the disk did fill up before all arrived');

    // Space is freed: sync goes on by itself.
    rmSync(ballast);
    await waitFor('every message is stored', () => ann.messages(chatId).length === COUNT, 60_000);
    await waitFor(
      'the account is back to normal',
      async () => (await accountStatus()).status === 'active',
    );
    const bodies = ann.messages(chatId).map((m) => m.body);
    assert.equal(new Set(bodies).size, COUNT, 'each message exactly once');
    for (let i = 0; i < COUNT; i++) assert.ok(bodies.includes(body(i)), `message ${i}`);
    assert.equal(ann.daemon.store.db.pragma('integrity_check', { simple: true }), 'ok');
  },
);
