// The web host in front of a real daemon (worker thread, temp profile): who is
// let in (token, Origin, Host), how HTTP and WebSocket calls and events flow,
// and what the static and blob routes serve.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'node:http';
import { WebSocket } from 'ws';
import { DaemonHost } from '../../main/daemon/host/daemonHost.js';
import {
  PROCEDURE_NAMES,
  type ApiResult,
  type DaemonEvent,
} from '../../main/daemon/api/contract.js';
import { Store } from '../../main/daemon/store/store.js';
import { startWebHost, type WebHost } from '../../main/web/webHost.js';
import { chatBatch, memorySecrets, message, tempDir } from '../helpers/fixtures.js';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A raw HTTP request, so that Host and Origin can be anything. */
function http(
  port: number,
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: options.method ?? 'GET',
        headers: { host: `127.0.0.1:${port}`, ...options.headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
      },
    );
    req.on('error', reject);
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}

/** Opens a WebSocket; resolves with it, or rejects with the HTTP status of a refused upgrade. */
function openSocket(url: string, headers: Record<string, string> = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => {
      reject(
        Object.assign(new Error(`upgrade refused: ${res.statusCode}`), { status: res.statusCode }),
      );
      ws.terminate();
    });
    ws.once('error', (err) => reject(err));
  });
}

type Frame = { id: number | string | null; result: ApiResult<unknown> } | { event: DaemonEvent };

/** Collects every frame a socket receives; `next` waits for one that matches. */
function frames(ws: WebSocket) {
  const seen: Frame[] = [];
  const waiters: { match: (f: Frame) => boolean; resolve: (f: Frame) => void }[] = [];
  ws.on('message', (data) => {
    const frame = JSON.parse(String(data)) as Frame;
    seen.push(frame);
    for (const w of [...waiters])
      if (w.match(frame)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(frame);
      }
  });
  return {
    seen,
    next(match: (f: Frame) => boolean, timeoutMs = 5000): Promise<Frame> {
      const already = seen.find(match);
      if (already) return Promise.resolve(already);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(
              new Error(`no matching frame within ${timeoutMs} ms; saw ${JSON.stringify(seen)}`),
            ),
          timeoutMs,
        );
        waiters.push({
          match,
          resolve: (f) => {
            clearTimeout(timer);
            resolve(f);
          },
        });
      });
    },
  };
}

const INDEX_HTML =
  '<!doctype html><title>fake renderer</title><script type="module" src="./assets/app.js"></script>';
const BLOB = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3, 4]);
const BLOB_SHA = 'ab'.repeat(32);

