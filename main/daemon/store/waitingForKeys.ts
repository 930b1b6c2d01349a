// End-to-end encrypted messages still waiting for their key: the connector
// stores them as `encrypted` placeholders until the key arrives and the clear
// message replaces them. Counted through the partial index of migration 015.
import type { ReadDb } from './database.js';
import { statement } from './statements.js';

/** Placeholders waiting for their key in one chat, or in every chat of the profile. */
export function waitingForKeyCount(db: ReadDb, chatId?: number): number {
  const sql =
    chatId === undefined
      ? `SELECT count(*) FROM messages INDEXED BY messages_waiting_for_key
         WHERE kind = 'encrypted' AND deleted = 0`
      : `SELECT count(*) FROM messages INDEXED BY messages_waiting_for_key
         WHERE chat_id = ? AND kind = 'encrypted' AND deleted = 0`;
  const s = statement(db, sql).pluck();
  return (chatId === undefined ? s.get() : s.get(chatId)) as number;
}
