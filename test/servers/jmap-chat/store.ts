// The reference server's in-memory data: one relay holding every user's
// mailbox view. Objects are shared (a Chat, a Message exist once); what each
// account sees is computed by view functions (senderId "self", per-user mute,
// unreadCount, deletions for one account only). States come from per-account
// change logs that commit() keeps by diffing every account's views before and
// after a mutation, so /changes is exact for per-account properties too.
import { randomBytes } from 'node:crypto';

export type Obj = Record<string, unknown>;

export const TYPES = [
  'ChatContact',
  'Chat',
  'Message',
  'ReadPosition',
  'PresenceStatus',
  'Space',
  'SpaceInvite',
  'SpaceBan',
  'CustomEmoji',
  'Quota',
] as const;
export type DataType = (typeof TYPES)[number];

export const PERMISSIONS = [
  'view',
  'send',
  'pin',
  'manage_channels',
  'manage_members',
  'manage_roles',
  'manage_space',
  'ban',
  'mention_broadcast',
] as const;
const EVERYONE = ['view', 'send'];

// ---- ids and dates ----

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
let lastMs = 0;
let lastRandom: number[] = [];
/** A monotonic ULID: sortable by creation time, strictly increasing within a millisecond. */
export function ulid(now = Date.now()): string {
  if (now <= lastMs) {
    now = lastMs;
    for (let i = lastRandom.length - 1; i >= 0; i--) {
      if (lastRandom[i]! < 31) {
        lastRandom[i]!++;
        break;
      }
      lastRandom[i] = 0;
    }
  } else {
    lastMs = now;
    lastRandom = [...randomBytes(16)].map((b) => b % 32);
    lastRandom[0] = lastRandom[0]! % 16; // leave room to increment
  }
  let time = '';
  let t = now;
  for (let i = 0; i < 10; i++) {
    time = CROCKFORD[t % 32] + time;
    t = Math.floor(t / 32);
  }
  return time + lastRandom.map((d) => CROCKFORD[d]).join('');
}

export const utc = (ms = Date.now()): string => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
export const utcMs = (ms = Date.now()): string => new Date(ms).toISOString();

// ---- records ----

export interface User {
  id: string;
  login: string;
  password: string;
  token: string;
  displayName: string;
  firstSeenAt: string;
  lastSeenAt: string;
  lastActiveAt: string | null;
}

export interface PerUserChat {
  muted: boolean;
  muteUntil: string | null;
  receiveTypingIndicators: boolean;
  receiptSharing: boolean | null;
  hidden: boolean;
  lastReadMessageId: string | null;
  lastReadAt: string | null;
}

export interface ChatMember {
  id: string;
  role: 'admin' | 'member';
  joinedAt: string;
  invitedBy?: string;
}

export interface ChatRec {
  id: string;
  kind: 'direct' | 'group' | 'channel';
  members: ChatMember[]; // direct + group
  name: string | null;
  description: string | null;
  avatarBlobId: string | null;
  spaceId: string | null;
  categoryId: string | null;
  position: number;
  topic: string | null;
  slowModeSeconds: number;
  permissionOverrides: { targetId: string; targetType: string; allow: string[]; deny: string[] }[];
  createdAt: string;
  lastMessageAt: string | null;
  pinnedMessageIds: string[];
  messageExpirySeconds: number | null;
  perUser: Map<string, PerUserChat>;
}

export interface Reaction {
  emoji: string;
  customEmojiId?: string;
  senderId: string; // a user id
  sentAt: string;
}

export interface MessageRec {
  id: string;
  chatId: string;
  senderId: string; // a user id
  body: string;
  bodyType: string;
  attachments: Obj[];
  mentions: { id: string; offset: number; length: number }[];
  broadcastMentions: Obj[];
  actions: Obj[];
  reactions: Record<string, Reaction>;
  replyTo: string | null;
  threadRootId: string | null;
  sentAt: string;
  receivedAt: string;
  editedAt: string | null;
  editHistory: { body: string; bodyType: string; editedAt: string }[];
  deletedAt: string | null;
  deletedForAll: boolean;
  senderExpiresAt: string | null;
  burnOnRead: boolean;
  /** Per account: deleted for that account only (deletedAt), destroyed (hidden), read. */
  deletedFor: Map<string, string>;
  hiddenFor: Set<string>;
  readBy: Map<string, { readAt: string; readDisposition: string }>;
}

