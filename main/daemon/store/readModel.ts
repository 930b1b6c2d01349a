// UI-shaped reads: the chat list and a page of a chat's timeline. Both walk an
// index in order and stop after a page; neither aggregates over messages.
import type { Statement } from 'better-sqlite3';
import type { ReadDb } from './database.js';
import type { ChatListCache } from './chatListCache.js';
import {
  CHAT_COLUMNS,
  CHAT_ORDER,
  readChatContext,
  statementCache,
  toChatSummary,
  type ChatContext,
  type ChatTuple,
  type ChatTupleWithArchived,
} from './chatSummaries.js';
import { ENCRYPTION_TRUSTS, type EncryptionTrust, type MessageEncryption } from '../model/types.js';
import type {
  AttachmentInfo,
  ChatSummary,
  MessageKind,
  MessageView,
  OutboxState,
  Reaction,
} from '../model/types.js';

export interface ChatListFilter {
  accountId?: number;
  workspaceId?: number;
  archived?: boolean;
  limit?: number;
}

/** One page of the chat list and where the next one starts (null: this was the last). */
export interface ChatListPage {
  chats: ChatSummary[];
  nextCursor: string | null;
}

/** Chats per page when the caller does not say. */
export const CHAT_PAGE_DEFAULT = 1000;

/**
 * A position in the chat list's order (pinned, last activity, id — all
 * descending): the last chat of a page. Opaque to callers; `c<pinned>.<ts>.<id>`.
 */
export function encodeChatCursor(c: ChatSummary): string {
  return `c${c.pinned ? 1 : 0}.${c.lastActivityTs}.${c.id}`;
}

const CURSOR = /^c([01])\.(\d{1,16})\.(\d{1,16})$/;

/** The cursor's position, or null when it is not one this store issued. */
export function decodeChatCursor(
  cursor: string,
): { pinned: number; ts: number; id: number } | null {
  const m = CURSOR.exec(cursor);
  if (!m) return null;
  const [pinned, ts, id] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return Number.isSafeInteger(ts) && Number.isSafeInteger(id) ? { pinned, ts, id } : null;
}

interface MessageRow {
  id: number;
  chat_id: number;
  account_id: number;
  remote_id: string | null;
  sender_name: string;
  sender_remote_id: string | null;
  has_attachment: number;
  ts: number;
  kind: MessageKind;
  body: string;
  html: string | null;
  subject: string | null;
  reply_to_remote_id: string | null;
  thread_root_remote_id: string | null;
  edited_ts: number | null;
  deleted: number;
  outbox_state: OutboxState | null;
  /** Mail keywords $flagged / $draft (null for other kinds). */
  mail_starred: number | null;
  mail_draft: number | null;
  mentions_self: number;
  encryption_sender_device: string | null;
  encryption_trust: string | null;
}

// A page's rows come as arrays (`.raw()`) and are named here: better-sqlite3
// builds a row object key by key through V8's API, which for these 21 columns
// cost more than the query (50 rows at 1M messages: SQL 0.1 ms, arrays 0.21,
// objects 0.35–0.56), while a literal built in JS gets one shape at once.
// The column list and the decoder below keep the same order
// (messageViewFields.test.ts fails when they do not).
const MESSAGE_COLUMNS = `
  m.id, m.chat_id, m.account_id, m.remote_id, m.sender_name, m.sender_remote_id, m.ts, m.kind,
  m.body, m.html, m.subject, m.reply_to_remote_id, m.thread_root_remote_id, m.edited_ts, m.deleted,
  m.has_attachment,
  CASE WHEN m.idempotency_key IS NOT NULL THEN
    (SELECT o.state FROM outbox o WHERE o.idempotency_key = m.idempotency_key
       AND o.state != 'sent') END AS outbox_state,
  m.mail_starred, m.mail_draft, m.mentions_self,
  m.encryption_sender_device, m.encryption_trust`;
// Only messages sent from here carry an idempotency key: synced ones skip the
// outbox lookup. Avatars are looked up once per sender of a page (decorate),
// not once per row: a page of 50 has a handful of senders.

