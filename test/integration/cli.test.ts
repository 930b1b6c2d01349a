// The built `parley` command, end to end, on temp profiles.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { addMatrixAccount, cliRunner } from '../helpers/cli.js';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { Store } from '../../main/daemon/store/store.js';
import { tempDir } from '../helpers/fixtures.js';
import { startUnichatServer, TEST_APP_DOMAIN_TOKEN } from '../servers/unichat/server.js';
import { requires } from '../helpers/prerequisites.js';
import {
  freePort,
  Synapse,
  SYNAPSE_PYTHON,
  type RegisteredUser,
} from '../servers/synapse/harness.js';

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

// The CLI as users run it: the bundle behind bin/parley.js.
const parley = cliRunner('bin');

function seededProfile() {
  const { dir, cleanup } = tempDir('parley-cli-');
  const store = Store.open(dir);
  // Nothing listens on port 9 and the keychain holds no token: sync and send fail in a known way.
  const account = store.accounts.add({
    protocol: 'unichat',
    server: 'http://127.0.0.1:9',
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

test('accounts add unichat signs in with the password from stdin; sync brings its rooms', async () => {
  const server = await startUnichatServer({
    users: [
      { email: 'ann@example.test', password: 'ann-password', nick: 'ann' },
      { email: 'bo@example.test', password: 'bo-password', nick: 'bo' },
    ],
  });
  const { dir, cleanup } = tempDir('parley-cli-unichat-');
  try {
    const bo = server.newSession('bo@example.test');
    const res = await fetch(`${server.url}/api/create_room`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        APP_DOMAIN_TOKEN: TEST_APP_DOMAIN_TOKEN,
        USER_AUTH_TOKEN: bo,
      },
      body: JSON.stringify({
        args: { name: 'Garden', user_ids: [server.user('ann@example.test').id] },
      }),
    });
    assert.equal(res.status, 200);
    const run = (args: string[], input?: string) =>
      new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
        // Async: the server answers from this process.
        const child = spawn(process.execPath, [BIN, ...args, '--profile', dir], {
          env: { ...process.env, DBUS_SESSION_BUS_ADDRESS: '' },
        });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d) => (stdout += d));
        child.stderr.on('data', (d) => (stderr += d));
        child.on('close', (code) => resolve({ code, stdout, stderr }));
        child.stdin.end(input ?? '');
      });
    const add = await run(
      [
        'accounts',
        'add',
        'unichat',
        '--server',
        server.url,
        '--user',
        'ann@example.test',
        '--password-stdin',
        '--insecure-store',
      ],
      'ann-password\n',
    );
    assert.equal(add.code, 0, add.stderr);
    const secrets = readFileSync(join(dir, 'secrets.json'), 'utf8');
    assert.ok(
      !secrets.includes('ann-password'),
      'the keychain holds the auth_token, not the password',
    );
    const sync = await run(['sync', '--once']);
    assert.equal(sync.code, 0, sync.stderr);
    const chats = JSON.parse((await run(['chats', '--json'])).stdout) as { name: string }[];
    assert.deepEqual(
      chats.map((c) => c.name),
      ['Garden'],
    );
  } finally {
    cleanup();
    await server.close();
  }
});

