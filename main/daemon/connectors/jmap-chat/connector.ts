// The JMAP Chat connector (draft-atwood-jmap-chat-00) over the shared JMAP
// core: ChatContact → people, Space → spaces, Chat → chats, Message →
// messages, ReadPosition → read positions. sync() = each type's /query+/get
// on first run, then its /changes; live() = push (WebSocket or EventSource,
// whichever the session offers, else polling), each state change running
// the catch-up of the types it names (all of them after a poll or a
// reconnect), typing and presence events becoming ephemeral batches (ephemeral.ts);
// backfill() = each chat's history below its initial window;
// perform() = outbox writes (actions.ts); a retry after an unknown outcome
// adopts what an earlier attempt created (earlierCreate.ts).
import { SessionCache } from '../sessionCache.js';
import { fetchJmapAttachment } from '../jmap/attachments.js';
import type {
  AttachmentRef,
  Connector,
  ConnectorContext,
  Credentials,
  FetchedAttachment,
  LoginResult,
  WriteAttempt,
  WriteResult,
} from '../connector.js';
import { Channel, pushSignals, type PushSignal } from '../jmap/push.js';
import type { SyncBatch } from '../../model/types.js';
import type { OutboxOp } from '../../model/ops.js';
import { act, jmapChatOperations, list, quotas, thumbnail, type ChatAction } from './actions.js';
import { capabilitiesOf, dispatch, operationNames } from '../operations.js';
import { JMAP_CHAT_CAPABILITIES } from './capabilities.js';
import { EPHEMERAL_EVENTS, ephemeralBatch, TypingTracker } from './ephemeral.js';
import { changesTogether } from './changes.js';
import {
  backfillMessages,
  STREAM,
  syncChats,
  ensureContacts,
  syncContacts,
  syncMessages,
  syncReadPositions,
  syncSpaces,
  type ChatSyncOptions,
} from './sync.js';
import { openChatSession, type ChatSession, type ChatTransportOptions } from './transport.js';

export interface JmapChatOptions extends Partial<ChatSyncOptions>, ChatTransportOptions {
  /** Polling interval when the server offers no push, or as a safety net (default 60 s). */
  pollIntervalMs?: number;
  /** Someone typing is dropped after this long without a new typing event (default 10 s). */
  typingTimeoutMs?: number;
}

const PUSH_TYPES = ['ChatContact', 'Chat', 'Message', 'ReadPosition', 'Space'];

type StateSignal = Exclude<PushSignal, { kind: 'event' }>;

/** A signal whose only work is a catch-up (not a typing or presence event, not a timer). */
const isStateSignal = (item: PushSignal | { kind: 'typingExpired' }): item is StateSignal =>
  item.kind === 'stateChange' || item.kind === 'poll' || item.kind === 'opened';

/**
 * The types to catch up for these signals: every type (null) after a poll, a
 * reconnect (which may have missed changes) or the channel opening; else the
 * types we follow whose pushed state moved past what we committed.
 */
function typesToCatchUp(
  signals: StateSignal[],
  accountId: string,
  cursor: (type: string) => string | null,
): Set<string> | null {
  const moved = new Set<string>();
  for (const signal of signals) {
    if (signal.kind !== 'stateChange') return null;
    for (const [type, state] of Object.entries(signal.change.changed[accountId] ?? {}))
      if ((Object.values(STREAM) as string[]).includes(type) && cursor(type) !== state)
        moved.add(type);
  }
  return moved;
}

export class JmapChatConnector implements Connector {
  readonly protocol = 'jmap-chat' as const;
  readonly operations = operationNames(jmapChatOperations);
  readonly capabilities = capabilitiesOf(JMAP_CHAT_CAPABILITIES, this.operations);
  private readonly sessions = new SessionCache<ChatSession>((server, username, secret, signal) =>
    openChatSession(server, username, secret, this.options, signal),
  );
  private readonly options_: ChatSyncOptions;

  constructor(private readonly options: JmapChatOptions = {}) {
    this.options_ = {
      windowPerChat: options.windowPerChat ?? 200,
      pageSize: options.pageSize ?? 200,
      backfillPageSize: options.backfillPageSize ?? 200,
    };
  }

  async login(credentials: Credentials, signal: AbortSignal): Promise<LoginResult> {
    const s = await openChatSession(
      credentials.server,
      credentials.username,
      credentials.password,
      this.options,
      signal,
    );
    return { secret: credentials.password, selfRemoteId: s.selfId, selfDisplayName: s.selfName };
  }