/** A row of MESSAGE_COLUMNS, by position. */
function messageRow(t: unknown[]): MessageRow {
  return {
    id: t[0] as number,
    chat_id: t[1] as number,
    account_id: t[2] as number,
    remote_id: t[3] as string | null,
    sender_name: t[4] as string,
    sender_remote_id: t[5] as string | null,
    ts: t[6] as number,
    kind: t[7] as MessageKind,
    body: t[8] as string,
    html: t[9] as string | null,
    subject: t[10] as string | null,
    reply_to_remote_id: t[11] as string | null,
    thread_root_remote_id: t[12] as string | null,
    edited_ts: t[13] as number | null,
    deleted: t[14] as number,
    has_attachment: t[15] as number,
    outbox_state: t[16] as OutboxState | null,
    mail_starred: t[17] as number | null,
    mail_draft: t[18] as number | null,
    mentions_self: t[19] as number,
    encryption_sender_device: t[20] as string | null,
    encryption_trust: t[21] as string | null,
  };
}

export class ReadModel {
  private readonly stmts;
  /** A chat-list statement, prepared once per shape (filters make a handful). */
  private readonly cached: (sql: string) => Statement;

  /**
   * With `chatList`, the chat list is served from memory (chatListCache.ts);
   * without it, every read is SQL (tests' oracle, the benchmark's baseline).
   */
  constructor(
    private readonly db: ReadDb,
    private readonly chatList: ChatListCache | null = null,
  ) {
    this.cached = statementCache(db);
    this.stmts = {
      page: db
        .prepare(
          `
        SELECT ${MESSAGE_COLUMNS}
        FROM messages m
        WHERE m.chat_id = @chatId AND m.id < @before
        ORDER BY m.id DESC LIMIT @limit`,
        )
        .raw(),
      pageAfter: db
        .prepare(
          `
        SELECT ${MESSAGE_COLUMNS}
        FROM messages m
        WHERE m.chat_id = @chatId AND m.id > @after
        ORDER BY m.id ASC LIMIT @limit`,
        )
        .raw(),
      inChat: db.prepare(`SELECT 1 FROM messages WHERE id = ? AND chat_id = ?`).pluck(),
      // Prepared once: preparing these on every page cost more than running them.
      byIds: db
        .prepare(
          `SELECT ${MESSAGE_COLUMNS}
         FROM messages m WHERE m.id IN (SELECT value FROM json_each(?)) ORDER BY m.id DESC`,
        )
        .raw(),
      reactions: db.prepare(
        `SELECT message_id, key, count(*) AS n, group_concat(sender_remote_id, char(31)) AS senders
         FROM reactions WHERE message_id IN (SELECT value FROM json_each(?))
         GROUP BY message_id, key ORDER BY min(ts)`,
      ),
      attachments: db.prepare(
        `SELECT id, message_id, name, mime, size, width, height, blob_sha256 FROM attachments
         WHERE message_id IN (SELECT value FROM json_each(?)) ORDER BY id`,
      ),
      selfIds: db
        .prepare(`SELECT remote_id FROM people WHERE account_id = ? AND is_self = 1`)
        .pluck(),
      avatars: db
        .prepare(
          `SELECT p.account_id, p.remote_id, p.avatar_url FROM people p
           JOIN json_each(?) s ON p.account_id = s.value ->> 0 AND p.remote_id = s.value ->> 1
           WHERE p.avatar_url IS NOT NULL`,
        )
        .raw(),
    };
  }

  /** The whole chat list in its order (pinned, then latest activity), or its first `limit` chats. */
  chats(filter: ChatListFilter = {}): ChatSummary[] {
    return this.chatRows(filter, null, filter.limit ?? null);
  }

  /**
   * One page of the chat list, keyset-paged on its order: a page costs the
   * same however deep it is, and chats that change meanwhile do not shift the
   * pages after them. (A chat whose activity moves across the boundary
   * between two reads is in both pages or neither; `chats.updated` brings it
   * to a client anyway.)
   */
  chatPage(filter: ChatListFilter, cursor?: string): ChatListPage {
    const after = cursor === undefined ? null : decodeChatCursor(cursor);
    if (cursor !== undefined && after === null) throw new RangeError('not a chat list cursor');
    const limit = filter.limit ?? CHAT_PAGE_DEFAULT;
    // One row more than the page says whether another page follows.
    const rows = this.chatRows(filter, after, limit + 1);
    const more = rows.length > limit;
    const chats = more ? rows.slice(0, limit) : rows;
    return { chats, nextCursor: more ? encodeChatCursor(chats.at(-1)!) : null };
  }

