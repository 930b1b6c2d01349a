// JMAP push against small local endpoints: EventSource (text/event-stream),
// RFC 8887 WebSocket, and the polling fallback when neither streams.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { parseSession } from '../../main/daemon/connectors/jmap/session.js';
import {
  parseEventStream,
  pushSignals,
  type PushSignal,
} from '../../main/daemon/connectors/jmap/push.js';

const sessionAt = (
  url: string,
  extra: Record<string, unknown> = {},
  caps: Record<string, unknown> = {},
) =>
  parseSession(
    {
      capabilities: { 'urn:ietf:params:jmap:core': {}, ...caps },
      accounts: {},
      primaryAccounts: {},
      username: 'me',
      apiUrl: '/api',
      downloadUrl: '/d/{blobId}',
      uploadUrl: '/u/{accountId}',
      state: 's',
      ...extra,
    },
    url,
  );

async function listen(server: Server): Promise<string> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function take(signals: AsyncGenerator<PushSignal>, n: number): Promise<PushSignal[]> {
  const out: PushSignal[] = [];
  for await (const s of signals) {
    out.push(s);
    if (out.length >= n) break;
  }
  return out;
}

test('the event-stream parser copes with any chunking and CRLF', async () => {
  const text =
    'event: state\r\ndata: {"a":\r\ndata: 1}\r\n\r\n: comment\n\nevent: ping\ndata: {}\n\n';
  for (const size of [1, 3, 7, text.length]) {
    const bytes = new TextEncoder().encode(text);
    const chunks = async function* () {
      for (let i = 0; i < bytes.length; i += size) yield bytes.slice(i, i + size);
    };
    const events = [];
    for await (const e of parseEventStream(chunks())) events.push(e);
    assert.deepEqual(
      events.map((e) => [e.event, e.data]),
      [
        ['state', '{"a":\n1}'],
        ['ping', '{}'],
      ],
      `chunk size ${size}`,
    );
  }
});

test('EventSource: StateChanges from the stream, with types, closeafter and ping in the URL', async () => {
  let asked = '';
  let auth = '';
  const streams = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    asked = req.url ?? '';
    auth = req.headers.authorization ?? '';
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    streams.add(res);
    res.write('event: ping\ndata: {"interval":1}\n\n');
    res.write('event: state\ndata: {"@type":"StateChange","changed":{"a1":{"Email":"e2"}}}\n\n');
    setTimeout(
      () =>
        res.write(
          'event: state\ndata: {"@type":"StateChange","changed":{"a1":{"Mailbox":"m9"}}}\n\n',
        ),
      20,
    );
  });
  const url = await listen(server);
  const abort = new AbortController();
  try {
    const s = sessionAt(`${url}/jmap`, {
      eventSourceUrl: '/es?types={types}&closeafter={closeafter}&ping={ping}',
    });
    const got = await take(
      pushSignals(s, 'Bearer tok', {
        types: ['Email', 'Mailbox'],
        signal: abort.signal,
        pollIntervalMs: 60_000,
        pingSeconds: 30,
      }),
      2,
    );
    assert.deepEqual(
      got.map((g) => (g.kind === 'stateChange' ? [g.via, g.change.changed] : g.kind)),
      [
        ['eventsource', { a1: { Email: 'e2' } }],
        ['eventsource', { a1: { Mailbox: 'm9' } }],
      ],
    );
    assert.equal(asked, '/es?types=Email%2CMailbox&closeafter=no&ping=30');
    assert.equal(auth, 'Bearer tok');
  } finally {
    abort.abort();
    for (const r of streams) r.destroy();
    await new Promise((r) => server.close(r));
  }
});

test('an EventSource that answers 204 (Cyrus without push) falls back to polling', async () => {
  let hits = 0;
  const server = createServer((_req, res) => {
    hits++;
    res.writeHead(204).end();
  });
  const url = await listen(server);
  const abort = new AbortController();
  try {
    const s = sessionAt(url, { eventSourceUrl: '/es?types={types}' });
    const got = await take(
      pushSignals(s, 'x', { types: [], signal: abort.signal, pollIntervalMs: 20 }),
      3,
    );
    assert.deepEqual(
      got.map((g) => g.kind),
      ['poll', 'poll', 'poll'],
    );
    assert.equal(hits, 1, 'tried the EventSource once, then polled');
  } finally {
    abort.abort();
    await new Promise((r) => server.close(r));
  }
});

