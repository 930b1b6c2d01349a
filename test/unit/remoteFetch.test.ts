// media.fetchRemote reaches public addresses only: the address classifier over
// every spelling of a local address, and guardedGet against real loopback
// servers — refused outright, refused after a redirect, and pinned to the
// address it checked.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { classifyAddress, refusalFor } from '../../main/daemon/remoteFetch/addressPolicy.js';
import {
  guardedGet,
  MAX_REDIRECTS,
  type GuardedGetOptions,
} from '../../main/daemon/remoteFetch/guardedGet.js';
import { Daemon } from '../../main/daemon/daemon.js';
import { memorySecrets, tempDir } from '../helpers/fixtures.js';

describe('address classifier', () => {
  const cases: [string, string][] = [
    // IPv4 loopback in every form a URL accepts
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['2130706433', 'loopback'],
    ['0x7f000001', 'loopback'],
    ['0x7f.0.0.1', 'loopback'],
    ['0177.0.0.1', 'loopback'],
    ['017700000001', 'loopback'],
    ['127.1', 'loopback'],
    ['0x7F.1', 'loopback'],
    // private, shared, link-local, metadata, unspecified, multicast, reserved
    ['10.0.0.1', 'private'],
    ['012.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['3232235777', 'private'],
    ['100.64.0.1', 'shared'],
    ['100.127.255.255', 'shared'],
    ['169.254.1.1', 'link-local'],
    ['169.254.169.254', 'metadata'],
    ['0xa9fea9fe', 'metadata'],
    ['2852039166', 'metadata'],
    ['0.0.0.0', 'unspecified'],
    ['0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['240.0.0.1', 'reserved'],
    ['192.0.2.1', 'reserved'],
    ['198.18.0.1', 'reserved'],
    // IPv6 and IPv4 inside IPv6
    ['::1', 'loopback'],
    ['[::1]', 'loopback'],
    ['0:0:0:0:0:0:0:1', 'loopback'],
    ['::', 'unspecified'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['[::ffff:7f00:1]', 'loopback'],
    ['::ffff:10.0.0.1', 'private'],
    ['::ffff:169.254.169.254', 'metadata'],
    ['::ffff:a9fe:a9fe', 'metadata'],
    ['::127.0.0.1', 'loopback'],
    ['::ffff:0:127.0.0.1', 'loopback'],
    ['64:ff9b::127.0.0.1', 'loopback'],
    ['64:ff9b::a9fe:a9fe', 'metadata'],
    ['2002:7f00:1::', 'loopback'],
    ['2002:c0a8:101::1', 'private'],
    ['fc00::1', 'private'],
    ['fd12:3456::1', 'private'],
    ['fd00:ec2::254', 'metadata'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['febf::1', 'link-local'],
    ['ff02::1', 'multicast'],
    ['2001:db8::1', 'reserved'],
    ['2001::1', 'reserved'],
    // public
    ['93.184.216.34', 'public'],
    ['8.8.8.8', 'public'],
    ['1.1.1.1', 'public'],
    ['172.32.0.1', 'public'],
    ['100.128.0.1', 'public'],
    ['::ffff:8.8.8.8', 'public'],
    ['2606:4700:4700::1111', 'public'],
    ['2a00:1450:4001:80b::200e', 'public'],
    // names are not addresses
    ['example.org', 'invalid'],
    ['localhost', 'invalid'],
  ];
  for (const [host, kind] of cases)
    test(`${host} is ${kind}`, () => assert.equal(classifyAddress(host), kind));

  test('only public addresses pass; the test allowance opens loopback on its ports only', () => {
    assert.equal(refusalFor('8.8.8.8'), null);
    assert.match(refusalFor('127.0.0.1') ?? '', /loopback/);
    assert.match(refusalFor('10.0.0.1', { port: 80, loopbackPorts: [80] }) ?? '', /private/);
    assert.equal(refusalFor('127.0.0.1', { port: 8080, loopbackPorts: [8080] }), null);
    assert.match(refusalFor('127.0.0.1', { port: 8081, loopbackPorts: [8080] }) ?? '', /loopback/);
    assert.equal(refusalFor('::1', { port: 8080, loopbackPorts: [8080] }), null);
  });
});

describe('guardedGet against loopback servers', () => {
  /** The image server the test allowance lets through, and a second one it does not. */
  let allowed: Server;
  let other: Server;
  let allowedPort = 0;
  let otherPort = 0;
  let otherHits = 0;
  const hops: string[] = [];

  const listen = async (server: Server) => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return (server.address() as { port: number }).port;
  };

  before(async () => {
    allowed = createServer((req, res) => {
      hops.push(req.url ?? '');
      const url = new URL(req.url ?? '/', 'http://x');
      const to = url.searchParams.get('to');
      if (url.pathname === '/redirect' && to) res.writeHead(302, { location: to }).end();
      else if (url.pathname === '/loop')
        res
          .writeHead(301, { location: `/loop?n=${Number(url.searchParams.get('n') ?? 0) + 1}` })
          .end();
      else res.writeHead(200, { 'content-type': 'image/png' }).end('png');
    });
    other = createServer((_req, res) => {
      otherHits += 1;
      res.writeHead(200, { 'content-type': 'image/png' }).end('secret');
    });
    allowedPort = await listen(allowed);
    otherPort = await listen(other);
  });
  after(() => {
    allowed.close();
    other.close();
  });

  const get = (url: string, extra: Partial<GuardedGetOptions> = {}) =>
    guardedGet(url, {
      signal: AbortSignal.timeout(5000),
      testOnlyLoopbackPorts: [allowedPort],
      ...extra,
    });

  test('loopback is refused without the allowance, and nothing is sent', async () => {
    for (const host of ['127.0.0.1', '2130706433', '0x7f.1', '[::ffff:127.0.0.1]', '[::1]'])
      await assert.rejects(
        guardedGet(`http://${host}:${otherPort}/x.png`, { signal: AbortSignal.timeout(5000) }),
        /refused to connect to a loopback address/,
        host,
      );
    assert.equal(otherHits, 0);
  });

  test('the allowance lets the test server through', async () => {
    const { response } = await get(`http://127.0.0.1:${allowedPort}/pixel.png`);
    assert.equal(response.statusCode, 200);
    response.resume();
  });

  test('a redirect to a loopback, private or metadata address is refused, in any spelling', async () => {
    for (const target of [
      `http://127.0.0.1:${otherPort}/`,
      `http://2130706433:${otherPort}/`,
      `http://0x7f000001:${otherPort}/`,
      `http://[::ffff:127.0.0.1]:${otherPort}/`,
      `http://[::1]:${otherPort}/`,
      'http://169.254.169.254/latest/meta-data/',
      'http://[fd00:ec2::254]/latest/meta-data/',
      'http://10.0.0.1/',
      'http://192.168.0.1/',
      'http://[::ffff:a9fe:a9fe]/',
    ]) {
      await assert.rejects(
        get(`http://127.0.0.1:${allowedPort}/redirect?to=${encodeURIComponent(target)}`),
        /refused to connect/,
        target,
      );
    }
    assert.equal(otherHits, 0, 'the refused server never saw a request');
  });

  test('a redirect to a name that resolves to a private address is refused', async () => {
    const resolve = async (name: string) =>
      name === 'cdn.example.test'
        ? [
            { address: '93.184.216.34', family: 4 },
            { address: '10.1.2.3', family: 4 },
          ]
        : [];
    await assert.rejects(
      get(
        `http://127.0.0.1:${allowedPort}/redirect?to=${encodeURIComponent('http://cdn.example.test/a.png')}`,
        { resolve },
      ),
      /private address/,
    );
  });

  test('the connection goes to the address that was checked, not to a second DNS answer', async () => {
    // The name exists only in the checked answer: had the socket resolved it
    // again (where a rebinding DNS could answer differently), it would fail.
    const { response } = await get(`http://pixel.rebind.test:${allowedPort}/ok.png`, {
      resolve: async () => [{ address: '127.0.0.1', family: 4 }],
    });
    assert.equal(response.statusCode, 200);
    response.resume();
  });

  test(`more than ${MAX_REDIRECTS} redirects are refused; other schemes are refused`, async () => {
    await assert.rejects(get(`http://127.0.0.1:${allowedPort}/loop`), /too many redirects/);
    await assert.rejects(
      get(
        `http://127.0.0.1:${allowedPort}/redirect?to=${encodeURIComponent('file:///etc/passwd')}`,
      ),
      /only http and https/,
    );
  });

  test('media.fetchRemote in a daemon without the allowance refuses loopback', async () => {
    const { dir, cleanup } = tempDir();
    const daemon = new Daemon({ profileDir: dir, secrets: memorySecrets() });
    try {
      const result = await daemon.call('media.fetchRemote', {
        urls: [`http://127.0.0.1:${otherPort}/a.png`, `http://localhost:${otherPort}/b.png`],
      });
      assert.ok(result.ok);
      const got = result.value as { sha256: string | null; error: string | null }[];
      assert.deepEqual(
        got.map((g) => g.sha256),
        [null, null],
      );
      for (const g of got) assert.match(g.error ?? '', /loopback/);
      assert.equal(otherHits, 0);
    } finally {
      await daemon.close();
      cleanup();
    }
  });
});
