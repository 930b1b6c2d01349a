// Chat, Message, ReadPosition, ChatContact and PresenceStatus: the rules the
// draft (draft-atwood-jmap-chat-00) states for each /set, its /query filters
// and sorts, and Chat/typing.
import { createHash } from 'node:crypto';
import {
  applyPatch,
  changedProps,
  isObj,
  isUtcDate,
  MethodError,
  SetErr,
  type MethodCtx,
  type QuerySpec,
  type SetSpec,
} from './framework.js';
import {
  ulid,
  utc,
  utcMs,
  type ChatMember,
  type ChatRec,
  type MessageRec,
  type Obj,
  type Store,
} from './store.js';
import { chatView, messageView, viewsOf } from './views.js';

export interface ChatRules {
  supportedBodyTypes: string[];
  supportsThreads: boolean;
  /** At most `max` messages per account within `windowMs`; more are rateLimited. */
  messageRate: { max: number; windowMs: number };
  /** Chat/typing calls per account and chat are accepted once per this interval. */
  typingIntervalMs: number;
  /** Hooks into the push layer. */
  typing(chat: ChatRec, senderId: string, typing: boolean): void;
  presence(userId: string): void;
  messageCreated(m: MessageRec): void;
}

const byteLength = (s: string) => Buffer.byteLength(s, 'utf8');
const cmpStr = (a: unknown, b: unknown) => {
  const x = (a as string | null) ?? '';
  const y = (b as string | null) ?? '';
  return x < y ? -1 : x > y ? 1 : 0;
};
/** Nulls sort after every value whatever the direction is, as the draft asks for chats without messages. */
const nullsLast = (prop: string) => (a: Obj, b: Obj) => cmpStr(a[prop], b[prop]);

function only(changes: Obj, allowed: string[]): void {
  const bad = Object.keys(changes).filter((k) => !allowed.includes(k));
  if (bad.length)
    throw new SetErr('invalidProperties', `cannot change ${bad.join(', ')}`, { properties: bad });
}

function bool(v: unknown, prop: string): boolean {
  if (typeof v !== 'boolean')
    throw new SetErr('invalidProperties', `${prop} must be a boolean`, { properties: [prop] });
  return v;
}

function strOrNull(v: unknown, prop: string): string | null {
  if (v !== null && typeof v !== 'string')
    throw new SetErr('invalidProperties', `${prop} must be a string or null`, {
      properties: [prop],
    });
  return v;
}

function dateOrNull(v: unknown, prop: string): string | null {
  if (v !== null && !isUtcDate(v))
    throw new SetErr('invalidProperties', `${prop} must be a UTCDate or null`, {
      properties: [prop],
    });
  return v;
}

// ---------------------------------------------------------------- Chat

