// The streaming JSON splitter (connectors/http/jsonSplit.ts): whatever the
// chunking, the value equals JSON.parse of the whole text; the values it cuts
// out are parsed one at a time as they end; malformed or truncated text is a
// ProtocolError with the caller's one-line reason.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { JsonSplitter, type JsonPath } from '../../main/daemon/connectors/http/jsonSplit.js';
import {
  readJsonSplit,
  ResponseTooLargeError,
  timedFetch,
  TransientHttpError,
} from '../../main/daemon/connectors/http/index.js';
import { ProtocolError } from '../../main/daemon/connectors/errors.js';
import { seededRandom } from '../helpers/prng.js';

const rooms = (p: JsonPath) => p.length === 3 && p[0] === 'rooms';
const encoder = new TextEncoder();

/** The text fed in pieces cut at `cuts` (byte offsets, UTF-8 sequences may be split). */
function splitParse(text: string, cuts: number[], at = rooms): unknown {
  const bytes = encoder.encode(text);
  const s = new JsonSplitter(at, () => 'GET /sync: the answer is not JSON');
  let from = 0;
  for (const c of [
    ...cuts.filter((x) => x > 0 && x < bytes.length).sort((a, b) => a - b),
    bytes.length,
  ]) {
    s.push(bytes.slice(from, c));
    from = c;
  }
  return s.end();
}

function everyCut(text: string, at = rooms): void {
  const expected = JSON.parse(text) as unknown;
  const n = encoder.encode(text).length;
  for (let c = 0; c <= n; c++)
    assert.deepEqual(splitParse(text, [c], at), expected, `cut at byte ${c}`);
  assert.deepEqual(
    splitParse(
      text,
      Array.from({ length: n }, (_, i) => i),
      at,
    ),
    expected,
    'one byte at a time',
  );
}

test('a /sync-shaped answer: every room cut out and put back, whatever the chunking', () => {
  const sync = {
    next_batch: 's72595_4483_1934',
    account_data: { events: [{ type: 'm.direct', content: { '@a:x': ['!r1:x'] } }] },
    rooms: {
      join: {
        '!r1:x': {
          timeline: {
            events: [
              {
                type: 'm.room.message',
                content: { body: 'quote " and \\ back\\slash \\"', n: -1.5e3 },
              },
              {
                type: 'm.room.message',
                content: { body: 'é 漢字 😀 \u2028', list: [[], {}, [1, [2]]] },
              },
            ],
            limited: true,
          },
        },
        '!r2:x': { state: { events: [] } },
      },
      leave: { '!r3:x': { timeline: { events: [] } } },
      invite: {},
    },
    to_device: { events: [] },
  };
  everyCut(JSON.stringify(sync));
  everyCut(JSON.stringify(sync, null, 2), (p) => p.length === 3 && p[0] === 'rooms');
});

test('escaped keys, a "__proto__" key and backslash runs at chunk edges', () => {
  const text =
    '{"rooms":{"join":{"!a\\"b:x":{"k":"\\\\\\\\"},"__proto__":{"x":"\\\\"},"\\u0041":[1,"\\""]}},"z":"\\\\\\""}';
  everyCut(text);
  const v = splitParse(text, [7, 19, 33]) as { rooms: { join: Record<string, unknown> } };
  assert.equal(Object.getPrototypeOf(v.rooms.join), Object.prototype, 'the prototype is untouched');
  assert.deepEqual(Object.keys(v.rooms.join), ['!a"b:x', '__proto__', 'A']);
});

test('cut values are parsed as they end, not at the end of the answer', () => {
  const seen: string[] = [];
  const s = new JsonSplitter(
    (p) => {
      if (rooms(p)) seen.push(String(p[2]));
      return rooms(p);
    },
    () => 'bad',
  );
  const text = '{"rooms":{"join":{"!1:x":{"a":1},"!2:x":{"b":[2]}}},"next_batch":"t"}';
  const bytes = encoder.encode(text);
  const half = text.indexOf('"!2:x"');
  s.push(bytes.slice(0, half));
  assert.deepEqual(seen, ['!1:x'], 'the first room was cut before the second arrived');
  s.push(bytes.slice(half));
  assert.deepEqual(s.end(), JSON.parse(text));
});

