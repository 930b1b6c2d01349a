// The built `parley` command, end to end, on temp profiles.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { Store } from '../../main/daemon/store/store.js';
import { tempDir } from '../helpers/fixtures.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'bin', 'parley.js');

before(() => {
  // The CLI is tested as users run it: the bundle behind bin/parley.js.
  const build = spawnSync('npm', ['run', '--silent', 'build:node'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  assert.equal(build.status, 0, build.stderr);
  assert.ok(existsSync(join(ROOT, 'out', 'node', 'cli.js')));
});

function parley(args: string[], input = '') {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    input,
    encoding: 'utf8',
    // No keychain reachable: commands that do not need one must not care.
    env: { ...process.env, DBUS_SESSION_BUS_ADDRESS: '' },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function seededProfile() {
  const { dir, cleanup } = tempDir('parley-cli-');
  const store = Store.open(dir);
  // unichat has no connector yet, so sync and send fail in a known way.
  const account = store.accounts.add({
    protocol: 'unichat',
    server: 'https://chat.test',
    username: 'ann',
    label: 'Ann at work',
    workspace: 'Work',
  });
  store.writer.apply(account.id, {
    people: [
      { remoteId: '@ann', displayName: 'Ann', isSelf: true },
      { remoteId: '@bo', displayName: 'Bo' },
    ],
    chats: [{ remoteId: '!team', kind: 'group', name: 'Team room' }],
    messages: [
      {
        remoteId: '$1',
        chatRemoteId: '!team',
        senderRemoteId: '@bo',
        ts: Date.UTC(2024, 4, 1, 9),
        kind: 'text',
        body: 'Good morning, the café opens at nine',
      },
      {
        remoteId: '$2',
        chatRemoteId: '!team',
        senderRemoteId: '@ann',
        ts: Date.UTC(2024, 4, 1, 10),
        kind: 'text',
        body: 'Deployment finished',
      },
      {
        remoteId: '$3',
        chatRemoteId: '!team',
        senderRemoteId: '@bo',
        ts: Date.UTC(2024, 4, 1, 11),
        kind: 'text',
        body: 'Great, lunch at the cafe?',
      },
    ],
  });
  store.close();
  return { dir, cleanup };
}

test('reading commands print stable JSON', () => {
  const { dir, cleanup } = seededProfile();
  try {
    const accounts = parley(['accounts', 'list', '--json', '--profile', dir]);
    assert.equal(accounts.code, 0, accounts.stderr);
    const [account] = JSON.parse(accounts.stdout);
    assert.equal(account.label, 'Ann at work');
    assert.equal(account.protocol, 'unichat');

    const chats = parley(['chats', '--json', '--profile', dir]);
    const [chat] = JSON.parse(chats.stdout);
    assert.equal(chat.name, 'Team room');
    assert.equal(chat.unreadCount, 2, 'two messages from Bo, none of ours');
    assert.equal(chat.lastMessagePreview, 'Great, lunch at the cafe?');

    const page = parley(['messages', String(chat.id), '--limit', '2', '--json', '--profile', dir]);
    assert.deepEqual(
      JSON.parse(page.stdout).map((m: { body: string }) => m.body),
      ['Great, lunch at the cafe?', 'Deployment finished'],
    );

    const text = parley(['messages', String(chat.id), '--profile', dir]);
    assert.match(
      text.stdout,
      /Bo: Good morning[\s\S]*Ann: Deployment finished[\s\S]*Bo: Great, lunch/,
    );

    const hits = JSON.parse(parley(['search', 'cafe', '--json', '--profile', dir]).stdout);
    assert.deepEqual(
      hits.map((h: { senderName: string }) => h.senderName),
      ['Bo', 'Bo'],
      'café and cafe, newest first',
    );
    assert.ok(
      hits.every((h: { snippet: string }) => /\[caf[eé]\]/i.test(h.snippet)),
      JSON.stringify(hits),
    );
    const none = parley(['search', 'from:ann', 'cafe', '--profile', dir]);
    assert.equal(none.code, 0);
    assert.match(none.stdout, /no matches/);
  } finally {
    cleanup();
  }
});

test('unimplemented protocols, bad usage and failed syncs exit non-zero with one line', () => {
  const { dir, cleanup } = seededProfile();
  try {
    const add = parley(
      [
        'accounts',
        'add',
        'rest-chat',
        '--server',
        'https://u.test',
        '--user',
        'x',
        '--password-stdin',
        '--profile',
        dir,
      ],
      'pw\n',
    );
    assert.equal(add.code, 1);
    assert.equal(add.stderr.trim(), 'parley: the rest-chat connector is not implemented yet');

    const bogus = parley([
      'accounts',
      'add',
      'icq',
      '--server',
      'https://x',
      '--user',
      'x',
      '--password-stdin',
      '--profile',
      dir,
    ]);
    assert.equal(bogus.code, 2);
    assert.match(
      bogus.stderr,
      /protocol must be one of: matrix, jmap-mail, jmap-chat, rest-chat, unichat/,
    );

    const noPw = parley([
      'accounts',
      'add',
      'matrix',
      '--server',
      'https://x',
      '--user',
      'x',
      '--profile',
      dir,
    ]);
    assert.equal(noPw.code, 2);
    assert.match(noPw.stderr, /--password-stdin/);

    const badId = parley(['messages', 'abc', '--profile', dir]);
    assert.equal(badId.code, 2);

    const sync = parley(['sync', '--once', '--profile', dir]);
    assert.equal(sync.code, 1);
    assert.equal(sync.stderr.trim().split('\n').at(-1), 'parley: 1 of 1 accounts failed to sync');
    assert.match(sync.stderr, /account 1 \(Ann at work\): .*not implemented yet/);

    const send = parley(['send', '1', 'hello', '--profile', dir]);
    assert.equal(send.code, 1);
    assert.match(send.stderr, /unichat connector is not implemented yet/);

    const unknown = parley(['frobnicate', '--profile', dir]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /unknown command/);
  } finally {
    cleanup();
  }
});

test('an empty profile syncs trivially; removing an account removes its data', () => {
  const { dir, cleanup } = seededProfile();
  const empty = tempDir('parley-cli-empty-');
  try {
    const sync = parley(['sync', '--once', '--profile', empty.dir]);
    assert.equal(sync.code, 0, sync.stderr);
    assert.match(sync.stderr, /no accounts/);
    const removed = parley(['accounts', 'remove', '1', '--profile', dir]);
    assert.equal(removed.code, 0, removed.stderr);
    assert.deepEqual(JSON.parse(parley(['chats', '--json', '--profile', dir]).stdout), []);
    assert.match(parley(['search', 'cafe', '--profile', dir]).stdout, /no matches/);
    assert.equal(parley(['accounts', 'remove', '1', '--profile', dir]).code, 1);
  } finally {
    cleanup();
    empty.cleanup();
  }
});

test('a profile from a newer Parley is refused with a clear message', () => {
  const { dir, cleanup } = seededProfile();
  try {
    const db = new Database(join(dir, 'parley.db'));
    db.pragma('user_version = 999');
    db.close();
    const r = parley(['chats', '--profile', dir]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^parley: This profile's database was written by a newer Parley/);
  } finally {
    cleanup();
  }
});

/** Starts `parley web` without a keychain; resolves once it printed its URL. */
async function startWeb(dir: string, extra: string[] = []) {
  const child = spawn(process.execPath, [BIN, 'web', '--port', '0', '--profile', dir, ...extra], {
    env: { ...process.env, DBUS_SESSION_BUS_ADDRESS: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /(http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.on('exit', (code) => reject(new Error(`exited ${code}`)));
  });
  const { origin, searchParams } = new URL(url);
  const token = searchParams.get('token')!;
  const call = async (name: string, input: unknown, auth = true) => {
    const res = await fetch(`${origin}/api/${name}`, {
      method: 'POST',
      body: JSON.stringify(input),
      headers: {
        'content-type': 'application/json',
        ...(auth ? { authorization: `Bearer ${token}` } : {}),
      },
    });
    // A refused request (401, 403) answers in plain text.
    const text = await res.text();
    const body = (
      res.ok || res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : {}
    ) as {
      ok?: boolean;
      value?: unknown;
      error?: { code: string; message: string };
    };
    return { status: res.status, ...body };
  };
  return { child, call };
}

test('parley web prints a tokened URL, serves the API and stops on SIGINT', async () => {
  const { dir, cleanup } = seededProfile();
  const { child, call } = await startWeb(dir, ['--insecure-store']);
  try {
    assert.equal((await call('chats.list', {}, false)).status, 401);
    const res = await call('chats.list', {});
    assert.equal(res.status, 200);
    assert.equal((res.value as { name: string }[])[0]!.name, 'Team room');
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    child.kill('SIGINT');
    assert.equal(await exited, 0);
  } finally {
    child.kill('SIGKILL');
    cleanup();
  }
});

test('parley web starts without a keychain; signing in then says how to store secrets', async () => {
  const { dir, cleanup } = seededProfile();
  const { child, call } = await startWeb(dir);
  try {
    const chats = await call('chats.list', {});
    assert.ok(chats.ok, 'what is synced shows without a keychain');
    const add = await call('accounts.add', {
      protocol: 'matrix',
      server: 'http://127.0.0.1:9',
      username: 'zoe',
      password: 'pw',
    });
    assert.equal(add.error?.code, 'keychain_unavailable');
    assert.match(add.error!.message, /--insecure-store/);
  } finally {
    child.kill('SIGKILL');
    cleanup();
  }
});
