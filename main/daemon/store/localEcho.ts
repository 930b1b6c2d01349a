// Local echoes: a message the user sent shows at once as a row of its own,
// keyed by the outbox entry's idempotency key, until the server's copy
// replaces it. One module owns its whole life, called by the outbox (create,
// confirm) and the batch writer (the synced copy adopts the echo's row).
import type { MessageKind } from '../model/types.js';
import type { WriteDb } from './database.js';
import type { ChatRows } from './chatRows.js';
import { MessageIndex } from './search/messageIndex.js';

/** Remote id of a local echo's attachment until the server's copy replaces it. */
export const LOCAL_ATTACHMENT_PREFIX = 'outbox:';

/** What the echo shows: the text, what it replies to, and the file it carries. */
export interface EchoContent {
  kind: MessageKind;
  body: string;
  /** The formatted body sent with it (Markdown made HTML), shown until the server's copy. */
  html?: string | null;
  replyToRemoteId: string | null;
  threadRootRemoteId: string | null;
  attachment?: {
    sha256: string;
    name: string;
    mime: string;
    size: number;
    width?: number | null;
    height?: number | null;
  };
}

export class LocalEcho {
  private readonly index: MessageIndex;
  private readonly stmts;

  constructor(
    db: WriteDb,
    private readonly chatRows: ChatRows,
  ) {
    this.index = new MessageIndex(db);
    this.stmts = {
      self: db.prepare(
        `SELECT remote_id, display_name FROM people WHERE account_id = ? AND is_self = 1 LIMIT 1`,
      ),
      insert: db.prepare(
        `INSERT INTO messages (id, account_id, chat_id, remote_id, sender_remote_id, sender_name,
           ts, kind, body, html, reply_to_remote_id, thread_root_remote_id, from_self,
           idempotency_key, has_attachment)
         VALUES (?, ?, ?, NULL, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)`,
      ),
      insertAttachment: db.prepare(
        `INSERT INTO attachments (message_id, remote_id, name, mime, size, width, height,
           blob_sha256) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      byKey: db
        .prepare(`SELECT id FROM messages WHERE idempotency_key = ? AND account_id = ?`)
        .pluck(),
      waitingByKey: db
        .prepare(
          `SELECT id FROM messages WHERE idempotency_key = ? AND account_id = ? AND remote_id IS NULL`,
        )
        .pluck(),
      byRemote: db
        .prepare(`SELECT id FROM messages WHERE account_id = ? AND remote_id = ?`)
        .pluck(),
      takeRemoteId: db.prepare(
        `UPDATE messages SET remote_id = ? WHERE id = ? AND remote_id IS NULL`,
      ),
      remove: db.prepare(`DELETE FROM messages WHERE id = ?`),
      localBlob: db
        .prepare(
          `SELECT blob_sha256 FROM attachments WHERE message_id = ? AND remote_id LIKE 'outbox:%'
           AND blob_sha256 IS NOT NULL LIMIT 1`,
        )
        .pluck(),
      adoptBlob: db.prepare(
        `UPDATE attachments SET blob_sha256 = ? WHERE message_id = ? AND blob_sha256 IS NULL
         AND remote_id NOT LIKE 'outbox:%'`,
      ),
      dropLocalAttachments: db.prepare(
        `DELETE FROM attachments WHERE message_id = ? AND remote_id LIKE 'outbox:%'`,
      ),
    };
  }

  /**
   * Writes the echo under key `id` (a free message key) from the account's own
   * person row, indexes it and makes it the chat's newest message. Runs in the
   * caller's transaction (the outbox entry is written in the same one).
   */
  create(
    accountId: number,
    chatId: number,
    id: number,
    idempotencyKey: string,
    content: EchoContent,
    now: number,
  ): void {
    const self = this.stmts.self.get(accountId) as
      { remote_id: string; display_name: string } | undefined;
    const senderName = self?.display_name ?? 'Me';
    const a = content.attachment;
    this.stmts.insert.run(
      id,
      accountId,
      chatId,
      self?.remote_id ?? null,
      senderName,
      now,
      content.kind,
      content.body,
      content.html ?? null,
      content.replyToRemoteId,
      content.threadRootRemoteId,
      idempotencyKey,
      a ? 1 : 0,
    );
    // The echo shows the bytes at once; the server's copy inherits the blob (adoptAttachments).
    if (a)
      this.stmts.insertAttachment.run(
        id,
        `${LOCAL_ATTACHMENT_PREFIX}${idempotencyKey}`,
        a.name,
        a.mime,
        a.size,
        a.width ?? null,
        a.height ?? null,
        a.sha256,
      );
    this.index.add({
      id,
      chatId,
      body: content.body,
      subject: null,
      sender: senderName,
      hasAttachment: Boolean(a),
    });
    this.chatRows.newestMessage(chatId, { id, ts: now, body: content.body });
  }

  /**
   * The echo still waiting for the server's copy (no remote id yet) under this
   * key. A row that already has a remote id is a server message: a second,
   * different message claiming the same key (a broken or hostile server) must
   * not take it over.
   */
  waiting(accountId: number, idempotencyKey: string): number | undefined {
    return this.stmts.waitingByKey.get(idempotencyKey, accountId) as number | undefined;
  }

  /** The row of the message sent with this idempotency key (the echo, or what adopted it). */
  find(accountId: number, idempotencyKey: string): number | undefined {
    return this.stmts.byKey.get(idempotencyKey, accountId) as number | undefined;
  }

  /**
   * The server confirmed the send as `remoteId`. The echo takes the server's
   * id, unless sync already delivered the server's copy as a row of its own:
   * then the echo goes and the chat's last message is the newest remaining.
   */
  confirmed(
    echo: { accountId: number; chatId: number | null; messageId: number },
    remoteId: string,
  ): void {
    const serverCopy = this.stmts.byRemote.get(echo.accountId, remoteId) as number | undefined;
    if (serverCopy === undefined) {
      this.stmts.takeRemoteId.run(remoteId, echo.messageId);
    } else if (serverCopy !== echo.messageId) {
      this.index.remove(echo.messageId);
      this.stmts.remove.run(echo.messageId);
      if (echo.chatId !== null) this.chatRows.lastMessageRemoved(echo.chatId);
    }
  }

  /**
   * The server's copy of an echo with a file took the echo's row: the bytes we
   * sent are the bytes it holds, so its attachments get the echo's blob, and
   * the echo's own attachment rows go. Call after the copy's attachments are written.
   */
  adoptAttachments(messageId: number): void {
    const local = this.stmts.localBlob.get(messageId) as string | undefined;
    if (local === undefined) return;
    this.stmts.adoptBlob.run(local, messageId);
    this.stmts.dropLocalAttachments.run(messageId);
  }
}
