// The Matrix connector: password login, /sync (initial, catch-up, long-poll),
// gap filling and backfill through /messages, and outbox writes with the
// idempotency key as txnId. See docs/connectors.md (Matrix).
import type {
  AttachmentRef,
  Connector,
  ConnectorContext,
  Credentials,
  FetchedAttachment,
  LoginResult,
  WriteResult,
} from '../connector.js';
import { AuthError, PermanentError } from '../errors.js';
import type { SyncBatch } from '../../model/types.js';
import type { OutboxOp } from '../../store/outbox.js';
import { MATRIX_CAPABILITIES } from './capabilities.js';
import { enc, MatrixHttpError, MatrixTransport } from './transport.js';
import {
  eventIdSchema,
  joinedRoomsSchema,
  loginResponseSchema,
  messagesResponseSchema,
  parseWire,
  profileSchema,
  relationsSchema,
  sessionSchema,
  syncResponseSchema,
  whoamiSchema,
  type MatrixSession,
  type MessagesResponse,
  type RoomEvent,
  type SyncResponse,
} from './wire.js';
import { localpart, mapRoomEvents, type MappingContext, type ReactionRef } from './mapping.js';
import {
  backfillStream,
  compact,
  emptyBatch,
  loadRoomInfo,
  mapSync,
  PUSH_RULES_STREAM,
} from './syncMapper.js';
import { parsePushRules } from './pushRules.js';
import { createRoom, joinRoom, leaveRoom, memberAction, type RoomWriter } from './rooms.js';
import { attachmentContent, download, upload } from './media.js';
import { refuseIfEncrypted } from './encryption.js';
import { threadRelation } from './threads.js';
import { z } from 'zod';

export interface MatrixConnectorOptions {
  /** Events per room in the initial sync (and per incremental sync before it is "limited"). */
  timelineLimit?: number;
  /** How long a live /sync waits on the server. */
  longPollMs?: number;
  /** Events per /messages page. */
  pageSize?: number;
  /** Stop backfilling a room after this many events (default: to the room's start). */
  backfillDepth?: number;
  /** Pages fetched to fill one gap before leaving the rest to backfill. */
  maxGapPages?: number;
}

const C = '/_matrix/client/v3';

export function parseSession(secret: string): MatrixSession {
  let value: unknown;
  try {
    value = JSON.parse(secret);
  } catch {
    throw new AuthError('the stored Matrix session is unreadable');
  }
  const r = sessionSchema.safeParse(value);
  if (!r.success) throw new AuthError('the stored Matrix session is incomplete');
  return r.data;
}

interface AccountState {
  transport: MatrixTransport;
  session: MatrixSession;
  mapping: MappingContext;
  whoamiDone: boolean;
  /** Idempotency key → created room (createRoom has no txnId). */
  created: Map<string, string>;
  /** Idempotency key → uploaded mxc URI (a retried send does not upload twice). */
  uploads: Map<string, string>;
}

type Presence = 'online' | 'unavailable' | 'offline';
/**
 * The presence the user chose, per session (user + homeserver): /sync sends it
 * as set_presence, or every long-poll would set us back online. Shared by all
 * connector instances in the process (the API sets it, the sync loop uses it).
 */
const chosenPresence = new Map<string, Presence>();
const presenceKey = (s: MatrixSession) => `${s.homeserver}\n${s.userId}`;

export class MatrixConnector implements Connector {
  readonly protocol = 'matrix' as const;
  readonly capabilities = MATRIX_CAPABILITIES;
  private readonly opts: Required<MatrixConnectorOptions>;
  private readonly states = new Map<string, AccountState>();

  constructor(options: MatrixConnectorOptions = {}) {
    this.opts = {
      timelineLimit: options.timelineLimit ?? 20,
      longPollMs: options.longPollMs ?? 30_000,
      pageSize: options.pageSize ?? 100,
      backfillDepth: options.backfillDepth ?? Number.POSITIVE_INFINITY,
      maxGapPages: options.maxGapPages ?? 50,
    };
  }