export interface SpaceRole {
  id: string;
  name: string;
  color: string | null;
  permissions: string[];
  position: number;
}
export interface SpaceMember {
  id: string;
  roleIds: string[];
  nick: string | null;
  joinedAt: string;
}
export interface Category {
  id: string;
  name: string;
  position: number;
}
export interface SpaceRec {
  id: string;
  name: string;
  description: string | null;
  iconBlobId: string | null;
  roles: SpaceRole[];
  members: SpaceMember[];
  categories: Category[];
  createdAt: string;
  createdBy: string;
  isPublic: boolean;
  isPubliclyPreviewable: boolean;
}

export interface InviteRec {
  id: string;
  code: string;
  spaceId: string;
  defaultChannelId: string | null;
  createdBy: string;
  expiresAt: string | null;
  maxUses: number | null;
  uses: number;
  createdAt: string;
}

export interface BanRec {
  id: string;
  spaceId: string;
  userId: string;
  bannedBy: string;
  reason: string | null;
  createdAt: string;
  expiresAt: string | null;
}

export interface EmojiRec {
  id: string;
  name: string;
  blobId: string;
  spaceId: string | null;
  createdBy: string;
  createdAt: string;
}

export interface PresenceRec {
  presence: string;
  statusText: string | null;
  statusEmoji: string | null;
  expiresAt: string | null;
  receiptSharing: boolean;
  updatedAt: string;
}

export interface ContactPrefs {
  blocked: boolean;
  displayName: string | null;
}

export interface BlobRec {
  id: string;
  data: Buffer;
  type: string;
  sha256: string;
  /** Accounts that uploaded (or created by conversion) this blob. */
  owners: Set<string>;
}

export interface PushSubscriptionRec {
  id: string;
  userId: string;
  deviceClientId: string;
  url: string;
  keys: Obj | null;
  verificationCode: string;
  verified: boolean;
  expires: string | null;
  types: string[] | null;
  chatPush: Obj | null;
}

// ---- change logs ----

interface LogEntry {
  seq: number;
  id: string;
  op: 'created' | 'updated' | 'destroyed';
}
class TypeLog {
  seq = 0;
  floor = 0;
  entries: LogEntry[] = [];
  /** The view each visible object had when last committed (JSON). */
  views = new Map<string, string>();
}

export class ChangesUnavailable extends Error {}

export interface Limits {
  maxGroupMembers: number;
  maxBodyBytes: number;
  maxAttachmentBytes: number;
  maxAttachmentsPerMessage: number;
  messageQuota: number;
  storageQuota: number;
}

export class Store {
  readonly epoch = randomBytes(3).toString('hex');
  readonly users = new Map<string, User>();
  readonly chats = new Map<string, ChatRec>();
  readonly messages = new Map<string, MessageRec>();
  readonly messagesByChat = new Map<string, MessageRec[]>();
  readonly spaces = new Map<string, SpaceRec>();
  readonly invites = new Map<string, InviteRec>();
  readonly bans = new Map<string, BanRec>();
  readonly emoji = new Map<string, EmojiRec>();
  readonly presence = new Map<string, PresenceRec>();
  readonly contactPrefs = new Map<string, ContactPrefs>(); // `${owner}\n${contact}`
  readonly blobs = new Map<string, BlobRec>();
  readonly pushSubscriptions = new Map<string, PushSubscriptionRec>();
  /** Messages a user sent, by time, for the flood limit. */
  readonly sendTimes = new Map<string, number[]>();
  private readonly logs = new Map<string, Map<DataType, TypeLog>>();
  /** Called after a commit with the accounts whose states changed, and the types. */
  onCommit: (changed: Map<string, Set<DataType>>) => void = () => undefined;

  constructor(readonly limits: Limits) {}

  // ---- users, contacts, presence ----

  addUser(login: string, password: string, displayName?: string): User {
    const now = utc();
    const user: User = {
      id: login,
      login,
      password,
      token: `tok-${login}-${randomBytes(6).toString('hex')}`,
      displayName: displayName ?? login,
      firstSeenAt: now,
      lastSeenAt: now,
      lastActiveAt: null,
    };
    this.users.set(user.id, user);
    this.presence.set(user.id, {
      presence: 'online',
      statusText: null,
      statusEmoji: null,
      expiresAt: null,
      receiptSharing: true,
      updatedAt: now,
    });
    this.commit();
    return user;
  }

  prefs(owner: string, contact: string): ContactPrefs {
    const key = `${owner}\n${contact}`;
    let p = this.contactPrefs.get(key);
    if (!p) {
      p = { blocked: false, displayName: null };
      this.contactPrefs.set(key, p);
    }
    return p;
  }

  blocked(owner: string, contact: string): boolean {
    return this.contactPrefs.get(`${owner}\n${contact}`)?.blocked ?? false;
  }

  // ---- chats ----