  private chatRows(
    filter: ChatListFilter,
    after: { pinned: number; ts: number; id: number } | null,
    limit: number | null,
  ): ChatSummary[] {
    const listed = this.chatList?.query({ ...filter, after, limit });
    if (listed) return listed;
    const ctx = this.chatContext();
    const where: string[] = ['c.archived = @archived'];
    if (filter.accountId !== undefined) where.push('c.account_id = @accountId');
    if (filter.workspaceId !== undefined) {
      const accounts = [...ctx.workspaceOf].filter(([, w]) => w === filter.workspaceId);
      where.push(`c.account_id IN (${accounts.map(([a]) => a).join(',') || 'NULL'})`);
    }
    if (after)
      where.push(
        `(c.pinned < @pinned OR (c.pinned = @pinned AND (c.last_activity_ts < @ts
           OR (c.last_activity_ts = @ts AND c.id < @id))))`,
      );
    const rows = this.cached(
      `SELECT ${CHAT_COLUMNS} FROM chats c WHERE ${where.join(' AND ')}
         ORDER BY ${CHAT_ORDER}
         ${limit === null ? '' : 'LIMIT @limit'}`,
    )
      .raw()
      .all({
        archived: filter.archived ? 1 : 0,
        accountId: filter.accountId,
        ...(after ?? {}),
        ...(limit === null ? {} : { limit }),
      }) as ChatTuple[];
    const archived = filter.archived === true;
    return rows.map((r) => toChatSummary(r, archived, ctx));
  }

  private chatContext(): ChatContext {
    return readChatContext(this.cached);
  }

  /** Every chat from memory, for search's `in:`; null when only SQL can answer now. */
  chatsForSearch(): ReturnType<ChatListCache['everyChat']> {
    return this.chatList?.everyChat() ?? null;
  }

  chat(chatId: number): ChatSummary | null {
    return this.chatsById([chatId])[0] ?? null;
  }

  chatsById(ids: number[]): ChatSummary[] {
    if (ids.length === 0) return [];
    const ctx = this.chatContext();
    const rows = this.cached(
      `SELECT ${CHAT_COLUMNS}, c.archived FROM chats c WHERE c.id IN (SELECT value FROM json_each(?))`,
    )
      .raw()
      .all(JSON.stringify(ids)) as ChatTupleWithArchived[];
    return rows.map((r) => toChatSummary(r, r[13] === 1, ctx));
  }

  /**
   * Newest first, always. Without `afterId`: the `limit` messages just older than
   * `beforeId` (default: the newest). With `afterId`: the `limit` messages just
   * newer than it (the oldest of those newer ones), still returned newest first.
   */
  messages(
    chatId: number,
    options: { beforeId?: number; afterId?: number; limit?: number } = {},
  ): MessageView[] {
    const limit = options.limit ?? 50;
    if (options.afterId !== undefined)
      return this.decorate(this.newerRows(chatId, options.afterId, limit));
    return this.decorate(
      this.olderRows(chatId, options.beforeId ?? Number.MAX_SAFE_INTEGER, limit),
    );
  }

  /**
   * Newest first: up to `after` messages newer than `messageId`, the message
   * itself, and up to `before` older ones; each side one range scan of the
   * (chat_id, id) index. Null when the message is not in this chat.
   */
  messagesAround(chatId: number, messageId: number, before = 50, after = 50): MessageView[] | null {
    if (this.stmts.inChat.get(messageId, chatId) === undefined) return null;
    const older = this.olderRows(chatId, messageId + 1, before + 1);
    const newer = this.newerRows(chatId, messageId, after);
    return this.decorate([...newer, ...older]);
  }

  /** Newest first: the `limit` messages below `before`. */
  private olderRows(chatId: number, before: number, limit: number): MessageRow[] {
    return limit <= 0
      ? []
      : (this.stmts.page.all({ chatId, before, limit }) as unknown[][]).map(messageRow);
  }

  /** Newest first: the `limit` messages just above `after`. */
  private newerRows(chatId: number, after: number, limit: number): MessageRow[] {
    if (limit <= 0) return [];
    return (this.stmts.pageAfter.all({ chatId, after, limit }) as unknown[][])
      .map(messageRow)
      .reverse();
  }

  messagesById(ids: number[]): MessageView[] {
    if (ids.length === 0) return [];
    const rows = (this.stmts.byIds.all(JSON.stringify(ids)) as unknown[][]).map(messageRow);
    return this.decorate(rows);
  }

