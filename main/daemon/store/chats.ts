// Chat lookups by remote id, for callers that hold a server's id.
import type { ReadDb } from './database.js';
import { statement } from './statements.js';

/** The local id of the account's chat with this remote id (or alias it was stored under). */
export function chatIdByRemote(db: ReadDb, accountId: number, remoteId: string): number | null {
  return (
    (statement(db, `SELECT id FROM chats WHERE account_id = ? AND remote_id = ?`)
      .pluck()
      .get(accountId, remoteId) as number | undefined) ?? null
  );
}