  /** The account's session, opened on first use (see jmap/sessionCache.ts). */
  session(ctx: ConnectorContext): Promise<ChatSession> {
    return this.sessions.get(ctx);
  }

  private guard<T>(ctx: ConnectorContext, fn: (s: ChatSession) => Promise<T>): Promise<T> {
    return this.sessions.guard(ctx, fn);
  }

  sync(ctx: ConnectorContext): AsyncGenerator<SyncBatch> {
    return this.syncTypes(ctx, null);
  }

  /**
   * The catch-up of `only` the types named (null: every type). A pushed
   * StateChange names the types whose state moved (RFC 8620 §7.1), so a new
   * message costs Chat's and Message's round trips, not every type's: the
   * others' /changes would answer "nothing" while the message waits; and
   * the named types' /changes and /get travel in one request.
   */
  private syncTypes(ctx: ConnectorContext, only: ReadonlySet<string> | null) {
    const options = this.options_;
    const wants = (type: string) => only === null || only.has(type);
    return this.sessions.guardStream(ctx, async function* (s) {
      // When every type asked for has a committed state, their first pages of
      // changes come in one request for all of them (changes.ts), not a
      // /changes and a /get each in turn. Otherwise (a first run, or one cut
      // short) every type goes its own way, as before.
      const since = new Map<string, string>();
      for (const type of Object.values(STREAM).filter(wants)) {
        const cursor = ctx.cursor(type);
        if (cursor === null) {
          since.clear();
          break;
        }
        since.set(type, cursor);
      }
      // A restarted session knows no contacts yet (a first run reads them all below).
      if (ctx.cursor(STREAM.contacts) !== null) await ensureContacts(s, ctx.signal);
      const pages = await changesTogether(ctx, s, since);
      // Order matters: people name the direct chats, chats must exist before their messages.
      if (wants(STREAM.contacts)) yield* syncContacts(ctx, s, pages.get(STREAM.contacts));
      if (wants(STREAM.spaces)) yield* syncSpaces(ctx, s, pages.get(STREAM.spaces));
      if (wants(STREAM.chats)) yield* syncChats(ctx, s, pages.get(STREAM.chats));
      if (wants(STREAM.messages)) yield* syncMessages(ctx, s, options, pages.get(STREAM.messages));
      if (wants(STREAM.readPositions))
        yield* syncReadPositions(ctx, s, pages.get(STREAM.readPositions));
    });
  }

  async *live(ctx: ConnectorContext): AsyncGenerator<SyncBatch> {
    const s = await this.session(ctx);
    // Our own stop: the push connection ends with this generator, also when a
    // catch-up fails and the engine calls live() again.
    const stop = new AbortController();
    const onAbort = () => stop.abort();
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    const queue = new Channel<PushSignal | { kind: 'typingExpired' }>();
    const typing = new TypingTracker(this.options.typingTimeoutMs ?? 10_000);
    let timer: NodeJS.Timeout | null = null;
    const arm = () => {
      if (timer) clearTimeout(timer);
      timer = null;
      const next = typing.nextExpiry();
      if (next !== null)
        timer = setTimeout(() => queue.push({ kind: 'typingExpired' }), next - Date.now());
    };
    void (async () => {
      for await (const signal of pushSignals(s.client.session, s.authorization, {
        types: PUSH_TYPES,
        signal: stop.signal,
        pollIntervalMs: this.options.pollIntervalMs ?? 60_000,
        fetch: this.options.fetch,
        log: (line) => ctx.log(line),
        events: EPHEMERAL_EVENTS,
        webSocketFrames: s.chatWebSocket
          ? [{ '@type': 'ChatStreamEnable', dataTypes: ['typing', 'presence'], chatIds: null }]
          : [],
        // A message sent between the last catch-up and the channel listening
        // sends no StateChange (a server need not send its states as a
        // channel opens): one catch-up as it opens, on every reconnect too.
        catchUpOnOpen: true,
      }))
        queue.push(signal);
      queue.close();
    })().catch((err: unknown) => queue.fail(err as Error));
    try {
      for await (const item of queue.drain()) {
        if (ctx.signal.aborted) return;
        if (item.kind === 'typingExpired') {
          const lists = typing.expire(Date.now());
          arm();
          if (lists.length) yield { typing: lists };
          continue;
        }
        if (item.kind === 'event') {
          const batch = ephemeralBatch(s, typing, item.name, item.data, Date.now(), (line) =>
            ctx.log(line),
          );
          arm();
          if (batch) yield batch;
          continue;
        }
        // Every state signal still waiting joins this one: a catch-up that
        // starts now covers what they announced (they came before it asks),
        // so signals piled up while an earlier catch-up ran make one round,
        // not one each. Typing and presence events keep their turn.
        const signals = [item, ...queue.takeWaiting(isStateSignal)];
        const moved = typesToCatchUp(signals, s.accountId, (type) => ctx.cursor(type));
        if (moved?.size === 0) continue;
        yield* this.syncTypes(ctx, moved);
      }
    } finally {
      if (timer) clearTimeout(timer);
      stop.abort();
      ctx.signal.removeEventListener('abort', onAbort);
    }
  }

