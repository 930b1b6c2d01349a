// Web mode under load, over a real daemon (worker thread, temp profile): 50
// WebSocket clients make 10,000 calls in all while others send malformed and
// oversized frames and wrong tokens; every call is answered once, the daemon
// keeps serving, wrong tokens are rate-limited (the right one still gets in),
// and the socket hub holds nothing once the clients are gone.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket } from 'ws';
import { DaemonHost } from '../../main/daemon/host/daemonHost.js';
import { Store } from '../../main/daemon/store/store.js';
import { startWebHost, type WebHost } from '../../main/web/webHost.js';
import { MAX_CALLS_IN_FLIGHT } from '../../main/web/socketHub.js';
import { chatBatch, memorySecrets, message, tempDir, waitFor } from '../helpers/fixtures.js';

const CLIENTS = 50;
const CALLS = 10_000;

const profile = tempDir('parley-webload-');
let daemon: DaemonHost;
let web: WebHost;
let chatId: number;

before(async () => {
  const store = Store.open(profile.dir);
  const account = store.accounts.add({
    protocol: 'matrix',
    server: 'https://m.test',
    username: 'me',
  });
  store.writer.apply(
    account.id,
    chatBatch(
      '!room',
      'Load room',
      Array.from({ length: 50 }, (_, i) =>
        message('!room', `$${i}`, 1_700_000_000_000 + i, `m ${i}`),
      ),
    ),
  );
  chatId = store.read.chats()[0]!.id;
  store.close();
  daemon = new DaemonHost({ profileDir: profile.dir, secrets: memorySecrets() });
  await daemon.ready;
  web = await startWebHost({
    client: daemon,
    port: 0,
    authThrottle: { budget: 10, windowMs: 60_000 },
  });
});

after(async () => {
  await web?.close();
  await daemon?.close();
  profile.cleanup();
});

const wsUrl = () => `ws://127.0.0.1:${web.port}/ws`;
const auth = (token = web.token) => ({ authorization: `Bearer ${token}` });

function open(token = web.token): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(wsUrl(), { headers: auth(token) });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => {
      ws.terminate();
      reject(Object.assign(new Error(`refused ${res.statusCode}`), { status: res.statusCode }));
    });
    ws.once('error', reject);
  });
}

type Result = { ok: boolean; error?: { code: string; message: string } };

/** Sends `n` calls one after another (each waits for its answer): how the renderer calls. */
async function client(n: number, offset: number): Promise<Map<number, Result>> {
  const ws = await open();
  const answers = new Map<number, Result>();
  const waiting = new Map<number, (r: Result) => void>();
  ws.on('message', (data) => {
    const frame = JSON.parse(String(data)) as { id?: number; result?: Result };
    if (typeof frame.id === 'number' && frame.result) {
      assert.ok(!answers.has(frame.id), `call ${frame.id} answered once`);
      answers.set(frame.id, frame.result);
      waiting.get(frame.id)?.(frame.result);
    }
  });
  const calls = [
    { name: 'chats.list', input: {} },
    { name: 'messages.page', input: { chatId, limit: 20 } },
    { name: 'settings.get', input: {} },
  ];
  // A few calls in flight per client, like a busy UI.
  const lanes = 4;
  let next = 0;
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      while (next < n) {
        const id = offset + next;
        const call = calls[next++ % calls.length]!;
        const answered = new Promise<Result>((r) => waiting.set(id, r));
        ws.send(JSON.stringify({ id, ...call }));
        await answered;
      }
    }),
  );
  ws.close();
  return answers;
}

test(`${CLIENTS} WebSocket clients make ${CALLS} calls; all answered, memory bounded`, async () => {
  const heapBefore = process.memoryUsage().heapUsed;
  const perClient = CALLS / CLIENTS;
  const started = Date.now();
  const results = await Promise.all(
    Array.from({ length: CLIENTS }, (_, c) => client(perClient, c * perClient)),
  );
  const seconds = (Date.now() - started) / 1000;
  const all = results.flatMap((m) => [...m.values()]);
  assert.equal(all.length, CALLS, 'every call answered');
  const failed = all.filter((r) => !r.ok);
  assert.deepEqual(failed.slice(0, 3), [], `all succeeded (${failed.length} failed)`);
  await waitFor('the hub lets go of every socket', () => web.socketLoad.sockets === 0);
  assert.equal(web.socketLoad.callsInFlight, 0);
  global.gc?.();
  const grown = process.memoryUsage().heapUsed - heapBefore;
  assert.ok(grown < 64 * 2 ** 20, `the host's heap grew ${Math.round(grown / 2 ** 20)} MiB`);
  console.log(`# ${CALLS} calls from ${CLIENTS} sockets in ${seconds.toFixed(1)} s`);
});