  /** Each distinct sender's avatar, keyed by account and sender (unit separator between). */
  private avatarsOf(rows: MessageRow[]): Map<string, string> {
    const senders = new Map<string, [number, string]>();
    for (const r of rows)
      if (r.sender_remote_id !== null)
        senders.set(`${r.account_id}\u001f${r.sender_remote_id}`, [
          r.account_id,
          r.sender_remote_id,
        ]);
    const avatars = new Map<string, string>();
    if (senders.size === 0) return avatars;
    for (const [accountId, remoteId, url] of this.stmts.avatars.all(
      JSON.stringify([...senders.values()]),
    ) as [number, string, string][])
      avatars.set(`${accountId}\u001f${remoteId}`, url);
    return avatars;
  }

  private decorate(rows: MessageRow[]): MessageView[] {
    if (rows.length === 0) return [];
    const ids = JSON.stringify(rows.map((r) => r.id));
    // Rows may span accounts (a delta of several chats): "mine" is per account.
    const accountOf = new Map(rows.map((r) => [r.id, r.account_id]));
    const selfOf = new Map<number, Set<string>>();
    const selfIn = (accountId: number) => {
      let self = selfOf.get(accountId);
      if (!self)
        selfOf.set(accountId, (self = new Set(this.stmts.selfIds.all(accountId) as string[])));
      return self;
    };
    const reactions = new Map<number, Reaction[]>();
    for (const r of this.stmts.reactions.all(ids) as {
      message_id: number;
      key: string;
      n: number;
      senders: string;
    }[]) {
      const list = reactions.get(r.message_id) ?? [];
      const self = selfIn(accountOf.get(r.message_id)!);
      list.push({
        key: r.key,
        count: r.n,
        mine: r.senders.split('\u001f').some((s) => self.has(s)),
      });
      reactions.set(r.message_id, list);
    }
    const attachments = new Map<number, AttachmentInfo[]>();
    // Both writers of attachments set the message's has_attachment (batch writer, local echo).
    const withAttachments = rows.filter((r) => r.has_attachment === 1).map((r) => r.id);
    const attachmentRows = withAttachments.length
      ? this.stmts.attachments.all(JSON.stringify(withAttachments))
      : [];
    for (const a of attachmentRows as (AttachmentInfo & {
      message_id: number;
      blob_sha256: string | null;
    })[]) {
      const list = attachments.get(a.message_id) ?? [];
      list.push({
        id: a.id,
        name: a.name,
        mime: a.mime,
        size: a.size,
        blobSha256: a.blob_sha256,
        width: a.width ?? null,
        height: a.height ?? null,
      });
      attachments.set(a.message_id, list);
    }
    const avatars = this.avatarsOf(rows);
    return rows.map((r) => ({
      id: r.id,
      chatId: r.chat_id,
      accountId: r.account_id,
      remoteId: r.remote_id,
      senderName: r.sender_name,
      senderRemoteId: r.sender_remote_id,
      ts: r.ts,
      kind: r.kind,
      body: r.body,
      html: r.html,
      subject: r.subject,
      replyToRemoteId: r.reply_to_remote_id,
      threadRootRemoteId: r.thread_root_remote_id,
      edited: r.edited_ts !== null,
      deleted: r.deleted === 1,
      reactions: reactions.get(r.id) ?? [],
      attachments: attachments.get(r.id) ?? [],
      outboxState: r.outbox_state,
      mentionsMe: r.mentions_self === 1,
      senderAvatarUrl: avatars.get(`${r.account_id}\u001f${r.sender_remote_id}`) ?? null,
      ...(r.kind === 'mail' ? { starred: r.mail_starred === 1, draft: r.mail_draft === 1 } : {}),
      encryption: encryptionOf(r),
    }));
  }
}

/** A decrypted message's sender device and trust; a value this build does not know reads as unverified. */
function encryptionOf(r: {
  encryption_sender_device: string | null;
  encryption_trust: string | null;
}): MessageEncryption | null {
  if (r.encryption_trust === null) return null;
  const trust = (ENCRYPTION_TRUSTS as readonly string[]).includes(r.encryption_trust)
    ? (r.encryption_trust as EncryptionTrust)
    : 'unverified';
  return { senderDevice: r.encryption_sender_device, trust };
}
