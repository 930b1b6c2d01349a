// Reading a message's edit history (message_revisions; editHistory.ts writes
// it): the texts each edit replaced, oldest first. The export and the upgrade
// test read it; the timeline shows only "edited".
import type { ReadDb } from './database.js';
import { statement } from './statements.js';

export interface Revision {
  /** When the edit that replaced this text was made (ms). */
  replacedAt: number;
  body: string;
  html: string | null;
}

/** Each message's replaced texts, oldest first; messages never edited are absent. */
export function revisionsOf(db: ReadDb, messageIds: readonly number[]): Map<number, Revision[]> {
  const byMessage = new Map<number, Revision[]>();
  const select = statement(
    db,
    `SELECT replaced_at AS replacedAt, body, html FROM message_revisions
     WHERE message_id = ? ORDER BY replaced_at, rowid`,
  );
  for (const id of messageIds) {
    const rows = select.all(id) as Revision[];
    if (rows.length > 0) byMessage.set(id, rows);
  }
  return byMessage;
}
