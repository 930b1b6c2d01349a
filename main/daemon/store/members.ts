// A chat's members as the people list shows them: who is in it now, with the
// role the server gave (owner, admin, writer, reader where the protocol has
// roles; null where it has none).
import type { ReadDb } from './database.js';
import { statement } from './statements.js';

export interface ChatMember {
  personRemoteId: string;
  name: string;
  role: string | null;
  isSelf: boolean;
}

/** Joined members of a chat, by name. */
export function chatMembers(db: ReadDb, chatId: number): ChatMember[] {
  const rows = statement(
    db,
    `SELECT p.remote_id, p.display_name, cm.role, p.is_self
     FROM chat_members cm JOIN people p ON p.id = cm.person_id
     WHERE cm.chat_id = ? AND cm.membership = 'join'
     ORDER BY p.display_name COLLATE NOCASE, p.remote_id`,
  ).all(chatId) as {
    remote_id: string;
    display_name: string;
    role: string | null;
    is_self: number;
  }[];
  return rows.map((r) => ({
    personRemoteId: r.remote_id,
    name: r.display_name,
    role: r.role,
    isSelf: r.is_self === 1,
  }));
}
