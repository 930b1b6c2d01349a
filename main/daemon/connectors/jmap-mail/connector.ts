// The JMAP Mail connector: Mailbox → space, Thread → chat, Email → message.
// sync() = mailboxes + the initial window or Email/changes catch-up; live() =
// push (WebSocket / EventSource) or polling, each signal running a catch-up;
// backfill() = older mail; perform() = outbox writes (actions.ts). Attachment
// bytes are fetched on demand (fetchAttachment), never during sync.
import { SessionCache } from '../sessionCache.js';
import { fetchJmapAttachment } from '../jmap/attachments.js';
import type {
  AttachmentRef,
  Connector,
  ConnectorContext,
  Credentials,
  FetchedAttachment,
  LoginResult,
  WriteResult,
} from '../connector.js';
import { pushSignals } from '../jmap/push.js';
import { CannotCalculateChangesError } from '../jmap/errors.js';
import type { SyncBatch } from '../../model/types.js';
import type { OutboxOp } from '../../model/ops.js';
import { JMAP_MAIL_CAPABILITIES } from './capabilities.js';
import { ensureMailboxesLoaded, jmapMailOperations } from './actions.js';
import { capabilitiesOf, dispatch, operationNames } from '../operations.js';
import {
  backfill,
  catchUp,
  heldThreadsGone,
  initialWindow,
  resync,
  STREAM,
  syncMailboxes,
  type MailSyncOptions,
} from './sync.js';
import { openMailSession, type MailSession, type MailTransportOptions } from './transport.js';

export interface JmapMailOptions extends Partial<MailSyncOptions>, MailTransportOptions {
  /** Polling interval when the server offers no push (Cyrus from Debian has none). */
  pollIntervalMs?: number;
}

export class JmapMailConnector implements Connector {
  readonly protocol = 'jmap-mail' as const;
  readonly operations = operationNames(jmapMailOperations);
  readonly capabilities = capabilitiesOf(JMAP_MAIL_CAPABILITIES, this.operations);
  private readonly sessions = new SessionCache<MailSession>((server, username, secret, signal) =>
    openMailSession(server, username, secret, this.options, signal),
  );
  private readonly sync_: MailSyncOptions;

  constructor(private readonly options: JmapMailOptions = {}) {
    this.sync_ = {
      windowSize: options.windowSize ?? 500,
      pageSize: options.pageSize ?? 100,
      maxBodyValueBytes: options.maxBodyValueBytes ?? 1_000_000,
      checkPageSize: options.checkPageSize ?? 2_000,
    };
  }

  async login(credentials: Credentials, signal: AbortSignal): Promise<LoginResult> {
    const s = await openMailSession(
      credentials.server,
      credentials.username,
      credentials.password,
      this.options,
      signal,
    );
    return {
      secret: credentials.password,
      selfRemoteId: s.selfAddress,
      selfDisplayName: s.identity?.name || credentials.username,
    };
  }

  /** The account's session, opened on first use (see jmap/sessionCache.ts). */
  session(ctx: ConnectorContext): Promise<MailSession> {
    return this.sessions.get(ctx);
  }

  private guard<T>(ctx: ConnectorContext, fn: (s: MailSession) => Promise<T>): Promise<T> {
    return this.sessions.guard(ctx, fn);
  }

  sync(ctx: ConnectorContext): AsyncGenerator<SyncBatch> {
    const options = this.sync_;
    return this.sessions.guardStream(ctx, async function* (s) {
      yield* syncMailboxes(ctx, s);
      const since = ctx.cursor(STREAM.email);
      if (!since) {
        yield* initialWindow(ctx, s, options);
        return;
      }
      try {
        yield* catchUp(ctx, s, options, since);
      } catch (err) {
        if (!(err instanceof CannotCalculateChangesError)) throw err;
        // The state is too old or unknown: resync the window and check every
        // held mail; the new state is committed with the deletions found.
        ctx.log(`${err.message}: resyncing mail`);
        yield* resync(ctx, s, options);
        // The window may bring threads newer than the Thread state, which
        // Thread/changes would not name if they went: check every held one.
        yield* heldThreadsGone(ctx, s, options);
      }
    });
  }

  async *live(ctx: ConnectorContext): AsyncGenerator<SyncBatch> {
    const s = await this.session(ctx);
    const signals = pushSignals(s.client.session, s.authorization, {
      types: ['Email', 'Mailbox', 'Thread'],
      signal: ctx.signal,
      pollIntervalMs: this.options.pollIntervalMs ?? 30_000,
      fetch: this.options.fetch,
      log: (line) => ctx.log(line),
      // Mail that changed between the last sync and the channel opening
      // sends no StateChange: one catch-up as it opens (any reconnect too).
      catchUpOnOpen: true,
    });
    for await (const signal of signals) {
      if (ctx.signal.aborted) return;
      // A poll, a reconnect or the channel opening: catch up whatever moved.
      if (signal.kind === 'stateChange') {
        const mine = signal.change.changed[s.accountId];
        if (!mine) continue;
        const unchanged =
          (mine.Email === undefined || mine.Email === ctx.cursor(STREAM.email)) &&
          (mine.Mailbox === undefined || mine.Mailbox === ctx.cursor(STREAM.mailbox)) &&
          mine.Thread === undefined;
        if (unchanged) continue;
      }
      yield* this.sync(ctx);
    }
  }

  backfill(ctx: ConnectorContext): AsyncGenerator<SyncBatch> {
    return this.sessions.guardStream(ctx, (s) => backfill(ctx, s, this.sync_));
  }

  perform(ctx: ConnectorContext, op: OutboxOp, idempotencyKey: string): Promise<WriteResult> {
    return this.guard(ctx, async (s) => {
      await ensureMailboxesLoaded(s, ctx.signal);
      return dispatch(this.protocol, jmapMailOperations, s, op, idempotencyKey, ctx);
    });
  }

  fetchAttachment(ctx: ConnectorContext, attachment: AttachmentRef): Promise<FetchedAttachment> {
    return this.guard(ctx, (s) => fetchJmapAttachment(s, attachment, ctx.signal));
  }
}
