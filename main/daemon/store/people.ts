// People lookups for the API: the user's own ids per account, display names.
import type { ReadDb } from './database.js';
import { statement } from './statements.js';

/** Per account, the remote ids that are the user (usually one). */
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
