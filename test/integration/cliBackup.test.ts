// `parley backup`, `parley restore` and `parley export` as a user runs them
// (the CLI from source, as a child process): a backup holds the database and
// every blob but no secret, and restoring it into another profile gives back
// the same profile; a damaged database names the backup to restore.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cliRunner } from '../helpers/cli.js';
import { tempDir } from '../helpers/fixtures.js';
import { fillSampleProfile, openProfile, profileSnapshot } from '../helpers/sampleProfile.js';
import { takeAutomaticBackup } from '../../main/daemon/store/backups.js';

async function sampleProfile() {
  const t = tempDir();
  const daemon = openProfile(t.dir);
  await fillSampleProfile(daemon);
  const snapshot = await profileSnapshot(daemon);
  await daemon.close();
  // What --insecure-store leaves in a profile: it must not travel in a backup.
  writeFileSync(join(t.dir, 'secrets.json'), '{"matrix:me@https://matrix.example":"s3cret"}');
  return { ...t, snapshot };
}

test('parley backup and parley restore: the profile with its blobs, without its secrets', async () => {
  const source = await sampleProfile();
  const target = tempDir();
  const work = tempDir();
  try {
    const file = join(work.dir, 'my backup.tar');
    const made = cliRunner('source', source.dir)(['backup', '--to', file, '--json']);
    assert.equal(made.code, 0, made.stderr);
    const summary = JSON.parse(made.stdout) as { file: string; blobs: number };
    assert.equal(summary.blobs, 3);
    // An ordinary tar: what is in it, by name.
    const names = execFileSync('tar', ['-tf', file], { encoding: 'utf8' }).trim().split('\n');
    assert.deepEqual(names.slice(0, 2), ['manifest.json', 'parley.db']);
    assert.equal(names.filter((n) => n.startsWith('blobs/')).length, 3);
    assert.ok(!readFileSync(file).includes('s3cret'), 'no secret in the backup');

    const again = cliRunner('source', source.dir)(['backup', '--to', file]);
    assert.equal(again.code, 1, 'an existing file is never overwritten');
    assert.match(again.stderr, /already exists/);

    const restored = cliRunner('source', target.dir)(['restore', file]);
    assert.equal(restored.code, 0, restored.stderr);
    assert.ok(!existsSync(join(target.dir, 'secrets.json')));
    const daemon = openProfile(target.dir);
    const snapshot = await profileSnapshot(daemon);
    for (const m of Object.values(snapshot.messages).flat())
      for (const a of m.attachments)
        if (a.blobSha256) assert.ok(daemon.store.blobs.has(a.blobSha256), a.name);
    await daemon.close();
    assert.deepEqual(snapshot, source.snapshot);

    const notABackup = join(work.dir, 'notes.txt');
    writeFileSync(notABackup, 'hello '.repeat(200));
    const refused = cliRunner('source', target.dir)(['restore', notABackup]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /not a Parley backup/);
  } finally {
    source.cleanup();
    target.cleanup();
    work.cleanup();
  }
});

test('a damaged database: commands say so and name the latest automatic backup, which parley restore puts back', async () => {
  const profile = await sampleProfile();
  try {
    const daemon = openProfile(profile.dir);
    const backup = await takeAutomaticBackup(daemon.store.db, profile.dir, { keep: 7 });
    await daemon.close();
    const db = join(profile.dir, 'parley.db');
    const bytes = readFileSync(db);
    bytes.fill(0x42, 0, 100);
    writeFileSync(db, bytes);
    const cli = cliRunner('source', profile.dir);
    const chats = cli(['chats']);
    assert.equal(chats.code, 1);
    assert.match(chats.stderr, /database is damaged/);
    assert.ok(chats.stderr.includes(`parley restore "${backup.path}"`), chats.stderr);
    const restored = cli(['restore', backup.path]);
    assert.equal(restored.code, 0, restored.stderr);
    const after = cli(['chats', '--json']);
    assert.equal(after.code, 0, after.stderr);
    assert.equal(
      (JSON.parse(after.stdout) as unknown[]).length,
      2,
      'the inbox chats (one is archived)',
    );
  } finally {
    profile.cleanup();
  }
});

test('parley export writes the JSON and HTML export of a chat', async () => {
  const profile = await sampleProfile();
  const out = tempDir();
  try {
    const dir = join(out.dir, 'team');
    const r = cliRunner('source', profile.dir)(['export', '1', '--to', dir, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const result = JSON.parse(r.stdout) as { chats: number; messages: number; attachments: number };
    assert.equal(result.chats, 1);
    assert.ok(existsSync(join(dir, 'parley-export.json')));
    assert.ok(existsSync(join(dir, 'chat-1.html')));
    const bad = cliRunner('source', profile.dir)(['export', '--format', 'pdf']);
    assert.equal(bad.code, 2);
  } finally {
    profile.cleanup();
    out.cleanup();
  }
});
