// The chat list in memory: every chat's ChatSummary, kept in the list's order,
// so a read of 2k chats is a walk over an array instead of 2k rows turned from
// SQLite values into JS values (3 ms at the floor, whatever the query).
//
// How it stays true. Not by asking every write path to report what it touched
// (there are many: the batch writer, local echoes, preferences, mark read,
// account removal's cascade, whatever comes next), but by SQLite itself: TEMP
// triggers on this connection note the id of every `chats` row inserted,
// updated or deleted, by any statement, cascades included (they call a JS
// function with the id). A read takes those ids, re-reads just those rows and moves them in the order.
// Accounts (their workspace) and spaces (their local ids) feed two derived
// fields; a change to either marks the whole context stale (id 0), and the
// summaries are rebuilt from the rows kept in memory.
//
// What triggers cannot see:
// - another connection writing the same file (the CLI runs a Daemon of its
//   own and can sync while the app runs; there is no profile lock): PRAGMA
//   data_version, checked on every read, changes when any other connection
//   commits, and the list is then read again whole;
// - a write not yet committed: inside a transaction the caller reads SQL
//   instead (a read there would keep values a rollback then takes back).
import type { Statement } from 'better-sqlite3';
import type { WriteDb } from './database.js';
import type { ChatSummary } from '../model/types.js';
import {
  CHAT_COLUMNS,
  CHAT_ORDER,
  readChatContext,
  statementCache,
  toChatSummary,
  type ChatContext,
  type ChatTupleWithArchived,
} from './chatSummaries.js';

/** What a chat list read asks for; the same filter as ReadModel.chats, with its keyset position. */
export interface ChatListQuery {
  accountId?: number;
  workspaceId?: number;
  archived?: boolean;
  /** Only chats after this position in the order (a page's cursor). */
  after: { pinned: number; ts: number; id: number } | null;
  limit: number | null;
}

/** The id the context triggers write: chat ids start at 1. */
const CONTEXT_CHANGED = 0;

/**
 * Above this many changed chats, reading the whole list is cheaper than
 * re-reading and moving each one (a first sync, an account removed).
 */
const REFRESH_LIMIT = 256;

/** The SQL function the triggers call: it tells this cache, in JS, which chat changed. */
const CHANGED = 'parley_chat_list_changed';

// TEMP triggers belong to this connection and vanish with it. Each calls back
// into JS instead of writing a temp table: a function call costs a third of a
// guarded INSERT (the batch writer fires these once or twice per chat per
// batch), and marks outside SQLite's transaction are only ever too many, never
// too few: a rolled-back write leaves its chat marked, and re-reading it finds
// the old row, which is right. (The update trigger passes both ids: a row's id
// never changes today, but if it did both places would need a re-read.)
const TRIGGERS = `
  CREATE TEMP TRIGGER IF NOT EXISTS chat_list_chat_inserted AFTER INSERT ON main.chats
  BEGIN SELECT ${CHANGED}(new.id); END;
  CREATE TEMP TRIGGER IF NOT EXISTS chat_list_chat_updated AFTER UPDATE ON main.chats
  BEGIN SELECT ${CHANGED}(new.id, old.id); END;
  CREATE TEMP TRIGGER IF NOT EXISTS chat_list_chat_deleted AFTER DELETE ON main.chats
  BEGIN SELECT ${CHANGED}(old.id); END;
  CREATE TEMP TRIGGER IF NOT EXISTS chat_list_account_inserted AFTER INSERT ON main.accounts
  BEGIN SELECT ${CHANGED}(${CONTEXT_CHANGED}); END;
  CREATE TEMP TRIGGER IF NOT EXISTS chat_list_account_moved
  AFTER UPDATE OF id, workspace_id ON main.accounts
  BEGIN SELECT ${CHANGED}(${CONTEXT_CHANGED}); END;
  CREATE TEMP TRIGGER IF NOT EXISTS chat_list_account_deleted AFTER DELETE ON main.accounts
  BEGIN SELECT ${CHANGED}(${CONTEXT_CHANGED}); END;
  CREATE TEMP TRIGGER IF NOT EXISTS chat_list_space_inserted AFTER INSERT ON main.spaces
  BEGIN SELECT ${CHANGED}(${CONTEXT_CHANGED}); END;
  CREATE TEMP TRIGGER IF NOT EXISTS chat_list_space_moved
  AFTER UPDATE OF id, account_id, remote_id ON main.spaces
  BEGIN SELECT ${CHANGED}(${CONTEXT_CHANGED}); END;
  CREATE TEMP TRIGGER IF NOT EXISTS chat_list_space_deleted AFTER DELETE ON main.spaces
  BEGIN SELECT ${CHANGED}(${CONTEXT_CHANGED}); END;`;

/** The list's order: pinned first, then latest activity, then the newer chat (all descending). */
function before(
  a: { pinned: boolean | number; lastActivityTs: number; id: number },
  b: ChatSummary,
): number {
  const pa = a.pinned ? 1 : 0;
  const pb = b.pinned ? 1 : 0;
  if (pa !== pb) return pb - pa;
  if (a.lastActivityTs !== b.lastActivityTs) return b.lastActivityTs - a.lastActivityTs;
  return b.id - a.id;
}

