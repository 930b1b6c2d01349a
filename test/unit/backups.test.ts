// The database's safety net: a damaged file is found by the quick check at
// open and left untouched; daily online backups (SQLite's backup API) are
// made while writes go on, and rotated; a damaged profile offers its newest
// good backup and, restored, is the profile it was when the backup was made.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  existsSync,
  statSync,
  openSync,
  readdirSync,
  readFileSync,
  writeSync,
  closeSync,
} from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import {
  DatabaseCorruptError,
  openDatabase,
  checkDatabaseFile,
} from '../../main/daemon/store/database.js';
import { listBackups, takeAutomaticBackup } from '../../main/daemon/store/backups.js';
import { DailyBackups, DAY_MS } from '../../main/daemon/profile/dailyBackups.js';
import { openDaemon, DamagedProfile } from '../../main/daemon/openDaemon.js';
import { Daemon } from '../../main/daemon/daemon.js';
import { Store } from '../../main/daemon/store/store.js';
import type { ProfileHealth } from '../../main/daemon/api/contract.js';
import { addAccount, chatBatch, memorySecrets, message, tempDir } from '../helpers/fixtures.js';
import { fillSampleProfile, openProfile, profileSnapshot } from '../helpers/sampleProfile.js';

const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

/** Overwrites `length` bytes of the file at `offset` (the database must be closed). */
function scribble(file: string, offset: number, length: number, byte = 0x5a): void {
  const fd = openSync(file, 'r+');
  writeSync(fd, Buffer.alloc(length, byte), 0, length, offset);
  closeSync(fd);
}

/** A closed profile with the sample data, its database folded into one file. */
async function sampleProfileDir() {
  const t = tempDir();
  const daemon = openProfile(t.dir);
  await fillSampleProfile(daemon);
  await daemon.close();
  checkDatabaseFile(join(t.dir, 'parley.db'));
  return t;
}

test('a damaged database is found by the full check, said so, and left as it was', async () => {
  const { dir, cleanup } = await sampleProfileDir();
  try {
    const file = join(dir, 'parley.db');
    const pageSize = new Database(file).pragma('page_size', { simple: true }) as number;
    // The middle of the b-tree pages: what a bad sector or a torn copy does.
    scribble(file, pageSize * 3 + 100, pageSize * 4);
    const before = sha(file);
    assert.throws(
      () => openDatabase(file, { fullCheck: true }),
      (err: unknown) =>
        err instanceof DatabaseCorruptError &&
        /damaged/.test(err.message) &&
        err.problems.length > 0,
    );
    assert.equal(sha(file), before, 'nothing was written to the damaged file');
    assert.ok(!existsSync(`${file}-wal`), 'not even a WAL');
  } finally {
    cleanup();
  }
});

test('a file that is not a database at all is reported as damaged', () => {
  const { dir, cleanup } = tempDir();
  try {
    const store = Store.open(dir);
    store.close();
    scribble(join(dir, 'parley.db'), 0, 100);
    assert.throws(() => Store.open(dir), DatabaseCorruptError);
  } finally {
    cleanup();
  }
});

test('daily backups: one when due, none sooner, the oldest rotated out', async () => {
  const { dir, cleanup } = tempDir();
  const store = Store.open(dir);
  try {
    let now = Date.UTC(2024, 0, 15, 9);
    const backups = new DailyBackups(store.db, dir, { keep: 3, now: () => now });
    const first = await backups.runIfDue();
    assert.ok(first, 'no backup yet: one is made');
    assert.equal(first.name, 'parley-20240115T090000Z.db');
    now += DAY_MS - 60_000;
    assert.equal(await backups.runIfDue(), null, 'less than a day later: none');
    for (let day = 0; day < 4; day++) {
      now += DAY_MS;
      assert.ok(await backups.runIfDue());
    }
    const kept = listBackups(dir).map((b) => b.name);
    assert.deepEqual(kept, [
      'parley-20240120T085900Z.db',
      'parley-20240119T085900Z.db',
      'parley-20240118T085900Z.db',
    ]);
    assert.deepEqual(
      readdirSync(join(dir, 'backups')).sort(),
      [...kept].sort(),
      'no partial files left',
    );
    for (const b of listBackups(dir)) checkDatabaseFile(b.path);
    await backups.stop();
  } finally {
    store.close();
    cleanup();
  }
});

test('a backup runs online: sync keeps writing meanwhile, and the copy has those writes', async () => {
  const { dir, cleanup } = tempDir();
  const store = Store.open(dir);
  try {
    const account = addAccount(store);
    const filler = 'x'.repeat(400);
    for (let b = 0; b < 40; b++)
      store.writer.apply(
        account.id,
        chatBatch(
          '!big',
          'Big',
          Array.from({ length: 500 }, (_, i) =>
            message('!big', `$${b}-${i}`, 1_000_000 + b * 1000 + i, `${filler} ${b} ${i}`),
          ),
        ),
      );
    const count = () => store.db.prepare(`SELECT count(*) FROM messages`).pluck().get() as number;
    const atStart = count();
    let writesDuring = 0;
    let done = false;
    let atEnd = -1;
    const backup = takeAutomaticBackup(store.db, dir, { keep: 7 }).then((made) => {
      done = true;
      atEnd = count();
      return made;
    });
    // What the sync loop does: batches between the backup's steps.
    await new Promise<void>((resolve) => {
      const write = () => {
        if (done) return resolve();
        store.writer.apply(account.id, {
          messages: [message('!big', `$live-${writesDuring}`, 9_000_000 + writesDuring, 'live')],
        });
        writesDuring++;
        setImmediate(write);
      };
      setImmediate(write);
    });
    const made = await backup;
    assert.ok(writesDuring >= 5, `only ${writesDuring} writes went on during the backup`);
    const copy = new Database(made.path, { readonly: true });
    const copied = copy.prepare(`SELECT count(*) FROM messages`).pluck().get() as number;
    assert.equal(copy.pragma('integrity_check', { simple: true }), 'ok');
    copy.close();
    assert.ok(copied > atStart, 'writes made during the backup are in the copy');
    assert.equal(copied, atEnd, 'the copy is the database as it was when the backup finished');
  } finally {
    store.close();
    cleanup();
  }
});

