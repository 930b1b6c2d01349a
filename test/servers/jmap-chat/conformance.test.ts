// Conformance of the JMAP Chat reference server, in process (no daemon).
// Each test names the section of RFC 8620 / RFC 8887 / RFC 9425 / RFC 9404 or
// of draft-atwood-jmap-chat-00 ("draft §Name") it checks.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { startJmapChatServer, type JmapChatServer } from './server.js';
import { decodePng, encodePng } from './png.js';

let server: JmapChatServer;
const USING = ['urn:ietf:params:jmap:core', 'urn:ietf:params:jmap:chat'];
const auth = (u: string) => `Basic ${Buffer.from(`${u}:${u}-pw`).toString('base64')}`;
type Obj = Record<string, unknown>;

async function api(
  user: string,
  calls: unknown[],
  using = USING,
): Promise<[string, Obj, string][]> {
  const res = await fetch(`${server.url}/jmap/api/`, {
    method: 'POST',
    headers: { authorization: auth(user), 'content-type': 'application/json' },
    body: JSON.stringify({ using, methodCalls: calls }),
  });
  assert.equal(res.status, 200, await res.clone().text());
  return ((await res.json()) as { methodResponses: [string, Obj, string][] }).methodResponses;
}
const one = async (user: string, name: string, args: Obj, using = USING) =>
  (await api(user, [[name, args, '0']], using))[0]!;

before(async () => {
  server = await startJmapChatServer({
    users: ['ann', 'bo', 'cy'].map((login) => ({ login, password: `${login}-pw` })),
    typingIntervalMs: 3000,
  });
});
after(() => server.close());

test('RFC 8620 §2: the session lists capabilities, limits and URL templates; 401 without credentials', async () => {
  const res = await fetch(`${server.url}/.well-known/jmap`, {
    headers: { authorization: auth('ann') },
  });
  const s = (await res.json()) as Obj;
  const caps = s.capabilities as Obj;
  for (const c of [
    ...USING,
    'urn:ietf:params:jmap:quota',
    'urn:ietf:params:jmap:websocket',
    'urn:ietf:params:jmap:blob',
  ])
    assert.ok(c in caps, c);
  assert.equal((caps['urn:ietf:params:jmap:core'] as Obj).maxCallsInRequest, 32);
  assert.match(String(s.downloadUrl), /\{accountId\}.*\{blobId\}.*\{name\}.*\{type\}/);
  assert.equal((s.primaryAccounts as Obj)['urn:ietf:params:jmap:chat'], 'ann');
  assert.equal((await fetch(`${server.url}/.well-known/jmap`)).status, 401);
});

test('RFC 8620 §3.6.1: request-level errors are problem details', async () => {
  const post = (body: string) =>
    fetch(`${server.url}/jmap/api/`, {
      method: 'POST',
      headers: { authorization: auth('ann') },
      body,
    });
  const bad = await post('{');
  assert.equal(bad.status, 400);
  assert.equal(((await bad.json()) as Obj).type, 'urn:ietf:params:jmap:error:notJSON');
  const unknown = await post(JSON.stringify({ using: ['urn:x'], methodCalls: [] }));
  assert.equal(
    ((await unknown.json()) as Obj).type,
    'urn:ietf:params:jmap:error:unknownCapability',
  );
});

test('RFC 8620 §3.6.2 and §3.7: unknownMethod without the capability; result references', async () => {
  const [err] = await api(
    'ann',
    [['Chat/get', { accountId: 'ann' }, 'a']],
    ['urn:ietf:params:jmap:core'],
  );
  assert.equal(err![0], 'error');
  assert.equal(err![1].type, 'unknownMethod');
  const r = await api('ann', [
    ['ChatContact/query', { accountId: 'ann' }, 'q'],
    [
      'ChatContact/get',
      { accountId: 'ann', '#ids': { resultOf: 'q', name: 'ChatContact/query', path: '/ids' } },
      'g',
    ],
    [
      'ChatContact/get',
      { accountId: 'ann', '#ids': { resultOf: 'zz', name: 'X/y', path: '/ids' } },
      'e',
    ],
  ]);
  assert.deepEqual(
    (r[1]![1].list as Obj[]).map((c) => c.id),
    ['bo', 'cy'],
  );
  assert.equal(r[2]![1].type, 'invalidResultReference');
});

