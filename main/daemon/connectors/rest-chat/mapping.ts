// REST chat wire → the normalized model. Users → people (remote id = the
// integer user id as a string), ChatInfo → chats (personal → direct, named
// after the other participant; group → its title) with their members,
// MessageInfo → messages (remote id = the integer message id). A message
// whose localId is "<our user id>+<key>" carries the outbox key, so the
// server's copy adopts our local echo.
import type {
  MessageKind,
  RemoteAttachment,
  RemoteChat,
  RemoteMessage,
  RemotePerson,
  SyncBatch,
} from '../../model/types.js';
import type { ChatInfo, MediaInfo, MessageInfo, UserInfo } from './wire.js';

export const userRemoteId = (id: number): string => String(id);

export function userToPerson(u: UserInfo, selfId: string): RemotePerson {
  const remoteId = userRemoteId(u.id);
  return {
    remoteId,
    displayName: u.name || u.username || remoteId,
    isSelf: remoteId === selfId,
    raw: u,
  };
}

/** Everyone a chat answer names (owner, participants, added and removed users). */
function usersOf(c: ChatInfo): UserInfo[] {
  return [...(c.owner ? [c.owner] : []), ...(c.allUsers ?? []), ...(c.addedUsers ?? [])];
}

export function chatToChat(c: ChatInfo, selfId: string): RemoteChat {
  const others = (c.allUsers ?? []).filter((u) => userRemoteId(u.id) !== selfId);
  const names = others.map((u) => u.name || u.username || userRemoteId(u.id));
  return {
    remoteId: c.id,
    kind: c.isPersonal ? 'direct' : 'group',
    name: (c.isPersonal ? names[0] : c.title) || names.join(', ') || 'Chat',
    raw: c,
  };
}

/** A chat answer as a batch: the chat, the people it names, and its members when listed. */
export function chatBatch(c: ChatInfo, selfId: string): SyncBatch {
  const people = new Map<string, RemotePerson>();
  for (const u of usersOf(c)) people.set(userRemoteId(u.id), userToPerson(u, selfId));
  return {
    chats: [chatToChat(c, selfId)],
    people: [...people.values()],
    members: [
      ...(c.allUsers ?? []).map((u) => ({
        chatRemoteId: c.id,
        personRemoteId: userRemoteId(u.id),
        membership: 'join',
      })),
      ...(c.removedUsers ?? []).map((u) => ({
        chatRemoteId: c.id,
        personRemoteId: userRemoteId(u.id),
        membership: 'leave',
      })),
    ],
  };
}

const MIME_BY_EXTENSION: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  heic: 'image/heic',
  mp4: 'video/mp4',
  mov: 'video/quicktime',
  mp3: 'audio/mpeg',
  m4a: 'audio/mp4',
  pdf: 'application/pdf',
  txt: 'text/plain',
};

export const mimeOf = (fileType: string | undefined): string =>
  MIME_BY_EXTENSION[(fileType ?? '').toLowerCase()] ?? 'application/octet-stream';

/**
 * Files are served as "<id>.<fileType>": the attachment's remote id is that
 * file name. The server keeps no name of its own; Parley sends the file's
 * name as the message text, so a text that is a plain file name with the same
 * extension names the attachment (else the server's file name does).
 */
export function mediaToAttachment(m: MediaInfo, text?: string): RemoteAttachment {
  const fileName = m.fileType ? `${m.id}.${m.fileType}` : m.id;
  const named =
    text !== undefined &&
    m.fileType !== undefined &&
    text.length <= 255 &&
    !/[\\/\n\r]/.test(text) &&
    text.toLowerCase().endsWith(`.${m.fileType.toLowerCase()}`);
  return {
    remoteId: fileName,
    name: named ? text : fileName,
    mime: mimeOf(m.fileType),
    size: m.fileSize ?? null,
    width: m.previewWidth ?? null,
    height: m.previewHeight ?? null,
  };
}

function kindOf(attachments: RemoteAttachment[]): MessageKind {
  const mime = attachments[0]?.mime;
  if (!mime) return 'text';
  if (mime.startsWith('image/')) return 'image';
  if (mime.startsWith('video/')) return 'video';
  if (mime.startsWith('audio/')) return 'audio';
  return 'file';
}

/**
 * A message's time for ordering. HTTP dates are whole seconds, and the store
 * orders messages of the same millisecond by a hash of their ids, so messages
 * of one second (quick replies, a picture and its caption) showed shuffled.
 * Message ids grow as messages are posted, so the id's last three digits
 * become the milliseconds: the order posted, unless that second's ids cross a
 * multiple of 1000. A time that has milliseconds of its own is kept.
 */
export const orderedTs = (ms: number, id: number): number =>
  ms % 1000 === 0 ? ms + (((id % 1000) + 1000) % 1000) : ms;

/** The outbox key in a localId of ours ("<our user id>+<key>"), else null. */
export function keyOfLocalId(localId: string | undefined, selfId: string): string | null {
  const prefix = `${selfId}+`;
  return localId?.startsWith(prefix) ? localId.slice(prefix.length) : null;
}

export const localIdFor = (selfId: string, key: string): string => `${selfId}+${key}`;

export function messageToMessage(m: MessageInfo, selfId: string): RemoteMessage {
  const attachments = m.deletedAt
    ? []
    : (m.attachments ?? []).map((a) => mediaToAttachment(a, m.text));
  return {
    remoteId: String(m.id),
    chatRemoteId: m.chatId,
    senderRemoteId: m.authorId !== undefined ? userRemoteId(m.authorId) : null,
    ts: orderedTs(m.createdAt ?? m.updatedAt ?? 0, m.id),
    kind: kindOf(attachments),
    body: m.text ?? '',
    editedTs: m.deletedAt ? null : (m.editedAt ?? null),
    deleted: m.deletedAt !== undefined,
    attachments,
    idempotencyKey: keyOfLocalId(m.localId, selfId),
    raw: m,
  };
}
