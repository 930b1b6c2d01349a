// Spaces (Matrix spaces, JMAP Chat spaces, mailboxes) as a tree with their chats.
import type { ReadDb, WriteDb } from './database.js';
import { statement } from './statements.js';

export interface SpaceListing {
  id: number;
  accountId: number;
  remoteId: string;
  name: string;
  kind: string;
  /** The parent space's local id, when the parent is known. */
  parentId: number | null;
  /** Chats in this space (their ChatSummary.spaceId is this id). */
  chatIds: number[];
}

/** The remote id of the account's space with this local id; null when it has none such. */
export function spaceRemoteId(db: ReadDb, spaceId: number, accountId: number): string | null {
  return (
    (statement(db, `SELECT remote_id FROM spaces WHERE id = ? AND account_id = ?`)
      .pluck()
      .get(spaceId, accountId) as string | undefined) ?? null
  );
}

/** Every space (of one account, or of all), with its parent and its chats. */
export function listSpaces(db: ReadDb, accountId: number | null): SpaceListing[] {
  const spaces = statement(
    db,
    `SELECT s.id, s.account_id, s.remote_id, s.name, s.kind, ps.id AS parent_id
     FROM spaces s
     LEFT JOIN spaces ps ON ps.account_id = s.account_id AND ps.remote_id = s.parent_remote_id
     WHERE @accountId IS NULL OR s.account_id = @accountId ORDER BY s.id`,
  ).all({ accountId }) as {
    id: number;
    account_id: number;
    remote_id: string;
    name: string;
    kind: string;
    parent_id: number | null;
  }[];
  const children = statement(
    db,
    `SELECT s.id AS space_id, c.id AS chat_id FROM chats c
     JOIN spaces s ON s.account_id = c.account_id AND s.remote_id = c.space_remote_id
     WHERE @accountId IS NULL OR c.account_id = @accountId ORDER BY c.id`,
  ).all({ accountId }) as { space_id: number; chat_id: number }[];
  return spaces.map((r) => ({
    id: r.id,
    accountId: r.account_id,
    remoteId: r.remote_id,
    name: r.name,
    kind: r.kind,
    parentId: r.parent_id,
    chatIds: children.filter((c) => c.space_id === r.id).map((c) => c.chat_id),
  }));
}

/**
 * Removes a space the server no longer has (SyncBatch.removedSpaces). Its
 * chats stay, outside any space, until a batch places them again; their local
 * ids come back (their chat list rows changed). Child spaces keep their
 * parent's remote id and show at the top (listSpaces finds no parent).
 */
export function removeSpace(db: WriteDb, accountId: number, remoteId: string): number[] {
  const chatIds = statement(
    db,
    `UPDATE chats SET space_remote_id = NULL WHERE account_id = ? AND space_remote_id = ?
     RETURNING id`,
  )
    .pluck()
    .all(accountId, remoteId) as number[];
  statement(db, `DELETE FROM spaces WHERE account_id = ? AND remote_id = ?`).run(
    accountId,
    remoteId,
  );
  return chatIds;
}
