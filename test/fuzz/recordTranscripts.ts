// Records the transcripts the fuzz harness mutates (test/fixtures/<protocol>/
// transcript.json): starts the real server the integration tests use (Synapse,
// Cyrus, the JMAP Chat, REST chat and unichat reference servers), makes a small
// conversation, signs in with the connector and records its first sync
// (initial sync and backfill); then changes the conversation (new messages, an
// edit, a reaction, a deletion) and records the catch-up. Tokens and the
// server's origin never reach a file.
//   npx tsx test/fuzz/recordTranscripts.ts [matrix] [jmap-mail] [jmap-chat] [rest-chat] [unichat]
import { writeFileSync } from 'node:fs';
import { AccountLoop } from '../../main/daemon/sync/accountLoop.js';
import { silentObserver } from '../../main/daemon/sync/observer.js';
import type { Connector, Credentials } from '../../main/daemon/connectors/connector.js';
import type { Protocol, SyncBatch } from '../../main/daemon/model/types.js';
import { Synapse } from '../servers/synapse/harness.js';
import { cyrusInstalled, startCyrus } from '../servers/cyrus/cyrusServer.js';
import { startJmapChatServer } from '../servers/jmap-chat/server.js';
import { startRestChatServer } from '../servers/rest-chat/server.js';
import { startUnichatServer, TEST_APP_DOMAIN_TOKEN } from '../servers/unichat/server.js';
import { tempStore } from '../helpers/fixtures.js';
import { FUZZ_TARGETS, transcriptPath } from './targets.js';
import { recordFetch, scrub, REPLAY_ORIGIN, type Exchange, type Transcript } from './transcript.js';

type Obj = Record<string, unknown>;

/** A scenario: the server, who signs in, and the change made between the two syncs. */
interface Scenario {
  origin: string;
  credentials: Credentials;
  /** Secrets that must not reach the file (tokens, passwords, Basic headers). */
  secrets: string[];
  change(): Promise<void>;
  /**
   * When a resumed first sync asks what neither phase does: the batch a first
   * sync is cut short before; the sync that resumes it is recorded too.
   */
  cutShortBefore?(batch: SyncBatch): boolean;
  close(): Promise<void>;
}

/**
 * A first sync on a fresh store stopped before the batch `cut` picks (what a
 * crash or a refused answer leaves), then the sync that resumes it, recorded.
 */
async function recordResumed(
  protocol: Protocol,
  scenario: Scenario,
  secret: string,
  cut: (batch: SyncBatch) => boolean,
): Promise<Exchange[]> {
  const target = FUZZ_TARGETS.find((t) => t.protocol === protocol)!;
  const { store, cleanup } = tempStore();
  try {
    const account = store.accounts.add({
      protocol,
      server: scenario.credentials.server,
      username: scenario.credentials.username,
    });
    const loop = (connector: Connector) =>
      new AccountLoop(account, connector, store, secret, silentObserver, {
        once: true,
        maxAttempts: 1,
      }).start();
    const full = target.create();
    const cutShort: Connector = Object.create(full) as Connector;
    cutShort.sync = async function* (ctx) {
      for await (const batch of full.sync(ctx)) {
        if (cut(batch)) return;
        yield batch;
      }
    };
    cutShort.backfill = undefined;
    await loop(cutShort);
    const rec = recordFetch();
    try {
      await loop(target.create());
    } finally {
      rec.stop();
    }
    return rec.exchanges;
  } finally {
    cleanup();
  }
}

