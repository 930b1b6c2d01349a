// Matrix rooms → chats and spaces: the room state we remember between syncs
// (RoomInfo, kept per room as connector state), the spec's room display name,
// invitations from stripped state, m.direct, and members as people.
import * as z from 'zod';
import type { RemoteChat, RemotePerson, RemoteSpace } from '../../../model/types.js';
import type { InvitedRoom, JoinedRoom, StrippedState } from '../wire.js';
import { localpart, num, obj, str, type Json, type MappingContext } from './common.js';

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
  /**
   * From m.room.create in room versions where creators outrank every power
   * level (v12, MSC4289): its sender and additional_creators. Absent in older
   * versions, where the creator is an ordinary user at their level.
   */
  creators?: string[];
}

export interface PowerLevels {
  users: Record<string, number>;
  usersDefault: number;
  notifications: Record<string, number>;
  /**
   * The levels to invite, kick, ban and send messages (the spec's defaults
   * where the event leaves them out). Absent in what older versions stored:
   * then unknown until the room's power levels change.
   */
  invite?: number;
  kick?: number;
  ban?: number;
  message?: number;
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

const stringMap = z.record(z.string(), z.string()).catch({});
const numberMap = z.record(z.string(), z.number()).catch({});

/**
 * RoomInfo as stored: a field an older version did not write, or one of the
 * wrong type, takes its empty value instead of failing the whole room.
 */
export const RoomInfoSchema: z.ZodType<RoomInfo> = z.object({
  name: z.string().nullable().catch(null),
  alias: z.string().nullable().catch(null),
  topic: z.string().nullable().catch(null),
  avatar: z.string().nullable().catch(null),
  isSpace: z.boolean().catch(false),
  encrypted: z.boolean().catch(false),
  heroes: z.array(z.string()).catch([]),
  joined: z.number().catch(0),
  invited: z.number().catch(0),
  names: stringMap,
  parent: z.string().nullable().catch(null),
  children: z.array(z.string()).catch([]),
  membership: z.enum(['join', 'invite', 'leave']).catch('join'),
  inviter: z.string().nullish().catch(null),
  directInvite: z.boolean().optional().catch(undefined),
  creators: z.array(z.string()).optional().catch(undefined),
  power: z
    .object({
      users: numberMap,
      usersDefault: z.number().catch(0),
      notifications: numberMap,
      invite: z.number().optional().catch(undefined),
      kick: z.number().optional().catch(undefined),
      ban: z.number().optional().catch(undefined),
      message: z.number().optional().catch(undefined),
    })
    .optional()
    .catch(undefined),
});

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
  sender?: string,
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
      if (sender && creatorsOutrankAll(content.room_version)) {
        const more = Array.isArray(content.additional_creators)
          ? content.additional_creators.filter((c): c is string => typeof c === 'string')
          : [];
        info.creators = [sender, ...more];
      }
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

/**
 * Room versions whose creators have infinite power (v12 and later, and the
 * hydra test versions that introduced it). Unknown versions count as older.
 */
function creatorsOutrankAll(version: unknown): boolean {
  if (typeof version !== 'string') return false;
  if (version.startsWith('org.matrix.hydra.')) return true;
  return /^\d+$/.test(version) && Number(version) >= 12;
}

/** m.room.power_levels, with the spec's defaults for what it leaves out. */
export function powerLevelsOf(content: Json): PowerLevels {
  const events = numbers(content.events);
  return {
    users: numbers(content.users),
    usersDefault: num(content.users_default) ?? 0,
    notifications: numbers(content.notifications),
    invite: num(content.invite) ?? 0,
    kick: num(content.kick) ?? 50,
    ban: num(content.ban) ?? 50,
    message: events['m.room.message'] ?? num(content.events_default) ?? 0,
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
