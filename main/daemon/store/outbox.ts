// The outbox: every write the user makes is first stored here with an
// idempotency key (Matrix txnId, JMAP creation id, unichat uid, REST localId)
// and retried until the server confirms. A send also gets a local echo row in
// messages so the UI shows it at once, marked pending.
import { randomUUID } from 'node:crypto';
import type { WriteDb } from './database.js';
import type { OutboxState } from '../model/types.js';
import type { BatchWriter } from './batchWriter.js';
import { attachmentKind } from '../model/attachmentKind.js';
import { OutboxOpSchema, parseStoredOp, type OutboxOp } from '../model/ops.js';

// The operations themselves are declared, with their schemas, in the model.
export type {
  MailAddress,
  MailDraft,
  MailRole,
  OutboxOp,
  OutgoingAttachment,
} from '../model/ops.js';

export interface OutboxEntry {
  id: number;
  accountId: number;
  chatId: number | null;
  idempotencyKey: string;
  /** The operation's name, as stored (also when its payload no longer parses). */
  op: string;
  /** The parsed operation; null when the stored payload no longer parses (the entry is failed). */
  operation: OutboxOp | null;
  state: OutboxState;
  attempts: number;
  nextAttemptAt: number;
  lastError: string | null;
  localMessageId: number | null;
  remoteId: string | null;
  /** When the user made the write (ms). */
  createdAt: number;
}

/** An entry the sender can deliver: its operation parsed. */
export type DeliverableOutboxEntry = OutboxEntry & { operation: OutboxOp };

interface OutboxRow {
  id: number;
  op: string;
  account_id: number;
  chat_id: number | null;
  idempotency_key: string;
  payload_json: string;
  state: OutboxState;
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
  local_message_id: number | null;
  remote_id: string | null;
  created_at: number;
}

/**
 * A row as an entry, its payload parsed again with the operation's schema. A
 * payload that no longer parses (written by another version, or damaged)
 * reads as failed with the reason; due() also stores that, so it is never sent.
 */
const toEntry = (r: OutboxRow): OutboxEntry => {
  const parsed = parseStoredOp(r.payload_json);
  return {
    id: r.id,
    accountId: r.account_id,
    chatId: r.chat_id,
    idempotencyKey: r.idempotency_key,
    op: r.op,
    operation: parsed.ok ? parsed.op : null,
    state: parsed.ok ? r.state : 'failed',
    attempts: r.attempts,
    nextAttemptAt: r.next_attempt_at,
    lastError: parsed.ok ? r.last_error : parsed.reason,
    localMessageId: r.local_message_id,
    remoteId: r.remote_id,
    createdAt: r.created_at,
  };
};

const isDeliverable = (e: OutboxEntry): e is DeliverableOutboxEntry => e.operation !== null;

export class Outbox {
  constructor(
    private readonly db: WriteDb,
    private readonly writer: BatchWriter,
  ) {}

  /**
   * Queues a write. For a send, the local echo message is created in the same
   * transaction, from the account's own person row.
   */
  enqueue(
    accountId: number,
    chatId: number | null,
    operation: OutboxOp,
    now = Date.now(),
  ): OutboxEntry {
    // Stored exactly as it will be read back: what would not parse then is refused now.
    operation = OutboxOpSchema.parse(operation);
    return this.db.transaction(() => {
      const key = randomUUID();
      let localMessageId: number | null = null;
      if ((operation.op === 'send' || operation.op === 'sendAttachment') && chatId !== null) {
        localMessageId = this.writer.freeKey(now, key);
        this.writer.echoes.create(
          accountId,
          chatId,
          localMessageId,
          key,
          {
            kind: operation.op === 'send' ? 'text' : attachmentKind(operation.attachment.mime),
            body: operation.body,
            html: operation.op === 'send' ? (operation.html ?? null) : null,
            replyToRemoteId: operation.replyToRemoteId ?? null,
            threadRootRemoteId: (operation.op === 'send' && operation.threadRootRemoteId) || null,
            attachment: operation.op === 'sendAttachment' ? operation.attachment : undefined,
          },
          now,
        );
      }
      const id = this.db
        .prepare(
          `INSERT INTO outbox (account_id, chat_id, op, idempotency_key, payload_json, state,
             next_attempt_at, local_message_id, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?)`,
        )
        .run(
          accountId,
          chatId,
          operation.op,
          key,
          JSON.stringify(operation),
          now,
          localMessageId,
          now,
          now,
        ).lastInsertRowid as number;
      return this.get(id)!;
    })();
  }