async function record(protocol: Protocol, scenario: Scenario): Promise<void> {
  const target = FUZZ_TARGETS.find((t) => t.protocol === protocol)!;
  const { store, cleanup } = tempStore();
  try {
    const login = await target.create().login(scenario.credentials, AbortSignal.timeout(30_000));
    const account = store.accounts.add({
      protocol,
      server: scenario.credentials.server,
      username: scenario.credentials.username,
    });
    const connector = target.create();
    const run = async (): Promise<Exchange[]> => {
      const rec = recordFetch();
      try {
        await new AccountLoop(account, connector, store, login.secret, silentObserver, {
          once: true,
          maxAttempts: 1,
        }).start();
      } finally {
        rec.stop();
      }
      return rec.exchanges;
    };
    const initial = await run();
    await scenario.change();
    const catchUp = await run();
    const resumed = scenario.cutShortBefore
      ? await recordResumed(protocol, scenario, login.secret, scenario.cutShortBefore)
      : null;
    const secrets = [...scenario.secrets, ...secretParts(login.secret)];
    const clean = (e: Exchange): Exchange => ({
      ...e,
      body: scrub(e.body, secrets, scenario.origin),
      headers: Object.fromEntries(
        Object.entries(e.headers).map(([k, v]) => [k, scrub(v, secrets, scenario.origin)]),
      ),
    });
    const transcript: Transcript = {
      protocol,
      server: REPLAY_ORIGIN,
      username: scenario.credentials.username,
      secret: scrub(login.secret, secretParts(login.secret), scenario.origin).replace(
        /<redacted>/g,
        'replayed-token',
      ),
      initial: initial.map(clean),
      catchUp: catchUp.map(clean),
      ...(resumed ? { resumed: resumed.map(clean) } : {}),
    };
    writeFileSync(transcriptPath(protocol), `${JSON.stringify(transcript, null, 1)}\n`);
    console.log(
      `saved ${protocol}: ${initial.length} + ${catchUp.length} exchanges (${transcriptPath(protocol)})`,
    );
  } finally {
    cleanup();
    await scenario.close();
  }
}

/** The token inside a secret (Matrix keeps JSON with the access token). */
function secretParts(secret: string): string[] {
  try {
    const parsed = JSON.parse(secret) as Obj;
    return typeof parsed.accessToken === 'string' ? [parsed.accessToken] : [secret];
  } catch {
    return [secret];
  }
}

async function matrix(): Promise<Scenario> {
  const synapse = await Synapse.start();
  const ann = await synapse.register('ann');
  const bo = await synapse.register('bo');
  const C = '/_matrix/client/v3';
  const A = (method: string, path: string, body?: unknown) =>
    synapse.api<Obj>(ann.accessToken, method, `${C}${path}`, body);
  const B = (method: string, path: string, body?: unknown) =>
    synapse.api<Obj>(bo.accessToken, method, `${C}${path}`, body);
  const { room_id: room } = (await A('POST', '/createRoom', {
    name: 'Fuzz room',
    invite: [bo.userId],
  })) as { room_id: string };
  const r = encodeURIComponent(room);
  await B('POST', `/join/${r}`, {});
  let txn = 0;
  const send = async (who: typeof A, type: string, content: Obj) =>
    ((await who('PUT', `/rooms/${r}/send/${type}/f${++txn}`, content)) as { event_id: string })
      .event_id;
  const first = await send(A, 'm.room.message', { msgtype: 'm.text', body: 'first' });
  for (let i = 0; i < 6; i++)
    await send(i % 2 ? B : A, 'm.room.message', { msgtype: 'm.text', body: `message ${i}` });
  return {
    origin: synapse.url,
    credentials: { server: synapse.url, username: 'bo', password: bo.password },
    secrets: [ann.accessToken, bo.accessToken, bo.password],
    async change() {
      await send(A, 'm.room.message', {
        msgtype: 'm.text',
        body: '* first, edited',
        'm.new_content': { msgtype: 'm.text', body: 'first, edited' },
        'm.relates_to': { rel_type: 'm.replace', event_id: first },
      });
      await send(A, 'm.reaction', {
        'm.relates_to': { rel_type: 'm.annotation', event_id: first, key: '👍' },
      });
      const oops = await send(A, 'm.room.message', { msgtype: 'm.text', body: 'oops' });
      await A('PUT', `/rooms/${r}/redact/${encodeURIComponent(oops)}/f${++txn}`, {});
      await send(A, 'm.room.message', { msgtype: 'm.text', body: 'after the change' });
    },
    close: () => synapse.stop(),
  };
}