  async login(credentials: Credentials, signal: AbortSignal): Promise<LoginResult> {
    const homeserver = credentials.server.replace(/\/+$/, '');
    const anon = new MatrixTransport(homeserver);
    const user = credentials.username.startsWith('@')
      ? credentials.username
      : localpart(`@${credentials.username}`);
    const res = await anon.json('POST', `${C}/login`, loginResponseSchema, {
      anonymous: true,
      signal,
      body: {
        type: 'm.login.password',
        identifier: { type: 'm.id.user', user },
        password: credentials.password,
        initial_device_display_name: 'Parley',
      },
    });
    const session: MatrixSession = {
      accessToken: res.access_token,
      deviceId: res.device_id,
      userId: res.user_id,
      homeserver,
    };
    const authed = new MatrixTransport(homeserver, res.access_token);
    const profile = await authed
      .json('GET', `${C}/profile/${enc(res.user_id)}`, profileSchema, { signal })
      .catch(() => null);
    return {
      secret: JSON.stringify(session),
      selfRemoteId: res.user_id,
      selfDisplayName: profile?.displayname ?? localpart(res.user_id),
    };
  }

  async logout(ctx: ConnectorContext): Promise<void> {
    const s = this.state(ctx);
    await s.transport.json('POST', `${C}/logout`, z.unknown(), { body: {}, signal: ctx.signal });
  }

  // ---- reading ----

  async *sync(ctx: ConnectorContext): AsyncIterable<SyncBatch> {
    const s = this.state(ctx);
    const first = await this.start(ctx, s);
    const since = ctx.cursor('sync');
    const res = await this.fetchSync(ctx, s, since, 0);
    const batch = mapSync(res, s.mapping, (k) => ctx.cursor(k));
    if (first) batch.people = [first, ...(batch.people ?? [])];
    yield batch;
  }

  async *live(ctx: ConnectorContext): AsyncIterable<SyncBatch> {
    const s = this.state(ctx);
    await this.start(ctx, s);
    while (!ctx.signal.aborted) {
      const res = await this.fetchSync(ctx, s, ctx.cursor('sync'), this.opts.longPollMs);
      if (ctx.signal.aborted) return;
      yield mapSync(res, s.mapping, (k) => ctx.cursor(k));
    }
  }

  async *backfill(ctx: ConnectorContext): AsyncIterable<SyncBatch> {
    const s = this.state(ctx);
    const { joined_rooms } = await s.transport.json('GET', `${C}/joined_rooms`, joinedRoomsSchema, {
      signal: ctx.signal,
    });
    for (const roomId of joined_rooms) {
      const stream = backfillStream(roomId);
      const cursor = ctx.cursor(stream);
      if (cursor === null || cursor === 'done') continue;
      let from: string = cursor;
      const info = loadRoomInfo((k) => ctx.cursor(k), roomId);
      if (!info || info.isSpace) {
        yield { cursors: { [stream]: 'done' } };
        continue;
      }
      let fetched = 0;
      while (!ctx.signal.aborted) {
        const res: MessagesResponse = await s.transport.json(
          'GET',
          `${C}/rooms/${enc(roomId)}/messages`,
          messagesResponseSchema,
          {
            signal: ctx.signal,
            query: {
              dir: 'b',
              from,
              limit: this.opts.pageSize,
              filter: JSON.stringify({ lazy_load_members: true }),
            },
          },
        );
        const names = memberNames(res.state ?? []);
        const chronological = [...res.chunk].reverse();
        const mapped = mapRoomEvents(
          roomId,
          chronological,
          s.mapping,
          (u) => names.get(u) ?? localpart(u),
          info,
        );
        for (const m of mapped.messages)
          if (m.senderRemoteId && names.has(m.senderRemoteId))
            m.senderName = names.get(m.senderRemoteId);
        fetched += res.chunk.length;
        const done =
          mapped.hasCreate ||
          !res.end ||
          res.chunk.length === 0 ||
          fetched >= this.opts.backfillDepth;
        // Relations whose message is on an older page wait in the store until it arrives.
        const batch = emptyBatch();
        batch.messages = mapped.messages;
        batch.edits = mapped.edits;
        batch.deletions = mapped.deletions;
        batch.reactionsAdded = mapped.reactionsAdded;
        batch.reactionsRemoved = mapped.reactionsRemoved;
        batch.cursors[stream] = done ? 'done' : res.end!;
        yield compact(batch);
        if (done) break;
        from = res.end!;
      }
    }
  }

