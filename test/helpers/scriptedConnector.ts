// A connector driven by the test: a tiny in-memory "server" whose sync yields
// what the test queued and whose writes can be made to fail. It stands in for
// our own Connector interface (not for any real protocol's server).
import type {
  Connector,
  ConnectorCapabilities,
  ConnectorContext,
  WriteResult,
} from '../../main/daemon/connectors/connector.js';
import { OP_NAMES, type OutboxOp } from '../../main/daemon/model/ops.js';
import type { SyncBatch } from '../../main/daemon/model/types.js';

export class ScriptedServer {
  /** What the "server" stored, by idempotency key: a retry with the same key is not a new message. */
  readonly delivered = new Map<string, OutboxOp>();
  readonly attempts: { key: string; at: number }[] = [];
  /** Failures to throw on the next write attempts, in order. */
  writeFailures: (Error | 'lose-response')[] = [];
  syncBatches: SyncBatch[] = [];
  syncFailures: Error[] = [];
  syncCalls: { at: number; cursor: string | null }[] = [];
}

export const ALL_CAPABILITIES: ConnectorCapabilities = {
  live: false,
  backfill: false,
  edit: true,
  react: true,
  delete: true,
  readMarkers: true,
  typing: false,
  attachments: false,
};

export function scriptedConnector(server: ScriptedServer): Connector {
  return {
    protocol: 'matrix',
    operations: new Set(OP_NAMES),
    capabilities: ALL_CAPABILITIES,
    async login(credentials) {
      if (credentials.password !== 'right') throw new Error('M_FORBIDDEN: wrong password');
      return {
        secret: `token-for-${credentials.username}`,
        selfRemoteId: `@${credentials.username}`,
      };
    },
    async *sync(ctx: ConnectorContext) {
      server.syncCalls.push({ at: Date.now(), cursor: ctx.cursor('sync') });
      const failure = server.syncFailures.shift();
      if (failure) throw failure;
      while (server.syncBatches.length > 0) yield server.syncBatches.shift()!;
    },
    async perform(_ctx, op, key): Promise<WriteResult> {
      server.attempts.push({ key, at: Date.now() });
      const failure = server.writeFailures.shift();
      if (failure === 'lose-response') {
        // The server acts, then the connection drops before we hear back.
        server.delivered.set(key, op);
        throw new Error('socket hang up');
      }
      if (failure) throw failure;
      server.delivered.set(key, op);
      return { remoteId: `$server-${key.slice(0, 8)}` };
    },
  };
}