  perUser(chat: ChatRec, userId: string): PerUserChat {
    let p = chat.perUser.get(userId);
    if (!p) {
      p = {
        muted: false,
        muteUntil: null,
        receiveTypingIndicators: true,
        receiptSharing: null,
        hidden: false,
        lastReadMessageId: null,
        lastReadAt: null,
      };
      chat.perUser.set(userId, p);
    }
    return p;
  }

  /** Who takes part in a chat: its members, or the Space's members who may view a channel. */
  participants(chat: ChatRec): string[] {
    if (chat.kind !== 'channel') return chat.members.map((m) => m.id);
    const space = chat.spaceId ? this.spaces.get(chat.spaceId) : undefined;
    if (!space) return [];
    return space.members.map((m) => m.id).filter((u) => this.can(space, u, 'view', chat));
  }

  isParticipant(chat: ChatRec, userId: string): boolean {
    return this.participants(chat).includes(userId);
  }

  chatVisible(chat: ChatRec, userId: string): boolean {
    return this.isParticipant(chat, userId) && !(chat.perUser.get(userId)?.hidden ?? false);
  }

  // ---- spaces and permissions ----

  member(space: SpaceRec, userId: string): SpaceMember | undefined {
    return space.members.find((m) => m.id === userId);
  }

  permissions(space: SpaceRec, userId: string, channel?: ChatRec): Set<string> {
    const m = this.member(space, userId);
    if (!m) return new Set();
    const perms = new Set(EVERYONE);
    for (const roleId of m.roleIds)
      for (const p of space.roles.find((r) => r.id === roleId)?.permissions ?? []) perms.add(p);
    if (channel)
      for (const o of channel.permissionOverrides) {
        const applies =
          (o.targetType === 'member' && o.targetId === userId) ||
          (o.targetType === 'role' &&
            (m.roleIds.includes(o.targetId) || o.targetId === 'everyone'));
        if (!applies) continue;
        for (const p of o.allow) perms.add(p);
        for (const p of o.deny) perms.delete(p);
      }
    return perms;
  }

  can(space: SpaceRec, userId: string, permission: string, channel?: ChatRec): boolean {
    if (space.createdBy === userId && this.member(space, userId)) return true;
    return this.permissions(space, userId, channel).has(permission);
  }

  activeBan(spaceId: string, userId: string): BanRec | undefined {
    const now = Date.now();
    for (const b of this.bans.values())
      if (
        b.spaceId === spaceId &&
        b.userId === userId &&
        (!b.expiresAt || Date.parse(b.expiresAt) > now)
      )
        return b;
    return undefined;
  }

  // ---- messages ----

  addMessage(m: MessageRec): void {
    this.messages.set(m.id, m);
    let list = this.messagesByChat.get(m.chatId);
    if (!list) this.messagesByChat.set(m.chatId, (list = []));
    list.push(m);
  }

  messageVisible(m: MessageRec, userId: string): boolean {
    const chat = this.chats.get(m.chatId);
    return !!chat && this.isParticipant(chat, userId) && !m.hiddenFor.has(userId);
  }

  unreadCount(chat: ChatRec, userId: string): number {
    const upto = chat.perUser.get(userId)?.lastReadMessageId ?? '';
    let n = 0;
    for (const m of this.messagesByChat.get(chat.id) ?? [])
      if (
        m.id > upto &&
        m.senderId !== userId &&
        !m.hiddenFor.has(userId) &&
        !m.deletedForAll &&
        !m.deletedFor.has(userId)
      )
        n++;
    return n;
  }

  // ---- blobs ----

  blobReadable(blob: BlobRec, userId: string): boolean {
    if (blob.owners.has(userId)) return true;
    for (const m of this.messages.values())
      if (m.attachments.some((a) => a.blobId === blob.id) && this.messageVisible(m, userId))
        return true;
    for (const e of this.emoji.values())
      if (e.blobId === blob.id && (!e.spaceId || this.spaceMember(e.spaceId, userId))) return true;
    for (const s of this.spaces.values())
      if (s.iconBlobId === blob.id && (this.member(s, userId) || s.isPublic)) return true;
    for (const c of this.chats.values())
      if (c.avatarBlobId === blob.id && this.isParticipant(c, userId)) return true;
    return false;
  }

  spaceMember(spaceId: string, userId: string): boolean {
    const s = this.spaces.get(spaceId);
    return !!s && !!this.member(s, userId);
  }

  // ---- change logs and states ----

  private log(userId: string, type: DataType): TypeLog {
    let byType = this.logs.get(userId);
    if (!byType) this.logs.set(userId, (byType = new Map()));
    let log = byType.get(type);
    if (!log) byType.set(type, (log = new TypeLog()));
    return log;
  }

