// The batched catch-up's answer handling (connectors/jmap-chat/changes.ts) on
// answers the reference server cannot be made to give: a /get inside the
// request that failed (more ids than maxObjectsInGet in one commit), a /get
// that still returns a destroyed id, malformed answers. The answers are
// constructed JmapResponse objects of our own client; the integration tests
// (test/integration/jmapChatCatchUp.test.ts) cover the rest against the server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { answeredPages, type ChangedPage } from '../../main/daemon/connectors/jmap-chat/changes.js';
import { JmapResponse } from '../../main/daemon/connectors/jmap/client.js';
import { CannotCalculateChangesError } from '../../main/daemon/connectors/jmap/errors.js';
import { ProtocolError } from '../../main/daemon/connectors/errors.js';
import type { ChatSession } from '../../main/daemon/connectors/jmap-chat/transport.js';
import type { ConnectorContext } from '../../main/daemon/connectors/connector.js';
import type { Invocation } from '../../main/daemon/connectors/jmap/wire.js';

const ctx = { signal: new AbortController().signal } as ConnectorContext;

/** A session whose client answers only the separate /get (recorded), never /changes. */
function session(objects: Record<string, Record<string, unknown>>) {
  const gets: string[][] = [];
  const s = {
    accountId: 'a',
    client: {
      get: async (_type: string, _account: string, ids: string[]) => {
        gets.push(ids);
        return {
          list: ids.filter((i) => objects[i]).map((i) => objects[i]!),
          notFound: ids.filter((i) => !objects[i]),
          state: 'S2',
        };
      },
      changes: () => {
        throw new Error('no further page expected');
      },
    },
  } as unknown as ChatSession;
  return { s, gets };
}

const changes = (over: Record<string, unknown> = {}): Invocation => [
  'Message/changes',
  {
    accountId: 'a',
    oldState: 'S1',
    newState: 'S2',
    hasMoreChanges: false,
    created: ['m1', 'm2'],
    updated: ['m3'],
    destroyed: ['m4'],
    ...over,
  },
  'Message:changes',
];
const got = (callId: string, list: string[], notFound: string[] = []): Invocation => [
  'Message/get',
  { accountId: 'a', state: 'S2', list: list.map((id) => ({ id, body: id })), notFound },
  callId,
];

async function pages(s: ChatSession, answers: Invocation[]): Promise<ChangedPage[]> {
  const out: ChangedPage[] = [];
  for await (const p of answeredPages(ctx, s, 'Message', 'S1', new JmapResponse(answers, 'x')))
    out.push(p);
  return out;
}

test('the two /gets make one page: destroyed ids gone even when returned, notFound gone, each object once', async () => {
  const { s, gets } = session({});
  const [page] = await pages(s, [
    changes({ updated: ['m3', 'm1'] }),
    got('Message:created', ['m1', 'm2'], []),
    got('Message:updated', ['m3', 'm1', 'm4'], ['m5']),
  ]);
  assert.deepEqual(
    page!.list.map((o) => o.id),
    ['m1', 'm2', 'm3'],
  );
  assert.deepEqual(page!.gone, ['m4', 'm5']);
  assert.equal(page!.state, 'S2');
  assert.deepEqual(gets, [], 'nothing asked again');
});

test('a /get the request could not answer is asked again on its own, for what /changes named', async () => {
  const { s, gets } = session({ m1: { id: 'm1' }, m3: { id: 'm3' } });
  const [page] = await pages(s, [
    changes(),
    ['error', { type: 'requestTooLarge' }, 'Message:created'],
    got('Message:updated', ['m3']),
  ]);
  assert.deepEqual(gets, [['m1', 'm2', 'm3']]);
  assert.deepEqual(
    page!.list.map((o) => o.id),
    ['m1', 'm3'],
  );
  assert.deepEqual(page!.gone, ['m4', 'm2']);
});

test('cannotCalculateChanges inside the request is that type’s CannotCalculateChangesError', async () => {
  const { s } = session({});
  await assert.rejects(
    pages(s, [
      ['error', { type: 'cannotCalculateChanges' }, 'Message:changes'],
      ['error', { type: 'invalidResultReference' }, 'Message:created'],
      ['error', { type: 'invalidResultReference' }, 'Message:updated'],
    ]),
    (err) => err instanceof CannotCalculateChangesError && err.dataType === 'Message',
  );
});

test('malformed answers are a ProtocolError naming the method', async () => {
  const { s } = session({});
  await assert.rejects(
    pages(s, [changes({ created: 'm1' }), got('Message:created', []), got('Message:updated', [])]),
    (err) => err instanceof ProtocolError && /Message\/changes/.test(err.message),
  );
  await assert.rejects(
    pages(s, [
      changes(),
      ['Message/get', { accountId: 'a', list: 'nope' }, 'Message:created'],
      got('Message:updated', []),
    ]),
    (err) => err instanceof ProtocolError && /Message\/get/.test(err.message),
  );
  await assert.rejects(
    pages(s, [changes()]),
    (err) => err instanceof ProtocolError && /no response/.test(err.message),
  );
});

test('hasMoreChanges without a new state is refused, after the page it came with', async () => {
  const { s } = session({});
  const it = answeredPages(
    ctx,
    s,
    'Message',
    'S1',
    new JmapResponse(
      [
        changes({ newState: 'S1', hasMoreChanges: true }),
        got('Message:created', []),
        got('Message:updated', []),
      ],
      'x',
    ),
  );
  assert.equal((await it.next()).done, false);
  await assert.rejects(it.next(), (err) => err instanceof ProtocolError);
});