describe('web host over a real daemon', () => {
  const profile = tempDir('parley-webhost-');
  const ui = tempDir('parley-webhost-ui-');
  const scratch = tempDir('parley-webhost-shim-');
  let daemon: DaemonHost;
  let web: WebHost;
  let chatId: number;
  let base: string;

  before(async () => {
    // Seed the profile: one account, one chat with a message, our own person.
    const store = Store.open(profile.dir);
    const account = store.accounts.add({
      protocol: 'matrix',
      server: 'https://m.test',
      username: 'me',
      workspace: 'Work',
    });
    const batch = chatBatch('!room', 'Design review', [
      message('!room', '$1', Date.now() - 60_000, 'the first message'),
    ]);
    store.writer.apply(account.id, {
      ...batch,
      people: [...(batch.people ?? []), { remoteId: '@me', displayName: 'Me', isSelf: true }],
    });
    chatId = store.read.chats()[0]!.id;
    store.close();

    writeFileSync(join(ui.dir, 'index.html'), INDEX_HTML);
    mkdirSync(join(ui.dir, 'assets'));
    writeFileSync(join(ui.dir, 'assets', 'app.js'), 'console.log("app")');
    mkdirSync(join(profile.dir, 'blobs', BLOB_SHA.slice(0, 2)), { recursive: true });
    writeFileSync(join(profile.dir, 'blobs', BLOB_SHA.slice(0, 2), BLOB_SHA), BLOB);

    daemon = new DaemonHost({
      profileDir: profile.dir,
      secrets: memorySecrets(),
    });
    await daemon.ready;
    web = await startWebHost({
      client: daemon,
      port: 0,
      rendererDir: ui.dir,
      blobDir: join(profile.dir, 'blobs'),
    });
    base = `http://127.0.0.1:${web.port}`;
  });

  after(async () => {
    await web?.close();
    await daemon?.close();
    profile.cleanup();
    ui.cleanup();
    scratch.cleanup();
  });

  const auth = () => ({ authorization: `Bearer ${web.token}`, 'content-type': 'application/json' });
  const cookie = () => ({ cookie: `parley_session_${web.port}=${web.token}` });
  const post = (procedure: string, body: string, headers: Record<string, string> = auth()) =>
    http(web.port, `/api/${procedure}`, { method: 'POST', headers, body });

  test('the printed URL carries the token once, and the token is 32 random bytes', () => {
    assert.equal(web.url, `${base}/?token=${web.token}`);
    assert.match(web.token, /^[A-Za-z0-9_-]{43}$/);
  });

  test('an API call without the token, or with a wrong one, is 401', async () => {
    const none = await post('accounts.list', '{}', { 'content-type': 'application/json' });
    assert.equal(none.status, 401);
    const wrong = await post('accounts.list', '{}', { authorization: `Bearer ${'x'.repeat(43)}` });
    assert.equal(wrong.status, 401);
    const prefix = await post('accounts.list', '{}', {
      authorization: `Bearer ${web.token.slice(0, 10)}`,
    });
    assert.equal(prefix.status, 401);
    const query = await http(web.port, `/api/accounts.list?token=${web.token}`, {
      method: 'POST',
      body: '{}',
    });
    assert.equal(query.status, 401, 'the API takes no token from the URL');
  });

  test('a foreign Origin is 403, over HTTP and on the WebSocket upgrade', async () => {
    const foreign = await post('accounts.list', '{}', { ...auth(), origin: 'http://evil.test' });
    assert.equal(foreign.status, 403);
    const otherPort = await post('accounts.list', '{}', {
      ...auth(),
      origin: `http://127.0.0.1:${web.port + 1}`,
    });
    assert.equal(otherPort.status, 403);
    const nullOrigin = await post('accounts.list', '{}', { ...auth(), origin: 'null' });
    assert.equal(nullOrigin.status, 403);
    const own = await post('accounts.list', '{}', { ...auth(), origin: base });
    assert.equal(own.status, 200);
    await assert.rejects(
      openSocket(`ws://127.0.0.1:${web.port}/ws`, {
        authorization: `Bearer ${web.token}`,
        origin: 'http://evil.test',
      }),
      (err: Error & { status?: number }) => err.status === 403,
    );
  });

  test('a Host other than 127.0.0.1:PORT or localhost:PORT is 403 (DNS rebinding)', async () => {
    for (const host of [
      'evil.test',
      `evil.test:${web.port}`,
      '127.0.0.1',
      `127.0.0.1:${web.port + 1}`,
    ]) {
      const reply = await post('accounts.list', '{}', { ...auth(), host });
      assert.equal(reply.status, 403, `Host: ${host}`);
    }
    const page = await http(web.port, '/', { headers: { host: `rebound.test:${web.port}` } });
    assert.equal(page.status, 403, 'the renderer is not served to a rebound name either');
    const localhost = await post('accounts.list', '{}', {
      ...auth(),
      host: `localhost:${web.port}`,
    });
    assert.equal(localhost.status, 200);
    await assert.rejects(
      openSocket(`ws://127.0.0.1:${web.port}/ws`, {
        authorization: `Bearer ${web.token}`,
        host: `evil.test:${web.port}`,
      }),
      (err: Error & { status?: number }) => err.status === 403,
    );
  });

  test('malformed JSON is 400 with a typed invalid_input error', async () => {
    const reply = await post('accounts.list', '{"oops":');
    assert.equal(reply.status, 400);
    const body = JSON.parse(reply.body) as ApiResult<unknown>;
    assert.equal(body.ok, false);
    assert.equal(!body.ok && body.error.code, 'invalid_input');
    assert.match(String(reply.headers['content-type']), /^application\/json/);
  });

  test('a body over 1 MiB is refused with 413', async () => {
    const reply = await post(
      'search.query',
      JSON.stringify({ query: 'x'.repeat(1024 * 1024 + 10) }),
    );
    assert.equal(reply.status, 413);
    const body = JSON.parse(reply.body) as ApiResult<unknown>;
    assert.equal(!body.ok && body.error.code, 'invalid_input');
  });

  test('an unknown procedure is a typed unknown_procedure error', async () => {
    for (const name of ['chats.drop', '__proto__', 'constructor']) {
      const reply = await post(name, '{}');
      const body = JSON.parse(reply.body) as ApiResult<unknown>;
      assert.equal(!body.ok && body.error.code, 'unknown_procedure', name);
      assert.equal(reply.status, 404);
    }
  });

  test('every procedure refuses malformed input with invalid_input', async () => {
    for (const name of PROCEDURE_NAMES) {
      for (const input of [{ bogus: 1 }, [], 'text', 42]) {
        const reply = await post(name, JSON.stringify(input));
        const body = JSON.parse(reply.body) as ApiResult<unknown>;
        assert.equal(body.ok, false, `${name}(${JSON.stringify(input)}) must fail`);
        assert.equal(
          !body.ok && body.error.code,
          'invalid_input',
          `${name}(${JSON.stringify(input)})`,
        );
        assert.equal(reply.status, 400);
      }
    }
    const wrongType = JSON.parse(
      (await post('messages.page', JSON.stringify({ chatId: 'one' }))).body,
    ) as ApiResult<unknown>;
    assert.ok(!wrongType.ok && wrongType.error.issues?.some((i) => i.path === 'chatId'));
  });

  test('a valid call works over HTTP', async () => {
    const reply = await post('accounts.list', '{}');
    assert.equal(reply.status, 200);
    const body = JSON.parse(reply.body) as ApiResult<{ username: string }[]>;
    assert.ok(body.ok);
    assert.deepEqual(
      body.value.map((a) => a.username),
      ['me'],
    );
    const empty = await post('workspaces.list', '');
    assert.equal(empty.status, 200, 'an empty body is an empty input');
    const missing = await post('drafts.save', JSON.stringify({ chatId: 999_999, body: 'x' }));
    assert.equal(missing.status, 404);
    assert.equal(
      (JSON.parse(missing.body) as ApiResult<unknown> & { ok: false }).error.code,
      'not_found',
    );
  });

  test('the WebSocket needs the token, and not in its URL', async () => {
    await assert.rejects(
      openSocket(`ws://127.0.0.1:${web.port}/ws`),
      (err: Error & { status?: number }) => err.status === 401,
    );
    await assert.rejects(
      openSocket(`ws://127.0.0.1:${web.port}/ws?token=${web.token}`),
      (err: Error & { status?: number }) => err.status === 401,
    );
    await assert.rejects(
      openSocket(`ws://127.0.0.1:${web.port}/ws`, { cookie: `parley_session_${web.port}=nope` }),
      (err: Error & { status?: number }) => err.status === 401,
    );
    const byCookie = await openSocket(`ws://127.0.0.1:${web.port}/ws`, {
      cookie: `other=1; parley_session_${web.port}=${web.token}`,
      origin: base,
    });
    byCookie.close();
  });

  test('calls work over the WebSocket, and bad frames get typed errors', async () => {
    const ws = await openSocket(`ws://127.0.0.1:${web.port}/ws`, {
      authorization: `Bearer ${web.token}`,
      origin: base,
    });
    try {
      const got = frames(ws);
      ws.send(JSON.stringify({ id: 1, name: 'accounts.list', input: {} }));
      const reply = await got.next((f) => 'id' in f && f.id === 1);
      assert.ok('result' in reply && reply.result.ok);
      assert.equal((reply.result.value as unknown[]).length, 1);

      ws.send(JSON.stringify({ id: 'two', name: 'chats.list', input: { bogus: true } }));
      const invalid = await got.next((f) => 'id' in f && f.id === 'two');
      assert.ok(
        'result' in invalid && !invalid.result.ok && invalid.result.error.code === 'invalid_input',
      );

      ws.send('not json');
      const broken = await got.next((f) => 'id' in f && f.id === null);
      assert.ok(
        'result' in broken && !broken.result.ok && broken.result.error.code === 'invalid_input',
      );

      ws.send(JSON.stringify({ id: 3, name: 'nope.nope' }));
      const unknown = await got.next((f) => 'id' in f && f.id === 3);
      assert.ok(
        'result' in unknown &&
          !unknown.result.ok &&
          unknown.result.error.code === 'unknown_procedure',
      );
    } finally {
      ws.close();
    }
  });

  test('a send is answered over the WebSocket and its local echo is pending', async () => {
    const ws = await openSocket(`ws://127.0.0.1:${web.port}/ws`, {
      authorization: `Bearer ${web.token}`,
    });
    try {
      const got = frames(ws);
      ws.send(
        JSON.stringify({
          id: 9,
          name: 'messages.send',
          input: { chatId, body: 'queued over the socket' },
        }),
      );
      const reply = await got.next((f) => 'id' in f && f.id === 9);
      assert.ok('result' in reply && reply.result.ok, JSON.stringify(reply));
      const { messageId } = reply.result.value as { outboxId: number; messageId: number };
      const page = JSON.parse(
        (await post('messages.page', JSON.stringify({ chatId }))).body,
      ) as ApiResult<{ id: number; body: string; outboxState: string | null }[]>;
      assert.ok(page.ok);
      const echo = page.value.find((m) => m.id === messageId);
      assert.equal(echo?.body, 'queued over the socket');
      assert.equal(echo?.outboxState, 'pending', 'no connector exists, so the send stays queued');
    } finally {
      ws.close();
    }
  });

  test('a send reaches WebSocket subscribers as outbox.updated and messages.upserted events', async () => {
    const ws = await openSocket(`ws://127.0.0.1:${web.port}/ws`, {
      authorization: `Bearer ${web.token}`,
    });
    try {
      const got = frames(ws);
      // The page shows this chat's timeline: its message deltas come.
      ws.send(
        JSON.stringify({
          id: 9,
          name: 'timeline.watch',
          input: { watcher: 'page', chatIds: [chatId] },
        }),
      );
      const watched = await got.next((f) => 'id' in f && f.id === 9);
      assert.ok('result' in watched && watched.result.ok, JSON.stringify(watched));
      ws.send(
        JSON.stringify({
          id: 10,
          name: 'messages.send',
          input: { chatId, body: 'hello from the web' },
        }),
      );
      const reply = await got.next((f) => 'id' in f && f.id === 10);
      assert.ok('result' in reply && reply.result.ok, JSON.stringify(reply));
      const { messageId } = reply.result.value as { outboxId: number; messageId: number };

      // The earlier test's send may still be moving (retries): pick this send's events.
      const outbox = await got.next(
        (f) =>
          'event' in f &&
          f.event.name === 'outbox.updated' &&
          f.event.payload.item.localMessageId === messageId,
        2000,
      );
      assert.ok('event' in outbox && outbox.event.name === 'outbox.updated');
      assert.equal(outbox.event.payload.item.localMessageId, messageId);
      const upserted = await got.next(
        (f) =>
          'event' in f &&
          f.event.name === 'messages.upserted' &&
          f.event.payload.messages.some((m) => m.body === 'hello from the web'),
      );
      assert.ok('event' in upserted && upserted.event.name === 'messages.upserted');
      // The event carries the local echo itself: no read back needed.
      assert.equal(upserted.event.payload.chatId, chatId);
      assert.deepEqual(
        upserted.event.payload.messages
          .filter((m) => m.id === messageId)
          .map((m) => [m.id, m.body, m.outboxState]),
        [[messageId, 'hello from the web', 'pending']],
      );
    } finally {
      ws.close();
    }
  });

  test('GET / serves the renderer under the strict CSP; files outside it are not served', async () => {
    const page = await http(web.port, '/');
    assert.equal(page.status, 200);
    assert.equal(page.body, INDEX_HTML);
    const csp = String(page.headers['content-security-policy']);
    for (const directive of [
      "default-src 'self'",
      `connect-src 'self' ws://127.0.0.1:${web.port}`,
      "img-src 'self' blob: data:",
      "style-src 'self' 'unsafe-inline'",
      "script-src 'self'",
      "frame-src 'none'",
      "object-src 'none'",
      "base-uri 'none'",
    ])
      assert.ok(csp.includes(directive), `CSP has ${directive}: ${csp}`);
    assert.ok(!csp.includes('unsafe-eval'));
    assert.equal(page.headers['x-content-type-options'], 'nosniff');
    const js = await http(web.port, '/assets/app.js');
    assert.equal(js.status, 200);
    assert.match(String(js.headers['content-type']), /^text\/javascript/);
    for (const path of [
      '/../../etc/passwd',
      '/%2e%2e/%2e%2e/etc/passwd',
      '/assets/../../x',
      '/nope.html',
    ])
      assert.equal((await http(web.port, path)).status, 404, path);
  });

  test('GET /blob/<sha256> needs the session and streams the blob sandboxed', async () => {
    assert.equal((await http(web.port, `/blob/${BLOB_SHA}`)).status, 401);
    assert.equal(
      (await http(web.port, `/blob/${BLOB_SHA}?token=${web.token}`)).status,
      401,
      'a token in a blob URL is not accepted',
    );
    const byCookie = await http(web.port, `/blob/${BLOB_SHA}`, { headers: cookie() });
    assert.equal(byCookie.status, 200);
    assert.equal(byCookie.headers['content-type'], 'image/png');
    assert.equal(byCookie.headers['x-content-type-options'], 'nosniff');
    assert.equal(byCookie.headers['content-security-policy'], 'sandbox');
    assert.equal(byCookie.headers['cross-origin-resource-policy'], 'same-origin');
    assert.equal(Number(byCookie.headers['content-length']), BLOB.length);
    const byHeader = await http(web.port, `/blob/${BLOB_SHA}`, {
      headers: { authorization: `Bearer ${web.token}` },
    });
    assert.equal(byHeader.status, 200);
    assert.equal(
      (await http(web.port, `/blob/${'cd'.repeat(32)}`, { headers: cookie() })).status,
      404,
    );
    assert.equal(
      (await http(web.port, `/blob/..%2f..%2fparley.db`, { headers: cookie() })).status,
      404,
    );
  });

  test('the first load trades ?token= for an HttpOnly SameSite=Strict cookie and drops it from the address', async () => {
    const first = await http(web.port, `/?token=${web.token}&chat=3`);
    assert.equal(first.status, 303);
    assert.equal(first.headers.location, '/?chat=3');
    const [setCookie] = first.headers['set-cookie'] as string[];
    assert.equal(
      setCookie,
      `parley_session_${web.port}=${web.token}; HttpOnly; SameSite=Strict; Path=/`,
    );
    const session = await http(web.port, '/session', { headers: cookie() });
    assert.equal(session.status, 204);
    assert.equal((await http(web.port, '/session')).status, 401);

    const wrong = await http(web.port, `/?token=${'x'.repeat(43)}`);
    assert.equal(wrong.status, 401);
    assert.equal(wrong.headers['set-cookie'], undefined);
  });

  test('a request another page makes (Sec-Fetch-Site same-site or cross-site) gets no data, even with the cookie', async () => {
    for (const site of ['same-site', 'cross-site']) {
      const blob = await http(web.port, `/blob/${BLOB_SHA}`, {
        headers: { ...cookie(), 'sec-fetch-site': site },
      });
      assert.equal(blob.status, 403, `blob, ${site}`);
      assert.ok(!blob.body.includes('PNG'));
      const api = await post('accounts.list', '{}', {
        ...cookie(),
        'content-type': 'application/json',
        'sec-fetch-site': site,
      });
      assert.equal(api.status, 403, `api, ${site}`);
      const exchange = await http(web.port, `/?token=${web.token}`, {
        headers: { 'sec-fetch-site': site },
      });
      assert.equal(exchange.status, 403, 'another page cannot sign the browser in');
      await assert.rejects(
        openSocket(`ws://127.0.0.1:${web.port}/ws`, { ...cookie(), 'sec-fetch-site': site }),
        (err: Error & { status?: number }) => err.status === 403,
      );
    }
    const own = await http(web.port, `/blob/${BLOB_SHA}`, {
      headers: { ...cookie(), 'sec-fetch-site': 'same-origin' },
    });
    assert.equal(own.status, 200);
  });

  test('POST /upload streams a file into the blob folder; sendAttachment sends it by sha256', async () => {
    const file = randomBytes(3 * 1024 * 1024 + 17);
    assert.equal((await http(web.port, '/upload', { method: 'POST', body: file })).status, 401);
    const reply = await http(web.port, '/upload', {
      method: 'POST',
      headers: { ...cookie(), 'content-type': 'application/octet-stream' },
      body: file,
    });
    assert.equal(reply.status, 200, reply.body);
    const body = JSON.parse(reply.body) as ApiResult<{ sha256: string; size: number }>;
    assert.ok(body.ok);
    const sha256 = createHash('sha256').update(file).digest('hex');
    assert.deepEqual(body.value, { sha256, size: file.length });
    assert.ok(
      readFileSync(join(profile.dir, 'blobs', sha256.slice(0, 2), sha256)).equals(file),
      'the stored file is the uploaded one, whole',
    );

    const sent = await post(
      'messages.sendAttachment',
      JSON.stringify({ chatId, name: 'big.bin', mime: 'application/zip', blobSha256: sha256 }),
    );
    assert.equal(sent.status, 200, sent.body);
    const { messageId } = (JSON.parse(sent.body) as ApiResult<{ messageId: number }> & { ok: true })
      .value;
    const echo = JSON.parse(
      (await post('messages.byIds', JSON.stringify({ ids: [messageId] }))).body,
    ) as ApiResult<{ attachments: { name: string; size: number; blobSha256: string | null }[] }[]>;
    assert.ok(echo.ok);
    assert.equal(echo.value[0]?.attachments[0]?.name, 'big.bin');
    assert.equal(echo.value[0]?.attachments[0]?.size, file.length);

    const unknown = await post(
      'messages.sendAttachment',
      JSON.stringify({ chatId, name: 'x.bin', blobSha256: 'ef'.repeat(32) }),
    );
    assert.equal(unknown.status, 404, 'a sha256 nobody uploaded is not_found');
  });

  test('an upload over the cap is refused with 413 and stores nothing', async () => {
    const small = await startWebHost({
      client: daemon,
      port: 0,
      rendererDir: null,
      blobDir: join(scratch.dir, 'capped-blobs'),
      maxUploadBytes: 1000,
    });
    try {
      const reply = await http(small.port, '/upload', {
        method: 'POST',
        headers: { authorization: `Bearer ${small.token}`, 'content-length': '1001' },
        body: Buffer.alloc(1001),
      });
      assert.equal(reply.status, 413);
      const chunked = await http(small.port, '/upload', {
        method: 'POST',
        headers: { authorization: `Bearer ${small.token}`, 'transfer-encoding': 'chunked' },
        body: Buffer.alloc(5000),
      });
      assert.equal(chunked.status, 413, 'a body without a length is counted as it streams');
      const left = readdirSync(join(scratch.dir, 'capped-blobs'), { recursive: true }).filter(
        (f) => !String(f).startsWith('tmp'),
      );
      assert.deepEqual(left, [], 'no blob stored');
      assert.deepEqual(readdirSync(join(scratch.dir, 'capped-blobs', 'tmp')), [], 'no temp left');
    } finally {
      await small.close();
    }
  });

  test('a web-mode sendAttachment that names a server-side path is refused, over HTTP and the socket', async () => {
    const secret = join(scratch.dir, 'secret.txt');
    writeFileSync(secret, 'private notes');
    const input = { chatId, name: 'secret.txt', path: secret };
    const reply = await post('messages.sendAttachment', JSON.stringify(input));
    assert.equal(reply.status, 400);
    const body = JSON.parse(reply.body) as ApiResult<unknown>;
    assert.ok(!body.ok && body.error.code === 'invalid_input');
    assert.match(!body.ok ? body.error.message : '', /only from the command line/);
    const ws = await openSocket(`ws://127.0.0.1:${web.port}/ws`, {
      authorization: `Bearer ${web.token}`,
    });
    try {
      const got = frames(ws);
      ws.send(JSON.stringify({ id: 77, name: 'messages.sendAttachment', input }));
      const refused = await got.next((f) => 'id' in f && f.id === 77);
      assert.ok('result' in refused && !refused.result.ok);
      assert.equal(!refused.result.ok && refused.result.error.code, 'invalid_input');
    } finally {
      ws.close();
    }
    const page = JSON.parse(
      (await post('messages.page', JSON.stringify({ chatId }))).body,
    ) as ApiResult<{ attachments: { name: string }[] }[]>;
    assert.ok(page.ok);
    assert.ok(
      !page.value.some((m) => m.attachments.some((a) => a.name === 'secret.txt')),
      'nothing was queued',
    );
  });
});

