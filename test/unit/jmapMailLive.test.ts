// JMAP Mail's live phase when its push channel opens. Debian's Cyrus offers no
// push (its EventSource answers 204, so the connector polls), hence this runs
// at the unit level: the connector's own session and catch-up are stubbed,
// and the EventSource is a stream from a stub fetch that stays open and quiet.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JmapMailConnector } from '../../main/daemon/connectors/jmap-mail/connector.js';
import type { MailSession } from '../../main/daemon/connectors/jmap-mail/transport.js';
import { parseSession } from '../../main/daemon/connectors/jmap/session.js';
import { connectorContext, noBlobs } from '../../main/daemon/connectors/context.js';
import type { SyncBatch } from '../../main/daemon/model/types.js';

test(
  'jmap-mail: when the push channel opens, one catch-up runs at once, not at the next change',
  {
    // Without it nothing comes until a StateChange, and none is coming: the test
    // fails on this timeout rather than hang.
    timeout: 20_000,
  },
  async () => {
    const steps: string[] = [];
    const abort = new AbortController();
    const quietStream: typeof fetch = async (_input, init) => {
      steps.push('push channel opened');
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          init?.signal?.addEventListener('abort', () => controller.error(new Error('aborted')));
        },
      });
      return new Response(body, { status: 200, headers: { 'content-type': 'text/event-stream' } });
    };
    const connector = new JmapMailConnector({ fetch: quietStream, pollIntervalMs: 3_600_000 });
    const session = {
      client: {
        session: parseSession(
          {
            capabilities: { 'urn:ietf:params:jmap:core': {}, 'urn:ietf:params:jmap:mail': {} },
            accounts: {},
            primaryAccounts: {},
            username: 'me',
            apiUrl: '/api',
            downloadUrl: '/d/{blobId}',
            uploadUrl: '/u/{accountId}',
            eventSourceUrl: '/es?types={types}&closeafter={closeafter}&ping={ping}',
            state: 's',
          },
          'https://mail.example/jmap',
        ),
      },
      accountId: 'a1',
      authorization: 'Basic bWU6cHc=',
    } as unknown as MailSession;
    connector.session = async () => session;
    // Stands for Mailbox/changes + Email/changes from the committed states.
    const caughtUp: SyncBatch = { cursors: { Email: 'e2' } };
    connector.sync = async function* () {
      steps.push('catch-up');
      yield caughtUp;
    };
    const ctx = connectorContext({
      account: { id: 1 } as never,
      secret: 'pw',
      signal: abort.signal,
      cursor: (stream) => (stream === 'Email' ? 'e1' : null),
      openBlob: noBlobs,
      log: () => undefined,
    });
    const live = connector.live(ctx);
    try {
      const first = await live.next();
      assert.equal(first.value, caughtUp);
      assert.deepEqual(steps, ['push channel opened', 'catch-up']);
    } finally {
      abort.abort();
      await live.return(undefined);
    }
  },
);