test('draft §Chat/set: direct chats are deduplicated by contact (the existing one comes back in updated)', async () => {
  const first = await one('ann', 'Chat/set', {
    accountId: 'ann',
    create: { c: { kind: 'direct', contactId: 'bo' } },
  });
  const id = ((first[1].created as Obj).c as Obj).id as string;
  const second = await one('bo', 'Chat/set', {
    accountId: 'bo',
    create: { c: { kind: 'direct', contactId: 'ann' } },
  });
  assert.equal(second[1].created, null);
  assert.deepEqual(Object.keys(second[1].updated as Obj), [id]);
  const channel = await one('ann', 'Chat/set', {
    accountId: 'ann',
    create: { c: { kind: 'channel', name: 'x' } },
  });
  assert.equal(((channel[1].notCreated as Obj).c as Obj).type, 'forbidden');
});

async function directChat(): Promise<string> {
  const r = await one('ann', 'Chat/set', {
    accountId: 'ann',
    create: { c: { kind: 'direct', contactId: 'bo' } },
  });
  return (((r[1].created as Obj | null)?.c as Obj | undefined)?.id ??
    Object.keys(r[1].updated as Obj)[0]) as string;
}
const send = async (user: string, chatId: string, body: string, extra: Obj = {}) => {
  const r = await one(user, 'Message/set', {
    accountId: user,
    create: {
      m: { chatId, body, bodyType: 'text/plain', sentAt: '2024-01-01T00:00:00Z', ...extra },
    },
  });
  return r[1];
};

test('draft §Message/set: author-only edits, reactions by JSON pointer (own only), deletedForAll, threads', async () => {
  const chatId = await directChat();
  const id = (((await send('ann', chatId, 'root')).created as Obj).m as Obj).id as string;
  const edit = await one('bo', 'Message/set', {
    accountId: 'bo',
    update: { [id]: { body: 'hacked' } },
  });
  assert.equal(((edit[1].notUpdated as Obj)[id] as Obj).type, 'forbidden');
  await one('ann', 'Message/set', { accountId: 'ann', update: { [id]: { body: 'root v2' } } });
  await one('bo', 'Message/set', {
    accountId: 'bo',
    update: { [id]: { 'reactions/r1': { emoji: '🎉', sentAt: '2024-01-01T00:00:00Z' } } },
  });
  const steal = await one('ann', 'Message/set', {
    accountId: 'ann',
    update: { [id]: { 'reactions/r1': null } },
  });
  assert.equal(((steal[1].notUpdated as Obj)[id] as Obj).type, 'forbidden');
  const reply = ((await send('bo', chatId, 'reply', { replyTo: id })).created as Obj).m as Obj;
  assert.equal(reply.threadRootId, id);
  const got = await one('ann', 'Message/get', { accountId: 'ann', ids: [id] });
  const m = (got[1].list as Obj[])[0]!;
  assert.equal(m.body, 'root v2');
  assert.equal((m.editHistory as Obj[]).length, 1);
  assert.equal(((m.reactions as Obj).r1 as Obj).senderId, 'bo');
  assert.equal(m.replyCount, 1);
  const forAll = await one('bo', 'Message/set', {
    accountId: 'bo',
    update: { [id]: { deletedAt: '2024-01-02T00:00:00Z', deletedForAll: true } },
  });
  assert.equal(((forAll[1].notUpdated as Obj)[id] as Obj).type, 'forbidden');
  await one('ann', 'Message/set', {
    accountId: 'ann',
    update: { [id]: { deletedAt: '2024-01-02T00:00:00Z', deletedForAll: true } },
  });
  const after = (await one('bo', 'Message/get', { accountId: 'bo', ids: [id] }))[1].list as Obj[];
  assert.equal(after[0]!.body, '');
  assert.equal(after[0]!.deletedForAll, true);
});

test('RFC 8620 §5.3: a creation id is scoped to its request; the same id in two requests creates two messages', async () => {
  const chatId = await directChat();
  const create = {
    accountId: 'ann',
    create: {
      'outbox-key-0123456789abcdef': {
        chatId,
        body: 'twice on purpose',
        bodyType: 'text/plain',
        sentAt: '2024-01-01T00:00:00Z',
      },
    },
  };
  const first = await one('ann', 'Message/set', create);
  const second = await one('ann', 'Message/set', create);
  const id = (r: [string, Obj, string]) =>
    ((r[1].created as Obj)['outbox-key-0123456789abcdef'] as Obj).id as string;
  assert.notEqual(id(first), id(second));
  const q = await one('ann', 'Message/query', { accountId: 'ann', filter: { chatId } });
  const got = await one('ann', 'Message/get', { accountId: 'ann', ids: q[1].ids });
  const copies = (got[1].list as Obj[]).filter((m) => m.body === 'twice on purpose');
  assert.equal(copies.length, 2);
});