export function chatSet(ctx: MethodCtx, _rules: ChatRules): SetSpec {
  const { store, user } = ctx;
  const me = user.id;
  const visible = (id: string): ChatRec => {
    const c = store.chats.get(id);
    if (!c || !store.chatVisible(c, me)) throw new SetErr('notFound');
    return c;
  };
  return {
    commitTypes: ['Chat', 'Message', 'ReadPosition', 'Space'],
    create(o) {
      const kind = o.kind;
      const now = utc();
      const base = (k: ChatRec['kind'], members: ChatMember[]): ChatRec => ({
        id: ulid(),
        kind: k,
        members,
        name: null,
        description: null,
        avatarBlobId: null,
        spaceId: null,
        categoryId: null,
        position: 0,
        topic: null,
        slowModeSeconds: 0,
        permissionOverrides: [],
        createdAt: now,
        lastMessageAt: null,
        pinnedMessageIds: [],
        messageExpirySeconds: null,
        perUser: new Map(),
      });
      if (kind === 'direct') {
        const contactId = o.contactId;
        if (typeof contactId !== 'string' || !store.users.has(contactId) || contactId === me)
          throw new SetErr('invalidProperties', 'contactId must name another user', {
            properties: ['contactId'],
          });
        for (const c of store.chats.values())
          if (
            c.kind === 'direct' &&
            c.members.some((m) => m.id === me) &&
            c.members.some((m) => m.id === contactId)
          ) {
            store.perUser(c, me).hidden = false;
            return { existingId: c.id };
          }
        const chat = base('direct', [
          { id: me, role: 'member', joinedAt: now },
          { id: contactId, role: 'member', joinedAt: now },
        ]);
        store.chats.set(chat.id, chat);
        return { id: chat.id };
      }
      if (kind === 'group') {
        if (typeof o.name !== 'string' || !o.name.trim())
          throw new SetErr('invalidProperties', 'a group needs a name', { properties: ['name'] });
        const ids = o.memberIds ?? [];
        if (!Array.isArray(ids) || ids.some((i) => typeof i !== 'string' || !store.users.has(i)))
          throw new SetErr('invalidProperties', 'memberIds must name users', {
            properties: ['memberIds'],
          });
        const unique = [...new Set([me, ...(ids as string[])])];
        if (unique.length > store.limits.maxGroupMembers)
          throw new SetErr('overQuota', `at most ${store.limits.maxGroupMembers} members`);
        const chat = base(
          'group',
          unique.map((id) => ({
            id,
            role: id === me ? 'admin' : 'member',
            joinedAt: now,
            ...(id === me ? {} : { invitedBy: me }),
          })),
        );
        chat.name = o.name;
        chat.description = strOrNull(o.description ?? null, 'description');
        chat.avatarBlobId = strOrNull(o.avatarBlobId ?? null, 'avatarBlobId');
        if (o.messageExpirySeconds !== undefined)
          chat.messageExpirySeconds = o.messageExpirySeconds as number | null;
        store.chats.set(chat.id, chat);
        return { id: chat.id };
      }
      if (kind === 'channel')
        throw new SetErr('forbidden', 'channels are created with Space/set addChannels');
      throw new SetErr('invalidProperties', 'kind must be direct or group', {
        properties: ['kind'],
      });
    },
    update(id, patch) {
      const chat = visible(id);
      const semantic: Obj = {};
      const plain: Obj = {};
      for (const [k, v] of Object.entries(patch))
        (['addMembers', 'removeMembers', 'updateMemberRoles'].includes(k) ? semantic : plain)[k] =
          v;
      const before = chatView(store, id, me)!;
      const changes = changedProps(before, applyPatch(before, plain));
      const admin = chat.members.find((m) => m.id === me)?.role === 'admin';
      const pu = store.perUser(chat, me);
      for (const [k, v] of Object.entries(changes)) {
        switch (k) {
          case 'muted':
            pu.muted = bool(v, k);
            break;
          case 'muteUntil':
            pu.muteUntil = dateOrNull(v, k);
            break;
          case 'receiveTypingIndicators':
            if (chat.kind === 'channel')
              throw new SetErr('invalidProperties', '', { properties: [k] });
            pu.receiveTypingIndicators = bool(v, k);
            break;
          case 'receiptSharing':
            pu.receiptSharing = v === null ? null : bool(v, k);
            break;
          case 'messageExpirySeconds':
            chat.messageExpirySeconds = v as number | null;
            break;
          case 'pinnedMessageIds': {
            if (!Array.isArray(v) || v.some((m) => store.messages.get(m)?.chatId !== chat.id))
              throw new SetErr(
                'invalidProperties',
                'pinnedMessageIds must be messages of this chat',
                {
                  properties: [k],
                },
              );
            if (chat.kind === 'channel') {
              const space = store.spaces.get(chat.spaceId ?? '');
              if (!space || !store.can(space, me, 'pin', chat)) throw new SetErr('forbidden');
            }
            chat.pinnedMessageIds = v as string[];
            break;
          }
          case 'name':
          case 'description':
          case 'avatarBlobId':
            if (chat.kind !== 'group') throw new SetErr('forbidden', `${k} of a ${chat.kind} chat`);
            if (!admin) throw new SetErr('forbidden', 'only admins change the group');
            if (k === 'name' && (typeof v !== 'string' || !v.trim()))
              throw new SetErr('invalidProperties', 'name', { properties: [k] });
            chat[k] = strOrNull(v, k);
            break;
          default:
            only({ [k]: v }, []);
        }
      }
      if (Object.keys(semantic).length) {
        if (chat.kind !== 'group')
          throw new SetErr('forbidden', 'membership changes apply to group chats');
        const now = utc();
        const add = (semantic.addMembers ?? []) as unknown[];
        const remove = (semantic.removeMembers ?? []) as unknown[];
        const roles = (semantic.updateMemberRoles ?? []) as unknown[];
        const selfLeave = remove.length === 1 && remove[0] === me && !add.length && !roles.length;
        if (!admin && !selfLeave) throw new SetErr('forbidden', 'only admins change membership');
        const members = chat.members.map((m) => ({ ...m }));
        for (const a of add) {
          const id = isObj(a) ? a.id : a;
          if (typeof id !== 'string' || !store.users.has(id))
            throw new SetErr('invalidProperties', 'addMembers', { properties: ['addMembers'] });
          if (members.some((m) => m.id === id)) continue;
          const role = isObj(a) && a.role === 'admin' ? 'admin' : 'member';
          members.push({ id, role, joinedAt: now, invitedBy: me });
        }
        for (const r of roles) {
          if (!isObj(r) || (r.role !== 'admin' && r.role !== 'member'))
            throw new SetErr('invalidProperties', 'updateMemberRoles', {
              properties: ['updateMemberRoles'],
            });
          const m = members.find((x) => x.id === r.id);
          if (!m)
            throw new SetErr('invalidProperties', 'not a member', {
              properties: ['updateMemberRoles'],
            });
          m.role = r.role;
        }
        const kept = members.filter((m) => !remove.includes(m.id));
        if (kept.length && !kept.some((m) => m.role === 'admin'))
          throw new SetErr('invalidProperties', 'the last admin cannot be removed', {
            properties: ['removeMembers'],
          });
        if (kept.length > store.limits.maxGroupMembers) throw new SetErr('overQuota');
        chat.members = kept;
      }
    },
    destroy(id) {
      const chat = visible(id);
      if (chat.kind === 'channel')
        throw new SetErr('forbidden', 'channels are removed with Space/set removeChannels');
      if (chat.kind === 'group') {
        const rest = chat.members.filter((m) => m.id !== me);
        if (rest.length && !rest.some((m) => m.role === 'admin')) rest[0]!.role = 'admin';
        chat.members = rest;
      } else store.perUser(chat, me).hidden = true;
    },
  };
}

