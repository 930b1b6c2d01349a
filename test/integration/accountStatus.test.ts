// Sync you can see, against the REST chat reference server (test/servers/
// rest-chat): the initial sync's progress counts the account's chats to 100%;
// when the server goes away the account is offline with the time of its next
// attempt, "retry now" tries at once, and when the server no longer knows our
// session the account is signed out until "sign in again" — keeping all it synced.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { Daemon } from '../../main/daemon/daemon.js';
import { ConnectorRegistry } from '../../main/daemon/connectors/registry.js';
import { RestChatConnector } from '../../main/daemon/connectors/rest-chat/connector.js';
import type { DaemonEvent, EventMap } from '../../main/daemon/api/contract.js';
import type { Account } from '../../main/daemon/model/types.js';
import { startRestChatServer, type RestChatServer } from '../servers/rest-chat/server.js';
import { memorySecrets, tempDir, waitFor } from '../helpers/fixtures.js';

const ROOMS = 12;
const users = [
  { username: 'walt', password: 'walt-password', name: 'Walt' },
  ...Array.from({ length: ROOMS }, (_, i) => ({
    username: `pal${i + 1}`,
    password: `pal${i + 1}-password`,
  })),
];

const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function seedRooms(server: RestChatServer): Promise<void> {
  const token = server.newSession('walt').accessToken;
  const post = async (path: string, body: unknown) => {
    const res = await fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    assert.ok(res.ok, `POST ${path}: ${res.status}`);
    return (await res.json()) as { id: string };
  };
  // The server finds a chat by its members (its README, choice 17): one pal per room.
  for (let i = 0; i < ROOMS; i++) {
    const chat = await post('/chats', {
      participants: [server.user(`pal${i + 1}`).id],
      isPersonal: false,
      title: `Room ${i + 1}`,
    });
    await post(`/chats/${chat.id}/messages`, {
      localId: `seed-${i}`.padEnd(36, '-'),
      text: `welcome to room ${i + 1}`,
    });
  }
}

test('progress counts the chats to 100%; offline says when it retries; signed out signs in again', async () => {
  let server = await startRestChatServer({ users });
  cleanups.push(() => server.close());
  await seedRooms(server);
  const { dir, cleanup } = tempDir('parley-status-');
  cleanups.push(cleanup);
  const secrets = memorySecrets();
  const daemon = new Daemon({
    profileDir: dir,
    secrets,
    connectors: new ConnectorRegistry().register('rest-chat', () => new RestChatConnector()),
    // A minute's backoff: within the test only "retry now" brings the next attempt.
    engine: { loop: { backoff: { baseMs: 60_000, maxMs: 120_000 } }, progressIntervalMs: 0 },
  });
  cleanups.push(() => daemon.close());
  const events: DaemonEvent[] = [];
  daemon.subscribe((e) => events.push(e));
  const call = async <T>(name: string, input: unknown): Promise<T> => {
    const r = await daemon.call(name, input);
    if (!r.ok) throw Object.assign(new Error(r.error.message), { code: r.error.code });
    return r.value as T;
  };
  const of = <K extends keyof EventMap>(name: K) =>
    events.filter((e) => e.name === name).map((e) => e.payload as EventMap[K]);

  const account = await call<Account>('accounts.add', {
    protocol: 'rest-chat',
    server: server.url,
    username: 'walt',
    password: 'walt-password',
  });
  await waitFor('the done report', () => of('sync.progress').some((p) => p.phase === 'done'));
  const initial = of('sync.progress').filter((p) => p.phase === 'initial' && p.chatsTotal);
  assert.ok(
    initial.every((p) => p.chatsTotal === ROOMS),
    'the total is the account’s chats',
  );
  const done = initial.map((p) => p.chatsDone!);
  assert.deepEqual(
    done,
    [...done].sort((a, b) => a - b),
    'chats done never go back',
  );
  assert.ok(
    done.some((d) => d > 0 && d < ROOMS),
    `counted chat by chat: ${done.join(' ')}`,
  );
  assert.equal(initial.at(-1)!.fraction, 1);
  assert.equal(of('sync.progress').at(-1)!.messagesStored, ROOMS);
  const stored = () => daemon.store.read.chats({ accountId: account.id }).length;
  assert.equal(stored(), ROOMS);

  // The server goes away: offline, with when the loop tries again.
  const port = server.port;
  await server.close();
  const offline = await waitFor('offline', () =>
    of('account.status').find((s) => s.status === 'offline'),
  );
  assert.ok(offline.retryAt! - Date.now() > 20_000, 'waits its backoff before trying again');
  const listed = (await call<Account[]>('accounts.list', {}))[0]!;
  assert.equal(listed.status, 'offline');
  assert.equal(listed.retryAt, offline.retryAt, 'accounts.list says when too');

  // Back, but it forgot our session: "retry now" tries at once and finds us signed out.
  server = await startRestChatServer({ users, port });
  const retried = await call<{ retried: boolean }>('accounts.retry', { accountId: account.id });
  assert.equal(retried.retried, true);
  await waitFor(
    'signed out',
    () => daemon.store.accounts.get(account.id)!.status === 'signed_out',
    10_000,
  );
  assert.equal(stored(), ROOMS, 'nothing synced is lost');
  const noRetry = await call<{ retried: boolean }>('accounts.retry', { accountId: account.id });
  assert.equal(noRetry.retried, false, 'a signed-out account waits for the user');

  // Sign in again: a wrong password says so; the right one syncs again.
  await assert.rejects(
    call('accounts.signIn', { accountId: account.id, password: 'nope' }),
    (err: Error & { code?: string }) => err.code === 'auth_failed',
  );
  await call('accounts.signIn', { accountId: account.id, password: 'walt-password' });
  await waitFor('active', () => daemon.store.accounts.get(account.id)!.status === 'active', 10_000);
  const tokens = [...secrets.map.values()];
  assert.equal(tokens.length, 1, 'the new session replaced the old in the keychain');
  assert.ok(server.store.sessionByToken(tokens[0]!), 'and the server knows it');
});