test('draft §Message/query needs chatId (unsupportedFilter); draft §ReadPosition drives Chat.unreadCount', async () => {
  const q = await one('ann', 'Message/query', { accountId: 'ann', filter: {} });
  assert.equal(q[1].type, 'unsupportedFilter');
  const chatId = await directChat();
  const last = (((await send('ann', chatId, 'unread?')).created as Obj).m as Obj).id as string;
  const unread = async () =>
    ((await one('bo', 'Chat/get', { accountId: 'bo', ids: [chatId] }))[1].list as Obj[])[0]!
      .unreadCount as number;
  assert.ok((await unread()) > 0);
  const rp = (
    (await one('bo', 'ReadPosition/get', { accountId: 'bo', ids: null }))[1].list as Obj[]
  ).find((r) => r.chatId === chatId)!;
  await one('bo', 'ReadPosition/set', {
    accountId: 'bo',
    update: { [rp.id as string]: { lastReadMessageId: last } },
  });
  assert.equal(await unread(), 0);
  const create = await one('bo', 'ReadPosition/set', {
    accountId: 'bo',
    create: { x: { chatId } },
  });
  assert.equal(((create[1].notCreated as Obj).x as Obj).type, 'forbidden');
});

test('RFC 8620 §5.2: /changes reports created ids, pages by maxChanges, and cannotCalculateChanges after expiry', async () => {
  const chatId = await directChat();
  const state = (await one('bo', 'Message/get', { accountId: 'bo', ids: [] }))[1].state;
  for (const b of ['a', 'b', 'c']) await send('ann', chatId, b);
  const page = await one('bo', 'Message/changes', {
    accountId: 'bo',
    sinceState: state,
    maxChanges: 2,
  });
  assert.equal((page[1].created as string[]).length, 2);
  assert.equal(page[1].hasMoreChanges, true);
  server.expireChanges('bo');
  const gone = await one('bo', 'Message/changes', { accountId: 'bo', sinceState: state });
  assert.equal(gone[1].type, 'cannotCalculateChanges');
});

test('draft §PresenceStatus: one per account, create forbidden; draft §SpaceBan visibility; draft §Space/join', async () => {
  const ps = await one('ann', 'PresenceStatus/get', { accountId: 'ann', ids: null });
  assert.equal((ps[1].list as Obj[]).length, 1);
  const c = await one('ann', 'PresenceStatus/set', {
    accountId: 'ann',
    create: { p: { presence: 'away' } },
  });
  assert.equal(((c[1].notCreated as Obj).p as Obj).type, 'forbidden');
  const sp = await one('ann', 'Space/set', {
    accountId: 'ann',
    create: { s: { name: 'Club', isPublic: true } },
  });
  const spaceId = ((sp[1].created as Obj).s as Obj).id as string;
  assert.deepEqual((await one('bo', 'Space/join', { accountId: 'bo', spaceId }))[1], {
    accountId: 'bo',
    spaceId,
  });
  await one('cy', 'Space/join', { accountId: 'cy', spaceId });
  await one('ann', 'SpaceBan/set', { accountId: 'ann', create: { b: { spaceId, userId: 'cy' } } });
  assert.equal(
    ((await one('bo', 'SpaceBan/get', { accountId: 'bo', ids: null }))[1].list as Obj[]).length,
    0,
    'members without ban see none',
  );
  assert.equal(
    ((await one('cy', 'SpaceBan/get', { accountId: 'cy', ids: null }))[1].list as Obj[]).length,
    1,
    'the banned user sees their own',
  );
  const rejoin = await one('cy', 'Space/join', { accountId: 'cy', spaceId });
  assert.equal(rejoin[1].type, 'forbidden');
  const both = await one('cy', 'Space/join', { accountId: 'cy', spaceId, inviteCode: 'x' });
  assert.equal(both[1].type, 'invalidArguments');
});