export const chatQuery: QuerySpec = {
  match(v, f) {
    for (const [k, want] of Object.entries(f)) {
      if (k === 'kind' || k === 'muted' || k === 'spaceId') {
        if (v[k] !== want) return false;
      } else throw new MethodError('unsupportedFilter', `Chat filter ${k}`);
    }
    return true;
  },
  sorts: {
    lastMessageAt: nullsLast('lastMessageAt'),
    createdAt: (a, b) => cmpStr(a.createdAt, b.createdAt),
    name: (a, b) => cmpStr(a.name, b.name),
  },
  defaultSort: () => [{ property: 'lastMessageAt', isAscending: false }],
};

/** Chat/typing (draft: Chat/typing): ephemeral, rate-limited, silently dropped when too frequent. */
export function chatTyping(
  ctx: MethodCtx,
  rules: ChatRules,
  lastTyping: Map<string, number>,
  args: Obj,
): Obj {
  const chat = typeof args.chatId === 'string' ? ctx.store.chats.get(args.chatId) : undefined;
  if (!chat || !ctx.store.isParticipant(chat, ctx.user.id))
    throw new MethodError('notFound', 'no such chat');
  if (typeof args.typing !== 'boolean')
    throw new MethodError('invalidArguments', 'typing must be a boolean');
  const key = `${ctx.user.id}\n${chat.id}`;
  const now = Date.now();
  const last = lastTyping.get(key) ?? -Infinity;
  // A "stopped typing" is never held back; a repeated "typing" within the interval is dropped.
  if (!args.typing || now - last >= rules.typingIntervalMs) {
    if (args.typing) lastTyping.set(key, now);
    else lastTyping.delete(key);
    rules.typing(chat, ctx.user.id, args.typing);
  }
  return { accountId: ctx.user.id };
}