test('unreachable servers, bad usage and failed syncs exit non-zero with one line', () => {
  const { dir, cleanup } = seededProfile();
  try {
    const add = parley(
      [
        'accounts',
        'add',
        'unichat',
        '--server',
        'http://127.0.0.1:9',
        '--user',
        'x@example.test',
        '--password-stdin',
        '--insecure-store',
        '--profile',
        dir,
      ],
      'pw\n',
    );
    assert.equal(add.code, 1);
    assert.equal(
      add.stderr.trim().split('\n').at(-1),
      'parley: sign-in failed: unichat login: network error',
    );

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
    assert.match(sync.stderr, /account 1 \(Ann at work\): .*no credentials in the keychain/);

    const send = parley(['send', '1', 'hello', '--profile', dir]);
    assert.equal(send.code, 1);
    assert.equal(send.stderr.trim(), 'parley: no credentials in the keychain for account 1');

    const unknown = parley(['frobnicate', '--profile', dir]);
    assert.equal(unknown.code, 2, 'a usage error');
    assert.match(unknown.stderr, /unknown command "frobnicate"/);
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
    assert.equal((res.value as { chats: { name: string }[] }).chats[0]!.name, 'Team room');
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

test("global options go before or after the command; help prints each command's usage", () => {
  const { dir, cleanup } = seededProfile();
  try {
    const first = parley(['--profile', dir, '--json', 'chats']);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(JSON.parse(first.stdout)[0].name, 'Team room');
    const last = parley(['chats', `--profile=${dir}`, '--json']);
    assert.equal(last.stdout, first.stdout, 'the same answer wherever the options stand');
    const chatId = String(JSON.parse(first.stdout)[0].id);
    const mixed = parley(['messages', '--json', chatId, '--profile', dir, '--limit', '1']);
    assert.equal(mixed.code, 0, mixed.stderr);
    assert.deepEqual(
      JSON.parse(mixed.stdout).map((m: { body: string }) => m.body),
      ['Great, lunch at the cafe?'],
    );
    const search = parley(['--json', 'search', '--profile', dir, 'deploy']);
    assert.equal(JSON.parse(search.stdout)[0].senderName, 'Ann');

    const overview = parley(['help']);
    assert.equal(overview.code, 0);
    for (const command of ['accounts add', 'sync', 'chats', 'messages', 'send', 'search', 'web'])
      assert.ok(overview.stdout.includes(command), `the overview lists ${command}`);

    const syncHelp = parley(['help', 'sync']);
    assert.equal(syncHelp.code, 0);
    assert.match(syncHelp.stdout, /^usage: parley sync /);
    assert.match(syncHelp.stdout, /--no-backfill/);
    for (const argv of [
      ['sync', '--help'],
      ['--help', 'sync'],
      ['sync', '-h', '--profile', dir],
    ]) {
      const r = parley(argv);
      assert.equal(r.code, 0, argv.join(' '));
      assert.equal(r.stdout, syncHelp.stdout, argv.join(' '));
    }
    const add = parley(['accounts', 'add', '--help']);
    assert.equal(add.code, 0);
    assert.match(add.stdout, /^usage: parley accounts add <protocol>[\s\S]*--password-stdin/);
    assert.doesNotMatch(add.stdout, /accounts remove/);
    const group = parley(['help', 'accounts']);
    assert.match(group.stdout, /accounts add[\s\S]*accounts list[\s\S]*accounts remove/);
    assert.equal(parley(['accounts', '--help']).stdout, group.stdout);
    const bare = parley(['accounts', '--profile', dir]);
    assert.equal(bare.code, 2);
    assert.match(bare.stderr, /^parley: which accounts command\?\n\nusage: parley accounts add/);

    const nosuch = parley(['help', 'nosuch']);
    assert.equal(nosuch.code, 2);
    assert.equal(
      nosuch.stderr.trim(),
      'parley: no command "nosuch"; run "parley help" for the list',
    );

    const unknownOption = parley(['chats', '--frob', '--profile', dir]);
    assert.equal(unknownOption.code, 2);
    const [line, , usage] = unknownOption.stderr.split('\n');
    assert.equal(line, 'parley: unknown option "--frob" for "parley chats"');
    assert.match(usage!, /^usage: parley chats /);
    const beforeCommand = parley(['--frob', 'chats', '--profile', dir]);
    assert.equal(beforeCommand.code, 2);
    assert.match(beforeCommand.stderr, /^parley: unknown option "--frob"/);
    const missingValue = parley(['messages', chatId, '--limit', '--profile', dir]);
    assert.equal(missingValue.code, 2);
    assert.match(missingValue.stderr, /^parley: option "--limit" needs a value/);
    const noProfile = parley(['chats', '--profile']);
    assert.equal(noProfile.code, 2);
    assert.match(noProfile.stderr, /--profile needs a folder/);
    const stray = parley(['chats', 'extra', '--profile', dir]);
    assert.equal(stray.code, 2);
    assert.match(stray.stderr, /^parley: unexpected argument "extra"/);
  } finally {
    cleanup();
  }
});

test('accounts history shows and sets the history depth; bad depths are usage errors', () => {
  const { dir, cleanup } = seededProfile();
  try {
    const shown = parley(['accounts', 'history', '1', '--profile', dir]);
    assert.equal(shown.code, 0, shown.stderr);
    assert.equal(shown.stdout, 'account 1: history depth full\n');
    const set = parley(['accounts', 'history', '1', '30', '--json', '--profile', dir]);
    assert.deepEqual(JSON.parse(set.stdout), { accountId: 1, historyDays: 30 });
    assert.equal(
      parley(['--profile', dir, 'accounts', 'history', '1']).stdout,
      'account 1: history depth 30 days\n',
      'it is stored with the account',
    );
    for (const bad of ['0', '2.5', 'lots']) {
      const r = parley(['accounts', 'history', '1', bad, '--profile', dir]);
      assert.equal(r.code, 2, bad);
      assert.match(r.stderr, /history depth is a number of days \(1 or more\) or "full"/);
    }
    const negative = parley(['accounts', 'history', '1', '-3', '--profile', dir]);
    assert.equal(negative.code, 2);
    assert.match(negative.stderr, /^parley: unknown option "-3"/);
    const sync = parley(['sync', '--once', '--history', 'soon', '--profile', dir]);
    assert.equal(sync.code, 2);
    assert.equal(parley(['accounts', 'history', '1', 'full', '--profile', dir]).code, 0);
    assert.match(parley(['accounts', 'history', '1', '--profile', dir]).stdout, /depth full/);
    const none = parley(['accounts', 'history', '9', '7', '--profile', dir]);
    assert.equal(none.code, 1);
    assert.equal(none.stderr.trim(), 'parley: no account 9');
  } finally {
    cleanup();
  }
});

// `sync --once` against a real Synapse: a room with more history than the
// initial sync's window (20 events per room) must end up complete.
const HISTORY = 130;
const synapseSkip = requires(
  'Synapse',
  existsSync(SYNAPSE_PYTHON) || Boolean(process.env.SYNAPSE_URL),
  'run npm run setup:test',
);

describe('sync --once against a real Synapse', { skip: synapseSkip }, () => {
  let synapse: Synapse;
  let ann: RegisteredUser;
  const C = '/_matrix/client/v3';

  before(async () => {
    synapse = await Synapse.start();
    ann = await synapse.register('ann');
    const bo = await synapse.register('bo');
    const { room_id: roomId } = await synapse.api<{ room_id: string }>(
      bo.accessToken,
      'POST',
      `${C}/createRoom`,
      { name: 'Long history', invite: [ann.userId] },
    );
    const room = encodeURIComponent(roomId);
    await synapse.api(ann.accessToken, 'POST', `${C}/join/${room}`, {});
    for (let i = 1; i <= HISTORY; i++) {
      const body = i === 1 ? 'history 1: the very first word' : `history ${i}`;
      await synapse.api(bo.accessToken, 'PUT', `${C}/rooms/${room}/send/m.room.message/h${i}`, {
        msgtype: 'm.text',
        body,
      });
    }
  });

  after(async () => {
    await synapse?.stop();
  });

  /** A fresh profile with Ann's account (secrets in the profile: no keychain here). */
  function annsProfile() {
    const profile = tempDir('parley-cli-sync-');
    const add = addMatrixAccount(cliRunner('bin', profile.dir), synapse.url, ann);
    assert.equal(add.code, 0, add.stderr);
    return profile;
  }

  /** The room's history as the CLI shows it: "history N" numbers, oldest first. */
  function historyIn(dir: string): number[] {
    const chats = JSON.parse(parley(['chats', '--json', '--profile', dir]).stdout) as {
      id: number;
      name: string;
    }[];
    const chat = chats.find((c) => c.name === 'Long history');
    assert.ok(chat, JSON.stringify(chats));
    const page = parley([
      'messages',
      String(chat.id),
      '--limit',
      '500',
      '--json',
      '--profile',
      dir,
    ]);
    assert.equal(page.code, 0, page.stderr);
    return (JSON.parse(page.stdout) as { body: string }[])
      .map((m) => /^history (\d+)/.exec(m.body)?.[1])
      .filter((n): n is string => n !== undefined)
      .map(Number)
      .reverse();
  }

  const oneToN = Array.from({ length: HISTORY }, (_, i) => i + 1);

  test('sync --once exits 0 with the whole history stored, and says so on stderr', () => {
    const { dir, cleanup } = annsProfile();
    try {
      const r = parley(['--profile', dir, 'sync', '--once', '--json']);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(historyIn(dir), oneToN, 'all 130 messages, none twice');
      const hits = JSON.parse(parley(['search', 'very first', '--json', '--profile', dir]).stdout);
      assert.equal(hits.length, 1, 'the oldest message is searchable');

      const lines = r.stderr.trim().split('\n');
      assert.match(lines[0]!, /^account 1 \(.+\): initial sync and catch-up$/);
      assert.ok(
        lines.some((l) =>
          /: backfill: \d+ messages stored; chats backfilled 0, remaining 1$/.test(l),
        ),
        r.stderr,
      );
      assert.match(
        lines.at(-1)!,
        /^account 1 \(.+\): complete: \d+ messages stored; chats backfilled 1, remaining 0$/,
      );
      const [summary] = JSON.parse(r.stdout);
      assert.equal(summary.complete, true);
      assert.equal(summary.error, null);
      assert.equal(summary.chatsRemaining, 0);
      assert.ok(summary.messagesStored >= HISTORY, JSON.stringify(summary));

      const again = parley(['sync', '--once', '--json', '--profile', dir]);
      assert.equal(again.code, 0, again.stderr);
      assert.equal(JSON.parse(again.stdout)[0].messagesStored, 0, 'nothing new the second time');
      assert.deepEqual(historyIn(dir), oneToN);
    } finally {
      cleanup();
    }
  });

  test('sync --once --no-backfill stores only the newest window; a later --once completes it', () => {
    const { dir, cleanup } = annsProfile();
    try {
      const r = parley(['sync', '--once', '--no-backfill', '--json', '--profile', dir]);
      assert.equal(r.code, 0, r.stderr);
      const window = historyIn(dir);
      assert.ok(window.length > 0 && window.length < HISTORY, `stored ${window.length}`);
      assert.deepEqual(window, oneToN.slice(-window.length), 'the newest ones, without gaps');
      assert.match(
        r.stderr,
        /: up to date, backfill skipped: \d+ messages stored; older history not fetched in 1 chats\n$/,
      );
      assert.equal(JSON.parse(r.stdout)[0].chatsRemaining, 1);

      // All of it is from today, so a one-day depth reaches the room's start.
      const rest = parley(['sync', '--once', '--history', '1', '--profile', dir]);
      assert.equal(rest.code, 0, rest.stderr);
      assert.deepEqual(historyIn(dir), oneToN);
    } finally {
      cleanup();
    }
  });

  test('a revoked session or an unreachable server fails with one line per account', async () => {
    const revoked = annsProfile();
    const unreachable = annsProfile();
    try {
      // The token Parley stored (secrets.json: no keychain here), logged out behind its back.
      const secretsOf = (dir: string) => join(dir, 'secrets.json');
      const file = JSON.parse(readFileSync(secretsOf(revoked.dir), 'utf8'));
      const session = JSON.parse(Object.values(file.secrets)[0] as string);
      await synapse.api(session.accessToken, 'POST', `${C}/logout`, {});
      const r = parley(['sync', '--once', '--profile', revoked.dir]);
      assert.equal(r.code, 1);
      const lines = r.stderr.trim().split('\n');
      assert.match(
        lines.at(-2)!,
        /^account 1 \(.+\): failed: the server no longer accepts our session \(.+\); sign in again$/,
      );
      assert.equal(lines.at(-1), 'parley: 1 of 1 accounts failed to sync');

      // The server moved away: the stored session points at a port nobody listens on.
      const other = JSON.parse(readFileSync(secretsOf(unreachable.dir), 'utf8'));
      for (const [key, value] of Object.entries(other.secrets))
        other.secrets[key] = JSON.stringify({
          ...JSON.parse(value as string),
          homeserver: `http://127.0.0.1:${await freePort()}`,
        });
      writeFileSync(secretsOf(unreachable.dir), JSON.stringify(other));
      const down = parley(['sync', '--once', '--json', '--profile', unreachable.dir]);
      assert.equal(down.code, 1);
      assert.match(down.stderr, /^account 1 \(.+\): failed: .*network error \(ECONNREFUSED\)$/m);
      assert.equal(down.stderr.trim().split('\n').at(-1), 'parley: 1 of 1 accounts failed to sync');
      assert.equal(JSON.parse(down.stdout)[0].complete, false);
    } finally {
      revoked.cleanup();
      unreachable.cleanup();
    }
  });
});
