// The unichat connector (Universa chat; the reference server in
// test/servers/unichat implements the API as far as it is public): login
// trades the password for an auth_token (the keychain's secret); sync() reads
// the subscription list and each group's changes by serial (sync.ts); live()
// follows the SSE notifications (live.ts) with typing from `entering`;
// backfill() pages older history by before_id; perform() = the operation
// table (actions.ts); saveDraft() writes the subscription's draft, which the
// server shares with our other devices and shows the others as typing.
import { SessionCache } from '../sessionCache.js';
import type {
  AttachmentRef,
  Connector,
  ConnectorContext,
  Credentials,
  FetchedAttachment,
  LoginResult,
  WriteResult,
} from '../connector.js';
import type { SyncBatch } from '../../model/types.js';
import type { OutboxOp } from '../../model/ops.js';
import { capabilitiesOf, dispatch, operationNames } from '../operations.js';
import { errorForStatus, timedFetch } from '../http/index.js';
import { PermanentError } from '../errors.js';
import { subscriptionOf, unichatOperations, updateSubscription } from './actions.js';
import { UNICHAT_CAPABILITIES } from './capabilities.js';
import { login, openSession, type UnichatSession } from './session.js';
import {
  allSubscriptions,
  backfillAccount,
  catchUpGroup,
  subscriptionsBatch,
  syncAccount,
  serialStream,
  type UnichatSyncOptions,
} from './sync.js';
import type { UnichatTransportOptions } from './transport.js';
import type { UploadOptions } from './upload.js';
import { followNotifications } from './liveLoop.js';
import { EmptyAnswer, SubscriptionAnswer } from './wire.js';

export interface UnichatOptions extends Partial<UnichatSyncOptions>, UnichatTransportOptions {
  upload?: UploadOptions;
  /** Someone typing (a draft saved) is shown this long unless they save again or post. */
  typingTimeoutMs?: number;
}

/** How many of our latest draft saves per group are recognised when they come back. */
const PUSHED_DRAFTS_KEPT = 20;

export class UnichatConnector implements Connector {
  readonly protocol = 'unichat' as const;
  private readonly table: ReturnType<typeof unichatOperations>;
  readonly operations;
  readonly capabilities;
  private readonly sessions = new SessionCache<UnichatSession>((server, _username, token, signal) =>
    openSession(server, token, this.options, signal),
  );
  private readonly syncOptions: UnichatSyncOptions;
  /** Per chat, the draft save in flight. */
  private readonly draftSaves = new Map<string, Promise<void>>();

  constructor(private readonly options: UnichatOptions = {}) {
    this.table = unichatOperations(options.upload);
    this.operations = operationNames(this.table);
    this.capabilities = capabilitiesOf(UNICHAT_CAPABILITIES, this.operations);
    this.syncOptions = {
      windowPerChat: options.windowPerChat ?? 50,
      pageSize: options.pageSize ?? 100,
      subscriptionPage: options.subscriptionPage ?? 100,
    };
  }

  login(credentials: Credentials, signal: AbortSignal): Promise<LoginResult> {
    return login(
      credentials.server,
      credentials.username,
      credentials.password,
      this.options,
      signal,
    );
  }

  sync(ctx: ConnectorContext): AsyncGenerator<SyncBatch> {
    return this.sessions.guardStream(ctx, (s) => syncAccount(ctx, s, this.syncOptions));
  }

  live(ctx: ConnectorContext): AsyncGenerator<SyncBatch> {
    return this.sessions.guardStream(ctx, (s) =>
      followNotifications(ctx, s, {
        typingTimeoutMs: this.options.typingTimeoutMs ?? 6_000,
        catchUpAll: () => syncAccount(ctx, s, this.syncOptions),
        catchUpGroup: (groupId) => catchUpGroup(ctx, s, groupId, 0, this.syncOptions),
        subscriptionsChanged: () => this.subscriptionsChanged(ctx, s),
        refreshGroup: (groupId) => this.refreshGroup(ctx, s, groupId),
      }),
    );
  }