describe('web host timeline watches (scripted client)', () => {
  test('each socket watches under its own name, never every chat, and its watch ends when it closes', async () => {
    const calls: { name: string; input: unknown }[] = [];
    const client = {
      callRaw: async (name: string, input: unknown): Promise<ApiResult<unknown>> => {
        calls.push({ name, input });
        return { ok: true, value: null };
      },
      subscribe: () => () => undefined,
    };
    const web = await startWebHost({ client, port: 0, rendererDir: null });
    try {
      const url = `ws://127.0.0.1:${web.port}/ws`;
      const auth = { authorization: `Bearer ${web.token}` };
      const a = await openSocket(url, auth);
      const b = await openSocket(url, auth);
      const fa = frames(a);
      const fb = frames(b);
      // Both pages give the same name, and one tries to end the other's watch by name.
      a.send(
        JSON.stringify({ id: 1, name: 'timeline.watch', input: { watcher: 'w', chatIds: [4] } }),
      );
      await fa.next((f) => 'id' in f && f.id === 1);
      b.send(
        JSON.stringify({ id: 2, name: 'timeline.watch', input: { watcher: 'w', chatIds: [] } }),
      );
      await fb.next((f) => 'id' in f && f.id === 2);
      const [first, second] = calls.map((c) => c.input as { watcher: string; chatIds: number[] });
      assert.deepEqual(first!.chatIds, [4]);
      assert.notEqual(first!.watcher, second!.watcher, 'b cannot end a’s watch');

      a.send(
        JSON.stringify({ id: 3, name: 'timeline.watch', input: { watcher: 'w', chatIds: 'all' } }),
      );
      const refused = await fa.next((f) => 'id' in f && f.id === 3);
      assert.ok('result' in refused && !refused.result.ok);
      assert.equal(refused.result.error.code, 'invalid_input');
      assert.equal(calls.length, 2, 'the refusal never reached the daemon');

      a.close();
      const ended = async () => {
        for (let i = 0; i < 200; i++) {
          const end = calls.find(
            (c, i) => i >= 2 && (c.input as { watcher: string }).watcher === first!.watcher,
          );
          if (end) return end.input;
          await new Promise((r) => setTimeout(r, 10));
        }
        return null;
      };
      assert.deepEqual(await ended(), { watcher: first!.watcher, chatIds: [] });
      b.close();
    } finally {
      await web.close();
    }
  });
});

