// The REST chat connector against the reference server (test/servers/rest-chat)
// on a random loopback port: two users, each with their own Parley daemon.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startRestChatServer, type RestChatServer } from '../servers/rest-chat/server.js';
import { tempDir, waitFor } from '../helpers/fixtures.js';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { signInRestChatUser, type RestChatUser, restChatRequest } from '../helpers/restChatUser.js';
import type { RestChatOptions } from '../../main/daemon/connectors/rest-chat/connector.js';

let server: RestChatServer;
const users: RestChatUser[] = [];

before(async () => {
  server = await startRestChatServer({
    users: [
      { username: 'annie', password: 'annie-password', name: 'Annie' },
      { username: 'bobby', password: 'bobby-password', name: 'Bobby' },
      { username: 'cyril', password: 'cyril-password', name: 'Cyril' },
    ],
  });
});

after(async () => {
  for (const u of users) await u.close();
  await server?.close();
});

async function signIn(username: string, options: RestChatOptions = {}) {
  const u = await signInRestChatUser(server.url, username, `${username}-password`, options);
  users.push(u);
  return u;
}

// The server finds an existing chat by its members (its README, choice 17):
// each test's chat has its own set of members.

/** A request as a user would make it with another client (a session of their own). */
async function as<T>(username: string, method: string, path: string, body?: unknown): Promise<T> {
  const token = server.newSession(username).accessToken;
  return restChatRequest<T>(server.url, token, method, path, body);
}

const chatWith = async (owner: string, others: string[], title?: string) =>
  (
    await as<{ id: string }>(owner, 'POST', '/chats', {
      participants: others.map((o) => server.user(o).id),
      isPersonal: !title,
      ...(title ? { title } : {}),
    })
  ).id;

const serverMessages = (chatId: string) =>
  [...server.store.messages.values()].filter((m) => m.chatId === chatId);

test('sign-in keeps the bearer token (never the password); a wrong password is a clear error', async () => {
  const ann = await signIn('annie');
  const stored = [...ann.secrets.values()];
  assert.equal(stored.length, 1);
  assert.notEqual(stored[0], 'annie-password');
  assert.ok(server.store.sessionByToken(stored[0]!), 'the keychain holds a live session token');
  await assert.rejects(
    signInRestChatUser(server.url, 'bobby', 'wrong-password'),
    /auth.*Unauthorized|Unauthorized/,
  );
});

test('two users converse: direct chat named after the other, send, edit, delete, read marks', async () => {
  const ann = users[0] ?? (await signIn('annie'));
  const bob = await signIn('bobby');
  const chatId = await chatWith('annie', ['bobby']);
  const bobChat = await waitFor('Bobby sees the direct chat named after Annie', () =>
    bob.chat(chatId)?.name === 'Annie' ? bob.chat(chatId) : null,
  );
  assert.equal(bobChat.kind, 'direct');
  const annChat = await waitFor('Annie sees it named after Bobby', () =>
    ann.chat(chatId)?.name === 'Bobby' ? ann.chat(chatId) : null,
  );

  await ann.call('messages.send', { chatId: annChat.id, body: 'hello Bobby' });
  const hello = await waitFor('Bobby receives it', () =>
    bob.messages(chatId).find((m) => m.body === 'hello Bobby'),
  );
  assert.equal(hello.senderName, 'Annie');
  const stored = serverMessages(chatId).find((m) => m.text === 'hello Bobby')!;
  assert.match(stored.localId, new RegExp(`^${server.user('annie').id}\\+[0-9a-f-]{36}$`));
  await waitFor('Annie has exactly one copy: the echo became the server copy', () => {
    const mine = ann.messages(chatId).filter((m) => m.body === 'hello Bobby');
    return mine.length === 1 && mine[0]!.remoteId === String(stored.id) && !mine[0]!.outboxState;
  });

  await ann.call('messages.edit', { messageId: ann.messages(chatId)[0]!.id, body: 'hello Bob' });
  await waitFor('Bobby sees the edit', () =>
    bob.messages(chatId).find((m) => m.remoteId === String(stored.id) && m.body === 'hello Bob'),
  );
  assert.ok(bob.messages(chatId).find((m) => m.remoteId === String(stored.id))!.edited);

  await bob.call('chats.markRead', { chatId: bobChat.id, messageId: hello.id });
  await waitFor('the server has Bobby’s read mark', () =>
    stored.readMarks.some((r) => r.userId === server.user('bobby').id),
  );

  await ann.call('messages.delete', { messageId: ann.messages(chatId)[0]!.id });
  await waitFor('Bobby sees it deleted', () =>
    bob.messages(chatId).find((m) => m.remoteId === String(stored.id) && m.deleted),
  );
  assert.equal(bob.messages(chatId).length, 1, 'nothing duplicated');
});