function mail(n: number, subject: string): string {
  return [
    `From: Ann Example <ann@example.org>`,
    'To: Test User <test@localhost>',
    `Subject: ${subject}`,
    `Message-ID: <fuzz-${n}@example.org>`,
    `Date: Fri, 06 Mar 2026 10:0${n}:00 +0000`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    `Mail number ${n}: ${subject}.`,
    '',
  ].join('\r\n');
}

async function jmapMail(): Promise<Scenario> {
  if (!cyrusInstalled()) throw new Error('Cyrus is not installed (npm run setup:test)');
  const cyrus = await startCyrus();
  await cyrus.createUser('test', 'test-pw');
  for (let n = 1; n <= 5; n++) await cyrus.deliver('test', mail(n, `Subject ${n}`));
  const basic = Buffer.from('test:test-pw').toString('base64');
  return {
    origin: cyrus.url,
    credentials: { server: cyrus.url, username: 'test', password: 'test-pw' },
    secrets: [basic, 'test-pw'],
    async change() {
      await cyrus.deliver('test', mail(6, 'A new arrival'));
      await cyrus.deliver('test', mail(7, 'Another one'));
    },
    close: () => cyrus.stop(),
  };
}

async function jmapChat(): Promise<Scenario> {
  const server = await startJmapChatServer({
    users: [
      { login: 'ann', password: 'ann-pw', displayName: 'Ann' },
      { login: 'bo', password: 'bo-pw', displayName: 'Bo' },
    ],
  });
  const auth = (u: string) => `Basic ${Buffer.from(`${u}:${u}-pw`).toString('base64')}`;
  const using = ['urn:ietf:params:jmap:core', 'urn:ietf:params:jmap:chat'];
  const call = async (u: string, name: string, args: Obj): Promise<Obj> => {
    const res = await fetch(`${server.url}/jmap/api/`, {
      method: 'POST',
      headers: { authorization: auth(u), 'content-type': 'application/json' },
      body: JSON.stringify({ using, methodCalls: [[name, { accountId: u, ...args }, '0']] }),
    });
    const json = (await res.json()) as { methodResponses: [string, Obj, string][] };
    return json.methodResponses[0]![1];
  };
  const chat = await call('ann', 'Chat/set', {
    create: { c: { kind: 'direct', contactId: 'bo' } },
  });
  const chatId = ((chat.created as Obj).c as Obj).id as string;
  let k = 0;
  const create = async (u: string, m: Obj) => {
    const key = `k${++k}`;
    const set = await call(u, 'Message/set', {
      create: { [key]: { chatId, bodyType: 'text/plain', sentAt: new Date().toISOString(), ...m } },
    });
    return ((set.created as Record<string, Obj>)[key]!.id as string) ?? '';
  };
  const first = await create('ann', { body: 'first' });
  for (let i = 0; i < 6; i++) await create(i % 2 ? 'bo' : 'ann', { body: `message ${i}` });
  return {
    origin: server.url,
    credentials: { server: server.url, username: 'bo', password: 'bo-pw' },
    secrets: [auth('ann'), auth('bo'), 'bo-pw'],
    async change() {
      await call('ann', 'Message/set', { update: { [first]: { body: 'first, edited' } } });
      await call('ann', 'Message/set', {
        update: { [first]: { 'reactions/r1': { emoji: '🎉', sentAt: new Date().toISOString() } } },
      });
      const gone = await create('ann', { body: 'oops' });
      await call('ann', 'Message/set', {
        update: { [gone]: { deletedAt: new Date().toISOString(), deletedForAll: true } },
      });
      await create('ann', { body: 'after the change' });
    },
    // Every type but the last committed: the resumed sync asks each one's
    // /changes on its own (only a catch-up of every type asks them together).
    cutShortBefore: (batch) => batch.cursors?.ReadPosition !== undefined,
    close: () => server.close(),
  };
}