  state(userId: string, type: DataType): string {
    return `${this.epoch}-${this.log(userId, type).seq}`;
  }

  /** Parses a state we issued; null for a state from another epoch or garbage. */
  parseState(state: unknown): number | null {
    if (typeof state !== 'string') return null;
    const m = /^([0-9a-f]+)-(\d+)$/.exec(state);
    if (!m || m[1] !== this.epoch) return null;
    return Number(m[2]);
  }

  /**
   * Changes since a state, cut after maxChanges distinct ids (RFC 8620 §5.2).
   * Throws ChangesUnavailable when the state is unknown or older than the log keeps.
   */
  changesSince(
    userId: string,
    type: DataType,
    sinceState: unknown,
    maxChanges: number | null,
  ): {
    oldState: string;
    newState: string;
    hasMoreChanges: boolean;
    created: string[];
    updated: string[];
    destroyed: string[];
  } {
    const log = this.log(userId, type);
    const since = this.parseState(sinceState);
    if (since === null || since < log.floor || since > log.seq) throw new ChangesUnavailable();
    const first = new Map<string, LogEntry['op']>();
    const last = new Map<string, LogEntry['op']>();
    // Whole commits only (entries sharing a seq stay together), stopping
    // before the commit that would pass maxChanges, but always making progress.
    let upTo = log.seq;
    const pending = log.entries.filter((e) => e.seq > since);
    for (let i = 0; i < pending.length;) {
      const seq = pending[i]!.seq;
      let j = i;
      while (j < pending.length && pending[j]!.seq === seq) j++;
      const group = pending.slice(i, j);
      const fresh = new Set(group.map((e) => e.id).filter((id) => !first.has(id)));
      if (maxChanges && first.size > 0 && first.size + fresh.size > maxChanges) {
        upTo = seq - 1;
        break;
      }
      for (const e of group) {
        if (!first.has(e.id)) first.set(e.id, e.op);
        last.set(e.id, e.op);
      }
      i = j;
    }
    const created: string[] = [];
    const updated: string[] = [];
    const destroyed: string[] = [];
    for (const [id, op0] of first) {
      const op1 = last.get(id)!;
      if (op1 === 'destroyed') {
        if (op0 !== 'created') destroyed.push(id);
      } else if (op0 === 'created') created.push(id);
      else updated.push(id);
    }
    return {
      oldState: `${this.epoch}-${since}`,
      newState: `${this.epoch}-${upTo}`,
      hasMoreChanges: upTo < log.seq,
      created,
      updated,
      destroyed,
    };
  }

  /** Forgets every change so far: any older state then answers cannotCalculateChanges. */
  expireChanges(userId?: string): void {
    for (const [u, byType] of this.logs) {
      if (userId && u !== userId) continue;
      for (const log of byType.values()) {
        log.floor = log.seq;
        log.entries = [];
      }
    }
  }

  /** Ids changed since a state (for /queryChanges), or null when it cannot tell. */
  idsChangedSince(userId: string, type: DataType, sinceState: unknown): Set<string> | null {
    const log = this.log(userId, type);
    const since = this.parseState(sinceState);
    if (since === null || since < log.floor || since > log.seq) return null;
    return new Set(log.entries.filter((e) => e.seq > since).map((e) => e.id));
  }

  /** Objects an account can see of a type, with their views (set by the server). */
  viewsOf: (userId: string, type: DataType) => Map<string, Obj> = () => new Map();

  /**
   * Recomputes every account's views of the given types and logs what changed:
   * new ids as created, vanished as destroyed, different views as updated.
   */
  commit(types: readonly DataType[] = TYPES): void {
    const changed = new Map<string, Set<DataType>>();
    for (const userId of this.users.keys()) {
      for (const type of types) {
        const log = this.log(userId, type);
        const now = this.viewsOf(userId, type);
        const entries: LogEntry[] = [];
        const seq = log.seq + 1;
        for (const [id, view] of now) {
          const json = JSON.stringify(view);
          const before = log.views.get(id);
          if (before === undefined) entries.push({ seq, id, op: 'created' });
          else if (before !== json) entries.push({ seq, id, op: 'updated' });
          log.views.set(id, json);
        }
        for (const id of [...log.views.keys()])
          if (!now.has(id)) {
            entries.push({ seq, id, op: 'destroyed' });
            log.views.delete(id);
          }
        if (entries.length === 0) continue;
        log.seq = seq;
        log.entries.push(...entries);
        let set = changed.get(userId);
        if (!set) changed.set(userId, (set = new Set()));
        set.add(type);
      }
    }
    if (changed.size) this.onCommit(changed);
  }
}
