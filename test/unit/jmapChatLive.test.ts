// JMAP Chat's live phase when its push channel opens. The reference server
// sends the current states as a stream opens, so a message sent before that
// moment reaches Parley there anyway (test/integration/jmapChatPushOpen.test.ts);
// RFC 8620 does not ask a server to, and one that does not sends nothing for
// it. Hence this unit test: the connector's session and catch-up are stubbed
// and the EventSource is a stub stream that stays open and says only what
// the test writes into it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JmapChatConnector } from '../../main/daemon/connectors/jmap-chat/connector.js';
import type { ChatSession } from '../../main/daemon/connectors/jmap-chat/transport.js';
import { parseSession } from '../../main/daemon/connectors/jmap/session.js';
import { connectorContext, noBlobs } from '../../main/daemon/connectors/context.js';
import type { SyncBatch } from '../../main/daemon/model/types.js';

/** An EventSource endpoint: each request opens a stream the test writes into or ends. */
function streams() {
  const opened: ReadableStreamDefaultController<Uint8Array>[] = [];
  let wake: (() => void) | null = null;
  const fetch: typeof globalThis.fetch = async (_input, init) => {
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        opened.push(controller);
        init?.signal?.addEventListener('abort', () => controller.error(new Error('aborted')));
      },
    });
    setImmediate(() => wake?.());
    return new Response(body, { status: 200, headers: { 'content-type': 'text/event-stream' } });
  };
  return {
    fetch,
    opened,
    /** Resolves once `n` streams have answered (the push layer has taken each answer by then). */
    async count(n: number) {
      while (opened.length < n) await new Promise<void>((r) => (wake = r));
    },
    state(i: number, changed: Record<string, string>) {
      const change = { '@type': 'StateChange', changed: { a1: changed } };
      opened[i]!.enqueue(
        new TextEncoder().encode(`event: state\ndata: ${JSON.stringify(change)}\n\n`),
      );
    },
  };
}

function chatConnector(fetch: typeof globalThis.fetch) {
  const connector = new JmapChatConnector({ fetch, pollIntervalMs: 3_600_000 });
  const session = {
    client: {
      session: parseSession(
        {
          capabilities: { 'urn:ietf:params:jmap:core': {}, 'urn:ietf:params:jmap:chat': {} },
          accounts: {},
          primaryAccounts: {},
          username: 'bo',
          apiUrl: '/api',
          downloadUrl: '/d/{blobId}',
          uploadUrl: '/u/{accountId}',
          eventSourceUrl: '/es?types={types}&closeafter={closeafter}&ping={ping}',
          state: 's',
        },
        'https://chat.example/jmap',
      ),
    },
    accountId: 'a1',
    authorization: 'Basic Ym86cHc=',
    chatWebSocket: false,
    contacts: new Map(),
  } as unknown as ChatSession;
  connector.session = async () => session;
  return connector;
}

const context = (signal: AbortSignal) =>
  connectorContext({
    account: { id: 1 } as never,
    secret: 'pw',
    signal,
    // Every type has a committed state that no pushed state below equals.
    cursor: () => 'committed',
    openBlob: noBlobs,
    log: () => undefined,
  });

/** Stubs the catch-up: each run is recorded ("all" or the types named) and yields one batch. */
function recordCatchUps(connector: JmapChatConnector, before?: (run: number) => Promise<void>) {
  const runs: string[] = [];
  (connector as unknown as { syncTypes: unknown }).syncTypes = async function* (
    _ctx: unknown,
    only: ReadonlySet<string> | null,
  ): AsyncGenerator<SyncBatch> {
    runs.push(only === null ? 'all' : [...only].sort().join(','));
    await before?.(runs.length);
    yield { cursors: { [`run${runs.length}`]: 'done' } };
  };
  return runs;
}

test(
  'jmap-chat: when the push channel opens, one catch-up of every type runs at once, not at the next change',
  // Without it nothing comes until a StateChange, and none is coming: the test
  // fails on this timeout rather than hang.
  { timeout: 20_000 },
  async () => {
    const es = streams();
    const connector = chatConnector(es.fetch);
    const runs = recordCatchUps(connector);
    const abort = new AbortController();
    const live = connector.live(context(abort.signal));
    try {
      const first = await live.next();
      assert.deepEqual(first.value, { cursors: { run1: 'done' } });
      assert.equal(es.opened.length, 1, 'the catch-up ran once the stream answered');
      assert.deepEqual(runs, ['all']);
    } finally {
      abort.abort();
      await live.return(undefined);
    }
  },
);

test(
  'jmap-chat: signals that come while a catch-up runs make one more catch-up, not one each',
  { timeout: 20_000 },
  async () => {
    const es = streams();
    const connector = chatConnector(es.fetch);
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    // The first catch-up (as the stream opens) waits while the signals pile up.
    const runs = recordCatchUps(connector, (run) => (run === 1 ? released : Promise.resolve()));
    const abort = new AbortController();
    const live = connector.live(context(abort.signal));
    try {
      const first = live.next();
      await es.count(1);
      // While it runs: two messages pushed, then the stream drops and
      // reopens (a poll for what the drop missed, then the reopening).
      es.state(0, { Message: 'm2', Chat: 'c2' });
      es.state(0, { Message: 'm3', Chat: 'c3' });
      es.opened[0]!.close();
      await es.count(2);
      release();
      assert.deepEqual((await first).value, { cursors: { run1: 'done' } });
      // One catch-up of every type covers all four signals.
      assert.deepEqual((await live.next()).value, { cursors: { run2: 'done' } });
      assert.deepEqual(runs, ['all', 'all']);
      // And the next change pushed is caught up on its own, as usual.
      es.state(1, { Message: 'm4' });
      assert.deepEqual((await live.next()).value, { cursors: { run3: 'done' } });
      assert.deepEqual(runs, ['all', 'all', 'Message']);
    } finally {
      abort.abort();
      await live.return(undefined);
    }
  },
);