describe('web host event fan-out (scripted client)', () => {
  test('every daemon event reaches every socket; closing the host unsubscribes and closes sockets', async () => {
    const listeners = new Set<(e: DaemonEvent) => void>();
    const client = {
      callRaw: async (name: string, input: unknown): Promise<ApiResult<unknown>> => ({
        ok: true,
        value: { name, input },
      }),
      subscribe(listener: (e: DaemonEvent) => void) {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
    };
    const web = await startWebHost({ client, port: 0, rendererDir: null });
    const url = `ws://127.0.0.1:${web.port}/ws`;
    const a = await openSocket(url, { authorization: `Bearer ${web.token}` });
    const b = await openSocket(url, {
      cookie: `parley_session_${web.port}=${web.token}`,
      origin: `http://localhost:${web.port}`,
      host: `localhost:${web.port}`,
    });
    const fa = frames(a);
    const fb = frames(b);
    const event: DaemonEvent = {
      name: 'messages.removed',
      payload: { chatId: 7, messageIds: [1, 2] },
    };
    for (const l of listeners) l(event);
    assert.deepEqual(await fa.next((f) => 'event' in f), { event });
    assert.deepEqual(await fb.next((f) => 'event' in f), { event });

    const page = await http(web.port, '/');
    assert.equal(page.status, 404, 'no renderer: the API only');
    assert.match(page.body, /not built/);

    const closed = new Promise<number>((resolve) => a.once('close', (code) => resolve(code)));
    await web.close();
    assert.equal(await closed, 1001);
    assert.equal(listeners.size, 0);
    b.terminate();
  });
});