test('a damaged profile says so, offers its newest good backup, and restoring it opens the profile', async () => {
  const { dir, cleanup } = await sampleProfileDir();
  try {
    // Backed up; more arrives and is backed up too, but that backup is
    // damaged; then the database itself is damaged.
    let daemon = openProfile(dir);
    const expected = await profileSnapshot(daemon);
    const older = await takeAutomaticBackup(daemon.store.db, dir, {
      keep: 7,
      now: Date.now() - 2 * DAY_MS,
    });
    daemon.store.writer.apply(1, {
      messages: [message('!team:matrix.example', '$later', Date.now(), 'after the backup')],
    });
    const newest = await takeAutomaticBackup(daemon.store.db, dir, { keep: 7 });
    scribble(newest.path, 0, 100);
    await daemon.close();
    const file = join(dir, 'parley.db');
    const pageSize = new Database(file).pragma('page_size', { simple: true }) as number;
    // Deep in the file (index pages): nothing startup reads.
    scribble(file, statSync(file).size - 3 * pageSize, 2 * pageSize);

    // Damage inside the tables opens (the header and schema are fine); the
    // background check finds it while the daemon runs, and says so.
    const running = new Daemon({ profileDir: dir, secrets: memorySecrets(), backups: false });
    void running.start();
    const found = await running.integrity!;
    assert.ok(found && found.length > 0, 'the background check found the damage');
    const live = await running.call('profile.health', {});
    assert.ok(live.ok && (live.value as ProfileHealth).database === 'damaged');
    await running.close();

    // The next start confirms it and offers the backups.
    const logs: string[] = [];
    const opened = openDaemon({
      profileDir: dir,
      secrets: memorySecrets(),
      log: (l) => logs.push(l),
    });
    assert.ok(opened instanceof DamagedProfile);
    const health = await opened.call('profile.health', {});
    assert.ok(health.ok);
    const h = health.value as ProfileHealth;
    assert.equal(h.database, 'damaged');
    assert.match(h.detail!, /damaged/);
    assert.deepEqual(
      h.backups.map((b) => b.name),
      [newest.name, older.name],
    );
    const refused = await opened.call('chats.list', {});
    assert.ok(!refused.ok && refused.error.code === 'unavailable');
    assert.match(refused.ok ? '' : refused.error.message, /restore a backup/);
    assert.ok(logs.some((l) => l.startsWith('database damaged')));

    const restored = await opened.call('profile.restoreBackup', {});
    assert.ok(restored.ok, JSON.stringify(restored));
    assert.equal(
      (restored.value as { restored: { name: string } }).restored.name,
      older.name,
      'the newest backup that passes the check',
    );
    const after = await opened.call('profile.health', {});
    assert.ok(after.ok);
    assert.equal((after.value as ProfileHealth).database, 'ok');
    const chats = await opened.call('chats.list', {});
    assert.ok(chats.ok);
    await opened.close();

    // The damaged file is kept beside the restored one; the mark is gone.
    assert.ok(readdirSync(dir).some((n) => n.startsWith('parley.db.replaced-')));
    assert.ok(!existsSync(join(dir, 'damaged.json')));
    daemon = openProfile(dir);
    const snapshot = await profileSnapshot(daemon);
    await daemon.close();
    assert.deepEqual(snapshot, expected);
  } finally {
    cleanup();
  }
});

test('a healthy database passes the background check and stays unmarked', async () => {
  const { dir, cleanup } = await sampleProfileDir();
  try {
    const daemon = new Daemon({ profileDir: dir, secrets: memorySecrets(), backups: false });
    void daemon.start();
    assert.deepEqual(await daemon.integrity, []);
    await daemon.close();
    assert.ok(!existsSync(join(dir, 'damaged.json')));
    const again = openDaemon({ profileDir: dir, secrets: memorySecrets() });
    assert.ok(!(again instanceof DamagedProfile));
    await again.close();
  } finally {
    cleanup();
  }
});

test('a damaged profile without a usable backup says so, and a healthy one refuses to restore', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const daemon = new Daemon({ profileDir: dir, secrets: memorySecrets() });
    const refused = await daemon.call('profile.restoreBackup', {});
    assert.ok(!refused.ok && refused.error.code === 'conflict');
    await daemon.close();
    scribble(join(dir, 'parley.db'), 0, 100);
    const damaged = openDaemon({ profileDir: dir, secrets: memorySecrets() });
    const none = await damaged.call('profile.restoreBackup', {});
    assert.ok(!none.ok && none.error.code === 'not_found', JSON.stringify(none));
    assert.match(none.ok ? '' : none.error.message, /no usable automatic backup/);
  } finally {
    cleanup();
  }
});