  /** whoami once per session: a revoked token pauses the account before anything else. */
  private async start(ctx: ConnectorContext, s: AccountState) {
    if (s.whoamiDone) return null;
    const who = await s.transport.json('GET', `${C}/account/whoami`, whoamiSchema, {
      signal: ctx.signal,
    });
    if (who.user_id !== s.session.userId)
      throw new AuthError(`the stored session belongs to ${who.user_id}, not ${s.session.userId}`);
    const profile = await s.transport
      .json('GET', `${C}/profile/${enc(who.user_id)}`, profileSchema, { signal: ctx.signal })
      .catch(() => null);
    s.mapping.selfName = profile?.displayname ?? null;
    const rules = ctx.cursor(PUSH_RULES_STREAM);
    if (rules) {
      try {
        s.mapping.pushRules = parsePushRules({ global: JSON.parse(rules) as unknown });
      } catch {
        ctx.log('the stored push rules are unreadable; they are rebuilt on the next change');
      }
    }
    const direct = ctx.cursor('direct');
    if (direct) {
      try {
        s.mapping.direct = new Map(Object.entries(JSON.parse(direct) as Record<string, string>));
      } catch {
        ctx.log('the stored m.direct map is unreadable; it is rebuilt on the next change');
      }
    }
    s.whoamiDone = true;
    return {
      remoteId: who.user_id,
      displayName: profile?.displayname ?? localpart(who.user_id),
      avatarUrl: profile?.avatar_url ?? null,
      isSelf: true,
    };
  }

  private async fetchSync(
    ctx: ConnectorContext,
    s: AccountState,
    since: string | null,
    timeout: number,
  ): Promise<SyncResponse> {
    const filter = {
      room: {
        state: { lazy_load_members: true },
        timeline: { limit: this.opts.timelineLimit, lazy_load_members: true },
      },
    };
    const res = await s.transport.json('GET', `${C}/sync`, syncResponseSchema, {
      signal: ctx.signal,
      timeoutMs: timeout + 30_000,
      query: {
        filter: JSON.stringify(filter),
        since: since ?? undefined,
        timeout,
        set_presence: chosenPresence.get(presenceKey(s.session)) ?? 'online',
      },
    });
    if (since !== null) await this.fillGaps(ctx, s, res, since);
    return res;
  }

  /**
   * A limited timeline in a catch-up sync skipped events: fetch them with
   * /messages from prev_batch back to the previous sync token, before the
   * sync cursor moves past them.
   */
  private async fillGaps(
    ctx: ConnectorContext,
    s: AccountState,
    res: SyncResponse,
    since: string,
  ): Promise<void> {
    for (const [roomId, room] of Object.entries(res.rooms?.join ?? {})) {
      const t = room.timeline;
      if (!t?.limited || !t.prev_batch) continue;
      const missing: RoomEvent[] = [];
      const state: RoomEvent[] = [];
      let from: string | undefined = t.prev_batch;
      for (let page = 0; from && page < this.opts.maxGapPages; page++) {
        const r: MessagesResponse = await s.transport.json(
          'GET',
          `${C}/rooms/${enc(roomId)}/messages`,
          messagesResponseSchema,
          {
            signal: ctx.signal,
            query: {
              dir: 'b',
              from,
              to: since,
              limit: this.opts.pageSize,
              filter: JSON.stringify({ lazy_load_members: true }),
            },
          },
        );
        missing.push(...r.chunk);
        state.push(...(r.state ?? []));
        if (r.chunk.length === 0 || !r.end || r.end === from) break;
        from = r.end;
      }
      if (from && missing.length >= this.opts.maxGapPages * this.opts.pageSize)
        ctx.log(`room gap larger than ${missing.length} events; the rest comes with backfill`);
      t.events = [...missing.reverse(), ...(t.events ?? [])];
      room.state = {
        ...room.state,
        events: [...state.filter((e) => e.type === 'm.room.member'), ...(room.state?.events ?? [])],
      };
    }
  }

  // ---- writing ----

