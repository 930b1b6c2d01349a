// The user's read position in a chat, held while the message it names is not
// stored. A connector may say "read up to X" before X arrives: unichat lists
// its groups (with each one's read position) before their messages, a live
// pass can race a catch-up, a JMAP Chat ReadPosition or Matrix read marker can
// name a message of history not fetched yet. Dropping it would show unread
// what the user read elsewhere; instead it waits here, in the database (so a
// restart keeps it), until the batch that stores the message applies it in
// its own transaction (BatchWriter).
//
// Bounds: one row per chat (the latest position the connector gave wins, as it
// does for stored ones), deleted with the chat (a foreign key), and forgotten
// after HELD_READ_POSITION_MAX_AGE_MS (pruned as the next one is held). So the table never holds more rows than
// the chat list, and a position whose message never comes (a Matrix read
// marker on an event that is not a message, a mail deleted meanwhile) goes in
// time. Other people's receipts need none of this: they are stored by the
// message's remote id and placed when it arrives (receipts.ts).
import type { WriteDb } from './database.js';

/** A held position whose message has not come in this long most likely never will. */
export const HELD_READ_POSITION_MAX_AGE_MS = 30 * 24 * 3600_000;

export interface HeldReadPosition {
  messageRemoteId: string;
  /** RemoteReadPosition.exact: it may move the position back. */
  exact: boolean;
}

export class HeldReadPositions {
  private readonly stmts;

  constructor(db: WriteDb) {
    this.stmts = {
      hold: db.prepare(`
        INSERT INTO held_read_positions (chat_id, message_remote_id, exact, received_at)
        VALUES (?, ?, ?, ?)
        ON CONFLICT (chat_id) DO UPDATE SET message_remote_id = excluded.message_remote_id,
          exact = excluded.exact, received_at = excluded.received_at`),
      any: db.prepare(`SELECT 1 FROM held_read_positions LIMIT 1`).pluck(),
      get: db.prepare(`SELECT message_remote_id, exact FROM held_read_positions WHERE chat_id = ?`),
      drop: db.prepare(`DELETE FROM held_read_positions WHERE chat_id = ?`),
      loosen: db.prepare(`UPDATE held_read_positions SET exact = 0 WHERE chat_id = ?`),
      prune: db.prepare(`DELETE FROM held_read_positions WHERE received_at < ?`),
    };
  }

  /**
   * Holds the chat's position until its message arrives, replacing one held
   * before. Old ones are pruned here, the only way rows come in, rather than
   * when the store opens: opening reads nothing it does not need (a damaged
   * page here must not stop the daemon starting; backups.test.ts).
   */
  hold(chatId: number, position: HeldReadPosition, now = Date.now()): void {
    this.prune(now);
    this.stmts.hold.run(chatId, position.messageRemoteId, position.exact ? 1 : 0, now);
  }

  /** Cheap check so a batch skips the per-chat lookups when nothing waits. */
  any(): boolean {
    return this.stmts.any.get() !== undefined;
  }

  /** The position held for the chat, if any. */
  get(chatId: number): HeldReadPosition | undefined {
    const row = this.stmts.get.get(chatId) as
      { message_remote_id: string; exact: number } | undefined;
    return row && { messageRemoteId: row.message_remote_id, exact: row.exact === 1 };
  }

  /** Forgets the chat's held position (applied, or replaced by something newer). */
  drop(chatId: number): void {
    this.stmts.drop.run(chatId);
  }

  /**
   * A forward-only position applied after the held one: the held one may still
   * be further on (it applies then), but it can no longer move the position
   * back past what came after it.
   */
  loosen(chatId: number): void {
    this.stmts.loosen.run(chatId);
  }

  /** Forgets positions held longer than the maximum age. */
  prune(now = Date.now()): number {
    return this.stmts.prune.run(now - HELD_READ_POSITION_MAX_AGE_MS).changes;
  }
}