  /** The subscription list again, and the first window of any group new to us. */
  private async *subscriptionsChanged(
    ctx: ConnectorContext,
    s: UnichatSession,
  ): AsyncGenerator<SyncBatch> {
    const subs = await allSubscriptions(ctx, s, this.syncOptions.subscriptionPage);
    yield subscriptionsBatch(ctx, s, subs);
    for (const sub of subs) {
      const groupId = String(sub.group_id);
      if (ctx.cursor(serialStream(groupId)) === null)
        yield* catchUpGroup(ctx, s, groupId, sub.group?.last_serial ?? 0, this.syncOptions);
    }
  }

  /** One group's subscription re-read (get_subscription), the rest left as they are. */
  private async *refreshGroup(
    ctx: ConnectorContext,
    s: UnichatSession,
    groupId: string,
  ): AsyncGenerator<SyncBatch> {
    const { subscription } = await s.transport.call(
      'get_subscription',
      { subscription_id: await subscriptionOf(s, ctx, groupId) },
      SubscriptionAnswer,
      { signal: ctx.signal },
    );
    yield subscriptionsBatch(ctx, s, [subscription], { partial: true });
  }

  backfill(ctx: ConnectorContext): AsyncGenerator<SyncBatch> {
    return this.sessions.guardStream(ctx, (s) => backfillAccount(ctx, s, this.syncOptions));
  }

  perform(ctx: ConnectorContext, op: OutboxOp, idempotencyKey: string): Promise<WriteResult> {
    return this.sessions.guard(ctx, (s) =>
      dispatch(this.protocol, this.table, s, op, idempotencyKey, ctx),
    );
  }

  /**
   * Saves the chat's draft on the server (update_subscription): our other
   * devices get it, and the other participants see us typing (`entering`).
   */
  async saveDraft(ctx: ConnectorContext, chatRemoteId: string, body: string): Promise<void> {
    await this.sessions.guard(ctx, async (s) => {
      const pushed = s.pushedDrafts.get(chatRemoteId) ?? [];
      s.pushedDrafts.set(chatRemoteId, [...pushed, body].slice(-PUSHED_DRAFTS_KEPT));
      // One save at a time per chat, in the order made: a late one must not undo a later one.
      const before = this.draftSaves.get(chatRemoteId) ?? Promise.resolve();
      const save = before
        .catch(() => undefined)
        .then(() => updateSubscription(s, ctx, chatRemoteId, { draft: body }));
      this.draftSaves.set(chatRemoteId, save);
      try {
        await save;
      } finally {
        if (this.draftSaves.get(chatRemoteId) === save) this.draftSaves.delete(chatRemoteId);
      }
    });
  }

  /**
   * Attachment URLs are download links (Rails active storage: no bearer).
   * Only links on the account's own server are followed: a server cannot
   * make the daemon fetch from elsewhere (another host, the local network).
   */
  async fetchAttachment(ctx: ConnectorContext, a: AttachmentRef): Promise<FetchedAttachment> {
    const what = 'unichat download';
    let url: URL;
    try {
      url = new URL(a.remoteId);
    } catch {
      throw new PermanentError(`${what}: the attachment has no download link`);
    }
    if (url.origin !== new URL(ctx.account.server).origin)
      throw new PermanentError(`${what}: the link is not on the account's server`);
    const res = await timedFetch(url, what, {
      signal: ctx.signal,
      timeoutMs: 30 * 60_000,
      fetch: this.options.fetch,
    });
    if (!res.ok || !res.body) throw errorForStatus(`${what}: HTTP ${res.status}`, res.status);
    const length = Number(res.headers.get('content-length'));
    return {
      mime: a.mime || res.headers.get('content-type') || 'application/octet-stream',
      size: Number.isFinite(length) && length > 0 ? length : null,
      stream: res.body as unknown as AsyncIterable<Uint8Array>,
    };
  }

  async logout(ctx: ConnectorContext): Promise<void> {
    await this.sessions.guard(ctx, (s) =>
      s.transport.call('logout', {}, EmptyAnswer, { signal: ctx.signal }),
    );
  }
}