  async perform(ctx: ConnectorContext, op: OutboxOp, key: string): Promise<WriteResult> {
    const s = this.state(ctx);
    const room = enc(op.chatRemoteId ?? '');
    const put = (type: string, content: unknown) =>
      s.transport.json('PUT', `${C}/rooms/${room}/send/${enc(type)}/${enc(key)}`, eventIdSchema, {
        body: content,
        signal: ctx.signal,
      });
    const writesContent =
      op.op === 'send' ||
      op.op === 'edit' ||
      op.op === 'sendAttachment' ||
      (op.op === 'react' && !op.remove);
    if (writesContent)
      await refuseIfEncrypted(s.transport, (k) => ctx.cursor(k), op.chatRemoteId, ctx.signal);
    switch (op.op) {
      case 'send': {
        const content: Record<string, unknown> = { msgtype: 'm.text', body: op.body };
        if (op.threadRootRemoteId)
          content['m.relates_to'] = await threadRelation(
            s.transport,
            op.chatRemoteId,
            op.threadRootRemoteId,
            op.replyToRemoteId ?? null,
            ctx.signal,
          );
        else if (op.replyToRemoteId)
          content['m.relates_to'] = { 'm.in_reply_to': { event_id: op.replyToRemoteId } };
        return { remoteId: (await put('m.room.message', content)).event_id };
      }
      case 'edit': {
        const content = {
          msgtype: 'm.text',
          body: `* ${op.body}`,
          'm.new_content': { msgtype: 'm.text', body: op.body },
          'm.relates_to': { rel_type: 'm.replace', event_id: op.messageRemoteId },
        };
        return { remoteId: (await put('m.room.message', content)).event_id };
      }
      case 'react': {
        if (op.remove) {
          const reactionId = await this.findOwnReaction(
            ctx,
            s,
            op.chatRemoteId,
            op.messageRemoteId,
            op.key,
          );
          if (!reactionId) return {};
          await this.redact(ctx, s, op.chatRemoteId, reactionId, key);
          return {};
        }
        try {
          const { event_id } = await put('m.reaction', {
            'm.relates_to': { rel_type: 'm.annotation', event_id: op.messageRemoteId, key: op.key },
          });
          s.mapping.reactions.set(event_id, {
            roomId: op.chatRemoteId,
            target: op.messageRemoteId,
            sender: s.session.userId,
            key: op.key,
          });
          return { remoteId: event_id };
        } catch (err) {
          // Already reacted with that key: the state the user wants is there.
          if (err instanceof MatrixHttpError && err.errcode === 'M_DUPLICATE_ANNOTATION') return {};
          throw err;
        }
      }
      case 'delete':
        await this.redact(ctx, s, op.chatRemoteId, op.messageRemoteId, key);
        return {};
      case 'read':
        await s.transport.json('POST', `${C}/rooms/${room}/read_markers`, z.unknown(), {
          signal: ctx.signal,
          body: { 'm.fully_read': op.messageRemoteId, 'm.read': op.messageRemoteId },
        });
        return {};
      case 'sendAttachment': {
        let url = s.uploads.get(key);
        if (!url) {
          url = await upload(s.transport, op.attachment, ctx.signal);
          s.uploads.set(key, url);
        }
        const content = attachmentContent(op.attachment, url, op.body);
        if (op.replyToRemoteId)
          content['m.relates_to'] = { 'm.in_reply_to': { event_id: op.replyToRemoteId } };
        const { event_id } = await put('m.room.message', content);
        s.uploads.delete(key);
        return { remoteId: event_id };
      }
      case 'chatCreate':
        return createRoom(this.rooms(ctx, s), op, key);
      case 'chatJoin': {
        // Accepting an invitation meant as a direct chat: m.direct learns the room.
        const info = loadRoomInfo((k) => ctx.cursor(k), op.chatRemoteId);
        const directWith =
          info?.membership === 'invite' && info.directInvite ? (info.inviter ?? null) : null;
        return joinRoom(this.rooms(ctx, s), op.chatRemoteId, directWith);
      }
      case 'chatLeave':
        await leaveRoom(this.rooms(ctx, s), op.chatRemoteId, op.forget === true);
        return {};
      case 'chatMember':
        await memberAction(this.rooms(ctx, s), op);
        return {};
      case 'mailKeyword':
      case 'mailMove':
      case 'mailDelete':
      case 'mailSend':
      case 'mailSaveDraft':
        // Other protocols' writes never reach a Matrix account.
        throw new PermanentError(`the Matrix connector cannot perform ${op.op}`);
      default: {
        const never: never = op;
        throw new PermanentError(
          `the Matrix connector cannot perform ${(never as { op: string }).op}`,
        );
      }
    }
  }

