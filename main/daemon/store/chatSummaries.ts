// How a `chats` row becomes the chat list's ChatSummary: the columns read, the
// order, and the context (workspaces, space ids) that turns ids into the
// model's. Shared by the SQL read (readModel.ts) and the in-memory list
// (chatListCache.ts), so both return exactly the same objects.
import type { Statement } from 'better-sqlite3';
import type { Db } from './database.js';
import type { ChatSummary } from '../model/types.js';

// The chat list reads chats alone: workspace and space ids come from small
// maps (a handful of accounts, at most hundreds of spaces), not per-row joins,
// and rows come back as arrays, which better-sqlite3 builds faster than objects.
// Turning SQLite values into JS values is most of a 2k-chat list's cost (the
// index walk is a tenth of it), so the three flags travel as one integer and
// `archived`, which the filter fixes, not at all.
export const CHAT_COLUMNS = `c.id, c.account_id, c.remote_id, c.kind, c.name, c.topic, c.space_remote_id,
  c.last_activity_ts, c.last_message_preview, c.unread_count, c.mention_count,
  c.muted | (c.pinned << 1) | (c.encrypted << 2) | (c.blocked << 3) AS flags, c.avatar_url`;

/** The chat list's order, as SQL (pinned first, then latest activity, then newest chat). */
export const CHAT_ORDER = `c.pinned DESC, c.last_activity_ts DESC, c.id DESC`;

const MUTED = 1;
const PINNED = 2;
const ENCRYPTED = 4;
const BLOCKED = 8;

export type ChatTuple = [
  number,
  number,
  string,
  ChatSummary['kind'],
  string,
  string | null,
  string | null,
  number,
  string | null,
  number,
  number,
  number,
  string | null,
];

/** CHAT_COLUMNS followed by `c.archived`, for reads that do not filter on it. */
export type ChatTupleWithArchived = [...ChatTuple, number];

export interface ChatContext {
  workspaceOf: Map<number, number>;
  /** Per account: space remote id → local id. */
  spaceIdOf: Map<number, Map<string, number>>;
}

export const toChatSummary = (
  [
    id,
    accountId,
    remoteId,
    kind,
    name,
    topic,
    spaceRemoteId,
    lastActivityTs,
    preview,
    unread,
    mentions,
    flags,
    avatarUrl,
  ]: ChatTuple | ChatTupleWithArchived,
  archived: boolean,
  ctx: ChatContext,
): ChatSummary => ({
  id,
  accountId,
  workspaceId: ctx.workspaceOf.get(accountId) ?? 0,
  remoteId,
  kind,
  name,
  topic,
  spaceId:
    spaceRemoteId === null ? null : (ctx.spaceIdOf.get(accountId)?.get(spaceRemoteId) ?? null),
  lastActivityTs,
  lastMessagePreview: preview,
  unreadCount: unread,
  mentionCount: mentions,
  muted: (flags & MUTED) !== 0,
  pinned: (flags & PINNED) !== 0,
  archived,
  encrypted: (flags & ENCRYPTED) !== 0,
  avatarUrl,
  blocked: (flags & BLOCKED) !== 0,
});

/** Reads the accounts' workspaces and the spaces' local ids (small tables). */
export function readChatContext(prepare: (sql: string) => Statement): ChatContext {
  const workspaceOf = new Map(
    prepare(`SELECT id, workspace_id FROM accounts`).raw().all() as [number, number][],
  );
  const spaceIdOf = new Map<number, Map<string, number>>();
  for (const [id, accountId, remoteId] of prepare(`SELECT id, account_id, remote_id FROM spaces`)
    .raw()
    .all() as [number, number, string][]) {
    let spaces = spaceIdOf.get(accountId);
    if (!spaces) spaceIdOf.set(accountId, (spaces = new Map()));
    spaces.set(remoteId, id);
  }
  return { workspaceOf, spaceIdOf };
}

/** Statements prepared once per connection and SQL text (filters make a handful of shapes). */
export function statementCache(db: Db): (sql: string) => Statement {
  const statements = new Map<string, Statement>();
  return (sql) => {
    let s = statements.get(sql);
    if (!s) statements.set(sql, (s = db.prepare(sql)));
    return s;
  };
}