test('draft §Chat/typing: one event per 3 s per chat reaches the other participant over RFC 8887 WebSocket', async () => {
  const chatId = await directChat();
  const ws = new WebSocket(`${server.url.replace('http', 'ws')}/jmap/ws`, ['jmap'], {
    headers: { authorization: auth('bo') },
  });
  const frames: Obj[] = [];
  ws.on('message', (d) => frames.push(JSON.parse(String(d)) as Obj));
  await new Promise((r) => ws.once('open', r));
  ws.send(JSON.stringify({ '@type': 'ChatStreamEnable', dataTypes: ['typing'], chatIds: null }));
  ws.send(JSON.stringify({ '@type': 'WebSocketPushEnable', dataTypes: ['Message'] }));
  await new Promise((r) => setTimeout(r, 50));
  for (let i = 0; i < 3; i++)
    await one('ann', 'Chat/typing', { accountId: 'ann', chatId, typing: true });
  await send('ann', chatId, 'pushed');
  const deadline = Date.now() + 3000;
  while (
    !frames.some((f) => f['@type'] === 'StateChange' && JSON.stringify(f).includes('Message')) &&
    Date.now() < deadline
  )
    await new Promise((r) => setTimeout(r, 20));
  ws.close();
  assert.equal(frames.filter((f) => f['@type'] === 'ChatTypingEvent').length, 1);
  assert.ok(frames.some((f) => f['@type'] === 'StateChange' && typeof f.pushState === 'string'));
});

test('draft §Message/set rateLimited carries serverRetryAfter on floods', async () => {
  const chatId = await directChat();
  server.setMessageRate({ max: 1, windowMs: 60_000 });
  try {
    await send('cy', chatId, 'x').catch(() => undefined);
    const r1 = await send('ann', chatId, 'one');
    const r2 = await send('ann', chatId, 'two');
    const limited = [r1, r2].map((r) => r.notCreated as Obj | null).find(Boolean);
    const e = limited!.m as Obj;
    assert.equal(e.type, 'rateLimited');
    assert.ok(!Number.isNaN(Date.parse(String(e.serverRetryAfter))));
  } finally {
    server.setMessageRate({ max: 60, windowMs: 10_000 });
  }
});

test('RFC 8620 §6 upload/download; RFC 9404 Blob/lookup; Blob/convert really resizes a PNG; RFC 9425 Quota', async () => {
  const png = encodePng({ width: 40, height: 20, data: new Uint8Array(40 * 20 * 4).fill(128) });
  const up = await fetch(`${server.url}/jmap/upload/ann/`, {
    method: 'POST',
    headers: { authorization: auth('ann'), 'content-type': 'image/png' },
    body: new Uint8Array(png),
  });
  const { blobId, size } = (await up.json()) as { blobId: string; size: number };
  assert.equal(size, png.length);
  const down = await fetch(`${server.url}/jmap/download/ann/${blobId}/x.png?accept=image/png`, {
    headers: { authorization: auth('ann') },
  });
  assert.deepEqual(Buffer.from(await down.arrayBuffer()), png);
  const blobUsing = [...USING, 'urn:ietf:params:jmap:blob2'];
  const conv = await one(
    'ann',
    'Blob/convert',
    {
      accountId: 'ann',
      create: { t: { imageConvert: { blobId, type: 'image/png', width: 10, height: 10 } } },
    },
    blobUsing,
  );
  const t = (conv[1].created as Obj).t as Obj;
  const thumb = await fetch(
    `${server.url}/jmap/download/ann/${String(t.blobId)}/t.png?accept=image/png`,
    { headers: { authorization: auth('ann') } },
  );
  const img = decodePng(Buffer.from(await thumb.arrayBuffer()));
  assert.deepEqual([img.width, img.height], [10, 5]);
  const lookup = await one(
    'bo',
    'Blob/lookup',
    { accountId: 'bo', typeNames: ['Message'], ids: [blobId] },
    blobUsing,
  );
  assert.deepEqual((lookup[1].list as Obj[])[0], { id: blobId, matchedIds: { Message: [] } });
  const quota = await one('ann', 'Quota/get', { accountId: 'ann', ids: null }, [
    ...USING,
    'urn:ietf:params:jmap:quota',
  ]);
  assert.ok(
    (quota[1].list as Obj[]).some(
      (q) => q.resourceType === 'octets' && (q.used as number) >= png.length,
    ),
  );
});