test('a websocket drop during activity is caught up: nothing missed, nothing doubled', async () => {
  const bob = users[1]!;
  const chatId = await chatWith('annie', ['bobby']);
  const token = server.newSession('annie').accessToken;
  const post = (text: string) =>
    fetch(`${server.url}/chats/${chatId}/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ localId: `1+${crypto.randomUUID()}`, text }),
    });
  await post('before the drop');
  await waitFor('Bobby gets it live', () =>
    bob.messages(chatId).find((m) => m.body === 'before the drop'),
  );
  // Every socket drops; posts go on while Bobby is away.
  server.hub.closeAll();
  for (let i = 1; i <= 5; i++) await post(`during the gap ${i}`);
  await waitFor(
    'Bobby catches up after reconnecting',
    () => bob.messages(chatId).filter((m) => m.body.startsWith('during the gap')).length === 5,
  );
  await post('after the drop');
  await waitFor('and is live again', () =>
    bob.messages(chatId).find((m) => m.body === 'after the drop'),
  );
  const bodies = bob.messages(chatId).map((m) => m.body);
  assert.equal(new Set(bodies).size, bodies.length, 'nothing doubled');
  assert.ok(server.socketCount() > 0, 'the socket is back');
});

test('typing goes through notify and shows on the other side, and stops', async () => {
  const [ann, bob] = [users[0]!, users[1]!];
  const chatId = await chatWith('annie', ['bobby']);
  const annChat = ann.chat(chatId)!;
  const bobChat = bob.chat(chatId)!;
  const typingIn = (names: string[]) =>
    bob.events.find(
      (e) =>
        e.name === 'typing' &&
        (e.payload as { chatId: number }).chatId === bobChat.id &&
        JSON.stringify((e.payload as { names: string[] }).names) === JSON.stringify(names),
    );
  await ann.call('chats.typing', { chatId: annChat.id, typing: true });
  await waitFor('Bobby sees Annie typing', () => typingIn(['Annie']));
  await ann.call('chats.typing', { chatId: annChat.id, typing: false });
  await waitFor('and then no one', () => typingIn([]));
  assert.ok(
    !ann.events.some(
      (e) => e.name === 'typing' && (e.payload as { chatId: number }).chatId === annChat.id,
    ),
    'our own typing is not shown to us',
  );
});

test('history: the newest window first, then backfill pages the rest, nothing missed or doubled', async () => {
  const chatId = await chatWith('annie', ['bobby'], 'History');
  const token = server.newSession('annie').accessToken;
  for (let i = 1; i <= 75; i++)
    await fetch(`${server.url}/chats/${chatId}/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ localId: `seed+${crypto.randomUUID()}`, text: `m${i}` }),
    });
  const bob = await signInRestChatUser(server.url, 'bobby', 'bobby-password', {
    windowPerChat: 20,
    pageSize: 15,
  });
  users.push(bob);
  const all = await waitFor('all 75 arrive', () =>
    bob.messages(chatId).length >= 75 ? bob.messages(chatId) : null,
  );
  assert.deepEqual(
    all.map((m) => m.body).sort(),
    Array.from({ length: 75 }, (_, i) => `m${i + 1}`).sort(),
  );
  assert.equal(new Set(all.map((m) => m.remoteId)).size, 75);
});

test('a post whose answer was lost is delivered once: the retry adopts the copy it finds', async () => {
  let lost = 0;
  const losing: typeof fetch = async (input, init) => {
    const res = await fetch(input, init);
    if (init?.method === 'POST' && String(input).endsWith('/messages') && lost === 0) {
      lost++;
      throw new TypeError('fetch failed', { cause: { code: 'ECONNRESET' } });
    }
    return res;
  };
  const ann = await signIn('annie', { fetch: losing });
  const chatId = await chatWith('annie', ['bobby', 'cyril'], 'Lost answers');
  const chat = await waitFor('Annie sees the chat', () => ann.chat(chatId));
  await ann.call('messages.send', { chatId: chat.id, body: 'only once' });
  await waitFor('the echo became the server copy', () =>
    ann.messages(chatId).find((m) => m.body === 'only once' && m.remoteId && !m.outboxState),
  );
  const [entry] = await ann.call<{ state: string; attempts: number }[]>('outbox.list', {});
  assert.equal(entry?.state, 'sent');
  assert.equal(entry?.attempts, 2, 'sent on the second attempt');
  assert.equal(lost, 1, 'the first answer was lost');
  assert.equal(serverMessages(chatId).filter((m) => m.text === 'only once').length, 1);
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(ann.messages(chatId).filter((m) => m.body === 'only once').length, 1);
});

