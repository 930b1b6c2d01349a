// Matrix wire → Parley model. Pure functions over parsed wire types (wire.ts):
// rooms become chats (spaces become spaces), member state becomes people and
// chat members, timeline events become messages, edits, deletions, reactions
// and system messages. A field of the wrong type degrades to a fallback; it
// never throws.
import type {
  MessageKind,
  RemoteAttachment,
  RemotePresence,
  RemoteReceipt,
  RemoteChat,
  RemoteEdit,
  RemoteMessage,
  RemotePerson,
  RemoteSpace,
  SyncBatch,
} from '../../model/types.js';
import type { BasicEvent, InvitedRoom, JoinedRoom, RoomEvent, StrippedState } from './wire.js';
import { evaluatePush, type PushContext, type PushRuleSet } from './pushRules.js';

/** What we remember about a room between syncs (kept as the cursor `room:<id>`). */
export interface RoomInfo {
  name: string | null;
  alias: string | null;
  topic: string | null;
  avatar: string | null;
  isSpace: boolean;
  encrypted: boolean;
  heroes: string[];
  joined: number;
  invited: number;
  /** Display names of the heroes (and whoever else we needed a name for). */
  names: Record<string, string>;
  /** The space this room belongs to. */
  parent: string | null;
  /** Child rooms, when this room is a space. */
  children: string[];
  /** Our own membership. */
  membership: 'join' | 'invite' | 'leave';
  /** While invited: who invited us, and whether they meant a direct chat (m.direct on accept). */
  inviter?: string | null;
  directInvite?: boolean;
  /** From m.room.power_levels: what the push rule sender_notification_permission needs. */
  power?: PowerLevels;
}

export interface PowerLevels {
  users: Record<string, number>;
  usersDefault: number;
  notifications: Record<string, number>;
}

export const emptyRoomInfo = (): RoomInfo => ({
  name: null,
  alias: null,
  topic: null,
  avatar: null,
  isSpace: false,
  encrypted: false,
  heroes: [],
  joined: 0,
  invited: 0,
  names: {},
  parent: null,
  children: [],
  membership: 'join',
});

export interface ReactionRef {
  roomId: string;
  target: string;
  sender: string;
  key: string;
}

export interface MappingContext {
  selfId: string;
  selfName: string | null;
  /** The account's push rules (m.push_rules); null until a sync brought them. */
  pushRules?: PushRuleSet | null;
  /** roomId → the other user, from m.direct. */
  direct: Map<string, string>;
  /** Reaction event id → what it reacted to (so a redaction can remove it). */
  reactions: Map<string, ReactionRef>;
}

// ---- small readers that never throw ----

type Json = Record<string, unknown>;
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const obj = (v: unknown): Json | null =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : null;

export const localpart = (userId: string): string =>
  userId.replace(/^@/, '').split(':')[0] ?? userId;

// ---- room display name (spec: "Calculating the display name for a room") ----

export function roomDisplayName(info: RoomInfo, selfId: string, directWith?: string): string {
  if (info.name?.trim()) return info.name.trim();
  if (info.alias) return info.alias;
  let heroes = info.heroes.filter((h) => h !== selfId);
  if (heroes.length === 0 && directWith) heroes = [directWith];
  const names = heroes.map((h) => info.names[h] ?? localpart(h));
  const others = info.joined + info.invited - 1;
  const list = joinNames(names);
  if (others <= 0) return names.length ? `Empty Room (was ${list})` : 'Empty Room';
  if (names.length === 0) return 'Empty Room';
  const rest = others - names.length;
  return rest > 0 ? `${names.join(', ')} and ${rest} other${rest === 1 ? '' : 's'}` : list;
}