async function restChat(): Promise<Scenario> {
  const server = await startRestChatServer({
    users: [
      { username: 'annie', password: 'annie-password', name: 'Annie' },
      { username: 'bobby', password: 'bobby-password', name: 'Bobby' },
    ],
  });
  const token = server.newSession('annie').accessToken;
  const annie = async (method: string, path: string, body?: unknown): Promise<Obj> => {
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return (text ? JSON.parse(text) : null) as Obj;
  };
  const chat = await annie('POST', '/chats', {
    participants: [server.user('bobby').id],
    isPersonal: true,
  });
  const chatId = chat.id as string;
  let n = 0;
  const post = async (text: string) =>
    annie('POST', `/chats/${chatId}/messages`, {
      localId: `${server.user('annie').id}+00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`,
      text,
    });
  const first = await post('first');
  for (let i = 0; i < 6; i++) await post(`message ${i}`);
  return {
    origin: server.url,
    credentials: { server: server.url, username: 'bobby', password: 'bobby-password' },
    secrets: [token, 'bobby-password'],
    async change() {
      await annie('PUT', `/chats/${chatId}/messages/${String(first.id)}`, {
        text: 'first, edited',
        fileExists: false,
        previewExists: false,
      });
      const gone = await post('oops');
      await annie('DELETE', `/chats/${chatId}/messages/${String(gone.id)}`);
      await post('after the change');
    },
    close: () => server.close(),
  };
}

async function unichat(): Promise<Scenario> {
  const server = await startUnichatServer({
    users: [
      { email: 'ann@example.test', password: 'ann-password', nick: 'ann' },
      { email: 'bo@example.test', password: 'bo-password', nick: 'bo' },
    ],
  });
  const token = server.newSession('ann@example.test');
  const ann = async (method: string, args: Obj): Promise<Obj> => {
    const res = await fetch(`${server.url}/api/${method}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        APP_DOMAIN_TOKEN: TEST_APP_DOMAIN_TOKEN,
        USER_AUTH_TOKEN: token,
      },
      body: JSON.stringify({ args }),
    });
    const body = (await res.json()) as Obj;
    if (res.status !== 200) throw new Error(`unichat ${method}: ${JSON.stringify(body)}`);
    return body;
  };
  const bo = server.user('bo@example.test').id;
  // Two chats (a room and a private chat), so the subscription list takes two pages.
  const room = (await ann('create_room', { name: 'Fuzz room', user_ids: [bo] }))
    .subscription as Obj;
  const direct = (await ann('get_private_subscription', { user_id: bo })).subscription as Obj;
  let uid = 0;
  const post = async (sub: Obj, text: string) =>
    ((await ann('post', { subscription_id: sub.id, uid: `fuzz-${++uid}`, text })).message as Obj)
      .id as number;
  const first = await post(room, 'first');
  for (let i = 0; i < 6; i++) await post(room, `message ${i}`);
  await post(direct, 'hello in private');
  await post(direct, 'and again');
  return {
    origin: server.url,
    credentials: { server: server.url, username: 'bo@example.test', password: 'bo-password' },
    secrets: [token, 'bo-password'],
    async change() {
      await ann('edit_message', { message_id: first, text: 'first, edited' });
      const gone = await post(room, 'oops');
      await ann('delete_message', { message_id: gone });
      await post(room, 'after the change');
      await post(direct, 'a new private one');
    },
    close: () => server.close(),
  };
}

const SCENARIOS: Partial<Record<Protocol, () => Promise<Scenario>>> = {
  matrix,
  'jmap-mail': jmapMail,
  'jmap-chat': jmapChat,
  'rest-chat': restChat,
  unichat,
};

const wanted = process.argv.slice(2);
for (const [protocol, scenario] of Object.entries(SCENARIOS))
  if (wanted.length === 0 || wanted.includes(protocol))
    await record(protocol as Protocol, await scenario());