  // ---- ephemeral writes and media ----

  async setTyping(ctx: ConnectorContext, roomId: string, typing: boolean): Promise<void> {
    const s = this.state(ctx);
    await s.transport.json(
      'PUT',
      `${C}/rooms/${enc(roomId)}/typing/${enc(s.session.userId)}`,
      z.unknown(),
      { signal: ctx.signal, body: typing ? { typing, timeout: 30_000 } : { typing } },
    );
  }

  async setPresence(
    ctx: ConnectorContext,
    presence: Presence,
    statusMsg?: string | null,
  ): Promise<void> {
    const s = this.state(ctx);
    await s.transport.json('PUT', `${C}/presence/${enc(s.session.userId)}/status`, z.unknown(), {
      signal: ctx.signal,
      body: statusMsg ? { presence, status_msg: statusMsg } : { presence },
    });
    chosenPresence.set(presenceKey(s.session), presence);
  }

  async fetchAttachment(ctx: ConnectorContext, a: AttachmentRef): Promise<FetchedAttachment> {
    return download(this.state(ctx).transport, a.remoteId, ctx.signal);
  }

  async fetchThumbnail(
    ctx: ConnectorContext,
    a: AttachmentRef,
    size: { width: number; height: number; method?: 'scale' | 'crop' },
  ): Promise<FetchedAttachment> {
    return download(this.state(ctx).transport, a.remoteId, ctx.signal, size);
  }

  private rooms(ctx: ConnectorContext, s: AccountState): RoomWriter {
    return {
      transport: s.transport,
      userId: s.session.userId,
      signal: ctx.signal,
      created: s.created,
    };
  }

  private async redact(
    ctx: ConnectorContext,
    s: AccountState,
    roomId: string,
    eventId: string,
    txn: string,
  ) {
    await s.transport.json(
      'PUT',
      `${C}/rooms/${enc(roomId)}/redact/${enc(eventId)}/${enc(txn)}`,
      eventIdSchema,
      {
        signal: ctx.signal,
        body: {},
      },
    );
  }

  /** Our reaction with `key` on a message: from memory, else asked of the server. */
  private async findOwnReaction(
    ctx: ConnectorContext,
    s: AccountState,
    roomId: string,
    target: string,
    key: string,
  ) {
    const mine = (r: ReactionRef) =>
      r.target === target && r.sender === s.session.userId && r.key === key;
    for (const [id, r] of s.mapping.reactions) if (mine(r)) return id;
    let from: string | undefined;
    for (let page = 0; page < 20; page++) {
      const res = await s.transport.json(
        'GET',
        `/_matrix/client/v1/rooms/${enc(roomId)}/relations/${enc(target)}/m.annotation/m.reaction`,
        relationsSchema,
        { signal: ctx.signal, query: { limit: 100, from } },
      );
      for (const e of res.chunk) {
        const rel = e.content['m.relates_to'] as { key?: unknown } | undefined;
        if (e.sender === s.session.userId && rel?.key === key) return e.event_id;
      }
      if (!res.next_batch) return null;
      from = res.next_batch;
    }
    return null;
  }

  private state(ctx: ConnectorContext): AccountState {
    let s = this.states.get(ctx.secret);
    if (!s) {
      const session = parseSession(ctx.secret);
      s = {
        session,
        transport: new MatrixTransport(session.homeserver, session.accessToken),
        mapping: {
          selfId: session.userId,
          selfName: null,
          direct: new Map(),
          reactions: new Map(),
        },
        whoamiDone: false,
        created: new Map(),
        uploads: new Map(),
      };
      this.states.set(ctx.secret, s);
    }
    return s;
  }
}

function memberNames(state: RoomEvent[]): Map<string, string> {
  const names = new Map<string, string>();
  for (const e of state)
    if (e.type === 'm.room.member' && e.state_key && typeof e.content.displayname === 'string')
      names.set(e.state_key, e.content.displayname);
  return names;
}

export { parseWire };
