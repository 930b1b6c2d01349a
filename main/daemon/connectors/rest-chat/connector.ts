// The REST chat connector (the API of maratal/ChatServer, as the reference
// server in test/servers/rest-chat implements it): login trades the password
// for a device session's bearer token (the keychain's secret); sync() reads
// the chat list and re-pages each chat down to its newest known message
// (sync.ts); live() runs that catch-up on each websocket frame (live.ts);
// backfill() pages older history; perform() = the operation table
// (actions.ts).
import { SessionCache } from '../sessionCache.js';
import type {
  AttachmentRef,
  FetchedAttachment,
  Connector,
  ConnectorContext,
  Credentials,
  LoginResult,
  WriteAttempt,
  WriteResult,
} from '../connector.js';
import type { SyncBatch } from '../../model/types.js';
import type { OutboxOp } from '../../model/ops.js';
import { capabilitiesOf, dispatch, operationNames } from '../operations.js';
import { restChatOperations } from './actions.js';
import { fetchAttachment, fetchThumbnail } from './attachments.js';
import { REST_CHAT_CAPABILITIES } from './capabilities.js';
import { login, openSession, type RestSession } from './session.js';
import { backfillAccount, syncAccount, updatedMessages, type RestSyncOptions } from './sync.js';
import type { RestTransportOptions } from './transport.js';
import { socketSignals } from './live.js';

export interface RestChatOptions extends Partial<RestSyncOptions>, RestTransportOptions {}

export class RestChatConnector implements Connector {
  readonly protocol = 'rest-chat' as const;
  readonly operations = operationNames(restChatOperations);
  readonly capabilities = capabilitiesOf(REST_CHAT_CAPABILITIES, this.operations);
  private readonly sessions = new SessionCache<RestSession>((server, _username, token, signal) =>
    openSession(server, token, this.options, signal),
  );
  private readonly syncOptions: RestSyncOptions;

  constructor(private readonly options: RestChatOptions = {}) {
    this.syncOptions = {
      windowPerChat: options.windowPerChat ?? 50,
      pageSize: options.pageSize ?? 100,
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

  /**
   * The websocket: its opening and every frame run the catch-up sync (see
   * live.ts), so a gap while it was down is filled when it reconnects.
   */
  async *live(ctx: ConnectorContext): AsyncGenerator<SyncBatch> {
    const s = await this.sessions.get(ctx);
    const typing = new Map<string, Set<string>>();
    for await (const signal of socketSignals(s.transport.base, ctx.secret, ctx.signal, s.wrote)) {
      if (signal.kind === 'updated') {
        const batch = updatedMessages(ctx, s, signal.messages);
        if (batch) yield batch;
        continue;
      }
      if (signal.kind !== 'typing') {
        yield* this.sync(ctx);
        continue;
      }
      if (signal.personId === s.selfId) continue;
      const people = typing.get(signal.chatId) ?? new Set<string>();
      if (signal.typing) people.add(signal.personId);
      else people.delete(signal.personId);
      typing.set(signal.chatId, people);
      yield { typing: [{ chatRemoteId: signal.chatId, personRemoteIds: [...people] }] };
    }
  }

  /** Typing through notify (name "typing"), to the chat's open websockets. */
  async setTyping(ctx: ConnectorContext, chatRemoteId: string, typing: boolean): Promise<void> {
    const data = Buffer.from(JSON.stringify({ chatId: chatRemoteId, typing })).toString('base64');
    await this.sessions.guard(ctx, (s) =>
      s.transport.ok('POST', `/chats/${encodeURIComponent(chatRemoteId)}/notify`, {
        body: { name: 'typing', realm: 'webSocket', data },
        signal: ctx.signal,
      }),
    );
  }

  /** An attachment's file (`<id>.<ext>`), streamed. */
  fetchAttachment(ctx: ConnectorContext, attachment: AttachmentRef): Promise<FetchedAttachment> {
    return this.sessions.guard(ctx, (s) => fetchAttachment(s, attachment, ctx.signal));
  }

  /** The sender's preview, else one made here (PNG), else the original. */
  fetchThumbnail(
    ctx: ConnectorContext,
    attachment: AttachmentRef,
    size: { width: number; height: number },
  ): Promise<FetchedAttachment> {
    return this.sessions.guard(ctx, (s) => fetchThumbnail(s, attachment, size, ctx.signal));
  }

  backfill(ctx: ConnectorContext): AsyncGenerator<SyncBatch> {
    return this.sessions.guardStream(ctx, (s) => backfillAccount(ctx, s, this.syncOptions));
  }

  perform(
    ctx: ConnectorContext,
    op: OutboxOp,
    idempotencyKey: string,
    attempt?: WriteAttempt,
  ): Promise<WriteResult> {
    return this.sessions.guard(ctx, (s) =>
      dispatch(this.protocol, restChatOperations, s, op, idempotencyKey, ctx, attempt),
    );
  }

  /** Ends the server session (the server drops every session of the user). */
  async logout(ctx: ConnectorContext): Promise<void> {
    await this.sessions.guard(ctx, (s) =>
      s.transport.ok('POST', '/users/me/logout', { signal: ctx.signal }),
    );
  }
}