// ---------------------------------------------------------------- Message

export function messageSet(ctx: MethodCtx, rules: ChatRules): SetSpec {
  const { store, user } = ctx;
  const me = user.id;
  const visible = (id: string): MessageRec => {
    const m = store.messages.get(id);
    if (!m || !store.messageVisible(m, me)) throw new SetErr('notFound');
    return m;
  };
  const checkMentions = (mentions: unknown, body: string) => {
    if (mentions === undefined || mentions === null) return [];
    if (!Array.isArray(mentions))
      throw new SetErr('invalidProperties', 'mentions', { properties: ['mentions'] });
    const len = byteLength(body);
    return mentions.map((x) => {
      if (
        !isObj(x) ||
        typeof x.id !== 'string' ||
        !Number.isInteger(x.offset) ||
        !Number.isInteger(x.length) ||
        (x.offset as number) < 0 ||
        (x.length as number) < 0 ||
        (x.offset as number) + (x.length as number) > len
      )
        throw new SetErr('invalidProperties', 'a mention lies outside the body', {
          properties: ['mentions'],
        });
      return { id: x.id, offset: x.offset as number, length: x.length as number };
    });
  };
  const checkBody = (body: unknown, bodyType: unknown) => {
    if (typeof body !== 'string')
      throw new SetErr('invalidProperties', 'body must be a string', { properties: ['body'] });
    if (typeof bodyType !== 'string' || !rules.supportedBodyTypes.includes(bodyType))
      throw new SetErr('invalidProperties', 'unsupported bodyType', { properties: ['bodyType'] });
    if (byteLength(body) > store.limits.maxBodyBytes)
      throw new SetErr('invalidArguments', `body is over ${store.limits.maxBodyBytes} bytes`, {
        properties: ['body'],
      });
  };
  return {
    commitTypes: ['Message', 'Chat', 'Quota'],
    create(o) {
      const chat = typeof o.chatId === 'string' ? store.chats.get(o.chatId) : undefined;
      if (!chat || !store.isParticipant(chat, me))
        throw new SetErr('invalidProperties', 'no such chat', { properties: ['chatId'] });
      const space = chat.kind === 'channel' ? store.spaces.get(chat.spaceId ?? '') : undefined;
      if (space && !store.can(space, me, 'send', chat))
        throw new SetErr('forbidden', 'no send permission in this channel');
      checkBody(o.body, o.bodyType);
      if (!isUtcDate(o.sentAt))
        throw new SetErr('invalidProperties', 'sentAt must be a UTCDate', {
          properties: ['sentAt'],
        });
      const body = o.body as string;
      // Floods and slow mode (draft: slowModeSeconds; serverRetryAfter as the crates send it).
      const now = Date.now();
      const times = (store.sendTimes.get(me) ?? []).filter(
        (t) => t > now - rules.messageRate.windowMs,
      );
      if (times.length >= rules.messageRate.max) {
        const retry = times[0]! + rules.messageRate.windowMs;
        throw new SetErr('rateLimited', 'too many messages', {
          serverRetryAfter: new Date(retry).toISOString(),
        });
      }
      if (chat.slowModeSeconds > 0 && !(space && store.can(space, me, 'manage_channels'))) {
        const mine = (store.messagesByChat.get(chat.id) ?? []).filter((m) => m.senderId === me);
        const last = mine[mine.length - 1];
        if (last && Date.parse(last.receivedAt) + chat.slowModeSeconds * 1000 > now)
          throw new SetErr('rateLimited', `slow mode is active (${chat.slowModeSeconds}s)`, {
            serverRetryAfter: new Date(
              Date.parse(last.receivedAt) + chat.slowModeSeconds * 1000,
            ).toISOString(),
          });
      }
      let sent = 0;
      for (const m of store.messages.values()) if (m.senderId === me) sent++;
      if (sent >= store.limits.messageQuota) throw new SetErr('overQuota', 'message quota reached');
      const mentions = checkMentions(o.mentions, body);
      const broadcastMentions = (o.broadcastMentions ?? []) as Obj[];
      if (!Array.isArray(broadcastMentions))
        throw new SetErr('invalidProperties', '', { properties: ['broadcastMentions'] });
      if (broadcastMentions.length) {
        for (const b of broadcastMentions)
          if (!['everyone', 'here', 'admins'].includes(b.scope as string))
            throw new SetErr('invalidArguments', 'unknown broadcast scope', {
              properties: ['broadcastMentions'],
            });
        if (!space || !store.can(space, me, 'mention_broadcast', chat))
          throw new SetErr('forbidden', 'no mention_broadcast permission');
      }
      const rawAtt = o.attachments ?? [];
      if (!Array.isArray(rawAtt))
        throw new SetErr('invalidProperties', '', { properties: ['attachments'] });
      if (rawAtt.length > store.limits.maxAttachmentsPerMessage)
        throw new SetErr('invalidProperties', 'too many attachments', {
          properties: ['attachments'],
        });
      const attachments = rawAtt.map((a) => {
        const blob =
          isObj(a) && typeof a.blobId === 'string' ? store.blobs.get(a.blobId) : undefined;
        if (!isObj(a) || !blob || !store.blobReadable(blob, me))
          throw new SetErr('invalidProperties', 'unknown blobId', { properties: ['attachments'] });
        const filename = a.filename;
        if (typeof filename !== 'string' || !filename || /[/\\\0]/.test(filename))
          throw new SetErr('invalidProperties', 'bad filename', { properties: ['attachments'] });
        if (blob.data.length > store.limits.maxAttachmentBytes)
          throw new SetErr('tooLarge', 'attachment too large', { properties: ['attachments'] });
        if (a.sha256 !== undefined && a.sha256 !== blob.sha256)
          throw new SetErr('invalidProperties', 'sha256 does not match the blob', {
            properties: ['attachments'],
          });
        return {
          blobId: blob.id,
          filename,
          contentType: typeof a.contentType === 'string' ? a.contentType : blob.type,
          size: blob.data.length,
          sha256: blob.sha256,
        };
      });
      let replyTo: string | null = null;
      let threadRootId: string | null = null;
      if (o.replyTo !== undefined && o.replyTo !== null) {
        const parent = store.messages.get(String(o.replyTo));
        if (!parent || parent.chatId !== chat.id || !store.messageVisible(parent, me))
          throw new SetErr('invalidProperties', 'replyTo must be a message of the same chat', {
            properties: ['replyTo'],
          });
        replyTo = parent.id;
        if (rules.supportsThreads) threadRootId = parent.threadRootId ?? parent.id;
      }
      if (o.threadRootId !== undefined && o.threadRootId !== null) {
        const root = store.messages.get(String(o.threadRootId));
        if (!rules.supportsThreads || !root || root.chatId !== chat.id || root.threadRootId)
          throw new SetErr('invalidProperties', 'threadRootId must be a root of this chat', {
            properties: ['threadRootId'],
          });
        threadRootId = root.id;
      }
      const receivedAt = utcMs(now);
      const m: MessageRec = {
        id: ulid(now),
        chatId: chat.id,
        senderId: me,
        body,
        bodyType: o.bodyType as string,
        attachments,
        mentions,
        broadcastMentions,
        actions: Array.isArray(o.actions) ? (o.actions as Obj[]) : [],
        reactions: {},
        replyTo,
        threadRootId,
        sentAt: o.sentAt as string,
        receivedAt,
        editedAt: null,
        editHistory: [],
        deletedAt: null,
        deletedForAll: false,
        senderExpiresAt: isUtcDate(o.senderExpiresAt) ? o.senderExpiresAt : null,
        burnOnRead: o.burnOnRead === true,
        deletedFor: new Map(),
        hiddenFor: new Set(
          store.participants(chat).filter((u) => u !== me && store.blocked(u, me)),
        ),
        readBy: new Map(),
      };
      store.addMessage(m);
      times.push(now);
      store.sendTimes.set(me, times);
      chat.lastMessageAt = receivedAt;
      for (const u of store.participants(chat))
        if (!m.hiddenFor.has(u)) store.perUser(chat, u).hidden = false;
      user.lastActiveAt = utc(now);
      user.lastSeenAt = utc(now);
      rules.messageCreated(m);
      return { id: m.id };
    },
    update(id, patch) {
      const m = visible(id);
      const before = messageView(store, m, me)!;
      const changes = changedProps(before, applyPatch(before, patch));
      only(changes, [
        'body',
        'bodyType',
        'mentions',
        'broadcastMentions',
        'reactions',
        'deletedAt',
        'deletedForAll',
        'readAt',
        'readDisposition',
      ]);
      const edit = ['body', 'bodyType', 'mentions', 'broadcastMentions'].filter(
        (k) => k in changes,
      );
      if (edit.length) {
        if (m.senderId !== me) throw new SetErr('forbidden', 'only the author edits a message');
        if (m.deletedForAll || m.deletedFor.has(me))
          throw new SetErr('forbidden', 'a deleted message cannot be edited');
        const body = (changes.body ?? m.body) as string;
        const bodyType = (changes.bodyType ?? m.bodyType) as string;
        checkBody(body, bodyType);
        const mentions = checkMentions(changes.mentions ?? m.mentions, body);
        m.editHistory.push({ body: m.body, bodyType: m.bodyType, editedAt: utcMs() });
        m.body = body;
        m.bodyType = bodyType;
        m.mentions = mentions;
        if ('broadcastMentions' in changes)
          m.broadcastMentions = changes.broadcastMentions as Obj[];
        m.editedAt = utcMs();
      }
      if ('reactions' in changes) {
        const old = before.reactions as Record<string, Obj>;
        const next = changes.reactions;
        if (!isObj(next)) throw new SetErr('invalidProperties', '', { properties: ['reactions'] });
        for (const key of new Set([...Object.keys(old), ...Object.keys(next)])) {
          const was = old[key];
          const now = next[key];
          if (JSON.stringify(was) === JSON.stringify(now)) continue;
          if (was && was.senderId !== 'self')
            throw new SetErr('forbidden', 'only your own reactions can change');
          if (now === undefined || now === null) {
            delete m.reactions[key];
            continue;
          }
          if (!isObj(now) || typeof now.emoji !== 'string' || !now.emoji)
            throw new SetErr('invalidProperties', 'a reaction needs an emoji', {
              properties: [`reactions/${key}`],
            });
          if (now.customEmojiId !== undefined && !store.emoji.has(String(now.customEmojiId)))
            throw new SetErr('invalidProperties', 'unknown customEmojiId', {
              properties: [`reactions/${key}`],
            });
          m.reactions[key] = {
            emoji: now.emoji,
            ...(now.customEmojiId !== undefined
              ? { customEmojiId: String(now.customEmojiId) }
              : {}),
            senderId: me,
            sentAt: isUtcDate(now.sentAt) ? now.sentAt : utc(),
          };
        }
      }
      if ('deletedAt' in changes || 'deletedForAll' in changes) {
        const at = (changes.deletedAt ?? before.deletedAt) as unknown;
        if (!isUtcDate(at))
          throw new SetErr('invalidProperties', 'deletedAt must be a UTCDate (no undelete)', {
            properties: ['deletedAt'],
          });
        if (changes.deletedForAll === true) {
          if (m.senderId !== me) throw new SetErr('forbidden', 'only the author deletes for all');
          m.deletedForAll = true;
          m.deletedAt = at;
          m.reactions = {};
        } else if ('deletedForAll' in changes)
          throw new SetErr('invalidProperties', 'deletedForAll cannot be unset', {
            properties: ['deletedForAll'],
          });
        else m.deletedFor.set(me, at);
      }
      if ('readAt' in changes || 'readDisposition' in changes) {
        const at = changes.readAt ?? before.readAt;
        if (!isUtcDate(at))
          throw new SetErr('invalidProperties', 'readAt', { properties: ['readAt'] });
        m.readBy.set(me, {
          readAt: at,
          readDisposition: (changes.readDisposition as string | undefined) ?? 'displayed',
        });
        if (m.burnOnRead && m.senderId !== me) m.hiddenFor.add(me);
      }
      if (edit.length) user.lastActiveAt = utc();
    },
    destroy(id) {
      // The draft leaves Message/set destroy open: here it removes the message
      // from this account's mailbox only.
      visible(id).hiddenFor.add(me);
    },
  };
}