test('random documents, random chunking: equal to JSON.parse', () => {
  const rand = seededRandom(20261204);
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)]!;
  const str = () =>
    Array.from({ length: Math.floor(rand() * 6) }, () =>
      pick(['a', '"', '\\', '\\\\', 'é', '漢', '😀', '\n', '\u0000', '{', '}', '[', ']', ',', ':']),
    ).join('');
  const value = (depth: number): unknown => {
    const r = rand();
    if (depth > 3 || r < 0.3) return pick([null, true, false, 0, -12.5e-3, 1e21, str()]);
    if (r < 0.6) return Array.from({ length: Math.floor(rand() * 4) }, () => value(depth + 1));
    return Object.fromEntries(
      Array.from({ length: Math.floor(rand() * 4) }, () => [str(), value(depth + 1)]),
    );
  };
  for (let round = 0; round < 300; round++) {
    const doc = {
      rooms: {
        join: Object.fromEntries([
          [str(), value(1)],
          [str(), value(1)],
        ]),
        [str()]: value(0),
      },
      other: value(0),
    };
    const text = JSON.stringify(doc, null, round % 3 === 0 ? 1 : undefined);
    const n = encoder.encode(text).length;
    const cuts = Array.from({ length: Math.floor(rand() * 8) }, () => Math.floor(rand() * n));
    assert.deepEqual(splitParse(text, cuts), JSON.parse(text), text);
    // Every container cut out, at any depth below the root.
    assert.deepEqual(
      splitParse(text, cuts, (p) => p.length > 0),
      JSON.parse(text),
      text,
    );
  }
});

test('lone surrogate escapes become U+FFFD in cut values and the skeleton alike', () => {
  const v = splitParse('{"rooms":{"join":{"!a":{"b":"x\\ud800y"}}},"n":"\\udc00"}', [21]) as {
    rooms: { join: { '!a': { b: string } } };
    n: string;
  };
  assert.equal(v.rooms.join['!a'].b, 'x\ufffdy');
  assert.equal(v.n, '\ufffd');
});