  get(id: number): OutboxEntry | null {
    const row = this.db.prepare(`SELECT * FROM outbox WHERE id = ?`).get(id) as
      OutboxRow | undefined;
    return row ? toEntry(row) : null;
  }

  list(accountId?: number): OutboxEntry[] {
    const rows = (
      accountId === undefined
        ? this.db.prepare(`SELECT * FROM outbox ORDER BY id`).all()
        : this.db.prepare(`SELECT * FROM outbox WHERE account_id = ? ORDER BY id`).all(accountId)
    ) as OutboxRow[];
    return rows.map(toEntry);
  }

  /**
   * Entries of the account that may go now, oldest first. Order holds per
   * chat: while a chat's oldest pending entry waits for its retry, the later
   * ones of that chat wait too, so messages arrive in the order they were
   * written. Other chats are not held back.
   */
  due(accountId: number, now = Date.now()): DeliverableOutboxEntry[] {
    const pending = (
      this.db
        .prepare(`SELECT * FROM outbox WHERE account_id = ? AND state = 'pending' ORDER BY id`)
        .all(accountId) as OutboxRow[]
    ).map(toEntry);
    const held = new Set<number | null>();
    const due: DeliverableOutboxEntry[] = [];
    for (const entry of pending) {
      if (!isDeliverable(entry)) {
        // Never sent half-understood, never retried: failed, with the reason, for the user.
        this.markFailed(entry.id, entry.lastError ?? 'the stored operation is unreadable');
        continue;
      }
      if (held.has(entry.chatId)) continue;
      if (entry.nextAttemptAt <= now) due.push(entry);
      else held.add(entry.chatId);
    }
    return due;
  }

  /** The earliest time a pending entry of the account becomes due, if any. */
  nextDueAt(accountId: number): number | null {
    return (
      (this.db
        .prepare(
          `SELECT min(next_attempt_at) FROM outbox WHERE account_id = ? AND state = 'pending'`,
        )
        .pluck()
        .get(accountId) as number | null) ?? null
    );
  }

  markSending(id: number): void {
    this.db
      .prepare(
        `UPDATE outbox SET state = 'sending', attempts = attempts + 1, updated_at = ? WHERE id = ?`,
      )
      .run(Date.now(), id);
  }

  /**
   * The server confirmed. The echo row takes the server's id, unless the sync
   * stream already delivered the server copy, in which case the echo goes.
   */
  markSent(id: number, remoteId: string | null): void {
    this.db.transaction(() => {
      const entry = this.get(id);
      if (!entry || entry.state === 'sent') return;
      this.db
        .prepare(
          `UPDATE outbox SET state = 'sent', remote_id = ?, last_error = NULL, updated_at = ?
           WHERE id = ?`,
        )
        .run(remoteId, Date.now(), id);
      if (entry.localMessageId === null || remoteId === null) return;
      this.writer.echoes.confirmed(
        { accountId: entry.accountId, chatId: entry.chatId, messageId: entry.localMessageId },
        remoteId,
      );
    })();
  }

  /** A transient failure: try again at `nextAttemptAt`. */
  markRetry(id: number, error: string, nextAttemptAt: number): void {
    this.db
      .prepare(
        `UPDATE outbox SET state = 'pending', last_error = ?, next_attempt_at = ?, updated_at = ?
         WHERE id = ?`,
      )
      .run(error, nextAttemptAt, Date.now(), id);
  }

  /** A permanent failure: the user sees it and may retry by hand. */
  markFailed(id: number, error: string): void {
    this.db
      .prepare(`UPDATE outbox SET state = 'failed', last_error = ?, updated_at = ? WHERE id = ?`)
      .run(error, Date.now(), id);
  }

  /** The user asked to try a failed entry again. */
  retryNow(id: number): boolean {
    return (
      this.db
        .prepare(
          `UPDATE outbox SET state = 'pending', next_attempt_at = 0, updated_at = ?
           WHERE id = ? AND state = 'failed'`,
        )
        .run(Date.now(), id).changes > 0
    );
  }

  /**
   * After a restart nothing is in flight: entries caught mid-send go back to
   * pending. The idempotency key makes the second attempt safe.
   */
  recoverInFlight(): number {
    return this.db
      .prepare(`UPDATE outbox SET state = 'pending', next_attempt_at = 0 WHERE state = 'sending'`)
      .run().changes;
  }
}
