// A connector for the daemon benchmark: it speaks a one-line-per-frame JSON
// protocol over loopback TCP to the harness process, which plays the server.
// The daemon around it is the app's own (DaemonHost, its worker, the sync
// engine, the store, the event coalescer); only where the batches come from
// differs. Each `next` request is answered with one batch or `end`, so the
// harness knows a batch was applied when the next one is asked for.
import { connect, type Socket } from 'node:net';
import { createInterface } from 'node:readline';
import type { Protocol, SyncBatch } from '../../main/daemon/model/types.js';
import type {
  Connector,
  ConnectorCapabilities,
  ConnectorContext,
  LoginResult,
  WriteResult,
} from '../../main/daemon/connectors/connector.js';
import { PermanentError } from '../../main/daemon/connectors/errors.js';
import type { OpName } from '../../main/daemon/model/ops.js';

export type FeedPhase = 'initial' | 'backfill';

/** Harness → connector: one batch, or the end of this phase. */
export type FeedReply = { batch: SyncBatch } | { end: true };
/** Connector → harness. */
export interface FeedRequest {
  /** `<protocol>:<username>`: the account (two may share a username). */
  account: string;
  phase: FeedPhase;
}

const CAPABILITIES: ConnectorCapabilities = {
  live: false,
  backfill: true,
  edit: false,
  react: false,
  delete: false,
  readMarkers: false,
  typing: false,
  attachments: false,
};

export class FeedConnector implements Connector {
  readonly capabilities = CAPABILITIES;
  readonly operations: ReadonlySet<OpName> = new Set();

  constructor(
    readonly protocol: Protocol,
    private readonly port: number,
  ) {}

  login(): Promise<LoginResult> {
    return Promise.resolve({ secret: 'feed', selfRemoteId: '@self' });
  }

  sync(ctx: ConnectorContext): AsyncIterable<SyncBatch> {
    return this.feed(ctx, 'initial');
  }

  backfill(ctx: ConnectorContext): AsyncIterable<SyncBatch> {
    return this.feed(ctx, 'backfill');
  }

  perform(): Promise<WriteResult> {
    return Promise.reject(new PermanentError('the bench feed takes no writes'));
  }

  private async *feed(ctx: ConnectorContext, phase: FeedPhase): AsyncGenerator<SyncBatch> {
    const socket: Socket = connect({ host: '127.0.0.1', port: this.port });
    socket.setNoDelay(true);
    const lines = createInterface({ input: socket, crlfDelay: Infinity })[Symbol.asyncIterator]();
    const request: FeedRequest = {
      account: `${ctx.account.protocol}:${ctx.account.username}`,
      phase,
    };
    try {
      for (;;) {
        socket.write(`${JSON.stringify(request)}\n`);
        const line = await lines.next();
        if (line.done) return;
        const reply = JSON.parse(line.value) as FeedReply;
        if ('end' in reply) return;
        yield reply.batch;
      }
    } finally {
      socket.destroy();
    }
  }
}
