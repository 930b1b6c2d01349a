// The chat list's denormalized columns: last activity, last message and its
// preview, unread and mention counts (and the read position they count from).
// They have one owner, this module, which the batch writer (synced messages),
// the outbox (local echoes) and chat preferences (mark read) all call, so the
// rules live in one place: the chat list reads `chats` alone and never
// aggregates over messages.
import type { WriteDb } from './database.js';
import { HeldReadPositions } from './heldReadPositions.js';

/** How much of the newest message the chat list shows. */
export const PREVIEW_CHARS = 140;

/** The preview the chat list shows for a message body. */
export const previewOf = (body: string): string => body.slice(0, PREVIEW_CHARS);

export class ChatRows {
  private readonly stmts;
  /** Read positions waiting for the message they name (the batch writer holds and applies them). */
  readonly held: HeldReadPositions;

  constructor(db: WriteDb) {
    this.held = new HeldReadPositions(db);
    this.stmts = {
      newest: db.prepare(`
        UPDATE chats SET last_activity_ts = @ts, last_message_id = @id,
          last_message_preview = @preview
        WHERE id = @chatId AND (last_message_id IS NULL OR last_message_id < @id)`),
      addUnread: db.prepare(`
        UPDATE chats SET unread_count = unread_count + @unread,
          mention_count = mention_count + @mentions
        WHERE id = @chatId`),
      // The newest message still shown: a deleted one shows nothing, so the
      // one before it does (as a fresh load, which never sees a destroyed
      // message, shows it). A walk back on (chat_id, id) over the deleted ones.
      refreshPreview: db.prepare(`
        UPDATE chats SET last_message_preview =
          (SELECT substr(m.body, 1, ${PREVIEW_CHARS}) FROM messages m
           WHERE m.chat_id = chats.id AND m.id <= chats.last_message_id AND m.deleted = 0
           ORDER BY m.id DESC LIMIT 1)
        WHERE id = ?`),
      lastMessageGone: db.prepare(
        `UPDATE chats SET last_message_id = (SELECT max(id) FROM messages WHERE chat_id = chats.id)
         WHERE id = ?`,
      ),
      readUpto: db.prepare(`SELECT read_upto_id FROM read_positions WHERE chat_id = ?`).pluck(),
      // The position only moves forward: a late receipt for an older message changes nothing.
      setReadUpto: db.prepare(`
        INSERT INTO read_positions (chat_id, read_upto_id, updated_at) VALUES (?, ?, ?)
        ON CONFLICT (chat_id) DO UPDATE SET read_upto_id = max(read_upto_id, excluded.read_upto_id),
          updated_at = excluded.updated_at`),
      // The server's own read state (RemoteReadPosition.exact): it may move back.
      setReadExactly: db.prepare(`
        INSERT INTO read_positions (chat_id, read_upto_id, updated_at) VALUES (?, ?, ?)
        ON CONFLICT (chat_id) DO UPDATE SET read_upto_id = excluded.read_upto_id,
          updated_at = excluded.updated_at`),
      // Our own writes to the read state of a chat that the server cannot show yet.
      readWriteInFlight: db
        .prepare(
          `SELECT 1 FROM outbox WHERE chat_id = ? AND op IN ('read', 'mailKeyword')
             AND state IN ('pending', 'sending') LIMIT 1`,
        )
        .pluck(),
      newestBefore: db.prepare(`SELECT max(id) FROM messages WHERE chat_id = ? AND id < ?`).pluck(),
      recount: db.prepare(`
        UPDATE chats SET
          unread_count = (SELECT count(*) FROM messages m WHERE m.chat_id = @chatId
                          AND m.id > @upto AND m.from_self = 0 AND m.deleted = 0),
          mention_count = (SELECT count(*) FROM messages m WHERE m.chat_id = @chatId
                          AND m.id > @upto AND m.from_self = 0 AND m.deleted = 0
                          AND m.mentions_self = 1)
        WHERE id = @chatId`),
    };
  }

  /**
   * A message that may be the chat's newest: when its key is above the last
   * message's, the chat's activity, last message and preview follow it.
   */
  newestMessage(chatId: number, message: { id: number; ts: number; body: string }): void {
    this.stmts.newest.run({
      chatId,
      id: message.id,
      ts: message.ts,
      preview: previewOf(message.body),
    });
  }

  /** New unread messages (and mentions among them) beyond the read position. */
  addUnread(chatId: number, unread: number, mentions: number): void {
    if (unread > 0) this.stmts.addUnread.run({ chatId, unread, mentions });
  }

  /**
   * Re-reads the preview from the chat's newest message that is not deleted
   * (the last one was edited, deleted or reverted, or arrived deleted).
   */
  refreshPreview(chatId: number): void {
    this.stmts.refreshPreview.run(chatId);
  }

  /** The last message left the chat: the newest remaining one is last, and its preview shows. */
  lastMessageRemoved(chatId: number): void {
    this.stmts.lastMessageGone.run(chatId);
    this.stmts.refreshPreview.run(chatId);
  }

  /** Moves the user's read position up to the message (never back); then recount. */
  readUpTo(chatId: number, messageId: number, now = Date.now()): void {
    this.stmts.setReadUpto.run(chatId, messageId, now);
  }

  /**
   * The server's read state, which may move back (RemoteReadPosition.exact).
   * A move back waits while a read-state write of ours to this chat is queued
   * or on its way: the server cannot show it yet, and the chat would show
   * unread again after the user read it. Our write changes the server's state,
   * so the server's next answer brings the position again. (Answers asked for
   * before a write that was already sent are the connector's to recognise.)
   * Returns whether the position changed.
   */
  readExactly(chatId: number, messageId: number, now = Date.now()): boolean {
    const current = this.readUpto(chatId);
    if (messageId === current) return false;
    if (messageId < current && this.stmts.readWriteInFlight.get(chatId)) return false;
    this.stmts.setReadExactly.run(chatId, messageId, now);
    return true;
  }

  /**
   * The user marked the message unread: the position goes back to just before
   * it, and a position held from before (read elsewhere up to a message not
   * here yet) no longer applies: the user's mark is newer.
   */
  unreadFrom(chatId: number, messageId: number, now = Date.now()): void {
    this.held.drop(chatId);
    const before = (this.stmts.newestBefore.get(chatId, messageId) as number | null) ?? 0;
    if (before < this.readUpto(chatId)) this.stmts.setReadExactly.run(chatId, before, now);
  }

  /** The user's read position in the chat, as a message key (0: nothing read). */
  readUpto(chatId: number): number {
    return (this.stmts.readUpto.get(chatId) as number | undefined) ?? 0;
  }

  /** Recomputes unread and mention counts from the read position (a range count on (chat_id, id)). */
  recount(chatId: number): void {
    this.stmts.recount.run({ chatId, upto: this.readUpto(chatId) });
  }
}
