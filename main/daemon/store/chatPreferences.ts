// The user's own choices about chats: mute, pin, archive, notification level,
// drafts and the local read position. Sync never overwrites these.
import type { WriteDb } from './database.js';
import type { BatchWriter } from './batchWriter.js';

export type NotifyLevel = 'all' | 'mentions' | 'none';

export interface ChatFlags {
  muted?: boolean;
  pinned?: boolean;
  archived?: boolean;
  blocked?: boolean;
  notifyLevel?: NotifyLevel;
}

export interface Draft {
  body: string;
  replyToMessageId: number | null;
  updatedAt: number;
}

export class ChatPreferences {
  constructor(
    private readonly db: WriteDb,
    private readonly writer: BatchWriter,
  ) {}

  setFlags(chatId: number, flags: ChatFlags): boolean {
    const sets: string[] = [];
    const values: Record<string, unknown> = { chatId };
    for (const [key, column] of [
      ['muted', 'muted'],
      ['pinned', 'pinned'],
      ['archived', 'archived'],
      ['blocked', 'blocked'],
    ] as const) {
      if (flags[key] !== undefined) {
        sets.push(`${column} = @${key}`);
        values[key] = flags[key] ? 1 : 0;
      }
    }
    if (flags.notifyLevel !== undefined) {
      sets.push('notify_level = @notifyLevel');
      values.notifyLevel = flags.notifyLevel;
    }
    if (sets.length === 0) return this.exists(chatId);
    return (
      this.db.prepare(`UPDATE chats SET ${sets.join(', ')} WHERE id = @chatId`).run(values)
        .changes > 0
    );
  }

  notifyLevel(chatId: number): NotifyLevel | null {
    return (
      (this.db.prepare(`SELECT notify_level FROM chats WHERE id = ?`).pluck().get(chatId) as
        NotifyLevel | undefined) ?? null
    );
  }

  /** Marks everything up to and including the message as read; returns the chat's remote ids. */
  markRead(chatId: number, messageId: number): boolean {
    return this.db.transaction(() => {
      const ok = this.db
        .prepare(`SELECT 1 FROM messages WHERE id = ? AND chat_id = ?`)
        .get(messageId, chatId);
      if (!ok) return false;
      this.writer.chatRows.readUpTo(chatId, messageId);
      // A server's exact position held from before (its message not here yet)
      // must not move back what the user has just read when it arrives.
      this.writer.chatRows.held.loosen(chatId);
      this.writer.chatRows.recount(chatId);
      return true;
    })();
  }

  /** The user marked the message unread: the chat's read position goes back to just before it. */
  markUnread(chatId: number, messageId: number): void {
    this.db.transaction(() => {
      this.writer.chatRows.unreadFrom(chatId, messageId);
      this.writer.chatRows.recount(chatId);
    })();
  }

  draft(chatId: number): Draft | null {
    const row = this.db
      .prepare(`SELECT body, reply_to_message_id, updated_at FROM drafts WHERE chat_id = ?`)
      .get(chatId) as
      { body: string; reply_to_message_id: number | null; updated_at: number } | undefined;
    return row
      ? { body: row.body, replyToMessageId: row.reply_to_message_id, updatedAt: row.updated_at }
      : null;
  }

  /** An empty body clears the draft. */
  saveDraft(chatId: number, body: string, replyToMessageId: number | null): void {
    if (body === '' && replyToMessageId === null) {
      this.db.prepare(`DELETE FROM drafts WHERE chat_id = ?`).run(chatId);
      return;
    }
    this.db
      .prepare(
        `INSERT INTO drafts (chat_id, body, reply_to_message_id, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (chat_id) DO UPDATE SET body = excluded.body,
           reply_to_message_id = excluded.reply_to_message_id, updated_at = excluded.updated_at`,
      )
      .run(chatId, body, replyToMessageId, Date.now());
  }

  private exists(chatId: number): boolean {
    return this.db.prepare(`SELECT 1 FROM chats WHERE id = ?`).get(chatId) !== undefined;
  }
}