test('no push in the session: polling', async () => {
  const abort = new AbortController();
  const got = await take(
    pushSignals(sessionAt('http://127.0.0.1:9'), 'x', {
      types: [],
      signal: abort.signal,
      pollIntervalMs: 10,
    }),
    2,
  );
  abort.abort();
  assert.deepEqual(
    got.map((g) => g.kind),
    ['poll', 'poll'],
  );
});

test('RFC 8887 WebSocket: subprotocol jmap, WebSocketPushEnable, StateChanges, reconnect with pushState', async () => {
  const server = createServer();
  const wss = new WebSocketServer({
    server,
    handleProtocols: (p) => (p.has('jmap') ? 'jmap' : false),
  });
  const enables: Record<string, unknown>[] = [];
  const auths: string[] = [];
  let connections = 0;
  wss.on('connection', (socket, req) => {
    connections++;
    auths.push(req.headers.authorization ?? '');
    socket.on('message', (data) => {
      const msg = JSON.parse(String(data)) as Record<string, unknown>;
      if (msg['@type'] !== 'WebSocketPushEnable') return;
      enables.push(msg);
      socket.send('not json');
      socket.send(
        JSON.stringify({
          '@type': 'StateChange',
          changed: { a1: { Email: `e${connections}` } },
          pushState: `p${connections}`,
        }),
      );
      if (connections === 1) setTimeout(() => socket.close(), 10);
    });
  });
  const url = await listen(server);
  const abort = new AbortController();
  try {
    const s = sessionAt(
      url,
      {},
      { 'urn:ietf:params:jmap:websocket': { url: '/ws', supportsPush: true } },
    );
    assert.equal(s.webSocket?.url, `${url.replace('http', 'ws')}/ws`);
    const got = await take(
      pushSignals(s, 'Bearer w', {
        types: ['Email'],
        signal: abort.signal,
        pollIntervalMs: 60_000,
      }),
      3,
    );
    const changes = got.filter((g) => g.kind === 'stateChange');
    assert.deepEqual(
      changes.map((g) => g.kind === 'stateChange' && [g.via, g.change.changed.a1]),
      [
        ['websocket', { Email: 'e1' }],
        ['websocket', { Email: 'e2' }],
      ],
    );
    assert.ok(
      got.some((g) => g.kind === 'poll'),
      'a reconnect asks for a catch-up',
    );
    assert.deepEqual(enables[0], { '@type': 'WebSocketPushEnable', dataTypes: ['Email'] });
    assert.equal(enables[1]!.pushState, 'p1', 'the reconnect resumes from the last pushState');
    assert.deepEqual(auths, ['Bearer w', 'Bearer w']);
  } finally {
    abort.abort();
    for (const c of wss.clients) c.terminate();
    wss.close();
    await new Promise((r) => server.close(r));
  }
});

