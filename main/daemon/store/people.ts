// People lookups for the API: the user's own ids per account, display names.
import type { ReadDb } from './database.js';
import { statement } from './statements.js';

/** Per account, the remote ids that are the user (usually one). */
/** The user's own remote id on one account (the first, where a protocol has several); null before sign-in. */
export function accountSelfRemoteId(db: ReadDb, accountId: number): string | null {
  const row = statement(
    db,
    `SELECT remote_id FROM people WHERE account_id = ? AND is_self = 1 ORDER BY id LIMIT 1`,
  ).get(accountId) as { remote_id: string } | undefined;
  return row?.remote_id ?? null;
}

export function selfRemoteIds(db: ReadDb): { accountId: number; remoteIds: string[] }[] {
  const rows = statement(
    db,
    `SELECT account_id, remote_id FROM people WHERE is_self = 1 ORDER BY account_id`,
  ).all() as { account_id: number; remote_id: string }[];
  const byAccount = new Map<number, string[]>();
  for (const r of rows)
    byAccount.set(r.account_id, [...(byAccount.get(r.account_id) ?? []), r.remote_id]);
  return [...byAccount].map(([accountId, remoteIds]) => ({ accountId, remoteIds }));
}

export interface ChatMemberRow {
  personRemoteId: string;
  name: string;
  avatarUrl: string | null;
  membership: string;
  role: string | null;
  isSelf: boolean;
}

/** A chat's members: joined first, then invited, then the rest; by name within each. */
export function chatMembers(db: ReadDb, chatId: number): ChatMemberRow[] {
  const rows = statement(
    db,
    `SELECT p.remote_id, p.display_name, p.avatar_url, cm.membership, cm.role, p.is_self
     FROM chat_members cm JOIN people p ON p.id = cm.person_id
     WHERE cm.chat_id = ?
     ORDER BY CASE cm.membership WHEN 'join' THEN 0 WHEN 'invite' THEN 1 ELSE 2 END,
              p.display_name COLLATE NOCASE`,
  ).all(chatId) as {
    remote_id: string;
    display_name: string;
    avatar_url: string | null;
    membership: string;
    role: string | null;
    is_self: number;
  }[];
  return rows.map((r) => ({
    personRemoteId: r.remote_id,
    name: r.display_name,
    avatarUrl: r.avatar_url,
    membership: r.membership,
    role: r.role,
    isSelf: r.is_self === 1,
  }));
}