test('malformed frames get a typed refusal and the socket stays usable', async () => {
  const ws = await open();
  const replies: { id: unknown; result: Result }[] = [];
  ws.on('message', (d) => replies.push(JSON.parse(String(d)) as { id: unknown; result: Result }));
  const bad: (string | Buffer)[] = [
    'not json',
    '{"id":1}',
    '{"id":2,"name":42}',
    '[]',
    'null',
    '{"id":{"x":1},"name":"chats.list"}',
    '{"id":3,"name":"no.such.call","input":{}}',
    '{"id":4,"name":"messages.page","input":{"chatId":"x"}}',
    `{"id":5,"name":"chats.list","input":${'['.repeat(5000)}${']'.repeat(5000)}}`,
    '\ud800',
    Buffer.from([0xff, 0xfe, 0x00]),
  ];
  for (const b of bad) ws.send(b, { binary: Buffer.isBuffer(b) });
  ws.send(JSON.stringify({ id: 99, name: 'chats.list', input: {} }));
  await waitFor('answers to every frame', () => replies.some((r) => r.id === 99), 10_000);
  assert.equal(replies.find((r) => r.id === 99)?.result.ok, true, 'a good call after the bad ones');
  const refusals = replies.filter((r) => r.id !== 99);
  assert.equal(refusals.length, bad.length, 'one answer per bad frame');
  for (const r of refusals) {
    assert.equal(r.result.ok, false);
    assert.match(
      r.result.error!.code,
      /invalid_input|unknown_procedure/,
      JSON.stringify(r).slice(0, 300),
    );
  }
  ws.close();
});

test('an oversized frame closes that socket (1009); the others go on', async () => {
  const other = await open();
  const big = await open();
  const closed = new Promise<number>((r) => big.once('close', (code) => r(code)));
  big.send(JSON.stringify({ id: 1, name: 'chats.list', input: { pad: 'x'.repeat(2 * 2 ** 20) } }));
  assert.equal(await closed, 1009);
  const answer = new Promise<Result>((r) =>
    other.once('message', (d) => r((JSON.parse(String(d)) as { result: Result }).result)),
  );
  other.send(JSON.stringify({ id: 2, name: 'chats.list', input: {} }));
  assert.equal((await answer).ok, true);
  other.close();
});

test(`a socket that does not wait is held to ${MAX_CALLS_IN_FLIGHT} calls in flight`, async () => {
  const ws = await open();
  const results: Result[] = [];
  ws.on('message', (d) => results.push((JSON.parse(String(d)) as { result: Result }).result));
  const n = MAX_CALLS_IN_FLIGHT * 8;
  for (let i = 0; i < n; i++) ws.send(JSON.stringify({ id: i, name: 'chats.list', input: {} }));
  await waitFor('every call answered', () => results.length === n, 20_000);
  const busy = results.filter((r) => !r.ok);
  assert.ok(results.filter((r) => r.ok).length >= MAX_CALLS_IN_FLIGHT);
  for (const r of busy) assert.match(r.error!.message, /calls waiting on this socket/);
  ws.close();
  await waitFor('the hub lets go', () => web.socketLoad.sockets === 0);
});

test('wrong tokens are rate-limited; the right token still gets in', async () => {
  const statuses: number[] = [];
  for (let i = 0; i < 25; i++) {
    const res = await fetch(`http://127.0.0.1:${web.port}/api/chats.list`, {
      method: 'POST',
      headers: { ...auth(`wrong-${i}`), 'content-type': 'application/json' },
      body: '{}',
    });
    statuses.push(res.status);
    if (res.status === 429) assert.match(res.headers.get('retry-after') ?? '', /^\d+$/);
  }
  assert.deepEqual(statuses.slice(0, 10), Array(10).fill(401), 'the first ten are plain refusals');
  assert.deepEqual(statuses.slice(10), Array(15).fill(429), 'then they are throttled');
  await assert.rejects(open('wrong'), (e: Error & { status?: number }) => e.status === 429);
  // The user is not locked out.
  const ok = await fetch(`http://127.0.0.1:${web.port}/api/chats.list`, {
    method: 'POST',
    headers: { ...auth(), 'content-type': 'application/json' },
    body: '{}',
  });
  assert.equal(ok.status, 200);
  const ws = await open();
  ws.close();
});