test('other push events are passed on only when asked for: SSE event names, WebSocket @types and extra frames', async () => {
  // EventSource: typing is asked for, presence is not; a StateChange still comes through.
  const streams = new Set<ServerResponse>();
  const es = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    streams.add(res);
    res.write('event: presence\ndata: {"contactId":"bo","presence":"away"}\n\n');
    res.write('event: typing\ndata: not json\n\n');
    res.write('event: typing\ndata: {"chatId":"c1","senderId":"bo","typing":true}\n\n');
    res.write('event: state\ndata: {"@type":"StateChange","changed":{"a1":{"Message":"m2"}}}\n\n');
  });
  const esUrl = await listen(es);
  const abort = new AbortController();
  const logged: string[] = [];
  try {
    const got = await take(
      pushSignals(sessionAt(`${esUrl}/jmap`, { eventSourceUrl: '/es?types={types}' }), 'B', {
        types: [],
        signal: abort.signal,
        pollIntervalMs: 60_000,
        events: ['typing'],
        log: (l) => logged.push(l),
      }),
      2,
    );
    assert.deepEqual(got, [
      {
        kind: 'event',
        name: 'typing',
        data: { chatId: 'c1', senderId: 'bo', typing: true },
        via: 'eventsource',
      },
      {
        kind: 'stateChange',
        change: { '@type': 'StateChange', changed: { a1: { Message: 'm2' } } },
        via: 'eventsource',
      },
    ]);
    assert.ok(logged.some((l) => /not JSON/.test(l)));
  } finally {
    abort.abort();
    for (const r of streams) r.destroy();
    await new Promise((r) => es.close(r));
  }

  // WebSocket: the extra frame follows WebSocketPushEnable; ChatTypingEvent comes back as an event.
  const server = createServer();
  const wss = new WebSocketServer({ server, handleProtocols: () => 'jmap' });
  const frames: string[] = [];
  wss.on('connection', (socket) =>
    socket.on('message', (data) => {
      const msg = JSON.parse(String(data)) as Record<string, unknown>;
      frames.push(String(msg['@type']));
      if (msg['@type'] === 'ChatStreamEnable') {
        socket.send(JSON.stringify({ '@type': 'ChatPresenceEvent', contactId: 'bo' }));
        socket.send(
          JSON.stringify({ '@type': 'ChatTypingEvent', chatId: 'c1', senderId: 'bo', typing: 0 }),
        );
      }
    }),
  );
  const url = await listen(server);
  const stop = new AbortController();
  try {
    const s = sessionAt(
      url,
      {},
      { 'urn:ietf:params:jmap:websocket': { url: '/ws', supportsPush: true } },
    );
    const [got] = await take(
      pushSignals(s, 'B', {
        types: [],
        signal: stop.signal,
        pollIntervalMs: 60_000,
        events: ['ChatTypingEvent'],
        webSocketFrames: [{ '@type': 'ChatStreamEnable', dataTypes: ['typing'] }],
      }),
      1,
    );
    assert.deepEqual(frames, ['WebSocketPushEnable', 'ChatStreamEnable']);
    // Passed on as sent: validating it is the caller's job.
    assert.deepEqual(got, {
      kind: 'event',
      name: 'ChatTypingEvent',
      data: { '@type': 'ChatTypingEvent', chatId: 'c1', senderId: 'bo', typing: 0 },
      via: 'websocket',
    });
  } finally {
    stop.abort();
    for (const c of wss.clients) c.terminate();
    wss.close();
    await new Promise((r) => server.close(r));
  }
});

test('catchUpOnOpen: each channel says when it starts listening, before any StateChange it brings', async () => {
  // EventSource: once the stream answers; it sends a StateChange a moment later.
  const streams = new Set<ServerResponse>();
  const es = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    streams.add(res);
    res.write(': hello\n\n');
    res.write('event: state\ndata: {"@type":"StateChange","changed":{"a1":{"Email":"e2"}}}\n\n');
  });
  const esUrl = await listen(es);
  const abort = new AbortController();
  try {
    const got = await take(
      pushSignals(sessionAt(esUrl, { eventSourceUrl: '/es?types={types}' }), 'B', {
        types: ['Email'],
        signal: abort.signal,
        pollIntervalMs: 60_000,
        catchUpOnOpen: true,
      }),
      2,
    );
    assert.deepEqual(
      got.map((g) => [g.kind, 'via' in g ? g.via : null]),
      [
        ['opened', 'eventsource'],
        ['stateChange', 'eventsource'],
      ],
    );
  } finally {
    abort.abort();
    for (const r of streams) r.destroy();
    await new Promise((r) => es.close(r));
  }

  // WebSocket: once WebSocketPushEnable is sent, on the first connection and on a reconnect.
  const server = createServer();
  const wss = new WebSocketServer({ server, handleProtocols: () => 'jmap' });
  let connections = 0;
  wss.on('connection', (socket) => {
    connections++;
    socket.on('message', () => {
      if (connections === 1) setTimeout(() => socket.close(), 10);
    });
  });
  const url = await listen(server);
  const stop = new AbortController();
  try {
    const got = await take(
      pushSignals(
        sessionAt(
          url,
          {},
          { 'urn:ietf:params:jmap:websocket': { url: '/ws', supportsPush: true } },
        ),
        'B',
        { types: ['Email'], signal: stop.signal, pollIntervalMs: 60_000, catchUpOnOpen: true },
      ),
      3,
    );
    assert.deepEqual(
      got.map((g) => g.kind),
      ['opened', 'poll', 'opened'],
      'opened, closed (a catch-up for what it may have missed), opened again',
    );
  } finally {
    stop.abort();
    for (const c of wss.clients) c.terminate();
    wss.close();
    await new Promise((r) => server.close(r));
  }
});
