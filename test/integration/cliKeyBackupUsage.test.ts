// `parley backup` is two things: the profile backup (a tar file) and, with
// `setup`/`restore`, the Matrix encryption key backup on the server. The help
// says which is which, and key backup commands refuse unclear input before
// touching anything. (Restoring against a server: matrixKeyBackup.test.ts.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { cliRunner } from '../helpers/cli.js';
import { tempDir } from '../helpers/fixtures.js';

const parley = cliRunner('source');

test('the help tells the profile backup from the encryption key backup', () => {
  const overview = parley(['help']);
  assert.equal(overview.code, 0);
  assert.match(overview.stdout, /backup \[--to FILE\] +\(the profile, into a file\)/);
  assert.match(overview.stdout, /backup restore --recovery-key-stdin/);
  const restore = parley(['backup', 'restore', '--help']);
  assert.equal(restore.code, 0);
  assert.match(restore.stdout, /^usage: parley backup restore --recovery-key-stdin/);
  assert.match(restore.stdout, /not "parley restore\s+FILE"/);
  assert.equal(parley(['help', 'backup', 'restore']).stdout, restore.stdout);
  const profile = parley(['help', 'backup']);
  assert.match(profile.stdout, /^usage: parley backup \[--to FILE\]/);
  assert.match(profile.stdout, /parley backup setup/);
});

test('key backup commands refuse a missing flag, an empty key or no Matrix account, and write nothing', () => {
  const { dir, cleanup } = tempDir('parley-cli-keybackup-');
  try {
    const noFlag = parley(['backup', 'restore', '--profile', dir]);
    assert.equal(noFlag.code, 2);
    assert.match(
      noFlag.stderr,
      /^parley: pass the recovery key on standard input with --recovery-key-stdin/,
    );
    const empty = parley(['backup', 'restore', '--recovery-key-stdin', '--profile', dir], '\n');
    assert.equal(empty.code, 2);
    assert.match(empty.stderr, /^parley: no recovery key on standard input/);
    const none = parley(['backup', 'restore', '--recovery-key-stdin', '--profile', dir], 'EsTc\n');
    assert.equal(none.code, 2);
    assert.match(none.stderr, /^parley: no Matrix account in this profile/);
    const setup = parley(['backup', 'setup', '--profile', dir]);
    assert.equal(setup.code, 2);
    assert.match(setup.stderr, /^parley: no Matrix account in this profile/);
    // The profile backup still works as before, next to them.
    const tar = parley(['backup', '--to', `${dir}/p.tar`, '--profile', dir]);
    assert.equal(tar.code, 0, tar.stderr);
    assert.ok(existsSync(`${dir}/p.tar`));
    assert.ok(
      !readdirSync(dir).some((f) => f.startsWith('matrix-crypto')),
      'no crypto store was made',
    );
  } finally {
    cleanup();
  }
});
