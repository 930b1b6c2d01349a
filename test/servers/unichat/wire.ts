// The records as the API shows them: chat user, subscription, group, message.
import { isoTime, type Ctx } from './rpc.js';
import type { Group, Message, StoredFile, Subscription, User } from './store.js';

type Rec = Record<string, unknown>;

const fileUrl = (ctx: Ctx, f: StoredFile, preview = false) =>
  `${ctx.baseUrl()}/files/${f.id}/${preview ? 'preview' : encodeURIComponent(f.filename)}`;

function avatar(ctx: Ctx, f: StoredFile | null): Rec | null {
  return f ? { full: fileUrl(ctx, f), small: fileUrl(ctx, f, true) } : null;
}

/** What everybody may see of a user. */
export function publicUser(ctx: Ctx, u: User): Rec {
  return {
    id: u.id,
    nick: u.nick,
    is_online: ctx.hub.isOnline(u.id),
    status: u.status,
    avatar: avatar(ctx, u.avatar),
    last_active_at: isoTime(u.lastActiveAt),
  };
}

/** The user's own record (login, me, update_me). */
export function privateUser(ctx: Ctx, u: User, authToken: string | null): Rec {
  return {
    ...publicUser(ctx, u),
    email: u.email,
    searchable_nick: u.searchableNick,
    confirmed_at: isoTime(u.confirmedAt),
    is_confirmed: true,
    ...(authToken ? { auth_token: authToken } : {}),
  };
}

export function attachmentRecord(ctx: Ctx, f: StoredFile): Rec {
  return {
    content_type: f.contentType,
    byte_size: f.data.length,
    url: fileUrl(ctx, f),
    ...(f.preview ? { preview: fileUrl(ctx, f, true) } : {}),
    filename: f.filename,
  };
}

/** The long record, or the short one for a deleted message. */
export function messageRecord(ctx: Ctx, m: Message, withUid: boolean): Rec {
  const base: Rec = {
    id: m.id,
    user_id: m.userId,
    group_id: m.groupId,
    deleted_at: isoTime(m.deletedAt),
    serial: m.serial,
    xtag: m.xtag,
  };
  if (m.deletedAt) return base;
  const attachments = m.attachments.map((f) => attachmentRecord(ctx, f));
  return {
    ...base,
    text: m.text,
    attachment: attachments.at(-1) ?? null,
    attachments,
    mentions: m.mentions,
    reference: m.reference,
    ...(m.forwardedMessageId !== null ? { forwarded_message_id: m.forwardedMessageId } : {}),
    ...(m.inReplyToMessageId !== null ? { in_reply_to_message_id: m.inReplyToMessageId } : {}),
    ...(withUid && m.uid ? { uid: m.uid } : {}),
    edited_at: isoTime(m.editedAt),
    created_at: isoTime(m.createdAt),
    tasks: [],
  };
}

export function groupRecord(ctx: Ctx, g: Group, withParticipants: boolean): Rec {
  return {
    id: g.id,
    type: g.type,
    name: g.name,
    strid: g.strid,
    is_deleted: g.isDeleted,
    is_space: g.isSpace,
    owner_id: g.ownerId,
    icon: avatar(ctx, g.icon),
    invite_code: g.inviteCode,
    pinned_message_id: g.pinnedMessageId,
    last_message_id: g.lastMessageId,
    last_serial: g.lastSerial,
    created_at: isoTime(g.createdAt),
    updated_at: isoTime(g.updatedAt),
    ...(withParticipants
      ? {
          participants: ctx.store
            .subscriptionsOfGroup(g.id)
            .map((s) => subscriptionRecord(ctx, s, { viewer: null, short: true })),
        }
      : {}),
  };
}

/**
 * A subscription as `viewer` sees it: draft, tags and mute are the owner's
 * own; others (and participant lists, viewer null) see the rest.
 * `short` leaves out the group's participants.
 */
export function subscriptionRecord(
  ctx: Ctx,
  s: Subscription,
  opts: { viewer: number | null; short: boolean; withGroup?: boolean },
): Rec {
  const own = opts.viewer === s.userId;
  const user = ctx.store.users.get(s.userId);
  const group = ctx.store.groups.get(s.groupId);
  return {
    id: s.id,
    group_id: s.groupId,
    user_id: s.userId,
    role: s.role,
    last_read_message_id: s.lastReadMessageId,
    created_at: isoTime(s.createdAt),
    user: user ? publicUser(ctx, user) : null,
    ...(own
      ? {
          draft: s.draft,
          tags: s.tags,
          mute_until: isoTime(s.muteUntil),
          last_mentioned_in_message_id: s.lastMentionedInMessageId,
        }
      : {}),
    ...(opts.withGroup !== false && opts.viewer !== null && group
      ? { group: groupRecord(ctx, group, !opts.short) }
      : {}),
  };
}
