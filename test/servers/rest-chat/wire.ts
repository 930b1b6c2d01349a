// What the data looks like on the wire: UserInfo, ChatInfo, MessageInfo and
// friends, built with Date values and encoded two ways. HTTP bodies carry
// ISO-8601 strings without fractions (Vapor's content coder); websocket
// payloads carry seconds since 2001-01-01 (a plain Swift JSONEncoder). Absent
// optionals are left out, as Swift's synthesized Encodable does.
import type { Chat, DeviceSession, Media, Message, Relation, Store, User } from './store.js';

type Obj = Record<string, unknown>;

/** Seconds between the Unix epoch and Swift's reference date, 2001-01-01T00:00:00Z. */
export const REFERENCE_DATE_OFFSET = 978_307_200;

const isoSeconds = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

function encode(value: unknown, date: (d: Date) => unknown): string {
  return JSON.stringify(value, function (this: Obj, key: string, v: unknown) {
    // JSON.stringify has already called Date#toJSON on `v`; the holder keeps the Date.
    const raw = this[key];
    return raw instanceof Date ? date(raw) : v;
  });
}

export const httpJson = (value: unknown): string => encode(value, isoSeconds);
export const socketJson = (value: unknown): string =>
  encode(value, (d) => d.getTime() / 1000 - REFERENCE_DATE_OFFSET);

/** Drops undefined fields so the JSON matches encodeIfPresent. */
function present(o: Obj): Obj {
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
  return o;
}

export const mediaInfo = (m: Media): Obj => ({
  id: m.id,
  fileType: m.fileType,
  fileSize: m.fileSize,
  previewWidth: m.previewWidth,
  previewHeight: m.previewHeight,
  createdAt: m.createdAt,
});

/** `full` adds about and lastAccess; `photos` adds the user's photos. */
export function userInfo(u: User, opts: { full?: boolean; photos?: boolean } = {}): Obj {
  return present({
    id: u.id,
    name: u.name,
    username: u.username,
    about: opts.full ? u.about : undefined,
    lastAccess: opts.full ? u.lastAccess : undefined,
    photos: opts.photos ? u.photos.map(mediaInfo) : undefined,
  });
}

export const sessionInfo = (s: DeviceSession): Obj =>
  present({
    id: s.id,
    accessToken: s.accessToken,
    deviceInfo: present({ ...s.deviceInfo }),
    ipAddress: s.ipAddress,
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
  });

/** User.PrivateInfo: what register, login, /users/me and the device update answer. */
export const privateInfo = (store: Store, u: User): Obj => ({
  info: userInfo(u, { full: true, photos: true }),
  deviceSessions: store.sessionsOf(u.id).map(sessionInfo),
});

export function messageInfo(store: Store, m: Message, opts: { readMarks?: boolean } = {}): Obj {
  return present({
    id: m.id,
    localId: m.localId,
    chatId: m.chatId,
    authorId: m.authorId,
    text: m.text,
    createdAt: m.createdAt,
    updatedAt: m.updatedAt,
    editedAt: m.editedAt,
    deletedAt: m.deletedAt,
    isVisible: m.isVisible,
    readMarks: opts.readMarks
      ? m.readMarks.flatMap((r) => {
          const user = store.users.get(r.userId);
          return user ? [{ id: r.id, user: userInfo(user), createdAt: r.createdAt }] : [];
        })
      : undefined,
    attachments: m.attachments.length ? m.attachments.map(mediaInfo) : undefined,
  });
}

export interface ChatInfoOptions {
  /** allUsers: every participant (GET /chats/:id, POST /chats, GET /chats?full=1). */
  full?: boolean;
  addedUsers?: User[];
  removedUsers?: User[];
}

/** ChatInfo as seen by one participant (its relation gives isMuted/isArchived/isBlocked). */
export function chatInfo(
  store: Store,
  chat: Chat,
  rel: Relation | undefined,
  opts: ChatInfoOptions = {},
): Obj {
  const owner = store.users.get(chat.ownerId);
  const last =
    chat.lastMessageId !== undefined ? store.messages.get(chat.lastMessageId) : undefined;
  const users = (ids: Iterable<number>) =>
    [...ids].flatMap((id) => {
      const u = store.users.get(id);
      return u ? [userInfo(u)] : [];
    });
  return present({
    id: chat.id,
    title: chat.isPersonal ? undefined : chat.title,
    isPersonal: chat.isPersonal,
    owner: owner ? userInfo(owner) : { id: chat.ownerId, name: '', username: '' },
    allUsers: opts.full ? users(chat.relations.keys()) : undefined,
    addedUsers: opts.addedUsers?.map((u) => userInfo(u)),
    removedUsers: opts.removedUsers?.map((u) => userInfo(u)),
    lastMessage: last ? messageInfo(store, last) : undefined,
    images: chat.images.length ? chat.images.map(mediaInfo) : undefined,
    isMuted: rel?.isMuted ?? false,
    isArchived: rel?.isArchived ?? false,
    isBlocked: rel?.chatBlocked ?? false,
  });
}
