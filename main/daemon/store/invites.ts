// Open invitations: chats where the user's membership is 'invite', with who
// invited them (chats.inviter_remote_id, a typed column the connector fills).
import type { ReadDb } from './database.js';
import { statement } from './statements.js';

export interface OpenInvite {
  chatId: number;
  inviterRemoteId: string | null;
  /** The inviter's display name when we know the person, else their remote id. */
  inviterName: string | null;
}

/** Invitations (of one account, or of all), oldest chat first. */
export function openInvites(db: ReadDb, accountId: number | null): OpenInvite[] {
  const rows = statement(
    db,
    `SELECT c.id, c.inviter_remote_id,
            coalesce(ip.display_name, c.inviter_remote_id) AS inviter_name
     FROM chat_members cm
     JOIN chats c ON c.id = cm.chat_id
     JOIN people p ON p.id = cm.person_id AND p.is_self = 1
     LEFT JOIN people ip ON ip.account_id = c.account_id AND ip.remote_id = c.inviter_remote_id
     WHERE cm.membership = 'invite' AND (@accountId IS NULL OR c.account_id = @accountId)
     ORDER BY c.id`,
  ).all({ accountId }) as {
    id: number;
    inviter_remote_id: string | null;
    inviter_name: string | null;
  }[];
  return rows.map((r) => ({
    chatId: r.id,
    inviterRemoteId: r.inviter_remote_id,
    inviterName: r.inviter_name,
  }));
}