export function messageQuery(ctx: MethodCtx, rules: ChatRules): QuerySpec {
  const me = ctx.user.id;
  return {
    check(filter) {
      const f = filter ?? {};
      if (!('operator' in f) && typeof f.chatId !== 'string' && f.hasMention !== true)
        throw new MethodError(
          'unsupportedFilter',
          'Message/query needs chatId (or hasMention: true)',
        );
    },
    match(v, f) {
      for (const [k, want] of Object.entries(f)) {
        switch (k) {
          case 'chatId':
            if (v.chatId !== want) return false;
            break;
          case 'threadRootId':
            if (!rules.supportsThreads) throw new MethodError('unsupportedFilter', 'threads');
            if (v.threadRootId !== want && v.id !== want) return false;
            break;
          case 'hasAttachment':
            if ((v.attachments as unknown[]).length > 0 !== want) return false;
            break;
          case 'hasMention': {
            const has =
              (v.mentions as Obj[]).some((m) => m.id === me) ||
              (v.broadcastMentions as unknown[]).length > 0;
            if (has !== want) return false;
            break;
          }
          case 'text':
            if (!String(v.body).toLowerCase().includes(String(want).toLowerCase())) return false;
            break;
          case 'after':
            if (!(String(v.receivedAt) >= String(want))) return false;
            break;
          case 'before':
            if (!(String(v.receivedAt) < String(want))) return false;
            break;
          default:
            throw new MethodError('unsupportedFilter', `Message filter ${k}`);
        }
      }
      return true;
    },
    sorts: {
      receivedAt: (a, b) => cmpStr(a.id, b.id),
      sentAt: (a, b) => cmpStr(a.sentAt, b.sentAt),
    },
    defaultSort: (f) => [{ property: 'receivedAt', isAscending: typeof f?.chatId === 'string' }],
  };
}