test('a hostile answer cannot reach a prototype or put a room where JSON.parse would not', () => {
  const bad = (text: string) =>
    assert.throws(
      () => splitParse(text, [3]),
      (e: Error) => e instanceof ProtocolError,
      text,
    );
  // A key repeated after a value was cut out under it: JSON.parse keeps the
  // later value, which the cut one cannot yield to.
  bad('{"rooms":{"__proto__":{"polluted":{"p":1}}},"rooms":{}}');
  bad('{"rooms":{"constructor":{"polluted":{"p":1}}},"rooms":{}}');
  bad('{"rooms":{"join":{"!a":{"x":1},"!a":5}}}');
  bad('{"rooms":{"join":{"!a":{"x":1},"!a":null}}}');
  bad('{"rooms":{"join":{"!a":{}}},"rooms":{"join":{}}}');
  bad('{"rooms":{"join":{"!a":{}}},"rooms":5}');
  assert.equal(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype untouched');
  // Repeats JSON.parse resolves the same way are kept.
  for (const text of [
    '{"rooms":5,"rooms":{"join":{"!a":{"b":1}}}}',
    '{"rooms":{"join":{"!a":1,"!a":{"b":1}}}}',
    '{"next_batch":"a","next_batch":"b","rooms":{"join":{"!a":{"b":1}}}}',
    '{"rooms":{"\\ufeff__proto__":{"x":{"y":1}}}}',
  ])
    assert.deepEqual(splitParse(text, [9]), JSON.parse(text), text);
  assert.equal(({} as Record<string, unknown>).x, undefined, 'Object.prototype untouched');
});

test('a U+FEFF inside is a character; a BOM before the document is dropped, as readText does', () => {
  for (const text of [
    '{"rooms":{"join":{"\ufeff!a":{"x":1}}}}',
    '{"\ufeffrooms":{"join":{"!a":{"x":1}}}}',
    '{"rooms":{"\ufeff__proto__":{"x":{"y":1}}}}',
    '{"rooms":{"join":{"!a":{"\ufeffk":"\ufeffv"}}}}',
  ]) {
    const literal = JSON.parse(`"${text.replace(/"/g, '\\"')}"`) as string; // the U+FEFFs as characters
    assert.deepEqual(splitParse(literal, [2, 20]), JSON.parse(literal), literal);
  }
  assert.equal(({} as Record<string, unknown>).x, undefined, 'Object.prototype untouched');
  assert.deepEqual(splitParse('\ufeff{"rooms":{"join":{"!a":{"b":1}}}}', [1, 2]), {
    rooms: { join: { '!a': { b: 1 } } },
  });
});

test('malformed or cut-short text is a ProtocolError with the reason given, never the text', () => {
  for (const text of [
    '',
    '{"rooms":{"join":{"!a":{"b":1}}}',
    '{"rooms":{"join":{"!a":{"b":1]}}}',
    '{"rooms":{"join":{"!a":{"b":"secret body',
    '{"rooms":{"join":{"!a":{"b":1}}}} trailing',
    '{"rooms":{"join":{"!a":{"b":nope}}}}',
    '{"rooms"{"join":{}}}',
    '}{',
    '{{}}',
    '{"a":1}]',
  ])
    assert.throws(
      () => splitParse(text, [5]),
      (e: Error) =>
        e instanceof ProtocolError &&
        e.message === 'GET /sync: the answer is not JSON' &&
        !e.message.includes('secret'),
      JSON.stringify(text),
    );
});

/** An HTTP server whose handler writes the body its own way; the URL and whether the client hung up. */
async function serving(
  write: (res: ServerResponse) => void,
  run: (url: string, closed: () => boolean) => Promise<void>,
): Promise<void> {
  let closed = false;
  const server = createServer((req, res) => {
    res.on('close', () => (closed = true));
    write(res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    await run(`http://127.0.0.1:${(server.address() as AddressInfo).port}/sync`, () => closed);
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
}

const read = async (url: string, maxBytes?: number) =>
  readJsonSplit(await timedFetch(url, 'GET /sync', { timeoutMs: 5000 }), 'GET /sync', rooms, {
    maxBytes,
  });

test('over HTTP: a streamed answer equals JSON.parse; a cut connection is transient', async () => {
  const text = JSON.stringify({
    next_batch: 'b',
    rooms: { join: { '!a:x': { n: 'é'.repeat(5000) } } },
  });
  await serving(
    (res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      // Byte by byte in a few writes, a UTF-8 sequence cut between two of them.
      const bytes = Buffer.from(text);
      res.write(bytes.subarray(0, 41));
      setTimeout(() => res.end(bytes.subarray(41)), 20);
    },
    async (url) => assert.deepEqual(await read(url), JSON.parse(text)),
  );
  await serving(
    (res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"rooms":{"join":{"!a:x":{"b":');
      setTimeout(() => res.destroy(), 20);
    },
    async (url) =>
      assert.rejects(
        read(url),
        (e: Error) =>
          e instanceof TransientHttpError &&
          /^GET \/sync: connection lost mid-answer/.test(e.message),
      ),
  );
});

test('over HTTP: a fault of the caller is its own error, not a lost connection, and ends the read', async () => {
  await serving(
    (res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"rooms":{"join":{"!a:x":{}}}');
      const more = setInterval(() => res.write(' '.repeat(1024)), 5);
      res.on('close', () => clearInterval(more));
    },
    async (url, closed) => {
      const res = await timedFetch(url, 'GET /sync', { timeoutMs: 5000 });
      const fault = new RangeError('the caller broke');
      await assert.rejects(
        readJsonSplit(res, 'GET /sync', () => {
          throw fault;
        }),
        (e: Error) => e === fault,
      );
      for (let i = 0; i < 100 && !closed(); i++) await new Promise((r) => setTimeout(r, 10));
      assert.ok(closed(), 'the client hung up instead of reading on');
    },
  );
});

test('over HTTP: malformed JSON is refused as it arrives, not after the rest; the cap holds', async () => {
  await serving(
    (res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      // A stray closing bracket early, then a body that would go on for long.
      res.write('{"rooms":{}}}');
      const more = setInterval(() => res.write(' '.repeat(1024)), 5);
      res.on('close', () => clearInterval(more));
    },
    async (url, closed) => {
      await assert.rejects(
        read(url),
        (e: Error) =>
          e instanceof ProtocolError && e.message === 'GET /sync: the answer is not JSON (200)',
      );
      for (let i = 0; i < 100 && !closed(); i++) await new Promise((r) => setTimeout(r, 10));
      assert.ok(closed(), 'the client hung up instead of reading on');
    },
  );
  await serving(
    (res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ rooms: { join: { '!a:x': { b: 'x'.repeat(4096) } } } }));
    },
    async (url) =>
      assert.rejects(read(url, 1024), (e: Error) => e instanceof ResponseTooLargeError),
  );
});
