// The data of the unichat reference server: users, sessions, contacts,
// groups, subscriptions, messages and uploads, all in memory.
import { randomBytes } from 'node:crypto';
import { makePreview } from './preview.js';

export type Role = 'admin' | 'rw' | 'ro';
export type GroupType = 'room' | 'private_chat';

export interface User {
  id: number;
  email: string;
  password: string;
  nick: string;
  searchableNick: boolean;
  status: string | null;
  avatar: StoredFile | null;
  confirmedAt: Date;
  lastActiveAt: Date;
}

export interface Contact {
  ownerId: number;
  userId: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface Group {
  id: number;
  type: GroupType;
  name: string | null;
  strid: string | null;
  isSpace: boolean;
  isDeleted: boolean;
  ownerId: number | null;
  icon: StoredFile | null;
  inviteCode: string | null;
  pinnedMessageId: number | null;
  lastMessageId: number | null;
  lastSerial: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface Subscription {
  id: number;
  groupId: number;
  userId: number;
  role: Role;
  muteUntil: Date | null;
  draft: string;
  tags: string[] | null;
  lastReadMessageId: number | null;
  lastMentionedInMessageId: number | null;
  createdAt: Date;
}

export interface StoredFile {
  id: number;
  contentType: string;
  filename: string;
  data: Buffer;
  /** Only for images: what is served as the preview. */
  preview: { contentType: string; data: Buffer } | null;
}

export interface Mention {
  user_id: number;
  text: string;
}

export interface Message {
  id: number;
  userId: number;
  groupId: number;
  serial: number;
  text: string;
  xtag: string | null;
  reference: { type: string; id: string } | null;
  attachments: StoredFile[];
  mentions: Mention[] | null;
  forwardedMessageId: number | null;
  inReplyToMessageId: number | null;
  uid: string | null;
  createdAt: Date;
  editedAt: Date | null;
  deletedAt: Date | null;
}

export interface Upload {
  id: number;
  userId: number;
  fileName: string;
  fileSize: number;
  fileChecksum: number;
  contentType: string | null;
  async: boolean;
  chunks: Map<number, Buffer>;
  /** Set once the assembled bytes matched size and checksum. */
  file: StoredFile | null;
  voiceRecognition: boolean;
  recognitionStartedAt: Date | null;
}

export const newToken = (): string => randomBytes(24).toString('hex');

export class Store {
  readonly users = new Map<number, User>();
  /** auth_token → user id; every password login makes one. */
  readonly sessions = new Map<string, number>();
  readonly contacts: Contact[] = [];
  readonly groups = new Map<number, Group>();
  readonly subscriptions = new Map<number, Subscription>();
  readonly messages = new Map<number, Message>();
  readonly files = new Map<number, StoredFile>();
  readonly uploads = new Map<number, Upload>();
  /** `${userId}:${uid}` → message id, for post() idempotency. */
  readonly postedUids = new Map<string, number>();
  private nextIds = { user: 1, group: 1, sub: 1, msg: 1, file: 1, upload: 1 };
  /** One counter for every message change, so serials only grow. */
  private serial = 0;

  nextId(kind: keyof Store['nextIds']): number {
    return this.nextIds[kind]++;
  }

  nextSerial(): number {
    return ++this.serial;
  }

  addUser(email: string, password: string, nick?: string): User {
    const now = new Date();
    const user: User = {
      id: this.nextId('user'),
      email: email.toLowerCase(),
      password,
      nick: nick ?? email.split('@')[0]!,
      searchableNick: true,
      status: null,
      avatar: null,
      confirmedAt: now,
      lastActiveAt: now,
    };
    this.users.set(user.id, user);
    return user;
  }

  userByEmail(email: string): User | undefined {
    const wanted = email.toLowerCase();
    return [...this.users.values()].find((u) => u.email === wanted);
  }

  newSession(userId: number): string {
    const token = newToken();
    this.sessions.set(token, userId);
    return token;
  }

  addFile(contentType: string, filename: string, data: Buffer): StoredFile {
    const file: StoredFile = {
      id: this.nextId('file'),
      contentType,
      filename,
      data,
      preview: makePreview(contentType, data),
    };
    this.files.set(file.id, file);
    return file;
  }

  subscriptionsOfGroup(groupId: number): Subscription[] {
    return [...this.subscriptions.values()]
      .filter((s) => s.groupId === groupId)
      .sort((a, b) => a.id - b.id);
  }

  subscriptionOf(userId: number, groupId: number): Subscription | undefined {
    return [...this.subscriptions.values()].find(
      (s) => s.userId === userId && s.groupId === groupId,
    );
  }

  messagesOfGroup(groupId: number): Message[] {
    return [...this.messages.values()].filter((m) => m.groupId === groupId);
  }
}
