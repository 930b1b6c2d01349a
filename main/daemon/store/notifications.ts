// What the daemon needs to announce new messages: which new messages may notify.
import type { ReadDb } from './database.js';
import { statement } from './statements.js';

export interface NotifiableMessage {
  messageId: number;
  chatId: number;
  chatName: string;
  senderName: string;
  /** The first 200 characters of the text. */
  preview: string;
  mentionsMe: boolean;
  notifyLevel: 'all' | 'mentions' | 'none';
  muted: boolean;
}

/**
 * Of the given messages, those from someone else that their protocol's rules
 * let notify: never deleted or system messages (joins, leaves, renames).
 */
export function notifiableMessages(db: ReadDb, messageIds: number[]): NotifiableMessage[] {
  const rows = statement(
    db,
    `SELECT m.id, m.chat_id, m.sender_name, substr(m.body, 1, 200) AS preview, m.mentions_self,
            c.name AS chat_name, c.notify_level, c.muted
     FROM messages m JOIN chats c ON c.id = m.chat_id
     WHERE m.id IN (SELECT value FROM json_each(?)) AND m.from_self = 0 AND m.deleted = 0
       AND m.kind != 'system' AND coalesce(m.notify, 1) = 1`,
  ).all(JSON.stringify(messageIds)) as {
    id: number;
    chat_id: number;
    sender_name: string;
    preview: string;
    mentions_self: number;
    chat_name: string;
    notify_level: 'all' | 'mentions' | 'none';
    muted: number;
  }[];
  return rows.map((r) => ({
    messageId: r.id,
    chatId: r.chat_id,
    chatName: r.chat_name,
    senderName: r.sender_name,
    preview: r.preview,
    mentionsMe: r.mentions_self === 1,
    notifyLevel: r.notify_level,
    muted: r.muted === 1,
  }));
}