export class ChatListCache {
  /** Every chat, archived or not, in the list's order. Frozen: callers share them. */
  private list: ChatSummary[] = [];
  /** Each chat's row as read, to rebuild its summary when the context changes. */
  private readonly rows = new Map<number, ChatTupleWithArchived>();
  private readonly summaries = new Map<number, ChatSummary>();
  private ctx: ChatContext | null = null;
  /** PRAGMA data_version when the list was last brought up to date; null: never loaded. */
  private version: number | null = null;
  private firstReadServed = false;
  /** Counts changes to the list: a reader's derived copy (search's names) is stale when it moves. */
  private generation = 0;
  /** Chats written since the last read (CONTEXT_CHANGED: accounts or spaces). */
  private readonly marked = new Set<number>();
  private readonly prepare: (sql: string) => Statement;
  private readonly stmts;

  /** One per connection: the triggers call the function the newest cache registered. */
  constructor(private readonly db: WriteDb) {
    db.function(CHANGED, { varargs: true }, (...ids: unknown[]) => {
      for (const id of ids) this.marked.add(Number(id));
      return null;
    });
    db.exec(TRIGGERS);
    this.prepare = statementCache(db);
    this.stmts = {
      dataVersion: db.prepare(`PRAGMA data_version`).pluck(),
      all: db
        .prepare(`SELECT ${CHAT_COLUMNS}, c.archived FROM chats c ORDER BY ${CHAT_ORDER}`)
        .raw(),
      byIds: db
        .prepare(
          `SELECT ${CHAT_COLUMNS}, c.archived FROM chats c
           WHERE c.id IN (SELECT value FROM json_each(?))`,
        )
        .raw(),
    };
  }

  /**
   * The chats the query asks for, in the list's order; null when the list
   * cannot answer now (inside a transaction: the caller reads SQL).
   */
  query(q: ChatListQuery): ChatSummary[] | null {
    if (this.db.inTransaction) return null;
    // The first read of a process is the first screen's: SQL reads just that
    // page, where loading every chat first cost ~40 ms of the cold start
    // (bench:daemon, 2k chats). The list is loaded by the next read.
    if (this.version === null && !this.firstReadServed) {
      this.firstReadServed = true;
      return null;
    }
    this.update();
    const archived = q.archived === true;
    const out: ChatSummary[] = [];
    const limit = q.limit ?? Infinity;
    if (limit <= 0) return out;
    const after = q.after;
    const start = after
      ? this.firstAfter({ pinned: after.pinned, lastActivityTs: after.ts, id: after.id })
      : 0;
    for (let i = start; i < this.list.length; i++) {
      const c = this.list[i]!;
      if (c.archived !== archived) continue;
      if (q.accountId !== undefined && c.accountId !== q.accountId) continue;
      // The summary's workspace is its account's (SQL: account_id IN that workspace's accounts).
      if (q.workspaceId !== undefined && c.workspaceId !== q.workspaceId) continue;
      out.push(c);
      if (out.length >= limit) break;
    }
    return out;
  }

  /**
   * Every chat, archived or not, in the list's order (search's `in:` matches
   * their names); null inside a transaction, as for query().
   */
  everyChat(): { readonly chats: readonly ChatSummary[]; readonly generation: number } | null {
    if (this.db.inTransaction) return null;
    this.update();
    return { chats: this.list, generation: this.generation };
  }

  /** Brings the list up to date with every committed write. */
  private update(): void {
    const version = this.stmts.dataVersion.get() as number;
    if (version !== this.version) return this.load(version);
    if (this.marked.size === 0) return;
    const dirty = [...this.marked];
    this.marked.clear();
    if (dirty.length > REFRESH_LIMIT) return this.load(version);
    if (dirty.includes(CONTEXT_CHANGED)) this.rebuildSummaries();
    this.refresh(dirty.filter((id) => id !== CONTEXT_CHANGED));
  }

  /** Reads the whole list (first read, another connection wrote, or too much changed). */
  private load(version: number): void {
    this.marked.clear();
    this.ctx = readChatContext(this.prepare);
    this.rows.clear();
    this.summaries.clear();
    const rows = this.stmts.all.all() as ChatTupleWithArchived[];
    this.list = rows.map((r) => this.remember(r));
    this.generation++;
    this.version = version;
  }

  /** The context changed: every summary again from the rows in memory (no SQL for the chats). */
  private rebuildSummaries(): void {
    this.ctx = readChatContext(this.prepare);
    this.list = this.list.map((c) => this.remember(this.rows.get(c.id)!));
    this.generation++;
  }

  /** Re-reads the chats by id, and moves each to its place (or out, when it is gone). */
  private refresh(ids: number[]): void {
    if (ids.length === 0) return;
    this.generation++;
    for (const id of ids) {
      const old = this.summaries.get(id);
      if (!old) continue;
      this.list.splice(this.indexOf(old), 1);
      this.summaries.delete(id);
      this.rows.delete(id);
    }
    for (const row of this.stmts.byIds.all(JSON.stringify(ids)) as ChatTupleWithArchived[]) {
      const c = this.remember(row);
      this.list.splice(this.firstAfter(c), 0, c);
    }
  }

  private remember(row: ChatTupleWithArchived): ChatSummary {
    const c = Object.freeze(toChatSummary(row, row[13] === 1, this.ctx!));
    this.rows.set(c.id, row);
    this.summaries.set(c.id, c);
    return c;
  }

  /** The index of the first chat that sorts after `key` (binary search). */
  private firstAfter(key: {
    pinned: boolean | number;
    lastActivityTs: number;
    id: number;
  }): number {
    let lo = 0;
    let hi = this.list.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (before(key, this.list[mid]!) >= 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Where this (listed) summary sits. */
  private indexOf(c: ChatSummary): number {
    const i = this.firstAfter(c) - 1;
    if (this.list[i] !== c) throw new Error(`chat list cache out of order at chat ${c.id}`);
    return i;
  }
}
