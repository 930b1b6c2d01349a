// What the store holds of an account, by remote id, a page at a time: for a
// connector that reconciles with a server which cannot say what changed (JMAP
// after cannotCalculateChanges checks each held mail, mailbox and thread).
import type { HeldKind } from '../model/types.js';
import type { ReadDb } from './database.js';
import { statement } from './statements.js';

const SQL: Record<HeldKind, string> = {
  // Each walks its table's (account_id, remote_id) unique index.
  messages: `SELECT remote_id FROM messages
             WHERE account_id = ? AND remote_id > ? AND deleted = 0
             ORDER BY remote_id LIMIT ?`,
  spaces: `SELECT remote_id FROM spaces WHERE account_id = ? AND remote_id > ?
           ORDER BY remote_id LIMIT ?`,
  chats: `SELECT remote_id FROM chats WHERE account_id = ? AND remote_id > ?
          ORDER BY remote_id LIMIT ?`,
};

/**
 * Up to `limit` remote ids of the account's `kind`, in remote id order, after
 * `after` (null: from the start). An empty page is the end.
 */
export function heldRemoteIds(
  db: ReadDb,
  accountId: number,
  kind: HeldKind,
  after: string | null,
  limit: number,
): string[] {
  return statement(db, SQL[kind])
    .pluck()
    .all(accountId, after ?? '', limit) as string[];
}
