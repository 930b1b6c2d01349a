// The JMAP core client against a small scripted JMAP endpoint on loopback.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { JmapClient, ref } from '../../main/daemon/connectors/jmap/client.js';
import {
  CannotCalculateChangesError,
  JmapMethodError,
} from '../../main/daemon/connectors/jmap/errors.js';
import { AuthError, ProtocolError, RateLimitedError } from '../../main/daemon/connectors/errors.js';

type Call = [string, Record<string, unknown>, string];
interface Fake {
  url: string;
  requests: Call[][];
  maxInFlight: number;
  close(): Promise<void>;
}

const session = (core: Record<string, number> = {}) => ({
  capabilities: {
    'urn:ietf:params:jmap:core': {
      maxCallsInRequest: 4,
      maxObjectsInGet: 2,
      maxConcurrentRequests: 2,
      maxSizeUpload: 10,
      ...core,
    },
    'urn:ietf:params:jmap:mail': {},
    'https://example.org/vendor': { shiny: true },
  },
  accounts: {
    a1: {
      name: 'me',
      isPersonal: true,
      isReadOnly: false,
      accountCapabilities: { 'urn:ietf:params:jmap:mail': {} },
    },
  },
  primaryAccounts: { 'urn:ietf:params:jmap:mail': 'a1' },
  username: 'me',
  apiUrl: 'api/',
  downloadUrl: '/dl/{accountId}/{blobId}/{name}?type={type}',
  uploadUrl: 'up/{accountId}/',
  eventSourceUrl: null,
  state: 's0',
  vendorExtra: 'kept',
});

async function fake(
  answer: (call: Call, res: ServerResponse) => Call | Call[] | 'handled',
  sessionJson: unknown = session(),
): Promise<Fake> {
  const requests: Call[][] = [];
  let inFlight = 0;
  const f: Fake = { url: '', requests, maxInFlight: 0, close: async () => undefined };
  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    if (req.url === '/.well-known/jmap') {
      res.writeHead(301, { location: '/base/session' }).end();
      return;
    }
    if (req.url === '/base/session') {
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(typeof sessionJson === 'string' ? sessionJson : JSON.stringify(sessionJson));
      return;
    }
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString() || '{}') as { methodCalls: Call[] };
    requests.push(body.methodCalls);
    inFlight++;
    f.maxInFlight = Math.max(f.maxInFlight, inFlight);
    await new Promise((r) => setTimeout(r, 10));
    inFlight--;
    const out: Call[] = [];
    for (const call of body.methodCalls) {
      const a = answer(call, res);
      if (a === 'handled') return;
      if (typeof a[0] === 'string') out.push(a as Call);
      else out.push(...(a as Call[]));
    }
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ methodResponses: out, sessionState: 's0' }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  f.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  f.close = () => new Promise((r) => server.close(() => r()));
  return f;
}

const connect = (url: string) =>
  JmapClient.connect({
    server: url,
    authorization: 'Bearer t',
    using: ['urn:ietf:params:jmap:mail'],
  });

test('session discovery follows the redirect, resolves relative URLs and keeps unknown properties', async () => {
  const f = await fake((c) => [
    'Foo/get',
    { accountId: 'a1', state: '1', list: [], notFound: [] },
    c[2],
  ]);
  try {
    const client = await connect(f.url);
    const s = client.session;
    assert.equal(s.url, `${f.url}/base/session`);
    assert.equal(s.apiUrl, `${f.url}/base/api/`);
    assert.equal(s.uploadUrl, `${f.url}/base/up/{accountId}/`);
    assert.equal(s.downloadUrl, `${f.url}/dl/{accountId}/{blobId}/{name}?type={type}`);
    assert.equal(s.accountFor('urn:ietf:params:jmap:mail'), 'a1');
    assert.equal((s.raw as Record<string, unknown>).vendorExtra, 'kept');
    assert.ok(s.hasCapability('https://example.org/vendor'));
    await assert.rejects(
      JmapClient.connect({
        server: f.url,
        authorization: 'x',
        using: ['urn:ietf:params:jmap:calendars'],
      }),
      (e: Error) =>
        e instanceof ProtocolError &&
        /does not offer urn:ietf:params:jmap:calendars/.test(e.message),
    );
  } finally {
    await f.close();
  }
});

test('a malformed session is a ProtocolError that says what is wrong', async () => {
  for (const [json, pattern] of [
    ['{"capabilities": {', /not JSON/],
    [{ ...session(), apiUrl: 7 }, /malformed: apiUrl/],
    [{ ...session(), capabilities: {} }, /does not declare urn:ietf:params:jmap:core/],
  ] as const) {
    const f = await fake(() => 'handled', json);
    try {
      await assert.rejects(
        connect(f.url),
        (e: Error) => e instanceof ProtocolError && pattern.test(e.message),
      );
    } finally {
      await f.close();
    }
  }
});

