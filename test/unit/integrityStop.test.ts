// Closing the daemon stops its background integrity check (profile/integrity.ts)
// before the store closes: the check's worker opened the database a moment
// after start, so a daemon closed at once (a quick restart, a test, a profile
// about to be replaced) saw the checker open the file again after close, and
// the WAL files it left made the profile directory impossible to remove
// (ENOTEMPTY in CI).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, rmSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { Daemon } from '../../main/daemon/daemon.js';
import { memorySecrets, tempDir } from '../helpers/fixtures.js';

test('a daemon closed right after it started leaves no checker behind holding its database', async () => {
  for (let round = 0; round < 5; round++) {
    const { dir } = tempDir();
    const daemon = new Daemon({ profileDir: dir, secrets: memorySecrets(), backups: false });
    void daemon.start();
    await daemon.close();
    // Stopped (null), or on a fast machine already done: either way settled by now.
    const found = await daemon.integrity;
    assert.ok(found === null || found.length === 0, String(found));
    // The store's close was the last connection: no WAL files, now or a moment later.
    const walFiles = () => readdirSync(dir).filter((f) => /-(wal|shm)$/.test(f));
    assert.deepEqual(walFiles(), []);
    await delay(300);
    assert.deepEqual(walFiles(), [], 'nothing opened the database after close');
    rmSync(dir, { recursive: true });
  }
});

test('a check that finishes before close still reports what it found', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const daemon = new Daemon({ profileDir: dir, secrets: memorySecrets(), backups: false });
    void daemon.start();
    assert.deepEqual(await daemon.integrity, []);
    await daemon.close();
  } finally {
    cleanup();
  }
});