// ---------------------------------------------------------------- ReadPosition

export function readPositionSet(ctx: MethodCtx): SetSpec {
  const { store } = ctx;
  const me = ctx.user.id;
  return {
    commitTypes: ['ReadPosition', 'Chat'],
    update(id, patch) {
      const chat = store.chats.get(id.replace(/^rp-/, ''));
      if (!id.startsWith('rp-') || !chat || !store.isParticipant(chat, me))
        throw new SetErr('notFound');
      const before = viewsOf(store, me, 'ReadPosition').get(id)!;
      const changes = changedProps(before, applyPatch(before, patch));
      only(changes, ['lastReadMessageId']);
      if (!('lastReadMessageId' in changes)) return;
      const mid = changes.lastReadMessageId;
      const m = typeof mid === 'string' ? store.messages.get(mid) : undefined;
      if (!m || m.chatId !== chat.id || !store.messageVisible(m, me))
        throw new SetErr('invalidProperties', 'lastReadMessageId must be a message of the chat', {
          properties: ['lastReadMessageId'],
        });
      const pu = store.perUser(chat, me);
      pu.lastReadMessageId = m.id;
      pu.lastReadAt = utc();
    },
  };
}

// ---------------------------------------------------------------- ChatContact

export function contactSet(ctx: MethodCtx): SetSpec {
  const { store } = ctx;
  const me = ctx.user.id;
  return {
    commitTypes: ['ChatContact', 'Message', 'Chat'],
    update(id, patch) {
      const before = viewsOf(store, me, 'ChatContact').get(id);
      if (!before) throw new SetErr('notFound');
      const changes = changedProps(before, applyPatch(before, patch));
      only(changes, ['blocked', 'displayName']);
      const prefs = store.prefs(me, id);
      if ('blocked' in changes) prefs.blocked = bool(changes.blocked, 'blocked');
      if ('displayName' in changes) {
        const name = strOrNull(changes.displayName, 'displayName');
        const u = store.users.get(id)!;
        prefs.displayName = name === u.displayName ? null : name;
      }
    },
  };
}