function joinNames(names: string[]): string {
  if (names.length <= 1) return names[0] ?? '';
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

// ---- state → room info ----

const MAX_NAMES = 300;

/** Applies one state event to the room info; true when something shown changed. */
export function applyState(
  info: RoomInfo,
  type: string,
  stateKey: string,
  content: Json,
  roomNames: Map<string, string>,
): boolean {
  const before = JSON.stringify(info);
  switch (type) {
    case 'm.room.name':
      info.name = str(content.name);
      break;
    case 'm.room.canonical_alias':
      info.alias = str(content.alias);
      break;
    case 'm.room.topic':
      info.topic = str(content.topic);
      break;
    case 'm.room.avatar':
      info.avatar = str(content.url);
      break;
    case 'm.room.create':
      info.isSpace = content.type === 'm.space';
      break;
    case 'm.room.encryption':
      info.encrypted = true;
      break;
    case 'm.room.power_levels':
      info.power = powerLevelsOf(content);
      break;
    case 'm.space.parent':
      if (Array.isArray(content.via) && content.via.length > 0) info.parent = stateKey;
      else if (info.parent === stateKey) info.parent = null;
      break;
    case 'm.space.child': {
      const set = new Set(info.children);
      if (Array.isArray(content.via) && content.via.length > 0) set.add(stateKey);
      else set.delete(stateKey);
      info.children = [...set];
      break;
    }
    case 'm.room.member': {
      const name = str(content.displayname);
      if (name) roomNames.set(stateKey, name);
      // Names are remembered (bounded) for system messages and hero names:
      // with lazy-loaded members the server sends each member event once.
      if (name) {
        delete info.names[stateKey];
        info.names[stateKey] = name;
        const keys = Object.keys(info.names);
        for (const k of keys.slice(0, Math.max(0, keys.length - MAX_NAMES)))
          if (!info.heroes.includes(k)) delete info.names[k];
      }
      return JSON.stringify(info) !== before;
    }
    default:
      return false;
  }
  return JSON.stringify(info) !== before;
}

function numbers(v: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, n] of Object.entries(obj(v) ?? {})) if (num(n) !== null) out[k] = n as number;
  return out;
}

function powerLevelsOf(content: Json): PowerLevels {
  return {
    users: numbers(content.users),
    usersDefault: num(content.users_default) ?? 0,
    notifications: numbers(content.notifications),
  };
}

// ---- messages ----

const MSGTYPES: Record<string, MessageKind> = {
  'm.text': 'text',
  'm.notice': 'notice',
  'm.emote': 'emote',
  'm.image': 'image',
  'm.file': 'file',
  'm.audio': 'audio',
  'm.video': 'video',
  'm.location': 'location',
};

interface MessageContent {
  kind: MessageKind;
  body: string;
  html: string | null;
  attachments: RemoteAttachment[];
}

export function messageContent(content: Json, sticker = false): MessageContent {
  const msgtype = str(content.msgtype);
  const kind: MessageKind = sticker ? 'image' : (msgtype && MSGTYPES[msgtype]) || 'text';
  const body = str(content.body) ?? '';
  const html = content.format === 'org.matrix.custom.html' ? str(content.formatted_body) : null;
  const attachments: RemoteAttachment[] = [];
  const url = str(content.url) ?? str(obj(content.file)?.url);
  if (url && (kind === 'image' || kind === 'file' || kind === 'audio' || kind === 'video')) {
    const info = obj(content.info) ?? {};
    attachments.push({
      remoteId: url,
      name: str(content.filename) ?? (body || 'attachment'),
      mime: str(info.mimetype) ?? 'application/octet-stream',
      size: num(info.size),
      width: num(info.w),
      height: num(info.h),
    });
  }
  return { kind, body, html, attachments };
}

/** Drops the "> <@ann> quoted text" fallback some clients put before a reply. */
export function stripReplyFallback(body: string): string {
  if (!body.startsWith('> ')) return body;
  const lines = body.split('\n');
  let i = 0;
  while (i < lines.length && lines[i]!.startsWith('>')) i++;
  if (i < lines.length && lines[i] === '') return lines.slice(i + 1).join('\n');
  return body;
}

