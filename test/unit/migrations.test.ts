import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import {
  openDatabase,
  schemaVersion,
  DatabaseTooNewError,
} from '../../main/daemon/store/database.js';
import { LATEST_VERSION, MIGRATIONS } from '../../main/daemon/store/migrations/index.js';
import { tempDir } from '../helpers/fixtures.js';

const columns = (db: Database.Database, table: string) =>
  (db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map((c) => c.name);

/** Tables and columns of a schema, to compare an upgraded database with a fresh one. */
function shape(db: Database.Database) {
  const tables = db
    .prepare(
      `SELECT name, type FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' AND name NOT LIKE '%_fts_%' AND name NOT LIKE '%_trigram_%' ORDER BY name`,
    )
    .all() as { name: string; type: string }[];
  return tables.map((t) => ({ ...t, columns: t.type === 'table' ? columns(db, t.name) : [] }));
}

test('migrations are numbered 1..N without gaps', () => {
  assert.deepEqual(
    MIGRATIONS.map((m) => m.version),
    MIGRATIONS.map((_, i) => i + 1),
  );
});

test('a new database is migrated to the latest version', () => {
  const { dir, cleanup } = tempDir();
  try {
    const db = openDatabase(join(dir, 'p.db'));
    assert.equal(schemaVersion(db), LATEST_VERSION);
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    assert.ok(columns(db, 'chats').includes('notify_level'));
    db.close();
  } finally {
    cleanup();
  }
});

for (let from = 1; from < LATEST_VERSION; from++) {
  test(`a database at version ${from} upgrades to the latest and keeps its data`, () => {
    const { dir, cleanup } = tempDir();
    try {
      const file = join(dir, 'p.db');
      const old = openDatabase(file, { targetVersion: from });
      assert.equal(schemaVersion(old), from);
      old.prepare(`INSERT INTO workspaces (name) VALUES ('Work')`).run();
      old
        .prepare(
          `INSERT INTO accounts (workspace_id, protocol, server, username, label, created_at) VALUES (1, 'matrix', 'https://m', 'ann', 'Ann', 1)`,
        )
        .run();
      old
        .prepare(
          `INSERT INTO chats (account_id, remote_id, kind, name) VALUES (1, '!r', 'group', 'Room')`,
        )
        .run();
      old.close();

      const upgraded = openDatabase(file);
      assert.equal(schemaVersion(upgraded), LATEST_VERSION);
      assert.equal(upgraded.prepare(`SELECT name FROM chats`).pluck().get(), 'Room');
      const fresh = openDatabase(join(dir, 'fresh.db'));
      assert.deepEqual(shape(upgraded), shape(fresh));
      upgraded.close();
      fresh.close();
    } finally {
      cleanup();
    }
  });
}

test('migration 2 gives existing chats the default notification level', () => {
  const { dir, cleanup } = tempDir();
  try {
    const file = join(dir, 'p.db');
    const v1 = openDatabase(file, { targetVersion: 1 });
    v1.exec(`INSERT INTO workspaces (name) VALUES ('W');
      INSERT INTO accounts (workspace_id, protocol, server, username, label, created_at) VALUES (1, 'matrix', 's', 'u', 'l', 1);
      INSERT INTO chats (account_id, remote_id, kind, name) VALUES (1, '!r', 'group', 'Room');`);
    v1.close();
    const v2 = openDatabase(file);
    assert.equal(v2.prepare(`SELECT notify_level FROM chats`).pluck().get(), 'all');
    assert.throws(() => v2.prepare(`UPDATE chats SET notify_level = 'loud'`).run(), /CHECK/);
    v2.close();
  } finally {
    cleanup();
  }
});

test('a failing migration leaves the database at the previous version', () => {
  const { dir, cleanup } = tempDir();
  try {
    const file = join(dir, 'p.db');
    const broken = [
      ...MIGRATIONS,
      {
        version: LATEST_VERSION + 1,
        name: 'broken',
        up: `CREATE TABLE half (x); SELECT no_such_function();`,
      },
    ];
    assert.throws(
      () => openDatabase(file, { migrations: broken, targetVersion: LATEST_VERSION + 1 }),
      /no_such_function/,
    );
    const db = new Database(file);
    assert.equal(schemaVersion(db), LATEST_VERSION);
    assert.equal(
      db.prepare(`SELECT count(*) FROM sqlite_master WHERE name = 'half'`).pluck().get(),
      0,
    );
    db.close();
  } finally {
    cleanup();
  }
});

test('a database from a newer Parley is refused with a clear message and left untouched', () => {
  const { dir, cleanup } = tempDir();
  try {
    const file = join(dir, 'p.db');
    openDatabase(file).close();
    const raw = new Database(file);
    raw.pragma(`user_version = ${LATEST_VERSION + 5}`);
    raw.close();
    assert.throws(
      () => openDatabase(file),
      (err: unknown) =>
        err instanceof DatabaseTooNewError &&
        /newer Parley/.test(err.message) &&
        err.found === LATEST_VERSION + 5,
    );
    const after = new Database(file);
    assert.equal(schemaVersion(after), LATEST_VERSION + 5);
    after.close();
  } finally {
    cleanup();
  }
});

test('migration 5 rebuilds the word index, queues substring indexing and fills chat previews', () => {
  const { dir, cleanup } = tempDir();
  try {
    const file = join(dir, 'p.db');
    const v4 = openDatabase(file, { targetVersion: 4 });
    v4.exec(`INSERT INTO workspaces (name) VALUES ('W');
      INSERT INTO accounts (workspace_id, protocol, server, username, label, created_at) VALUES (1, 'matrix', 's', 'u', 'l', 1);
      INSERT INTO chats (account_id, remote_id, kind, name, last_message_id) VALUES (1, '!r', 'group', 'Room', 2048);
      INSERT INTO messages (id, account_id, chat_id, remote_id, ts, kind, body, sender_name) VALUES
        (1024, 1, 1, '$1', 1, 'text', 'merge the café branch', 'Ann'),
        (2048, 1, 1, '$2', 2, 'text', '我们明天在北京见面', 'Bo');
      INSERT INTO messages_fts (rowid, body, subject, sender) VALUES (1024, 'merge the café branch', NULL, 'Ann');`);
    v4.close();
    const db = openDatabase(file);
    const match = (q: string) =>
      db
        .prepare(`SELECT rowid FROM messages_fts WHERE messages_fts MATCH ? ORDER BY rowid`)
        .pluck()
        .all(q);
    assert.deepEqual(match('"merge"*'), [1024]);
    assert.deepEqual(match('"cafe"'), [1024]);
    assert.deepEqual(match('"北京"'), [2048], 'CJK text is indexed as bigrams by the JS rebuild');
    assert.deepEqual(
      db.prepare(`SELECT id FROM substring_backlog ORDER BY id`).pluck().all(),
      [1024, 2048],
    );
    assert.equal(
      db.prepare(`SELECT last_message_preview FROM chats`).pluck().get(),
      '我们明天在北京见面',
    );
    db.close();
  } finally {
    cleanup();
  }
});

test('migration 8 backfills the inviter, the mail keywords and the mail addresses from the old raw JSON', () => {
  const { dir, cleanup } = tempDir();
  try {
    const file = join(dir, 'p.db');
    const v7 = openDatabase(file, { targetVersion: 7 });
    const email = {
      id: 'E1',
      keywords: { $flagged: true, $seen: true },
      from: [{ name: 'Ann', email: 'ann@example.test' }],
      to: [{ name: '', email: 'me@example.test' }, { name: 'No address' }, null],
      cc: [{ email: 'cy@example.test' }],
    };
    v7.exec(`INSERT INTO workspaces (name) VALUES ('W');
      INSERT INTO accounts (workspace_id, protocol, server, username, label, created_at) VALUES (1, 'matrix', 's', 'u', 'l', 1);`);
    const chat = v7.prepare(
      `INSERT INTO chats (account_id, remote_id, kind, name, raw_json) VALUES (1, ?, 'group', ?, ?)`,
    );
    chat.run('!inv', 'Invited', JSON.stringify({ inviter: '@ann:x', isDirect: false }));
    chat.run('!joined', 'Joined', null);
    chat.run('!odd', 'Odd', 'not json');
    const msg = v7.prepare(
      `INSERT INTO messages (id, account_id, chat_id, remote_id, ts, kind, body, raw_json)
       VALUES (?, 1, 1, ?, 1, ?, 'x', ?)`,
    );
    msg.run(1024, 'E1', 'mail', JSON.stringify(email));
    msg.run(2048, 'E2', 'mail', JSON.stringify({ keywords: { $draft: true } }));
    msg.run(3072, 'E3', 'mail', '{broken');
    msg.run(4096, '$t', 'text', JSON.stringify({ from: [{ email: 'not-mail@x' }] }));
    v7.close();

    const db = openDatabase(file);
    assert.deepEqual(
      db.prepare(`SELECT remote_id, inviter_remote_id FROM chats ORDER BY id`).raw().all(),
      [
        ['!inv', '@ann:x'],
        ['!joined', null],
        ['!odd', null],
      ],
    );
    assert.deepEqual(
      db.prepare(`SELECT id, mail_starred, mail_draft FROM messages ORDER BY id`).raw().all(),
      [
        [1024, 1, 0],
        [2048, 0, 1],
        [3072, 0, 0],
        [4096, null, null],
      ],
    );
    assert.deepEqual(
      db
        .prepare(
          `SELECT message_id, field, position, name, email FROM mail_addresses
           ORDER BY message_id, field, position`,
        )
        .raw()
        .all(),
      [
        [1024, 'cc', 0, null, 'cy@example.test'],
        [1024, 'from', 0, 'Ann', 'ann@example.test'],
        [1024, 'to', 0, null, 'me@example.test'],
      ],
    );
    db.close();
  } finally {
    cleanup();
  }
});

test('migrations are frozen: none imports live code', () => {
  const dir = join(import.meta.dirname, '../../main/daemon/store/migrations');
  for (const file of readdirSync(dir).filter((f) => /^\d{3}_.*\.ts$/.test(f))) {
    const source = readFileSync(join(dir, file), 'utf8');
    const imports = [...source.matchAll(/^import\s[^;]*?from\s+'([^']+)'/gms)].map((m) => m[1]);
    for (const from of imports)
      assert.ok(
        from === './types.js' || from === 'better-sqlite3',
        `${file} imports ${from}: copy what it needs into the migration instead`,
      );
  }
});