export const contactQuery: QuerySpec = {
  match(v, f) {
    for (const [k, want] of Object.entries(f)) {
      if (k === 'blocked' || k === 'presence') {
        if (v[k] !== want) return false;
      } else throw new MethodError('unsupportedFilter', `ChatContact filter ${k}`);
    }
    return true;
  },
  sorts: {
    lastSeenAt: nullsLast('lastSeenAt'),
    login: (a, b) => cmpStr(a.login, b.login),
    lastActiveAt: nullsLast('lastActiveAt'),
  },
  defaultSort: () => [{ property: 'login', isAscending: true }],
};

// ---------------------------------------------------------------- PresenceStatus

const PRESENCE = ['online', 'away', 'busy', 'invisible', 'offline'];

export function presenceSet(ctx: MethodCtx, rules: ChatRules): SetSpec {
  const { store } = ctx;
  const me = ctx.user.id;
  return {
    commitTypes: ['PresenceStatus', 'ChatContact'],
    update(id, patch) {
      const p = store.presence.get(me);
      if (id !== 'presence' || !p) throw new SetErr('notFound');
      const before = { id, ...p };
      const changes = changedProps(before, applyPatch(before, patch));
      only(changes, ['presence', 'statusText', 'statusEmoji', 'expiresAt', 'receiptSharing']);
      if ('presence' in changes) {
        if (!PRESENCE.includes(changes.presence as string))
          throw new SetErr('invalidProperties', 'unknown presence', { properties: ['presence'] });
        p.presence = changes.presence as string;
      }
      if ('statusText' in changes) p.statusText = strOrNull(changes.statusText, 'statusText');
      if ('statusEmoji' in changes) p.statusEmoji = strOrNull(changes.statusEmoji, 'statusEmoji');
      if ('expiresAt' in changes) p.expiresAt = dateOrNull(changes.expiresAt, 'expiresAt');
      if ('receiptSharing' in changes)
        p.receiptSharing = bool(changes.receiptSharing, 'receiptSharing');
      p.updatedAt = utc();
      ctx.user.lastActiveAt = utc();
      rules.presence(me);
    },
  };
}

export function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The one ReadPosition/Message helper the push layer needs: a short plain-text snippet. */
export function snippet(store: Store, m: MessageRec, max: number): string {
  void store;
  const s = Buffer.from(m.body, 'utf8');
  if (s.length <= max) return m.body;
  return s
    .subarray(0, max)
    .toString('utf8')
    .replace(/\uFFFD$/, '');
}