function mentions(
  content: Json,
  body: string,
  ctx: MappingContext,
): { self: boolean; ids: string[] } {
  const m = obj(content['m.mentions']);
  if (m) {
    const ids = Array.isArray(m.user_ids)
      ? m.user_ids.filter((x): x is string => typeof x === 'string')
      : [];
    return { self: ids.includes(ctx.selfId) || m.room === true, ids };
  }
  const lower = body.toLowerCase();
  const byId = lower.includes(ctx.selfId.toLowerCase());
  const name = ctx.selfName?.trim().toLowerCase();
  const byName =
    !!name &&
    name.length > 1 &&
    new RegExp(`(^|[^\\p{L}\\p{N}])${escapeRe(name)}($|[^\\p{L}\\p{N}])`, 'u').test(lower);
  return { self: byId || byName, ids: [] };
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

// ---- system messages ----

type NameOf = (userId: string) => string;

export function describeState(e: RoomEvent, nameOf: NameOf): string | null {
  const c = e.content;
  const who = nameOf(e.sender);
  switch (e.type) {
    case 'm.room.create':
      return c.type === 'm.space' ? `${who} created the space` : `${who} created the room`;
    case 'm.room.name':
      return str(c.name)
        ? `${who} changed the room name to ${str(c.name)}`
        : `${who} removed the room name`;
    case 'm.room.topic':
      return str(c.topic)
        ? `${who} changed the topic to ${str(c.topic)}`
        : `${who} removed the topic`;
    case 'm.room.avatar':
      return str(c.url) ? `${who} changed the room avatar` : `${who} removed the room avatar`;
    case 'm.room.canonical_alias':
      return str(c.alias)
        ? `${who} set the main address to ${str(c.alias)}`
        : `${who} removed the main address`;
    case 'm.room.encryption':
      return `${who} turned on end-to-end encryption`;
    case 'm.room.tombstone':
      return `${who} upgraded this room`;
    case 'm.room.member':
      return describeMember(e, nameOf);
    default:
      return null;
  }
}

function describeMember(e: RoomEvent, nameOf: NameOf): string | null {
  const c = e.content;
  const prev = e.unsigned?.prev_content ?? {};
  const target = e.state_key ?? '';
  const membership = str(c.membership);
  const was = str(prev.membership);
  const targetName = str(c.displayname) ?? str(prev.displayname) ?? nameOf(target);
  const actor = nameOf(e.sender);
  const reason = str(c.reason) ? `: ${str(c.reason)}` : '';
  switch (membership) {
    case 'join':
      if (was === 'join') {
        const oldName = str(prev.displayname);
        const newName = str(c.displayname);
        if (oldName !== newName) {
          if (!newName) return `${oldName} removed their display name`;
          if (!oldName) return `${localpart(target)} set their display name to ${newName}`;
          return `${oldName} changed their name to ${newName}`;
        }
        if (str(prev.avatar_url) !== str(c.avatar_url)) return `${targetName} changed their avatar`;
        return null;
      }
      return `${targetName} joined`;
    case 'invite':
      return `${actor} invited ${targetName}`;
    case 'leave':
      if (e.sender === target)
        return was === 'invite' ? `${targetName} declined the invitation` : `${targetName} left`;
      if (was === 'ban') return `${actor} unbanned ${targetName}`;
      if (was === 'invite') return `${actor} withdrew ${targetName}'s invitation`;
      return `${actor} removed ${targetName}${reason}`;
    case 'ban':
      return `${actor} banned ${targetName}${reason}`;
    case 'knock':
      return `${targetName} asked to join`;
    default:
      return null;
  }
}

// ---- one room's events → batch parts ----

export interface RoomEventsResult {
  messages: RemoteMessage[];
  edits: NonNullable<SyncBatch['edits']>;
  deletions: NonNullable<SyncBatch['deletions']>;
  reactionsAdded: NonNullable<SyncBatch['reactionsAdded']>;
  reactionsRemoved: NonNullable<SyncBatch['reactionsRemoved']>;
  hasCreate: boolean;
}

const MESSAGE_TYPES = new Set(['m.room.message', 'm.sticker', 'm.room.encrypted']);

/** Maps timeline (or /messages) events of one room, in chronological order. */
export function mapRoomEvents(
  roomId: string,
  events: RoomEvent[],
  ctx: MappingContext,
  nameOf: NameOf,
  room?: RoomInfo | null,
): RoomEventsResult {
  const edits = new Set<string>();
  const out: RoomEventsResult = {
    messages: [],
    edits: [],
    deletions: [],
    reactionsAdded: [],
    reactionsRemoved: [],
    hasCreate: false,
  };
  for (const e of events) {
    if (e.type === 'm.room.create' && e.state_key === '') out.hasCreate = true;
    const redacted = e.unsigned?.redacted_because !== undefined;
    if (e.type === 'm.room.redaction') {
      const target = e.redacts ?? str(e.content.redacts);
      if (!target) continue;
      const reaction = ctx.reactions.get(target);
      if (reaction) {
        out.reactionsRemoved.push({
          messageRemoteId: reaction.target,
          senderRemoteId: reaction.sender,
          key: reaction.key,
          remoteId: target,
        });
        ctx.reactions.delete(target);
      }
      out.deletions.push({ messageRemoteId: target });
      continue;
    }
    if (e.type === 'm.reaction') {
      const rel = obj(e.content['m.relates_to']);
      const target = str(rel?.event_id);
      const key = str(rel?.key);
      if (redacted || rel?.rel_type !== 'm.annotation' || !target || !key) continue;
      ctx.reactions.set(e.event_id, { roomId, target, sender: e.sender, key });
      out.reactionsAdded.push({
        messageRemoteId: target,
        senderRemoteId: e.sender,
        key,
        ts: e.origin_server_ts,
        remoteId: e.event_id,
      });
      continue;
    }
    if (e.state_key !== undefined) {
      if (redacted) continue;
      const body = describeState(e, nameOf);
      if (body)
        out.messages.push({
          remoteId: e.event_id,
          chatRemoteId: roomId,
          senderRemoteId: e.sender,
          ts: e.origin_server_ts,
          kind: 'system',
          body,
          // Never equal to a message event type: no edit applies to a state event.
          editScope: `state:${e.type}`,
          notify: false,
        });
      continue;
    }
    if (!MESSAGE_TYPES.has(e.type)) continue;
    const rel = obj(e.content['m.relates_to']);
    if (rel?.rel_type === 'm.replace' && str(rel.event_id)) {
      // A replacement is never a message of its own, even when redacted; and
      // an edit of an edit is ignored (spec: the original must not be one).
      edits.add(e.event_id);
      const edit = redacted || edits.has(str(rel.event_id)!) ? null : editOf(e);
      if (edit) out.edits.push({ ...edit, messageRemoteId: str(rel.event_id)! });
      continue;
    }
    out.messages.push(mapMessage(roomId, e, ctx, room));
    // The server bundles the latest edit with the original (history, backfill).
    const bundled = obj(e.unsigned?.['m.relations']?.['m.replace']);
    if (bundled && !redacted) {
      const r = bundledEvent(bundled);
      const edit = r && editOf(r);
      if (edit) out.edits.push({ ...edit, messageRemoteId: e.event_id });
    }
  }
  return out;
}

/**
 * Spec (event replacements): a replacement applies only when its sender and
 * event type are the original's. The store checks both against the original
 * (which may arrive later), through `senderRemoteId` and the scope, which is
 * the event type; every message carries its type as `editScope`.
 */
function editOf(e: RoomEvent): RemoteEdit | null {
  const n = obj(e.content['m.new_content']);
  if (!n || e.state_key !== undefined) return null;
  const c = messageContent(n);
  return {
    messageRemoteId: '',
    body: c.body,
    html: c.html,
    editedTs: e.origin_server_ts,
    senderRemoteId: e.sender,
    scope: e.type,
    remoteId: e.event_id || null,
  };
}

function pushContext(roomId: string, room: RoomInfo, ctx: MappingContext): PushContext {
  const power = room.power;
  return {
    selfId: ctx.selfId,
    selfDisplayName: room.names[ctx.selfId] ?? ctx.selfName,
    roomId,
    memberCount: room.joined,
    powerOf: (u) => power?.users[u] ?? power?.usersDefault ?? 0,
    // Spec default: @room needs power 50.
    notificationLevel: (key) => power?.notifications[key] ?? 50,
  };
}

function bundledEvent(v: Json): RoomEvent | null {
  const content = obj(v.content);
  const ts = num(v.origin_server_ts);
  if (!content || ts === null) return null;
  return {
    type: str(v.type) ?? 'm.room.message',
    event_id: str(v.event_id) ?? '',
    sender: str(v.sender) ?? '',
    origin_server_ts: ts,
    content,
  };
}

export function mapMessage(
  roomId: string,
  e: RoomEvent,
  ctx: MappingContext,
  room?: RoomInfo | null,
): RemoteMessage {
  const base = {
    remoteId: e.event_id,
    chatRemoteId: roomId,
    senderRemoteId: e.sender,
    ts: e.origin_server_ts,
    idempotencyKey: e.unsigned?.transaction_id ?? null,
    editScope: e.type,
  };
  if (e.unsigned?.redacted_because !== undefined)
    return { ...base, kind: 'text', body: '', deleted: true };
  if (e.type === 'm.room.encrypted')
    return { ...base, kind: 'encrypted', body: 'Encrypted message', raw: e };
  const c = messageContent(e.content, e.type === 'm.sticker');
  const rel = obj(e.content['m.relates_to']);
  const replyTo = str(obj(rel?.['m.in_reply_to'])?.event_id);
  const thread = rel?.rel_type === 'm.thread' ? str(rel.event_id) : null;
  const fallingBack = rel?.is_falling_back === true;
  const body = replyTo && !thread ? stripReplyFallback(c.body) : c.body;
  const m = mentions(e.content, body, ctx);
  const fromOther = e.sender !== ctx.selfId;
  // The account's push rules decide, when we have them; else mentions alone highlight.
  const push =
    ctx.pushRules && room
      ? evaluatePush(ctx.pushRules, { ...e, room_id: roomId }, pushContext(roomId, room, ctx))
      : null;
  return {
    ...base,
    kind: c.kind,
    body,
    html: c.html,
    replyToRemoteId: replyTo && !(thread && fallingBack) ? replyTo : null,
    threadRootRemoteId: thread,
    mentionsSelf: fromOther && (push ? push.highlight : m.self),
    notify: push ? fromOther && push.notify : null,
    mentionRemoteIds: m.ids,
    attachments: c.attachments,
    raw: e,
  };
}

// ---- people ----

export function personFromMember(userId: string, content: Json, selfId: string): RemotePerson {
  return {
    remoteId: userId,
    displayName: str(content.displayname) ?? localpart(userId),
    avatarUrl: str(content.avatar_url),
    isSelf: userId === selfId || undefined,
  };
}

// ---- chats ----

export function chatOf(
  roomId: string,
  info: RoomInfo,
  ctx: MappingContext,
  room?: JoinedRoom,
): RemoteChat {
  const directWith = ctx.direct.get(roomId);
  const counts = room?.unread_notifications;
  return {
    remoteId: roomId,
    kind: directWith ? 'direct' : 'group',
    name: roomDisplayName(info, ctx.selfId, directWith),
    topic: info.topic,
    avatarUrl: info.avatar,
    spaceRemoteId: info.parent,
    encrypted: info.encrypted,
    unreadCount: counts?.notification_count ?? undefined,
    mentionCount: counts?.highlight_count ?? undefined,
  };
}

export function spaceOf(roomId: string, info: RoomInfo, ctx: MappingContext): RemoteSpace {
  return {
    remoteId: roomId,
    name: roomDisplayName(info, ctx.selfId),
    kind: 'space',
    parentRemoteId: info.parent,
  };
}

/** An invited room, from its stripped state. */
export function inviteOf(
  roomId: string,
  room: InvitedRoom,
  ctx: MappingContext,
): {
  chat: RemoteChat | null;
  space: RemoteSpace | null;
  people: RemotePerson[];
  inviter: string | null;
} {
  const info = emptyRoomInfo();
  const names = new Map<string, string>();
  const people: RemotePerson[] = [];
  let inviter: string | null = null;
  let isDirect = false;
  for (const s of (room.invite_state?.events ?? []) as StrippedState[]) {
    applyState(info, s.type, s.state_key, s.content, names);
    if (s.type === 'm.room.member') {
      people.push(personFromMember(s.state_key, s.content, ctx.selfId));
      if (s.state_key === ctx.selfId && s.content.membership === 'invite') {
        inviter = s.sender;
        isDirect = s.content.is_direct === true;
      }
    }
  }
  if (inviter) {
    info.heroes = [inviter];
    info.names[inviter] = names.get(inviter) ?? localpart(inviter);
    info.joined = 2;
  }
  if (info.isSpace) return { chat: null, space: spaceOf(roomId, info, ctx), people, inviter };
  const chat: RemoteChat = {
    remoteId: roomId,
    kind: isDirect ? 'direct' : 'group',
    name: roomDisplayName(info, ctx.selfId),
    topic: info.topic,
    avatarUrl: info.avatar,
    spaceRemoteId: null,
    encrypted: info.encrypted,
    inviterRemoteId: inviter,
    raw: { inviter, isDirect },
  };
  return { chat, space: null, people, inviter };
}

/** m.direct account data → roomId → user. */
export function directMap(content: Json): Map<string, string> {
  const map = new Map<string, string>();
  for (const [user, rooms] of Object.entries(content))
    if (Array.isArray(rooms)) for (const r of rooms) if (typeof r === 'string') map.set(r, user);
  return map;
}

/** Our own receipts and the fully-read marker → the newest event we have read. */
export function ownReadPosition(
  roomId: string,
  ephemeral: BasicEvent[],
  accountData: BasicEvent[],
  selfId: string,
): string | null {
  let latest: { id: string; ts: number } | null = null;
  for (const ev of ephemeral) {
    if (ev.type !== 'm.receipt') continue;
    for (const [eventId, receipts] of Object.entries(ev.content)) {
      for (const kind of ['m.read', 'm.read.private']) {
        const mine = obj(obj(obj(receipts)?.[kind])?.[selfId]);
        if (!mine) continue;
        const ts = num(mine.ts) ?? 0;
        if (!latest || ts >= latest.ts) latest = { id: eventId, ts };
      }
    }
  }
  if (latest) return latest.id;
  for (const ev of accountData) if (ev.type === 'm.fully_read') return str(ev.content.event_id);
  return null;
}

// ---- ephemeral: typing, others' receipts, presence ----

/** m.typing → who types now (without us); null when the sync said nothing about typing. */
export function typingOf(ephemeral: BasicEvent[], selfId: string): string[] | null {
  let users: string[] | null = null;
  for (const ev of ephemeral) {
    if (ev.type !== 'm.typing') continue;
    const ids = Array.isArray(ev.content.user_ids) ? ev.content.user_ids : [];
    users = ids.filter((u): u is string => typeof u === 'string' && u !== selfId);
  }
  return users;
}

/**
 * Public read receipts (m.read) of other people, unthreaded or on the main
 * timeline: the newest per person. Private receipts (m.read.private) are only
 * ever our own, which ownReadPosition handles.
 */
export function receiptsOf(
  roomId: string,
  ephemeral: BasicEvent[],
  selfId: string,
): RemoteReceipt[] {
  const latest = new Map<string, RemoteReceipt>();
  for (const ev of ephemeral) {
    if (ev.type !== 'm.receipt') continue;
    for (const [eventId, receipts] of Object.entries(ev.content)) {
      const read = obj(obj(receipts)?.['m.read']);
      if (!read) continue;
      for (const [userId, r] of Object.entries(read)) {
        if (userId === selfId) continue;
        const thread = str(obj(r)?.thread_id);
        if (thread && thread !== 'main') continue;
        const ts = num(obj(r)?.ts) ?? 0;
        const prev = latest.get(userId);
        if (!prev || ts >= prev.ts)
          latest.set(userId, {
            chatRemoteId: roomId,
            personRemoteId: userId,
            messageRemoteId: eventId,
            ts,
          });
      }
    }
  }
  return [...latest.values()];
}

const PRESENCE = new Set(['online', 'unavailable', 'offline']);

/** m.presence events (top-level in /sync) → presence, without our own. */
export function presenceOf(
  events: { type: string; sender: string; content: Json }[],
  selfId: string,
): RemotePresence[] {
  const out = new Map<string, RemotePresence>();
  for (const ev of events) {
    if (ev.type !== 'm.presence' || ev.sender === selfId) continue;
    const presence = str(ev.content.presence);
    if (!presence || !PRESENCE.has(presence)) continue;
    const active = ev.content.currently_active;
    out.set(ev.sender, {
      personRemoteId: ev.sender,
      presence: presence as RemotePresence['presence'],
      statusMsg: str(ev.content.status_msg),
      lastActiveAgoMs: num(ev.content.last_active_ago),
      currentlyActive: typeof active === 'boolean' ? active : null,
    });
  }
  return [...out.values()];
}
