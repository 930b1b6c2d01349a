// The REST chat reference server's data, in memory: users and their device
// sessions, contacts, chats with one relation per participant, messages,
// read marks, media resources and uploaded files. No HTTP here; the rules
// that change this data live in the route modules.
import { randomBytes, randomUUID, scryptSync, timingSafeEqual } from 'node:crypto';

/** Swift encodes UUIDs upper-case; every id this server makes looks like that. */
export const newUuid = (): string => randomUUID().toUpperCase();

export type Transport = 'none' | 'apns' | 'fcm' | 'web';

export interface DeviceInfo {
  id: string;
  name: string;
  model: string;
  token?: string;
  transport: Transport;
}

export interface Media {
  id: string;
  fileType: string;
  fileSize: number;
  previewWidth: number;
  previewHeight: number;
  createdAt: Date;
}

export interface User {
  id: number;
  name: string;
  username: string;
  about?: string;
  lastAccess?: Date;
  photos: Media[];
  passwordHash: Buffer;
  salt: Buffer;
  accountKeyHash?: Buffer;
}

export interface DeviceSession {
  id: string;
  userId: number;
  accessToken: string;
  deviceInfo: DeviceInfo;
  ipAddress?: string;
  createdAt: Date;
  updatedAt: Date;
}

export interface Contact {
  id: string;
  ownerId: number;
  userId: number;
  name?: string;
  isFavorite: boolean;
  isBlocked: boolean;
}

/** One participant's tie to a chat: its settings and both kinds of block. */
export interface Relation {
  userId: number;
  isMuted: boolean;
  isArchived: boolean;
  isRemovedOnDevice: boolean;
  /** This user blocked the chat (PUT /chats/:id/block). */
  chatBlocked: boolean;
  /** A participant blocked this user from the chat (PUT /chats/:id/users/:id/block). */
  userBlocked: boolean;
}

export interface Chat {
  id: string;
  title?: string;
  isPersonal: boolean;
  ownerId: number;
  /** Sorted participant ids joined with "+": the key personal and group chats are deduplicated by. */
  participantsKey: string;
  relations: Map<number, Relation>;
  images: Media[];
  lastMessageId?: number;
}

export interface ReadMark {
  id: string;
  userId: number;
  createdAt: Date;
}

export interface Message {
  id: number;
  localId: string;
  chatId: string;
  authorId: number;
  text?: string;
  createdAt: Date;
  updatedAt: Date;
  editedAt?: Date;
  deletedAt?: Date;
  isVisible: boolean;
  readMarks: ReadMark[];
  attachments: Media[];
}

export const participantsKey = (ids: Iterable<number>): string =>
  [...ids].sort((a, b) => a - b).join('+');

/** A cheap scrypt: this is a test server, and tests register many users. */
const hash = (secret: string, salt: Buffer): Buffer => scryptSync(secret, salt, 32, { N: 1024 });

export class Store {
  readonly users = new Map<number, User>();
  readonly sessions = new Map<string, DeviceSession>();
  readonly contacts = new Map<string, Contact>();
  readonly chats = new Map<string, Chat>();
  readonly messages = new Map<number, Message>();
  /** Uploaded files by their full name, `<name>.<ext>`. */
  readonly files = new Map<string, Buffer>();
  private nextUserId = 1;
  private nextMessageId = 1;

  addUser(name: string, username: string, password: string): User {
    const salt = randomBytes(16);
    const user: User = {
      id: this.nextUserId++,
      name,
      username,
      photos: [],
      salt,
      passwordHash: hash(password, salt),
    };
    this.users.set(user.id, user);
    return user;
  }

  userByUsername(username: string): User | undefined {
    for (const u of this.users.values()) if (u.username === username) return u;
    return undefined;
  }

  checkPassword(user: User, password: string): boolean {
    return timingSafeEqual(hash(password, user.salt), user.passwordHash);
  }

  setPassword(user: User, password: string): void {
    user.passwordHash = hash(password, user.salt);
  }

  setAccountKey(user: User, key: string): void {
    user.accountKeyHash = hash(key, user.salt);
  }

  checkAccountKey(user: User, key: string): boolean {
    return !!user.accountKeyHash && timingSafeEqual(hash(key, user.salt), user.accountKeyHash);
  }

  addSession(userId: number, deviceInfo: DeviceInfo, ipAddress?: string): DeviceSession {
    const now = new Date();
    const session: DeviceSession = {
      id: newUuid(),
      userId,
      accessToken: randomBytes(32).toString('base64'),
      deviceInfo,
      ipAddress,
      createdAt: now,
      updatedAt: now,
    };
    this.sessions.set(session.id, session);
    return session;
  }

  sessionByToken(token: string): DeviceSession | undefined {
    for (const s of this.sessions.values()) if (s.accessToken === token) return s;
    return undefined;
  }

  sessionsOf(userId: number): DeviceSession[] {
    return [...this.sessions.values()].filter((s) => s.userId === userId);
  }

  /** Removes every session of the user; returns their ids (their sockets must close). */
  dropSessions(userId: number): string[] {
    const ids = this.sessionsOf(userId).map((s) => s.id);
    for (const id of ids) this.sessions.delete(id);
    return ids;
  }

  /** Deregistration: the user and everything that hangs off the user row. */
  deleteUser(userId: number): void {
    this.dropSessions(userId);
    for (const [id, c] of this.contacts)
      if (c.ownerId === userId || c.userId === userId) this.contacts.delete(id);
    for (const chat of this.chats.values()) chat.relations.delete(userId);
    this.users.delete(userId);
  }

  newMessageId(): number {
    return this.nextMessageId++;
  }

  chatMessages(chatId: string): Message[] {
    return [...this.messages.values()].filter((m) => m.chatId === chatId);
  }

  deleteChatMessages(chat: Chat): void {
    for (const m of this.chatMessages(chat.id)) {
      for (const a of m.attachments) this.deleteMediaFiles(a);
      this.messages.delete(m.id);
    }
    chat.lastMessageId = undefined;
  }

  /** The file and its preview, named after the media id as the upload convention says. */
  deleteMediaFiles(media: Media): void {
    this.files.delete(`${media.id}.${media.fileType}`);
    this.files.delete(`${media.id}-preview.${media.fileType}`);
  }
}

export const newRelation = (userId: number): Relation => ({
  userId,
  isMuted: false,
  isArchived: false,
  isRemovedOnDevice: false,
  chatBlocked: false,
  userBlocked: false,
});