  /** Each chat's history below its initial window, page by page (see backfillMessages). */
  backfill(ctx: ConnectorContext): AsyncGenerator<SyncBatch> {
    return this.sessions.guardStream(ctx, (s) => backfillMessages(ctx, s, this.options_));
  }

  perform(
    ctx: ConnectorContext,
    op: OutboxOp,
    idempotencyKey: string,
    attempt?: WriteAttempt,
  ): Promise<WriteResult> {
    return this.guard(ctx, async (s) => {
      // A send or an edit finds its @mentions among the contacts.
      await ensureContacts(s, ctx.signal);
      return dispatch(this.protocol, jmapChatOperations, s, op, idempotencyKey, ctx, attempt);
    });
  }

  /** Account-level actions: chats, spaces, invites, bans, emoji, blocking, presence, typing. */
  act(ctx: ConnectorContext, action: ChatAction): Promise<Record<string, unknown>> {
    return this.guard(ctx, (s) => act(s, action, ctx.signal));
  }

  /**
   * Joins a Space by invite code or id (the API's spaces.join); the Space and
   * its channels arrive by sync. Returns the Space's id.
   */
  async joinSpace(
    ctx: ConnectorContext,
    target: { inviteCode?: string; spaceRemoteId?: string },
  ): Promise<{ spaceRemoteId: string }> {
    const r = await this.act(ctx, {
      action: 'joinSpace',
      ...(target.inviteCode ? { inviteCode: target.inviteCode } : {}),
      ...(target.spaceRemoteId ? { spaceId: target.spaceRemoteId } : {}),
    });
    return { spaceRemoteId: String(r.id) };
  }

  /** What the server holds now of a type (SpaceInvite, SpaceBan, CustomEmoji, PresenceStatus…). */
  list(ctx: ConnectorContext, type: string): Promise<Record<string, unknown>[]> {
    return this.guard(ctx, (s) => list(s, type, ctx.signal));
  }

  /** RFC 9425 quotas for the account settings. */
  quotas(ctx: ConnectorContext): Promise<Record<string, unknown>[]> {
    return this.guard(ctx, (s) => quotas(s, ctx.signal));
  }

  fetchAttachment(ctx: ConnectorContext, attachment: AttachmentRef): Promise<FetchedAttachment> {
    return this.guard(ctx, (s) => fetchJmapAttachment(s, attachment, ctx.signal));
  }

  /** A thumbnail made by the server (Blob/convert); the original when the server cannot convert. */
  fetchThumbnail(
    ctx: ConnectorContext,
    attachment: AttachmentRef,
    size: { width: number; height: number },
  ): Promise<FetchedAttachment> {
    return this.guard(ctx, async (s) => {
      const thumb = attachment.mime.startsWith('image/')
        ? await thumbnail(s, attachment.remoteId, size.width, size.height, ctx.signal).catch(
            () => null,
          )
        : null;
      if (!thumb) return this.fetchAttachment(ctx, attachment);
      const r = await s.client.download(s.accountId, thumb.blobId, {
        name: `thumb-${attachment.name}`,
        type: thumb.type,
        signal: ctx.signal,
      });
      return { mime: thumb.type, size: r.size, stream: r.stream };
    });
  }

  async setTyping(ctx: ConnectorContext, chatRemoteId: string, typing: boolean): Promise<void> {
    await this.act(ctx, { action: 'typing', chatId: chatRemoteId, typing });
  }

  async setPresence(
    ctx: ConnectorContext,
    presence: 'online' | 'unavailable' | 'offline',
    statusMsg?: string | null,
  ): Promise<void> {
    await this.act(ctx, {
      action: 'setPresence',
      presence: presence === 'unavailable' ? 'away' : presence,
      ...(statusMsg !== undefined ? { statusText: statusMsg } : {}),
    });
  }
}
