// Profiles written by released versions of Parley (test/fixtures/profiles/,
// made by make.ts there) must open in this version: every migration since
// that release applies to them, one after the other, and afterwards every
// message, edit, setting, draft and outbox entry is still there as it was.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDatabase, schemaVersion } from '../../main/daemon/store/database.js';
import { LATEST_VERSION } from '../../main/daemon/store/migrations/index.js';
import { openProfile, profileSnapshot } from '../helpers/sampleProfile.js';
import { tempDir } from '../helpers/fixtures.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/profiles/', import.meta.url));
const releases = readdirSync(FIXTURES, { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => e.name);

/** Every field `expected` has, `actual` has with the same value (later versions may add fields). */
function assertContains(actual: unknown, expected: unknown, path = '$'): void {
  if (Array.isArray(expected)) {
    assert.ok(Array.isArray(actual), `${path}: expected an array`);
    assert.equal(actual.length, expected.length, `${path}: length`);
    expected.forEach((e, i) => assertContains(actual[i], e, `${path}[${i}]`));
  } else if (expected !== null && typeof expected === 'object') {
    assert.ok(actual !== null && typeof actual === 'object', `${path}: expected an object`);
    for (const [key, value] of Object.entries(expected))
      assertContains((actual as Record<string, unknown>)[key], value, `${path}.${key}`);
  } else {
    assert.deepEqual(actual, expected, path);
  }
}

const counts = (file: string) => {
  const db = openDatabase(file, { readonly: true });
  try {
    const count = (table: string) =>
      db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
    return {
      messages: count('messages'),
      revisions: count('message_revisions'),
      reactions: count('reactions'),
      attachments: count('attachments'),
      outbox: count('outbox'),
      settings: count('settings'),
      accounts: count('accounts'),
    };
  } finally {
    db.close();
  }
};

test('there is a fixture profile of at least one release', () => {
  assert.ok(releases.length > 0, 'test/fixtures/profiles/ holds no release');
});

for (const release of releases) {
  const fixture = join(FIXTURES, release);
  const { schemaVersion: from, expected } = JSON.parse(
    readFileSync(join(fixture, 'expected.json'), 'utf8'),
  ) as { schemaVersion: number; expected: Record<string, unknown> };

  test(`${release}: the fixture is a database of its release (schema ${from})`, () => {
    assert.ok(from <= LATEST_VERSION);
    const before = counts(join(fixture, 'parley.db'));
    assert.ok(before.messages > 10 && before.outbox >= 5 && before.revisions >= 2, 'not empty');
  });

  // Each migration since the release, on its own, against the release's data.
  for (let target = from + 1; target <= LATEST_VERSION; target++) {
    test(`${release}: migration ${target} opens the profile migrated to ${target - 1} and keeps its rows`, () => {
      const { dir, cleanup } = tempDir();
      try {
        cpSync(fixture, dir, { recursive: true });
        const file = join(dir, 'parley.db');
        const before = counts(file);
        const db = openDatabase(file, { targetVersion: target });
        assert.equal(schemaVersion(db), target);
        assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
        db.close();
        assert.deepEqual(counts(file), before);
      } finally {
        cleanup();
      }
    });
  }

  test(`${release}: opened by this version, every message, edit, setting and outbox entry is kept`, async () => {
    const { dir, cleanup } = tempDir();
    try {
      cpSync(fixture, dir, { recursive: true });
      const daemon = openProfile(dir);
      try {
        assert.equal(daemon.store.db.pragma('user_version', { simple: true }), LATEST_VERSION);
        const actual = await profileSnapshot(daemon);
        assertContains(actual, expected);
        // The bytes of every downloaded attachment are still in the blob store.
        const shas = Object.values(actual.messages)
          .flat()
          .flatMap((m) => m.attachments.map((a) => a.blobSha256))
          .filter((s): s is string => s !== null);
        assert.ok(shas.length >= 3);
        for (const sha of shas) assert.ok(daemon.store.blobs.has(sha), `blob ${sha}`);
        // The queued writes are still deliverable, not just listed.
        const due = daemon.store.outbox.due(1, Number.MAX_SAFE_INTEGER);
        assert.ok(due.length >= 4, 'pending entries of the first account are due');
      } finally {
        await daemon.close();
      }
    } finally {
      cleanup();
    }
  });
}
