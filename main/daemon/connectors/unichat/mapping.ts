// unichat records → the normalized model. Ids are integers; remote ids are
// their decimal strings: a group is a chat (its id, the same for every
// member, is what messages and notifications name), a user a person.
// Subscriptions: a private_chat is a direct chat named after the other
// participant, a room a group chat, a room with is_space also a space
// holding that chat. Participants become members with their role (the group's
// owner is "owner"; admin, rw → "writer", ro → "reader"). Messages: system
// messages (an xtag) are `system` with the server's English text, mentions
// by user id, replies and forwards by message id, attachments by their
// download URL; the short record of a deleted message is a deletion. A
// message whose uid is ours carries the outbox key, so it adopts the echo.
import type {
  MessageKind,
  RemoteAttachment,
  RemoteChat,
  RemoteMessage,
  RemotePerson,
  RemoteSpace,
  SyncBatch,
} from '../../model/types.js';
import type {
  UniAttachment,
  UniGroup,
  UniMessage,
  UniParticipant,
  UniSubscription,
  UniUser,
} from './wire.js';

export const userRemoteId = (id: number): string => String(id);
export const groupRemoteId = (id: number): string => String(id);
export const messageRemoteId = (id: number): string => String(id);
/** A space's remote id: its group's, in its own namespace (the chat has the plain id). */
export const spaceRemoteId = (groupId: number): string => `space:${groupId}`;

/** uid = "parley-" + the outbox key (unique per user; at most 64 characters). */
const UID_PREFIX = 'parley-';
export const uidFor = (key: string): string => `${UID_PREFIX}${key}`.slice(0, 64);
export const keyOfUid = (uid: string | null | undefined): string | null =>
  uid?.startsWith(UID_PREFIX) ? uid.slice(UID_PREFIX.length) : null;

/** Roles as Parley shows them. */
export type MemberRole = 'owner' | 'admin' | 'writer' | 'reader';

export function roleOf(
  role: string,
  userId: number,
  group: UniGroup | null | undefined,
): MemberRole {
  if (group?.owner_id != null && group.owner_id === userId) return 'owner';
  if (role === 'admin') return 'admin';
  if (role === 'ro') return 'reader';
  return 'writer';
}

export function personOf(u: UniUser, selfId: string): RemotePerson {
  const remoteId = userRemoteId(u.id);
  return {
    remoteId,
    displayName: u.nick || `user ${remoteId}`,
    avatarUrl: u.avatar?.small ?? u.avatar?.full ?? null,
    isSelf: remoteId === selfId,
    raw: { id: u.id, nick: u.nick, status: u.status ?? null },
  };
}

function chatName(sub: UniSubscription, selfId: string): string {
  const group = sub.group;
  if (group?.type === 'private_chat') {
    const other = (group.participants ?? []).find((p) => userRemoteId(p.user_id) !== selfId);
    return other?.user?.nick || (other ? `user ${other.user_id}` : 'Private chat');
  }
  return group?.name || `Room ${sub.group_id}`;
}

export function chatOf(sub: UniSubscription, selfId: string): RemoteChat {
  const group = sub.group;
  return {
    remoteId: groupRemoteId(sub.group_id),
    kind: group?.type === 'private_chat' ? 'direct' : 'group',
    name: chatName(sub, selfId),
    spaceRemoteId: group?.is_space ? spaceRemoteId(sub.group_id) : null,
    raw: { subscription_id: sub.id, type: group?.type ?? null, invite_code: group?.invite_code },
  };
}

/**
 * One subscription as a batch: the chat (and its space), the participants as
 * people and members with their roles, and our read position.
 */
export function subscriptionBatch(sub: UniSubscription, selfId: string): SyncBatch {
  const group = sub.group;
  const chatRemoteId = groupRemoteId(sub.group_id);
  const participants: UniParticipant[] = group?.participants ?? [];
  const people = participants.flatMap((p) => (p.user ? [personOf(p.user, selfId)] : []));
  const spaces: RemoteSpace[] = group?.is_space
    ? [{ remoteId: spaceRemoteId(sub.group_id), name: chatName(sub, selfId), kind: 'space' }]
    : [];
  return {
    spaces,
    chats: [chatOf(sub, selfId)],
    people,
    members: participants.map((p) => ({
      chatRemoteId,
      personRemoteId: userRemoteId(p.user_id),
      membership: 'join',
      role: roleOf(p.role, p.user_id, group),
    })),
    readPositions:
      sub.last_read_message_id != null && sub.last_read_message_id > 0
        ? [{ chatRemoteId, messageRemoteId: messageRemoteId(sub.last_read_message_id) }]
        : [],
  };
}

