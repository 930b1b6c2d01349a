// Read receipts of other people in a chat ("seen by"), newest first.
import type { ReadDb } from './database.js';
import { statement } from './statements.js';

export interface ChatReceipt {
  personRemoteId: string;
  /** Display name, or the remote id when we do not know the person. */
  name: string;
  /** The local id of the message read up to, when it is stored. */
  messageId: number | null;
  messageRemoteId: string;
  ts: number;
}

/** Receipts in the chat of everyone but the user. */
export function chatReceipts(db: ReadDb, chatId: number, accountId: number): ChatReceipt[] {
  const rows = statement(
    db,
    `SELECT r.person_remote_id, coalesce(p.display_name, r.person_remote_id) AS name,
            m.id AS message_id, r.message_remote_id, r.ts
     FROM receipts r
     LEFT JOIN people p ON p.account_id = @accountId AND p.remote_id = r.person_remote_id
     LEFT JOIN messages m ON m.account_id = @accountId AND m.remote_id = r.message_remote_id
     WHERE r.chat_id = @chatId AND coalesce(p.is_self, 0) = 0
     ORDER BY r.ts DESC`,
  ).all({ chatId, accountId }) as {
    person_remote_id: string;
    name: string;
    message_id: number | null;
    message_remote_id: string;
    ts: number;
  }[];
  return rows.map((r) => ({
    personRemoteId: r.person_remote_id,
    name: r.name,
    messageId: r.message_id,
    messageRemoteId: r.message_remote_id,
    ts: r.ts,
  }));
}
