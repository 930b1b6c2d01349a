// The baseline: what a bare better-sqlite3 loop achieves on the same rows.
// A plain messages table with the store's columns and indexes (no foreign
// keys, no other tables), one FTS5 word index configured as the store's
// (contentless, unicode61 without diacritics, prefix indexes 2–6) filled by
// plain INSERTs, the same pragmas as the store, one IMMEDIATE transaction per
// batch. It keeps no substring index, no chat list, no unread counts.
import Database from 'better-sqlite3';
import type { RemoteMessage } from '../main/daemon/model/types.js';
import { baseKey, preferredSlot } from '../main/daemon/store/messageKey.js';

const SCHEMA = `
CREATE TABLE messages (
  id INTEGER PRIMARY KEY,
  account_id INTEGER NOT NULL,
  chat_id INTEGER NOT NULL,
  remote_id TEXT,
  sender_remote_id TEXT,
  sender_name TEXT NOT NULL DEFAULT '',
  ts INTEGER NOT NULL,
  kind TEXT NOT NULL,
  subject TEXT,
  body TEXT NOT NULL DEFAULT '',
  html TEXT,
  reply_to_remote_id TEXT,
  thread_root_remote_id TEXT,
  edited_ts INTEGER,
  deleted INTEGER NOT NULL DEFAULT 0,
  has_attachment INTEGER NOT NULL DEFAULT 0,
  mentions_self INTEGER NOT NULL DEFAULT 0,
  from_self INTEGER NOT NULL DEFAULT 0,
  idempotency_key TEXT,
  raw_json TEXT
);
CREATE UNIQUE INDEX messages_remote ON messages (account_id, remote_id) WHERE remote_id IS NOT NULL;
CREATE INDEX messages_by_chat ON messages (chat_id, id);
CREATE UNIQUE INDEX messages_by_idempotency ON messages (idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE VIRTUAL TABLE messages_fts USING fts5 (
  body, subject, sender,
  content = '', contentless_delete = 1,
  tokenize = 'unicode61 remove_diacritics 2',
  prefix = '2 3 4 5 6'
);
`;

export interface RawContext {
  accountId: number;
  chatIds: Map<string, number>;
  /** Sender remote id → display name, for this account. */
  names: Map<string, string>;
  selfIds: Set<string>;
}

export class RawBaseline {
  readonly db: Database.Database;
  private readonly insertMessage;
  private readonly insertFts;

  constructor(file: string) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('cache_size = -32000');
    this.db.pragma('temp_store = MEMORY');
    this.db.exec(SCHEMA);
    this.insertMessage = this.db.prepare(`
      INSERT INTO messages (id, account_id, chat_id, remote_id, sender_remote_id, sender_name, ts,
        kind, subject, body, html, reply_to_remote_id, thread_root_remote_id, edited_ts, deleted,
        has_attachment, mentions_self, from_self, idempotency_key, raw_json)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    this.insertFts = this.db.prepare(
      `INSERT INTO messages_fts (rowid, body, subject, sender) VALUES (?, ?, ?, ?)`,
    );
  }

  /** One transaction for the batch, as the store does. */
  insertBatch(ctx: RawContext, messages: RemoteMessage[]): void {
    this.db
      .transaction(() => {
        for (const m of messages) {
          // The store's key when the first slot is free; the plan gives every
          // message its own millisecond, so it always is.
          const id = baseKey(m.ts) + preferredSlot(m.remoteId);
          const sender = m.senderRemoteId;
          const senderName = m.senderName ?? (sender ? (ctx.names.get(sender) ?? sender) : '');
          const body = m.deleted ? '' : m.body;
          this.insertMessage.run(
            id,
            ctx.accountId,
            ctx.chatIds.get(m.chatRemoteId)!,
            m.remoteId,
            sender,
            senderName,
            m.ts,
            m.kind,
            m.subject ?? null,
            body,
            m.html ?? null,
            m.replyToRemoteId ?? null,
            m.threadRootRemoteId ?? null,
            m.editedTs ?? null,
            m.deleted ? 1 : 0,
            m.attachments?.length ? 1 : 0,
            m.mentionsSelf ? 1 : 0,
            sender !== null && ctx.selfIds.has(sender) ? 1 : 0,
            m.idempotencyKey ?? null,
            null,
          );
          this.insertFts.run(id, body, m.subject ?? null, senderName);
        }
      })
      .immediate();
  }

  close(): void {
    this.db.close();
  }
}