test('limits: maxCallsInRequest, maxObjectsInGet, maxConcurrentRequests, maxSizeUpload', async () => {
  const f = await fake((c) => {
    const ids = c[1].ids as string[];
    return [
      'Email/get',
      {
        accountId: 'a1',
        state: 'st',
        list: ids.map((id) => ({ id, extra: `x-${id}` })),
        notFound: [],
      },
      c[2],
    ];
  });
  try {
    const client = await connect(f.url);
    const calls: Call[] = Array.from({ length: 5 }, (_, i) => ['Core/echo', {}, String(i)]);
    await assert.rejects(
      client.request(calls),
      (e: Error) => e instanceof JmapMethodError && e.type === 'requestTooLarge',
    );
    assert.equal(f.requests.length, 0, 'nothing was sent');
    const got = await client.get('Email', 'a1', ['1', '2', '3', '4', '5', '6', '7']);
    assert.deepEqual(
      got.list.map((e) => e.id),
      ['1', '2', '3', '4', '5', '6', '7'],
    );
    assert.equal(got.list[6]!.extra, 'x-7', 'unknown properties are kept');
    assert.ok(
      f.requests.every((r) => (r[0]![1].ids as string[]).length <= 2),
      'split by maxObjectsInGet',
    );
    assert.equal(f.requests.length, 4);
    assert.ok(f.maxInFlight <= 2, `at most maxConcurrentRequests in flight (saw ${f.maxInFlight})`);
    await assert.rejects(
      client.upload('a1', new Uint8Array(11), 'application/octet-stream'),
      /11 bytes, the server accepts 10/,
    );
  } finally {
    await f.close();
  }
});

test('result references travel in one request', async () => {
  const f = await fake((c) =>
    c[0] === 'Email/query'
      ? ['Email/query', { accountId: 'a1', queryState: 'q', position: 0, ids: ['e1'] }, c[2]]
      : ['Email/get', { accountId: 'a1', state: 's', list: [{ id: 'e1' }], notFound: [] }, c[2]],
  );
  try {
    const client = await connect(f.url);
    const r = await client.request([
      ['Email/query', { accountId: 'a1' }, 'q'],
      ['Email/get', { accountId: 'a1', '#ids': ref('q', 'Email/query', '/ids') }, 'g'],
    ]);
    assert.deepEqual(f.requests[0]![1]![1]['#ids'], {
      resultOf: 'q',
      name: 'Email/query',
      path: '/ids',
    });
    assert.deepEqual(r.get('g', 'Email/get').list, [{ id: 'e1' }]);
  } finally {
    await f.close();
  }
});

test('/changes pages by hasMoreChanges; cannotCalculateChanges is a typed error', async () => {
  const pages: Record<string, [string, boolean]> = {
    s0: ['s1', true],
    s1: ['s2', true],
    s2: ['s3', false],
  };
  const f = await fake((c) => {
    const since = c[1].sinceState as string;
    if (since === 'ancient') return ['error', { type: 'cannotCalculateChanges' }, c[2]];
    const [next, more] = pages[since]!;
    return [
      'Email/changes',
      {
        accountId: 'a1',
        oldState: since,
        newState: next,
        hasMoreChanges: more,
        created: [`c-${since}`],
        updated: [],
        destroyed: [],
      },
      c[2],
    ];
  });
  try {
    const client = await connect(f.url);
    const seen: string[] = [];
    for await (const page of client.changes('Email', 'a1', 's0', { maxChanges: 1 }))
      seen.push(page.newState);
    assert.deepEqual(seen, ['s1', 's2', 's3']);
    assert.equal(f.requests[0]![0]![1].maxChanges, 1);
    const drain = async () => {
      for await (const _ of client.changes('Email', 'a1', 'ancient')) void _;
    };
    await assert.rejects(
      drain(),
      (e: Error) => e instanceof CannotCalculateChangesError && e.dataType === 'Email',
    );
  } finally {
    await f.close();
  }
});

test('errors are typed: rateLimited with serverRetryAfter, 401, 429 Retry-After, non-JSON, malformed', async () => {
  let kind = 'rateLimited';
  const f = await fake((c, res) => {
    if (kind === 'rateLimited')
      return ['error', { type: 'rateLimited', serverRetryAfter: 2.5 }, c[2]];
    if (kind === 'unauthorized') return ['error', { type: 'unauthorized' }, c[2]];
    if (kind === '401') return (res.writeHead(401).end(), 'handled');
    if (kind === '429') return (res.writeHead(429, { 'retry-after': '7' }).end(), 'handled');
    if (kind === 'html')
      return (res.writeHead(200, { 'content-type': 'text/html' }).end('<html>oops'), 'handled');
    if (kind === 'limit')
      return (
        res.writeHead(400, { 'content-type': 'application/problem+json' }).end(
          JSON.stringify({
            type: 'urn:ietf:params:jmap:error:limit',
            limit: 'maxSizeRequest',
            status: 400,
          }),
        ),
        'handled'
      );
    return ['Email/get', { accountId: 'a1', state: 1, list: 'nope' }, c[2]];
  });
  try {
    const client = await connect(f.url);
    const get = () => client.get('Email', 'a1', ['x']);
    await assert.rejects(
      get(),
      (e: Error) => e instanceof RateLimitedError && e.retryAfterMs === 2500,
    );
    kind = 'unauthorized';
    await assert.rejects(get(), AuthError);
    kind = '401';
    await assert.rejects(get(), AuthError);
    kind = '429';
    await assert.rejects(
      get(),
      (e: Error) => e instanceof RateLimitedError && e.retryAfterMs === 7000,
    );
    kind = 'html';
    await assert.rejects(
      get(),
      (e: Error) => e instanceof ProtocolError && /not JSON/.test(e.message),
    );
    kind = 'limit';
    await assert.rejects(get(), /limit \(maxSizeRequest\)/);
    kind = 'malformed';
    await assert.rejects(
      get(),
      (e: Error) =>
        e instanceof ProtocolError && /Email\/get response is malformed/.test(e.message),
    );
  } finally {
    await f.close();
  }
});