test('a truncated or malformed answer fails that sync with a clear reason; the next one recovers', async () => {
  let broken = 0;
  const truncating: typeof fetch = async (input, init) => {
    const res = await fetch(input, init);
    if (String(input).includes('/chats?full=1') && broken < 2) {
      broken++;
      const text = await res.text();
      // First a cut-off body, then one whose shape is wrong.
      const body = broken === 1 ? text.slice(0, Math.floor(text.length / 2)) : '[{"id": 5}]';
      return new Response(body, {
        status: 200,
        headers: { 'content-type': 'application/json' },
      });
    }
    return res;
  };
  const chatId = await chatWith('cyril', ['annie'], 'Recovery');
  const ann = await signIn('annie', { fetch: truncating });
  await waitFor('the chat arrives once the answers are whole', () => ann.chat(chatId));
  assert.equal(broken, 2);
  const failures = ann.log.filter((l) => /sync failed/.test(l));
  assert.equal(failures.length, 2, failures.join('\n'));
  assert.match(failures[0]!, /GET \/chats: the server's answer is not JSON/);
  assert.match(failures[1]!, /GET \/chats: unexpected answer \(0\.\w+: /);
  assert.notEqual(ann.daemon.store.accounts.get(ann.account.id)?.status, 'error');
});

test('parley accounts add rest-chat signs in from the command line, and sync --once reads the chats', async () => {
  const chatId = await chatWith('cyril', ['annie']);
  const { dir, cleanup } = tempDir('parley-restchat-cli-');
  try {
    const cli = cliAsync(dir);
    const add = await cli(
      [
        'accounts',
        'add',
        'rest-chat',
        '--server',
        server.url,
        '--user',
        'annie',
        '--password-stdin',
        '--insecure-store',
      ],
      'annie-password\n',
    );
    assert.equal(add.code, 0, add.stderr);
    const wrong = await cli(
      [
        'accounts',
        'add',
        'rest-chat',
        '--server',
        server.url,
        '--user',
        'bobby',
        '--password-stdin',
        '--insecure-store',
      ],
      'not-his-password\n',
    );
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /Unauthorized/);
    const sync = await cli(['sync', '--once']);
    assert.equal(sync.code, 0, sync.stderr);
    const chats = await cli(['chats']);
    assert.equal(chats.code, 0, chats.stderr);
    // The personal chat with Cyril, named after him.
    assert.match(chats.stdout, /\tCyril\n/, sync.stderr);
    assert.ok(chatId);
  } finally {
    cleanup();
  }
});

test('an edit or deletion of a message below the newest page arrives live', async () => {
  // The catch-up compares only the newest page with what it saw; an older
  // message's change is known from the messageUpdate frame alone.
  const chatId = await chatWith('bobby', ['cyril'], 'Older edits');
  const token = server.newSession('bobby').accessToken;
  const posted: { id: number }[] = [];
  for (let i = 1; i <= 12; i++) {
    const res = await fetch(`${server.url}/chats/${chatId}/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ localId: `seed+${crypto.randomUUID()}`, text: `old ${i}` }),
    });
    posted.push((await res.json()) as { id: number });
  }
  const cyril = await signInRestChatUser(server.url, 'cyril', 'cyril-password', {
    windowPerChat: 5,
    pageSize: 5,
  });
  users.push(cyril);
  await waitFor('Cyril has all 12', () => cyril.messages(chatId).length === 12);
  const [first, second] = [String(posted[0]!.id), String(posted[1]!.id)];
  await as('bobby', 'PUT', `/chats/${chatId}/messages/${first}`, {
    text: 'old 1, edited',
    fileExists: false,
    previewExists: false,
  });
  await as('bobby', 'DELETE', `/chats/${chatId}/messages/${second}`);
  await waitFor('Cyril sees the edit and the deletion', () => {
    const ms = cyril.messages(chatId);
    return (
      ms.some((m) => m.remoteId === first && m.body === 'old 1, edited' && m.edited) &&
      ms.some((m) => m.remoteId === second && m.deleted)
    );
  });
  assert.equal(cyril.messages(chatId).length, 12, 'nothing doubled');
});

test('messages of the same second show in the order they were posted', async () => {
  // HTTP dates are whole seconds: quick posts share one.
  const chatId = await chatWith('bobby', ['cyril']);
  const token = server.newSession('bobby').accessToken;
  for (let i = 1; i <= 6; i++)
    await fetch(`${server.url}/chats/${chatId}/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ localId: `seed+${crypto.randomUUID()}`, text: `q${i}` }),
    });
  const cyril = await signIn('cyril');
  const shown = await waitFor('Cyril has all six', () =>
    cyril.messages(chatId).length === 6 ? cyril.messages(chatId) : null,
  );
  const ids = shown.map((m) => Number(m.remoteId));
  assert.deepEqual(
    ids,
    [...ids].sort((a, b) => b - a),
    shown.map((m) => m.body).join(' | '),
  );
});

/**
 * `parley` (from source) as a child process, awaited without blocking: the
 * reference server runs in this process and must keep answering.
 */
function cliAsync(profileDir: string) {
  const source = fileURLToPath(new URL('../../main/cli/index.ts', import.meta.url));
  return (args: string[], input = '') =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', source, ...args, '--profile', profileDir],
        { env: { ...process.env, DBUS_SESSION_BUS_ADDRESS: '' } },
      );
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('close', (code) => resolve({ code, stdout, stderr }));
      child.stdin.end(input);
    });
}