/**
 * A message's time for ordering. The server's times are whole seconds, and
 * the store orders messages of the same millisecond by a hash of their ids,
 * so messages of one second (a room's creation and its invites, replies in
 * quick succession) showed shuffled. Message ids grow as messages are
 * posted, so the id's last three digits become the milliseconds: the order
 * posted, unless that second's ids cross a multiple of 1000. A time that has
 * milliseconds of its own is kept.
 */
export const orderedTs = (ms: number, id: number): number =>
  ms % 1000 === 0 ? ms + (((id % 1000) + 1000) % 1000) : ms;

export function attachmentOf(a: UniAttachment): RemoteAttachment {
  const size = a.byte_size == null ? null : Number(a.byte_size);
  return {
    remoteId: a.url,
    name: a.filename || a.url.split('/').pop() || 'attachment',
    mime: a.content_type || 'application/octet-stream',
    size: Number.isFinite(size) ? size : null,
  };
}

function kindOf(m: UniMessage, attachments: RemoteAttachment[]): MessageKind {
  if (m.xtag) return 'system';
  const mime = attachments[0]?.mime;
  if (!mime) return 'text';
  if (mime.startsWith('image/')) return 'image';
  if (mime.startsWith('video/')) return 'video';
  if (mime.startsWith('audio/')) return 'audio';
  return 'file';
}

/** What a system message says when the server sent no text. */
const SYSTEM_TEXT: Record<string, string> = {
  creation: 'created the room',
  create: 'created the room',
  invite: 'invited someone',
  joined: 'joined',
  leave: 'left',
  kick_out: 'removed someone',
};

export type MappedMessage =
  | { kind: 'message'; message: RemoteMessage }
  | { kind: 'deleted'; messageRemoteId: string; chatRemoteId: string };

/** A message record: a message, or (the short record) a deletion. */
export function messageOf(m: UniMessage, selfId: string): MappedMessage {
  const chatRemoteId = groupRemoteId(m.group_id);
  if (m.deleted_at != null && m.created_at == null)
    return { kind: 'deleted', messageRemoteId: messageRemoteId(m.id), chatRemoteId };
  const attachments = m.deleted_at != null ? [] : (m.attachments ?? []).map(attachmentOf);
  const mentioned = (m.mentions ?? []).map((x) => userRemoteId(x.user_id));
  const text = m.text ?? '';
  return {
    kind: 'message',
    message: {
      remoteId: messageRemoteId(m.id),
      chatRemoteId,
      senderRemoteId: m.user_id != null ? userRemoteId(m.user_id) : null,
      ts: orderedTs(m.created_at ?? 0, m.id),
      kind: kindOf(m, attachments),
      body: m.xtag && !text ? (SYSTEM_TEXT[m.xtag] ?? m.xtag) : text,
      replyToRemoteId:
        m.in_reply_to_message_id != null ? messageRemoteId(m.in_reply_to_message_id) : null,
      editedTs: m.edited_at ?? m.last_edited_at ?? null,
      deleted: m.deleted_at != null,
      mentionsSelf: mentioned.includes(selfId),
      mentionRemoteIds: mentioned,
      attachments,
      idempotencyKey: keyOfUid(m.uid),
      raw: {
        serial: m.serial,
        xtag: m.xtag ?? null,
        reference: m.reference ?? null,
        forwarded_message_id: m.forwarded_message_id ?? null,
      },
    },
  };
}

/** Records → one batch's messages and deletions. */
export function messagesBatch(records: UniMessage[], selfId: string): SyncBatch {
  const messages: RemoteMessage[] = [];
  const deletions: { messageRemoteId: string }[] = [];
  for (const r of records) {
    const mapped = messageOf(r, selfId);
    if (mapped.kind === 'message') messages.push(mapped.message);
    else deletions.push({ messageRemoteId: mapped.messageRemoteId });
  }
  return { messages, deletions };
}
